"""Excel ledgers read back with openpyxl: the layout a leader expects, identities only for
roles allowed them, no half-written file, and an exported ledger re-imported gives the same
cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from complaint_helpers import T0, case_in, make_world
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.engine import open_database
from effdesk.db.models import AuditEntry, Complaint, User, UserRole
from effdesk.enums import AuditAction, ComplaintState, Role
from effdesk.reports.excel import ExportCancelled, display_width, write_ledger, write_table
from effdesk.services import ledger_export as le
from effdesk.services import ledger_import as li
from effdesk.services.categories import ensure_default_categories
from effdesk.services.ledger_export import ColumnSpec

START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def office(session: Session, actors: dict[str, Actor]) -> object:
    world = make_world(session, actors)
    cases = {
        state: case_in(world, state, T0 + timedelta(days=i))
        for i, state in enumerate(
            [
                ComplaintState.REGISTERED,
                ComplaintState.INVESTIGATING,
                ComplaintState.CONCLUDED,
                ComplaintState.ANSWERED,
                ComplaintState.REJECTED,
            ]
        )
    }
    world.register(anonymous=True, complainant_name="", complainant_company="")
    return cases


def _export(session: Session, actor: Actor, path: Path) -> Path:
    ledger = le.build_ledger(session, actor, le.LedgerExportKind.COMPLAINTS, START, END)
    write_ledger(path, ledger)
    le.record_export(session, actor, ledger, path.name)
    return path


def test_complaint_ledger_layout(
    session: Session, actors: dict[str, Actor], office: object, tmp_path: Path
) -> None:
    path = _export(session, actors["clerk"], tmp_path / "投诉台账.xlsx")
    book = load_workbook(path)
    sheet = book.active
    assert sheet.title == "投诉台账"
    # Title row merged over the table, bold; bold headers on row 3.
    assert "效能投诉受理台账" in sheet["A1"].value
    assert sheet["A1"].font.b and sheet["A1"].font.sz >= 14
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    headers = [c.value for c in sheet[3]]
    assert headers[:6] == ["编号", "受理日期", "来源渠道", "投诉人", "联系电话", "投诉人单位"]
    assert all(c.font.b for c in sheet[3])
    # Frozen under the header, filters on the header row.
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:{sheet.cell(3, len(headers)).column_letter}{sheet.max_row}"
    # Dates are real Excel dates.
    received = sheet.cell(4, 2)
    assert isinstance(received.value, datetime)
    assert received.number_format == "yyyy-mm-dd"
    # Widths fit the Chinese text of each column's header and cells.
    for col in range(1, len(headers) + 1):
        letter = sheet.cell(3, col).column_letter
        width = sheet.column_dimensions[letter].width
        assert width >= display_width(headers[col - 1])
    number_width = max(display_width(str(sheet.cell(r, 1).value)) for r in range(4, 10))
    assert sheet.column_dimensions["A"].width >= number_width
    # A4 landscape, one page wide, header rows on every page.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (1 is OOXML's default, left implicit), as many pages tall as needed.
    assert sheet.page_setup.fitToWidth in (None, 1)
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.max_row == 3 + 6
    # The anonymous complainant is never named.
    names = [sheet.cell(r, 4).value for r in range(4, sheet.max_row + 1)]
    assert "匿名" in names
    # The export is audited.
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT))
    assert entry is not None and "含投诉人身份信息" in entry.summary


def test_inspector_export_has_no_identity_column(
    session: Session, actors: dict[str, Actor], office: object, tmp_path: Path
) -> None:
    path = _export(session, actors["inspector"], tmp_path / "督查员.xlsx")
    sheet = load_workbook(path).active
    headers = [c.value for c in sheet[3]]
    assert "投诉人" not in headers and "联系电话" not in headers and "投诉人单位" not in headers
    everything = " ".join(
        str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None
    )
    assert "张三丰" not in everything and "13812345678" not in everything
    assert "三丰商贸" not in everything
    assert sheet.max_row == 3 + 6


def test_exported_ledger_reimported_gives_the_same_cases(
    session: Session, actors: dict[str, Actor], office: object, tmp_path: Path
) -> None:
    path = _export(session, actors["clerk"], tmp_path / "投诉台账.xlsx")
    fields = (
        "number",
        "received_date",
        "channel",
        "anonymous",
        "complainant_name",
        "complainant_phone",
        "complainant_company",
        "summary",
        "state",
        "due_date",
        "concluded_date",
        "verification",
        "handling_result",
        "reply_date",
        "reply_method",
        "satisfaction",
        "handling_mode",
        "leader_instruction",
    )

    def picture(s: Session) -> list[tuple[object, ...]]:
        cases = s.scalars(select(Complaint).order_by(Complaint.number)).all()
        return [
            (
                *(getattr(c, f) for f in fields),
                c.unit.name if c.unit else "",
                c.category.name if c.category else "",
                c.handler_unit.name if c.handler_unit else "",
            )
            for c in cases
        ]

    before = picture(session)
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}", create=True)
    try:
        with other.session() as s2:
            ensure_default_categories(s2)
            user = User(username="clerk2", display_name="clerk2", must_change_password=False)
            user.roles = [UserRole(role=Role.CLERK)]
            s2.add(user)
            s2.flush()
            clerk = Actor(user.id, "clerk2", frozenset({Role.CLERK}))
            li.import_file(
                s2, clerk, path, li.LedgerKind.COMPLAINTS, confirmed=True, today=date(2026, 12, 1)
            )
        with other.session() as s2:
            assert picture(s2) == before
    finally:
        other.dispose()


def test_other_ledgers_export(
    session: Session, actors: dict[str, Actor], office: object, tmp_path: Path
) -> None:
    for kind in (
        le.LedgerExportKind.FINDINGS,
        le.LedgerExportKind.MEASURES,
        le.LedgerExportKind.RECTIFICATIONS,
    ):
        ledger = le.build_ledger(session, actors["leader"], kind, START, END)
        path = write_ledger(tmp_path / f"{kind.value}.xlsx", ledger).path
        sheet = load_workbook(path).active
        assert kind.label in sheet["A1"].value
        assert sheet.freeze_panes == "A4"
        assert sheet.cell(3, 1).font.b


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    calls = 0

    def cancel_on_second_check() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 2

    rows = ([i, date(2026, 1, 1) + timedelta(days=i % 300), f"第{i}行"] for i in range(5000))
    target = tmp_path / "大台账.xlsx"
    with pytest.raises(ExportCancelled):
        write_table(
            target,
            "测试",
            [ColumnSpec("序号", "int"), ColumnSpec("日期", "date"), ColumnSpec("内容")],
            rows,
            total=5000,
            should_cancel=cancel_on_second_check,
        )
    assert list(tmp_path.iterdir()) == []


def test_error_in_rows_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    write_table(target, "旧", [ColumnSpec("内容")], [["旧文件"]])

    def broken() -> object:
        yield ["第一行"]
        raise RuntimeError("数据库断开")

    with pytest.raises(RuntimeError):
        write_table(target, "新", [ColumnSpec("内容")], broken())  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    assert load_workbook(target).active["A4"].value == "旧文件"
