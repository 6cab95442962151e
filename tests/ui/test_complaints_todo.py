"""我的待办: late, due today and near cases of the handler; for leaders what awaits their
instruction, sign-off or extension decision. Double-click opens the case."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.enums import Verification
from effdesk.services import complaints
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.complaints.todo_view import TodoWidget


def test_clerk_sees_late_and_near_cases_and_opens_one(qtbot: QtBot, office: Office) -> None:
    long_ago = (datetime.now() - timedelta(days=45)).replace(second=0, microsecond=0)
    late = office.register(at=long_ago, to="routed", summary="超期未办结")
    near = office.register(to="submitted", summary="刚登记已呈批")
    office.register(to="investigating", summary="时限还早")
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    qtbot.waitExposed(page)
    todo = page.todo
    groups = todo.group_labels()
    assert groups[0] == "已超期（1）"
    assert any(g.startswith("临期") for g in groups)
    assert page.tabs.tabText(page.TODO_TAB) == f"我的待办（{len(todo.items)}）"
    assert {i.complaint_id for i in todo.items} == {late, near}
    assert "共 2 项，其中超期 1 项" in todo.title.text()
    first = todo.item_at(0, 0)
    assert first.text(1) == "超期未办结" and "已超期" in first.text(4)

    page.tabs.setCurrentWidget(todo)
    rect = todo.tree.visualItemRect(first)
    qtbot.mouseClick(todo.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(todo.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = page.tabs.currentWidget()
    assert view in page.case_views() and view.complaint_id == late  # type: ignore[union-attr]


def test_leader_sees_what_awaits_them(qtbot: QtBot, office: Office) -> None:
    awaiting = office.register(to="submitted", summary="待领导批示件")
    review = office.register(to="investigating", summary="待审核件")
    with office.db.session() as s:
        complaints.draft_conclusion(
            s,
            office.actors["clerk"],
            review,
            verification=Verification.SUBSTANTIATED,
            handling_result="已整改。",
            expected_version=None,
        )
    widget = TodoWidget(office.ctx("leader"))
    qtbot.addWidget(widget)
    widget.show()
    kinds = {i.complaint_id: i.kind.label for i in widget.items}
    assert kinds == {awaiting: "待批示", review: "待审核办结"}
    assert "待批示（1）" in widget.group_labels() and "待审核办结（1）" in widget.group_labels()
    with qtbot.waitSignal(widget.caseRequested) as blocker:
        widget.tree.itemActivated.emit(
            widget.item_at(widget.group_labels().index("待批示（1）"), 0), 0
        )
    assert blocker.args == [awaiting]


def test_nothing_to_do(qtbot: QtBot, office: Office) -> None:
    widget = TodoWidget(office.ctx("inspector"))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.items == []
    assert widget.empty_label.isVisible() and not widget.tree.isVisible()


def test_dashboard_shows_the_todo_and_opens_a_case_in_the_complaints_module(
    qtbot: QtBot, office: Office
) -> None:
    from effdesk.ui.main_window import MainWindow

    long_ago = (datetime.now() - timedelta(days=45)).replace(second=0, microsecond=0)
    late = office.register(at=long_ago, to="routed", summary="超期未办结")
    window = MainWindow(office.ctx("clerk"))
    qtbot.addWidget(window)
    window.resize(1300, 900)
    window.show()
    qtbot.waitExposed(window)
    dashboard = window.show_module("dashboard")
    todo = dashboard.todo  # type: ignore[attr-defined]
    assert isinstance(todo, TodoWidget)
    assert todo.group_labels()[0] == "已超期（1）"
    first = todo.item_at(0, 0)
    assert first.text(1) == "超期未办结"
    assert todo.tree.isVisible()
    rect = todo.tree.visualItemRect(first)
    qtbot.mouseClick(todo.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(todo.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_module() == "complaints"
    page = window.page("complaints")
    assert isinstance(page, ComplaintsPage)
    view = page.tabs.currentWidget()
    assert view in page.case_views() and view.complaint_id == late  # type: ignore[union-attr]


def test_an_instructed_case_shows_one_state_and_is_listed_once(
    qtbot: QtBot, office: Office
) -> None:
    cid = office.register(to="instructed", summary="已批示待交办件")
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: bool(page.list_view.rows()))
    row = next(r for r in page.list_view.rows() if r.id == cid)
    assert row.state.label == "已批示待交办"
    todo = page.todo
    assert [i.complaint_id for i in todo.items] == [cid]  # once, though near and to be routed
    assert "共 1 项" in todo.title.text()
    line = todo.item_at(0, 0)
    assert line.text(2) == "已批示待交办"
    assert "待交办/转办" in line.text(4) and "个工作日" in line.text(4)
    view = page.open_case(cid)
    assert view.state_badge.text() == "已批示待交办"
