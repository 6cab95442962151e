"""The complaint list: due colours, filters, search, masking for roles without identity rights,
lazy paging with an exact count in the background, Ctrl+N."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.enums import Channel, ComplaintState, DueStatus
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintInput
from effdesk.ui.complaints.list_view import ComplaintListView
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.models.paged import ORANGE_BG, RED, RED_BG

BG = Qt.ItemDataRole.BackgroundRole
FG = Qt.ItemDataRole.ForegroundRole


@pytest.fixture
def list_for(qtbot: QtBot, office: Office) -> Callable[[str], ComplaintListView]:
    def make(role: str) -> ComplaintListView:
        view = ComplaintListView(office.ctx(role))
        qtbot.addWidget(view)
        view.resize(1400, 700)
        view.show()
        qtbot.waitExposed(view)
        view.refresh()
        return view

    return make


@pytest.fixture
def three(office: Office) -> dict[str, int]:
    """An overdue, a near and a normal case."""
    long_ago = (datetime.now() - timedelta(days=45)).replace(second=0, microsecond=0)
    return {
        "overdue": office.register(
            at=long_ago, to="routed", summary="超期未办结的交办件", phone="13000000001"
        ),
        "near": office.register(to="submitted", summary="待批示临期件", phone="13000000002"),
        "normal": office.register(
            to="investigating", summary="正常办理件", unit="县政务服务中心", phone="13000000003"
        ),
    }


def row_of(view: ComplaintListView, complaint_id: int) -> int:
    return [r.id for r in view.rows()].index(complaint_id)


def test_due_status_colours(
    list_for: Callable[[str], ComplaintListView], three: dict[str, int]
) -> None:
    view = list_for("clerk")
    assert view.count_label.text() == "共 3 件"
    late = row_of(view, three["overdue"])
    assert view.rows()[late].due_status == DueStatus.OVERDUE
    assert view.cell(late, "时限状态") == "超期"
    assert view.cell(late, "时限状态", BG) == QBrush(RED_BG)
    assert view.cell(late, "时限", BG) == QBrush(RED_BG)
    assert view.cell(late, "时限", FG) == QBrush(RED)
    assert str(view.cell(late, "时限")).startswith("办结 ")
    near = row_of(view, three["near"])
    assert view.cell(near, "时限状态") == "临期"
    assert view.cell(near, "时限状态", BG) == QBrush(ORANGE_BG)
    assert str(view.cell(near, "时限")).startswith("受理 ")
    normal = row_of(view, three["normal"])
    assert view.cell(normal, "时限状态") == "正常"
    assert view.cell(normal, "时限状态", BG) is None


def test_filters(
    qtbot: QtBot,
    list_for: Callable[[str], ComplaintListView],
    three: dict[str, int],
    office: Office,
) -> None:
    view = list_for("clerk")
    view.set_due_filter("overdue")
    assert [r.id for r in view.rows()] == [three["overdue"]]
    assert view.count_label.text() == "共 1 件"
    view.set_due_filter("late")
    assert {r.id for r in view.rows()} == {three["overdue"], three["near"]}
    view.set_due_filter("")
    view.set_state_filter(ComplaintState.AWAITING_INSTRUCTION.value)
    assert [r.id for r in view.rows()] == [three["near"]]
    view.set_state_filter("open")
    assert len(view.rows()) == 3
    view.unit_picker.set_current(office.units["县政务服务中心"], "县政务服务中心")
    assert [r.id for r in view.rows()] == [three["normal"]]
    view.unit_picker.clear()  # clearing the box drops the unit filter
    assert len(view.rows()) == 3
    view.channel_combo.setCurrentIndex(view.channel_combo.findData(Channel.LETTER.value))
    assert view.rows() == [] and view.count_label.text() == "共 0 件"
    view.reset_filters()
    assert len(view.rows()) == 3
    # Received-date range: only the old case before last month.
    from_date = view.from_edit.date().addDays(0)
    view.to_edit.setDate(view.to_edit.date().currentDate().addDays(-30))
    assert [r.id for r in view.rows()] == [three["overdue"]]
    view.from_edit.setDate(from_date)


def test_search_box(
    qtbot: QtBot,
    list_for: Callable[[str], ComplaintListView],
    three: dict[str, int],
    office: Office,
) -> None:
    view = list_for("clerk")
    number = next(r.number for r in view.rows() if r.id == three["normal"])
    view.view.set_query(number)
    assert [r.id for r in view.rows()] == [three["normal"]]
    assert view.count_label.text().startswith(f"「{number}」")
    view.view.set_query("13000000002")  # the complainant's phone, for a clerk
    assert [r.id for r in view.rows()] == [three["near"]]
    view.view.set_query("临期件")
    assert [r.id for r in view.rows()] == [three["near"]]
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Escape)  # Esc clears the search
    assert len(view.rows()) == 3


def test_inspector_sees_masked_identity(
    list_for: Callable[[str], ComplaintListView], three: dict[str, int], office: Office
) -> None:
    anonymous = office.register(anonymous=True, phone="13000000009")
    view = list_for("inspector")
    assert not view.new_button.isVisible()
    rows = {r.id: r for r in view.rows()}
    assert rows[three["normal"]].complainant_name == "***"
    assert rows[three["normal"]].complainant_phone == "***"
    assert rows[anonymous].complainant_name == "匿名"
    i = row_of(view, three["normal"])
    assert view.cell(i, "投诉人") == "***" and view.cell(i, "联系电话") == "***"
    assert "电话" not in view.search_edit.placeholderText()
    view.view.set_query("13000000002")  # identity is not searchable without the right
    assert view.rows() == []
    clerk = list_for("clerk")
    assert {r.complainant_name for r in clerk.rows()} == {"张三丰", "匿名"}


def test_lazy_paging_with_exact_count(
    qtbot: QtBot, list_for: Callable[[str], ComplaintListView], office: Office
) -> None:
    clerk = office.actors["clerk"]
    start = datetime.now().replace(second=0, microsecond=0) - timedelta(days=20)
    with office.db.session() as s:
        for i in range(230):
            complaints.register_complaint(
                s,
                clerk,
                ComplaintInput(
                    received_at=start + timedelta(minutes=i),
                    channel=Channel.WEB,
                    summary=f"网络投诉第{i}件",
                    category_id=office.categories["其他"],
                    unit_id=office.units["县公安局"],
                ),
                at=start + timedelta(minutes=i),
            )
    view = list_for("clerk")
    page = view.PAGE_SIZE
    assert view.model.loaded == page  # one page, not all
    assert view.exact_count == 230
    assert view.count_label.text() == f"共 230 件（已显示 {page} 件，向下滚动加载更多）"
    view.view.table.scrollToBottom()  # scrolling asks for the next page
    qtbot.waitUntil(lambda: view.model.loaded == 2 * page)
    assert view.rows()[0].summary == "网络投诉第229件"  # newest first


def test_ctrl_n_and_double_click_on_the_page(
    qtbot: QtBot, office: Office, three: dict[str, int]
) -> None:
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    table = page.list_view.view.table
    row = row_of(page.list_view, three["near"])
    rect = table.visualRect(page.list_view.model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = page.tabs.currentWidget()
    assert view in page.case_views() and view.complaint_id == three["near"]  # type: ignore[union-attr]
    # Opening it again switches to the same tab; Ctrl+W closes it.
    page.open_case(three["near"])
    assert len(page.case_views()) == 1
    page.close_current()
    assert page.case_views() == []
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.intake is not None and page.intake.isVisible()
    page.intake.reject()


def test_provisional_deadline_is_marked(
    qtbot: QtBot, list_for: Callable[[str], ComplaintListView], office: Office
) -> None:
    from effdesk.ui.complaints.case_view import CaseView

    with office.db.session() as s:
        if complaints.load_calendar(s).knows(2027):
            pytest.skip("the calendar already knows 2027")
    # Received on 2026-12-30: three working days run into 2027, whose holidays are not known.
    at = datetime(2026, 12, 30, 10, 0)
    with office.db.session() as s:
        case = complaints.register_complaint(
            s,
            office.actors["clerk"],
            ComplaintInput(
                received_at=at,
                channel=Channel.PHONE,
                summary="年底来电",
                category_id=office.categories["其他"],
                unit_id=office.units["县公安局"],
            ),
            at=at,
        )
        cid = case.id
    view = list_for("clerk")
    i = row_of(view, cid)
    assert view.rows()[i].deadline is not None and view.rows()[i].deadline.provisional  # type: ignore[union-attr]
    assert str(view.cell(i, "时限")).endswith("（暂定）")
    assert "暂定" in str(view.cell(i, "时限", Qt.ItemDataRole.ToolTipRole))
    case_view = CaseView(office.ctx("clerk"), cid)
    qtbot.addWidget(case_view)
    assert "暂定" in case_view.deadline_label.text()
    assert "该年节假日安排尚未录入" in case_view.details.toPlainText()


def test_columns_fit_their_text_and_every_cell_has_its_whole_text(
    qtbot: QtBot, office: Office, list_for: Callable[[str], ComplaintListView]
) -> None:
    from effdesk.ui.widgets.search_table import MAX_FIT_PX

    office.register(to="routed", summary="窗口工作人员态度生硬，让群众来回跑了三趟还没办成")
    view = list_for("clerk")
    qtbot.waitUntil(lambda: bool(view.rows()))
    table = view.view.table
    model = table.model()
    last = model.columnCount() - 1
    for col in range(last):  # the last one stretches over the rest
        need = table.sizeHintForColumn(col)
        assert table.columnWidth(col) >= min(need, MAX_FIT_PX), model.headerData(
            col, Qt.Orientation.Horizontal
        )
    for col in range(model.columnCount()):
        index = model.index(0, col)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text:
            assert index.data(Qt.ItemDataRole.ToolTipRole)  # the whole text, or what it means
    summary = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == "内容摘要"
    )
    assert model.index(0, summary).data(Qt.ItemDataRole.ToolTipRole) == (
        "窗口工作人员态度生硬，让群众来回跑了三趟还没办成"
    )
    number_delegate = table.itemDelegateForColumn(0)
    assert number_delegate is not None and number_delegate.mode == Qt.TextElideMode.ElideMiddle


def test_the_empty_ledger_says_how_to_begin_and_how_to_open(
    qtbot: QtBot, list_for: Callable[[str], ComplaintListView]
) -> None:
    view = list_for("clerk")
    qtbot.waitUntil(lambda: view.exact_count == 0)
    text = view.count_label.text()
    assert "Ctrl+N" in text and "单击选中" in text and "双击或按回车打开" in text
