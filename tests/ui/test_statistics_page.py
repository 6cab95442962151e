"""统计台账: the figures of the hand-built office (tests/statistics_cases.py) and the click-through
from a figure to exactly the records behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from statistics_cases import StatsOffice, build_stats_office

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.services.statistics import Figure, GroupBy
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.context import AppContext
from effdesk.ui.dashboard.page import DashboardPage
from effdesk.ui.main_window import MainWindow
from effdesk.ui.statistics.page import COLUMNS, StatisticsPage
from effdesk.ui.widgets import clock

TODAY = date(2025, 10, 15)
COL = {header: i for i, (header, *_rest) in enumerate(COLUMNS, start=1)}


@pytest.fixture
def stats_office(db: Database, ui_actors: dict[str, Actor]) -> StatsOffice:
    with db.session() as s:
        return build_stats_office(s, ui_actors)


@pytest.fixture(autouse=True)
def _pinned_today() -> Iterator[None]:
    clock.pin_today(TODAY)
    yield
    clock.pin_today(None)


@pytest.fixture
def window(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    stats_office: StatsOffice,
) -> MainWindow:
    w = MainWindow(make_ctx(ui_actors["leader"]), today=TODAY)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _stats_page(window: MainWindow) -> StatisticsPage:
    page = window.show_module("statistics")
    assert isinstance(page, StatisticsPage)
    page.set_period(date(2025, 9, 1), date(2025, 10, 31), TODAY)
    return page


def _row_of(page: StatisticsPage, label: str) -> int:
    for r in range(page.table.rowCount()):
        item = page.table.item(r, 0)
        if item is not None and item.text() == label:
            return r
    raise AssertionError(f"no row {label}")


def _click(qtbot: QtBot, page: StatisticsPage, row: int, column: int) -> None:
    table = page.table
    table.scrollToItem(table.item(row, column))
    rect = table.visualItemRect(table.item(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _listed(window: MainWindow) -> list[str]:
    page = window.page("complaints")
    assert isinstance(page, ComplaintsPage)
    assert window.current_module() == "complaints"
    return sorted(r.number for r in page.list_view.rows())


def test_module_replaces_the_placeholder_with_figures(window: MainWindow) -> None:
    page = _stats_page(window)
    assert page.tabs.tabText(0) == "统计"
    total = _row_of(page, "合计")
    texts = {h: page.table.item(total, c).text() for h, c in COL.items()}  # type: ignore[union-attr]
    assert texts["受理"] == "6" and texts["办结"] == "3"
    assert texts["办结率"] == "50.0%" and texts["按期办结率"] == "50.0%"
    assert texts["超期件"] == "2" and texts["属实率"] == "66.7%" and texts["满意率"] == "50.0%"
    assert texts["问责人次"] == "2" and texts["问责单位"] == "1" and texts["督查发现问题"] == "3"
    assert "不予受理 1 件、合并件 1 件" in page.summary.text()
    assert page.findings_table.item(0, 0).text() == "国庆节后上班纪律暗访"  # type: ignore[union-attr]


def test_click_a_figure_lists_exactly_its_cases(
    qtbot: QtBot, window: MainWindow, stats_office: StatsOffice
) -> None:
    page = _stats_page(window)
    n = stats_office.numbers
    _click(qtbot, page, _row_of(page, "合计"), COL["受理"])
    listed = _listed(window)
    assert listed == sorted(n[k] for k in "ABCDEI")
    complaints_page = window.page("complaints")
    assert isinstance(complaints_page, ComplaintsPage)
    assert complaints_page.list_view.exact_count == 6
    assert "受理" in complaints_page.list_view.statistic_label.text()

    window.show_module("statistics")
    _click(qtbot, page, _row_of(page, "合计"), COL["超期件"])
    assert _listed(window) == sorted([n["B"], n["D"]])

    # A unit's on-time rate links to its base: A on time, B late (E is not due yet).
    window.show_module("statistics")
    _click(qtbot, page, _row_of(page, "县公安局"), COL["按期办结率"])
    assert _listed(window) == sorted([n["A"], n["B"]])

    # Clearing the figure's condition shows the whole ledger again.
    complaints_page.list_view.statistic_clear.click()
    assert complaints_page.list_view.exact_count == 9


def test_grouping_by_month_and_measures_dialog(qtbot: QtBot, window: MainWindow) -> None:
    page = _stats_page(window)
    page.set_group(GroupBy.MONTH)
    labels = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]  # type: ignore[union-attr]
    assert labels == ["合计", "2025年9月", "2025年10月"]
    _click(qtbot, page, _row_of(page, "2025年9月"), COL["受理"])
    assert len(_listed(window)) == 5

    window.show_module("statistics")
    _click(qtbot, page, _row_of(page, "合计"), COL["问责人次"])
    assert window.current_module() == "statistics"
    dialog = page.dialogs[-1]
    assert dialog.row_count() == 2 and "问责人次" in dialog.caption.text()
    dialog.accept()
    ref = page.table.ref_at(_row_of(page, "合计"), COL["督查发现问题"])
    assert ref is not None and ref.figure is Figure.FINDINGS


def test_inspector_sees_figures_but_no_identity(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    stats_office: StatsOffice,
) -> None:
    w = MainWindow(make_ctx(ui_actors["inspector"]), today=TODAY)
    qtbot.addWidget(w)
    page = _stats_page(w)
    _click(qtbot, page, _row_of(page, "合计"), COL["受理"])
    complaints_page = w.page("complaints")
    assert isinstance(complaints_page, ComplaintsPage)
    names = {r.complainant_name for r in complaints_page.list_view.rows()}
    assert names == {"***"}


# --------------------------------------------------------------------------- dashboard


def _dashboard(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], actor: Actor, today: date = TODAY
) -> tuple[MainWindow, DashboardPage]:
    clock.pin_today(today)
    w = MainWindow(make_ctx(actor), today=today)
    qtbot.addWidget(w)
    page = w.show_module("dashboard")
    assert isinstance(page, DashboardPage)
    return w, page


def test_leader_dashboard_figures_charts_and_click_through(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    stats_office: StatsOffice,
) -> None:
    w, page = _dashboard(qtbot, make_ctx, ui_actors["leader"])
    assert page.figures is not None
    # This year (2025) up to 10.15: the period's cases are the 6 of September/October plus H.
    assert page.figure_cards["received"].value.text() == "7"
    assert page.todo is not None  # what awaits the leader
    titles = [c.chart().title() for c in page.charts]  # type: ignore[attr-defined]
    assert titles == ["各月受理投诉件数", "按问题类别", "按来源渠道", "属实投诉最多的单位"]
    months = page.charts[0]
    assert months.labels[7:10] == ["8月", "9月", "10月"]  # type: ignore[attr-defined]
    months.click_bar(8)  # type: ignore[attr-defined]  # September
    assert len(_listed(w)) == 5
    w.show_module("dashboard")
    units = page.charts[3]
    assert units.labels[0] == "县公安局" and units.values[0] == 3  # type: ignore[attr-defined]
    units.click_bar(len(units.values) - 1)  # type: ignore[attr-defined]  # drawn bottom-up
    assert len(_listed(w)) == 3  # A, B (September) and H (August)
    w.show_module("dashboard")
    page.figure_cards["overdue"].clicked.emit()
    assert len(_listed(w)) == int(page.figure_cards["overdue"].value.text())


def test_inspector_dashboard_shows_campaigns_and_findings_to_verify(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    stats_office: StatsOffice,
) -> None:
    _w, page = _dashboard(qtbot, make_ctx, ui_actors["inspector"])
    assert page.todo is None
    assert page.campaigns_list is not None and page.findings_list is not None
    campaigns = [page.campaigns_list.item(i).text() for i in range(page.campaigns_list.count())]
    assert any("国庆节后上班纪律暗访" in t for t in campaigns)
    findings = [page.findings_list.item(i).text() for i in range(page.findings_list.count())]
    assert len(findings) == 3 and any("收费未公示" in t for t in findings)
    assert page.figure_cards["received"].value.text() == "7"


def test_clerk_dashboard_keeps_her_todo(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    stats_office: StatsOffice,
) -> None:
    _w, page = _dashboard(qtbot, make_ctx, ui_actors["clerk"])
    assert page.todo is not None and page.campaigns_list is None
    numbers = {item.number for item in page.todo.items}
    assert stats_office.numbers["D"] in numbers  # investigating and past its limit


def test_the_figures_export_to_excel_and_the_ranking_is_a_tab(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from effdesk.ui.statistics.ranking_tab import RankingTab

    page = _stats_page(window)
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert tabs == ["统计", "考评排名"]
    assert isinstance(page.ranking, RankingTab)
    out = tmp_path / "统计.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *_a, **_k: None)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.last_export == out and out.exists()
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "效能投诉统计表" in str(values[0][0])
    header = next(r for r in values if r and r[1] == "受理")
    total = next(r for r in values if r and r[0] == "合计")
    assert total[header.index("受理")] == page.report.total.received  # type: ignore[union-attr]
