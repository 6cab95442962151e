"""Importing complaint ledgers kept the way real offices keep them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from ledger_builders import HEADERS, ROWS, build_ods, build_xls, build_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar
from effdesk.db.models import Complaint, ComplaintEvent, Unit
from effdesk.enums import (
    AssessmentCategory,
    Channel,
    ComplaintEventKind,
    ComplaintState,
    Satisfaction,
    UnitKind,
    Verification,
)
from effdesk.errors import ImportRejected
from effdesk.services import complaints as svc
from effdesk.services import directory
from effdesk.services import ledger_import as li
from effdesk.services.ledger_import.values import parse_date, parse_limit

TODAY = date(2025, 6, 30)
pytestmark = pytest.mark.usefixtures("categories")


def _case(session: Session, number: str) -> Complaint:
    case = session.scalar(select(Complaint).where(Complaint.number == number))
    assert case is not None, number
    return case


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Complaint.id))) or 0


def test_office_xlsx_ledger_imports_with_titles_merged_units_and_mixed_dates(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    clerk = actors["clerk"]
    directory.create_unit(
        session,
        clerk,
        directory.UnitInput("城关镇人民政府", UnitKind.TOWN, AssessmentCategory.SECOND),
    )
    path = build_xlsx(tmp_path / "台账.xlsx")

    plan = li.analyse(session, clerk, path, li.LedgerKind.COMPLAINTS, today=TODAY)

    sheet = plan.sheets[0]
    assert sheet.header_row_number == 3  # under two title rows
    mapped = {c.header: c.field for c in sheet.columns}
    assert mapped["投诉时间"] == "received"
    assert mapped["被投诉对象"] == "unit"
    assert mapped["反映问题"] == "summary"
    assert mapped["调查结果"] == "verification"
    assert mapped["回复时间"] == "reply_date"
    assert not plan.unsure
    assert (sheet.skipped_blank, sheet.skipped_totals, sheet.skipped_notes) == (1, 1, 1)
    assert plan.skipped_text() == "跳过空行1行、合计/小计行1行、签名/说明行1行"
    assert plan.problems == []
    assert plan.units_to_create == ["县市场监督管理局"]
    assert len(sheet.preview()) == 5
    assert sheet.preview()[0][HEADERS.index("反映问题")] == "窗口人员态度生硬"

    with pytest.raises(li.ConfirmationNeeded, match="县市场监督管理局"):
        li.commit(session, clerk, plan, today=TODAY)
    assert _count(session) == 0

    report = li.commit(session, clerk, plan, confirmed=True, today=TODAY)
    assert report.created == {"投诉件": 5}
    assert report.units_created == ["县市场监督管理局"]

    market = session.scalar(select(Unit).where(Unit.name == "县市场监督管理局"))
    assert market is not None
    # The unit merged over rows 4–6 applies to each of those rows.
    for number in ("效投2025-0001", "效投2025-0002", "效投2025-0003"):
        assert _case(session, number).unit_id == market.id
    assert _case(session, "效投2025-0004").unit.name == "城关镇人民政府"

    # Dates written every way.
    assert _case(session, "效投2025-0001").received_date == date(2025, 3, 5)
    assert _case(session, "效投2025-0002").received_date == date(2025, 3, 6)
    assert _case(session, "效投2025-0003").received_date == date(2025, 3, 7)
    assert _case(session, "效投2025-0004").received_date == date(2025, 3, 18)  # serial 45734
    assert _case(session, "效投2025-0005").received_date == date(2025, 3, 12)
    assert _case(session, "效投2025-0002").concluded_date == date(2025, 3, 28)

    # State from the filled columns; anonymous kept anonymous.
    first, second, third = (_case(session, f"效投2025-000{i}") for i in (1, 2, 3))
    assert first.state == ComplaintState.ANSWERED
    assert first.satisfaction == Satisfaction.SATISFIED
    assert first.verification == Verification.SUBSTANTIATED
    assert first.channel == Channel.PHONE
    assert first.complainant_phone == "13812345678"
    assert second.state == ComplaintState.CONCLUDED
    assert second.anonymous and second.complainant_name == ""
    assert third.state == ComplaintState.REGISTERED
    assert third.channel == Channel.HOTLINE_12345

    # Deadlines from the working-day calendar; on time or not.
    calendar = WorkCalendar()
    assert first.due_date == calendar.add_working_days(date(2025, 3, 5), 15)
    assert not first.ever_overdue  # concluded 3-20, due 3-26
    assert second.due_date == calendar.add_working_days(date(2025, 3, 6), 15)
    assert second.due_date < date(2025, 3, 28)
    assert second.ever_overdue
    assert third.limit_days == 10
    assert third.due_date == calendar.add_working_days(date(2025, 3, 7), 10)
    assert third.ever_overdue  # still open at TODAY

    # Marked as imported in the history, with the file and row.
    event = session.scalar(
        select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == first.id,
            ComplaintEvent.kind == ComplaintEventKind.IMPORTED,
        )
    )
    assert event is not None
    assert "第4行" in event.text and "台账.xlsx" in event.text
    overdue = session.scalars(
        select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == second.id)
    ).all()
    assert ComplaintEventKind.OVERDUE in overdue

    # Numbers registered afterwards continue after the imported ones.
    new = svc.register_complaint(
        session,
        clerk,
        svc.ComplaintInput(
            received_at=datetime(2025, 4, 1, 9, 0),
            channel=Channel.PHONE,
            summary="新登记",
            category_id=first.category_id,
            unit_id=market.id,
        ),
        at=datetime(2025, 4, 1, 9, 5),
    )
    assert new.number == "效投2025-0006"


@pytest.mark.parametrize("builder", [build_xls, build_ods], ids=["xls", "ods"])
def test_xls_and_ods_ledgers_read_the_same(
    session: Session, actors: dict[str, Actor], tmp_path: Path, builder: object
) -> None:
    suffix = ".xls" if builder is build_xls else ".ods"
    path = builder(tmp_path / f"台账{suffix}")  # type: ignore[operator]
    report = li.import_file(
        session, actors["clerk"], path, li.LedgerKind.COMPLAINTS, confirmed=True, today=TODAY
    )
    assert report.created == {"投诉件": len(ROWS)}
    market = session.scalar(select(Unit.id).where(Unit.name == "县市场监督管理局"))
    # The merged unit cell of the first three rows, from the .xls/.ods merge records.
    for i in (1, 2, 3):
        assert _case(session, f"效投2025-000{i}").unit_id == market
    assert _case(session, "效投2025-0002").received_date == date(2025, 3, 6)
    assert _case(session, "效投2025-0003").received_date == date(2025, 3, 7)
    assert _case(session, "效投2025-0004").received_date == date(2025, 3, 18)


def test_defective_ledger_is_refused_row_by_row_and_nothing_is_written(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][5] = rows[2][5] = rows[0][5]  # no merged cells in this one
    rows[0][1] = "2025-13-01"  # no such month            → row 4
    rows[1][7] = ""  # no summary                          → row 5
    rows[2][4] = "1381234"  # not a phone number           → row 6 (row 7 is the spacer)
    rows[3][6] = "态度恶劣的问题"  # not a category        → row 8
    rows[4][9] = "2025-03-01"  # concluded before received → row 9
    path = build_xlsx(tmp_path / "有问题的台账.xlsx", rows, merged=False)

    with pytest.raises(ImportRejected) as caught:
        li.import_file(
            session, actors["clerk"], path, li.LedgerKind.COMPLAINTS, confirmed=True, today=TODAY
        )
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {
        (4, "投诉时间"),
        (5, "反映问题"),
        (6, "联系电话"),
        (8, "投诉类别"),
        (9, "办结时间"),
    }
    text = str(caught.value)
    assert "第4行「投诉时间」列：「2025-13-01」不是有效的日期" in text
    assert "共5处问题" in text
    assert _count(session) == 0
    assert session.scalar(select(func.count(Unit.id))) == 0


def test_unsure_header_is_confirmed_then_remembered(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["受理日期", "被投诉单位", "群众反映的主要问题情况"])
    sheet.append(["2025-05-06", "县公安局", "户籍窗口推诿"])
    path = tmp_path / "简易台账.xlsx"
    book.save(path)
    clerk = actors["clerk"]

    plan = li.analyse(session, clerk, path, li.LedgerKind.COMPLAINTS, today=TODAY)
    unsure = [c for _, c in plan.unsure]
    assert [(c.header, c.field) for c in unsure] == [("群众反映的主要问题情况", "summary")]
    assert 0 < unsure[0].confidence < 0.9
    with pytest.raises(li.ConfirmationNeeded, match="群众反映的主要问题情况"):
        li.commit(session, clerk, plan, today=TODAY)

    # The user confirms the column in the mapping table.
    plan = li.analyse(
        session,
        clerk,
        path,
        li.LedgerKind.COMPLAINTS,
        mapping={sheet.title: {2: "summary"}},
        today=TODAY,
    )
    assert not plan.unsure
    li.commit(session, clerk, plan, confirmed=True, today=TODAY)

    # Next time the same layout is known.
    again = li.analyse(session, clerk, path, li.LedgerKind.COMPLAINTS, today=TODAY)
    column = again.sheets[0].layout.column_for("summary")
    assert column is not None and column.sure and column.reason == "上次导入时确认"
    # …and the same cases are not imported twice (numbers given at the first import).
    assert _count(session) == 1


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-05",
        "2026/3/5",
        "2026.3.5",
        "2026年3月5日",
        "2026年03月05日",
        46086,
        "46086",
        "20260305",
        date(2026, 3, 5),
        datetime(2026, 3, 5, 14, 30),
        "2026-03-05 14:30",
    ],
)
def test_dates_in_every_form(text: object) -> None:
    assert parse_date(text) == date(2026, 3, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["2026-02-30", "三月五日", "2026-3", 12, "明天"])
def test_bad_dates_say_why(text: object) -> None:
    with pytest.raises(ValueError, match="日期"):
        parse_date(text)  # type: ignore[arg-type]


def test_limits() -> None:
    assert parse_limit("15个工作日") == 15
    assert parse_limit(15) == 15
    assert parse_limit("10天") == 10
    assert parse_limit("2026/3/20") == date(2026, 3, 20)
    with pytest.raises(ValueError, match="办理时限"):
        parse_limit("尽快")


def test_inspector_may_not_import(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    from effdesk.errors import PermissionDenied

    path = build_xlsx(tmp_path / "台账.xlsx")
    with pytest.raises(PermissionDenied):
        li.analyse(session, actors["inspector"], path, li.LedgerKind.COMPLAINTS)


def test_not_a_ledger_is_refused_with_the_file_name(
    session: Session, actors: dict[str, Actor], tmp_path: Path
) -> None:
    from openpyxl import Workbook

    from effdesk.errors import EffDeskError

    book = Workbook()
    book.active.append(["购物清单"])
    book.active.append(["苹果", "香蕉"])
    path = tmp_path / "清单.xlsx"
    book.save(path)
    with pytest.raises(EffDeskError, match=r"清单\.xlsx.*找不到投诉台账的表头行"):
        li.analyse(session, actors["clerk"], path, li.LedgerKind.COMPLAINTS)
    broken = tmp_path / "坏文件.xls"
    broken.write_bytes(b"not an excel file")
    with pytest.raises(EffDeskError, match=r"坏文件\.xls"):
        li.analyse(session, actors["clerk"], broken, li.LedgerKind.COMPLAINTS)
