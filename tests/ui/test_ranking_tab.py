"""考评排名 (RankingTab) driven as a user: compute, the bottom three in red, a unit's
deductions and their basis opened, closing, the recompute dialog with its reason, the year."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pdfplumber
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, ProblemCategory
from effdesk.enums import (
    AssessmentCategory,
    Channel,
    DocumentState,
    DocumentType,
    FindingStatus,
    HandlingMode,
    UnitKind,
)
from effdesk.enums import Verification as V
from effdesk.services import assessment, bulletin, documents, inspections
from effdesk.services import complaints as svc
from effdesk.services.directory import UnitInput, create_unit
from effdesk.ui.context import AppContext
from effdesk.ui.statistics import ranking_tab
from effdesk.ui.statistics.ranking_tab import RankingTab

FIRST, SECOND = AssessmentCategory.FIRST, AssessmentCategory.SECOND


def last_month() -> tuple[str, datetime]:
    first = date.today().replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}", datetime(first.year, first.month, 10, 9)


def build(db: Database, actors: dict[str, Actor]) -> dict[str, int]:
    """一类: 甲 98 (a 属实 complaint), 乙 99 (a finding), 丙 100, 丁 98 (two findings);
    二类: 戊 99 (a finding)."""
    _, day = last_month()
    ids: dict[str, int] = {}
    with db.session() as s:
        for name, cat in (
            ("甲局", FIRST),
            ("乙局", FIRST),
            ("丙局", FIRST),
            ("丁局", FIRST),
            ("戊镇", SECOND),
        ):
            ids[name] = create_unit(
                s, SYSTEM, UnitInput(name=name, kind=UnitKind.DEPARTMENT, category=cat)
            ).id
        for name, n in (("乙局", 1), ("丁局", 2), ("戊镇", 1)):
            for i in range(n):
                f = inspections.create_finding(
                    s,
                    actors["inspector"],
                    inspections.FindingInput(
                        unit_id=ids[name],
                        observed_at=day + timedelta(hours=i),
                        description="工作时间脱岗",
                    ),
                )
                inspections.change_finding_status(
                    s, actors["inspector"], f.id, FindingStatus.VERIFIED
                )
        category = ProblemCategory(code="slow", name="办事拖拉")
        s.add(category)
        s.flush()
        c = svc.register_complaint(
            s,
            actors["clerk"],
            svc.ComplaintInput(
                received_at=day,
                channel=Channel.PHONE,
                summary="窗口推诿",
                category_id=category.id,
                unit_id=ids["甲局"],
                content="群众反映甲局窗口推诿扯皮。",
                complainant_name="赵某某",
                complainant_phone="13800001111",
            ),
            at=day,
        )
        clerk, leader = actors["clerk"], actors["leader"]
        steps: list[Callable[[datetime], object]] = [
            lambda t: svc.submit_for_instruction(s, clerk, c.id, expected_version=None, at=t),
            lambda t: svc.instruct(s, leader, c.id, "请核查", expected_version=None, at=t),
            lambda t: svc.route(
                s, clerk, c.id, mode=HandlingMode.SELF, expected_version=None, at=t
            ),
            lambda t: svc.start_investigation(s, clerk, c.id, expected_version=None, at=t),
            lambda t: svc.draft_conclusion(
                s,
                clerk,
                c.id,
                verification=V.SUBSTANTIATED,
                handling_result="批评教育",
                expected_version=None,
                at=t,
            ),
            lambda t: svc.sign_off(s, leader, c.id, expected_version=None, at=t),
        ]
        for i, step in enumerate(steps, start=1):
            step(day + timedelta(minutes=10 * i))
        ids["complaint"] = c.id
    return ids


@pytest.fixture
def leader_tab(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> tuple[RankingTab, dict[str, int]]:
    ids = build(db, ui_actors)
    tab = RankingTab(make_ctx(ui_actors["leader"]))
    qtbot.addWidget(tab)
    tab.resize(1400, 800)
    tab.show()
    tab.select_month(last_month()[0])
    return tab, ids


def rows(tab: RankingTab, cat: AssessmentCategory) -> list[tuple[str, ...]]:
    t = tab.tables[cat]
    return [tuple(t.item(r, c).text() for c in (0, 1, 2, 5)) for r in range(t.rowCount())]


def test_compute_shows_ranking_with_bottom_three_in_red(
    qtbot: QtBot, leader_tab: tuple[RankingTab, dict[str, int]]
) -> None:
    tab, _ = leader_tab
    assert "未计算" in tab.state.text()  # a preview until computed
    assert not tab.close_button.isEnabled()
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    assert "已计算·未定稿" in tab.state.text(), tab.last_error
    assert rows(tab, FIRST) == [
        ("1", "丙局", "100.00", ""),
        ("2", "乙局", "99.00", "扣分预警"),
        ("3", "丁局", "98.00", "扣分预警"),
        ("3", "甲局", "98.00", "扣分预警"),
    ]
    assert rows(tab, SECOND) == [("1", "戊镇", "99.00", "扣分预警")]
    t = tab.tables[FIRST]
    assert t.item(1, 1).foreground().color() == ranking_tab.RED
    assert t.item(0, 1).foreground().color() != ranking_tab.RED
    assert tab.close_button.isEnabled() and not tab.recompute_button.isEnabled()


def test_deductions_of_a_unit_and_their_basis_open(
    qtbot: QtBot, leader_tab: tuple[RankingTab, dict[str, int]]
) -> None:
    tab, ids = leader_tab
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    tab.select_unit("丁局")
    assert "丁局：得分 98.00" in tab.detail_title.text()
    assert tab.details.rowCount() == 2
    assert tab.details.item(0, 0).text() == "督查发现问题"
    tab.select_unit("甲局")
    assert tab.details.item(0, 0).text() == "属实投诉"
    tab.details.selectRow(0)
    # Nobody listening (the tab on its own): the complaint opens in a window.
    rect = tab.details.visualItemRect(tab.details.item(0, 2))
    # A real double-click starts with a press (QTest's double-click event alone is ignored).
    qtbot.mouseClick(tab.details.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.details.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(tab.windows) == 1 and tab.windows[0].complaint_id == ids["complaint"]
    tab.windows[0].close()
    # Inside the app the shell listens: the tab asks it to open the case.
    received: list[tuple[str, int]] = []
    tab.open_record_requested.connect(lambda m, i: received.append((m, i)))
    tab.open_selected_basis()
    assert received == [("complaints", ids["complaint"])]


def test_close_then_recompute_with_a_reason(
    qtbot: QtBot,
    leader_tab: tuple[RankingTab, dict[str, int]],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab, _ = leader_tab
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(tab.close_button, Qt.MouseButton.LeftButton)
    assert "已定稿" in tab.state.text(), tab.last_error
    assert not tab.compute_button.isEnabled() and tab.recompute_button.isEnabled()

    def answer(dialog: ranking_tab.ReasonDialog) -> int:
        dialog.reason.setPlainText("补录督查发现问题后重算")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ranking_tab.ReasonDialog, "exec", answer)
    qtbot.mouseClick(tab.recompute_button, Qt.MouseButton.LeftButton)
    assert tab.last_error is None
    with db.session() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "assessment_run")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and "补录督查发现问题后重算" in entry.summary
        assert entry.username == "leader"


def test_clerk_computes_but_cannot_close(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    build(db, ui_actors)
    tab = RankingTab(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(tab)
    tab.select_month(last_month()[0])
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    assert "已计算" in tab.state.text()
    assert not tab.close_button.isEnabled() and not tab.recompute_button.isEnabled()


def test_year_view_lists_units_with_their_months(
    qtbot: QtBot, leader_tab: tuple[RankingTab, dict[str, int]]
) -> None:
    tab, _ = leader_tab
    qtbot.mouseClick(tab.compute_button, Qt.MouseButton.LeftButton)
    period = last_month()[0]
    tab.year_spin.setValue(int(period[:4]))
    tab.reload_year()
    t = tab.year_table
    names = [t.item(r, 1).text() for r in range(t.rowCount())]
    assert set(names) == {"甲局", "乙局", "丙局", "丁局", "戊镇"}
    month_col = 2 + int(period[5:])
    r = names.index("丁局")
    assert t.item(r, month_col).text() == "98.00" and t.item(r, 15).text() == "98.00"
    assert f"{int(period[5:])}月" in tab.year_note.text()


def test_rules_dialog_changes_the_office_rules(
    qtbot: QtBot,
    leader_tab: tuple[RankingTab, dict[str, int]],
    db: Database,
) -> None:
    from effdesk.ui.statistics.rules_dialog import RulesDialog

    tab, _ = leader_tab
    dialog = RulesDialog(tab.ctx, tab)
    qtbot.addWidget(dialog)
    dialog.points["finding"].setValue(3)
    dialog.caps["finding"].setValue(dialog.caps["finding"].minimum())  # 不限
    assert dialog.caps["finding"].text() == "不限"
    # 二类 units get their own rules: findings cost 0.5 there.
    dialog.scope.setCurrentIndex(dialog.scope.findData(SECOND.value))
    assert not dialog.table.isEnabled()  # following the office-wide rules until asked
    dialog.own.setChecked(True)
    dialog.points["finding"].setValue(0.5)
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as s:
        rules = assessment.current_rules(s)
    assert rules["kinds"]["finding"] == {"enabled": True, "points": 3.0, "cap": None}
    assert rules["categories"]["second"]["kinds"]["finding"]["points"] == 0.5
    tab.reload()
    assert rows(tab, FIRST) == [  # the preview follows the new rules
        ("1", "丙局", "100.00", ""),
        ("2", "甲局", "98.00", "扣分预警"),
        ("3", "乙局", "97.00", "扣分预警"),
        ("4", "丁局", "94.00", "扣分预警"),
    ]
    assert rows(tab, SECOND) == [("1", "戊镇", "99.50", "扣分预警")]


def test_bulletin_draft_from_the_tab(
    qtbot: QtBot,
    leader_tab: tuple[RankingTab, dict[str, int]],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tab, _ = leader_tab
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text)
    )
    qtbot.mouseClick(tab.bulletin_button, Qt.MouseButton.LeftButton)
    assert tab.last_bulletin is not None, tab.last_error
    doc_id, title = tab.last_bulletin
    with db.session() as s:
        doc = documents.get_document(s, SYSTEM, doc_id)
        assert doc.doc_type is DocumentType.BULLETIN and doc.state is DocumentState.DRAFT
        assert bulletin.bulletin_period(doc) == last_month()[0]
    assert title in shown[0]


def test_bulletin_draft_previews_as_the_bulletin_in_documents(
    qtbot: QtBot,
    leader_tab: tuple[RankingTab, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from effdesk.ui.documents.page import create_page

    tab, _ = leader_tab
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    tab.draft_bulletin()
    assert tab.last_bulletin is not None
    page = create_page(tab.ctx)
    qtbot.addWidget(page)
    page.open_document(tab.last_bulletin[0])
    with qtbot.waitSignal(page.previewReady, timeout=60_000):
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    pdf = page.preview_pane.pdf_bytes
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "效能建设工作简报" in text and "作风监测指数排名" in text
