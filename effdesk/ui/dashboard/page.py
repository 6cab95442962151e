"""工作台: welcome, today's working-day status, the year's key figures and charts, what awaits
the user, shortcuts.

Per role: everyone who may read statistics sees this year's figures and charts (each figure
and each bar lists its records in the complaint list); a leader sees what awaits his
instruction, sign-off or extension decision (his 待办), a clerk her 待办, an inspector the
campaigns in progress and the findings he recorded that still wait to be verified.

Start-up stays fast: everything the page shows is read off the GUI thread (three tasks: the
day and the directory, this year's figures, the 待办), QtCharts is imported only when the
figures arrive, and :attr:`DashboardPage.filled` says when all of it is on the screen (the
start-up benchmark and the day's background duties wait for it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.calendar import WorkCalendar
from effdesk.enums import Role
from effdesk.errors import EffDeskError
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission
from effdesk.services import directory, statistics
from effdesk.services.calendar_admin import reminder
from effdesk.services.statistics import (
    RATE_BASES,
    Figure,
    GroupBy,
    StatsQuery,
    StatsReport,
    StatsRow,
)
from effdesk.services.statistics.overview import InspectorOverview, inspector_overview
from effdesk.ui.complaints.todo_view import TodoWidget
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.main_window import MODULES, WEEKDAYS, day_status, roles_label
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.icons import icon


@dataclass(frozen=True)
class DirectoryFigures:
    units: int
    active_units: int
    persons: int


@dataclass(frozen=True)
class DaySummary:
    """What the page's upper part shows, read in one go off the GUI thread."""

    calendar: WorkCalendar
    reminder: str | None
    directory: DirectoryFigures | None
    overview: InspectorOverview | None


def create_page(ctx: AppContext) -> QWidget:
    return DashboardPage(ctx)


class _FigureCard(QFrame):
    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("figureCard")
        self.setStyleSheet(
            "QFrame#figureCard { background: #ffffff; border: 1px solid #dde1e6;"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setStyleSheet("color: #1565c0;")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555;")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: #777;")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addWidget(self.detail)
        self.setMinimumWidth(200)


# (caption, Counts attribute, figure clicked)
KEY_FIGURES: list[tuple[str, str, Figure]] = [
    ("受理（件）", "received", Figure.RECEIVED),
    ("办结率", "conclusion_rate", RATE_BASES["conclusion_rate"]),
    ("按期办结率", "on_time_rate", RATE_BASES["on_time_rate"]),
    ("超期件（件）", "overdue", Figure.OVERDUE),
    ("满意率", "satisfaction_rate", RATE_BASES["satisfaction_rate"]),
]


@dataclass(frozen=True)
class DashboardFigures:
    """This year's report by month, and the same figures by category and by channel."""

    by_month: StatsReport
    by_category: StatsReport
    by_channel: StatsReport


class DashboardPage(QWidget):
    navigate_requested = Signal(str)
    open_record_requested = Signal(str, int)
    show_complaints_requested = Signal(object)
    # Everything a refresh asked for is on the screen (figures, charts, 待办, counts).
    filled = Signal()

    def __init__(self, ctx: AppContext, *, today: date | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._today = today
        self._waiting: set[str] = set()
        self._generation = 0

        body = QWidget()
        body.setObjectName("dashboardBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.setSpacing(14)

        self.welcome = QLabel()
        font = self.welcome.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.welcome.setFont(font)
        layout.addWidget(self.welcome)
        self.today_label = QLabel()
        layout.addWidget(self.today_label)

        self.reminder_label = QLabel()
        self.reminder_label.setWordWrap(True)
        self.reminder_label.setStyleSheet(
            "background: #fff4e0; border: 1px solid #f0c36d; border-radius: 4px;"
            " padding: 8px; color: #6d4c00;"
        )
        self.reminder_label.setVisible(False)
        layout.addWidget(self.reminder_label)

        # This year's key figures and charts (one block), and what awaits this user (another);
        # their order depends on the role: figures first for a leader, the work first for a
        # clerk or an inspector.
        stats_block = QWidget()
        stats_layout = QVBoxLayout(stats_block)
        stats_layout.setContentsMargins(0, 0, 0, 0)
        self.figures: DashboardFigures | None = None
        self.figure_cards: dict[str, _FigureCard] = {}
        self.charts: list[QWidget] = []
        self.stats_section: QLabel | None = None
        self.charts_grid = QGridLayout()
        self.charts_grid.setSpacing(10)
        self.charts_grid.setColumnStretch(0, 1)
        self.charts_grid.setColumnStretch(1, 1)
        if ctx.can(Permission.VIEW_STATISTICS):
            self.stats_section = self._section("本年统计")
            stats_layout.addWidget(self.stats_section)
            cards_row = QHBoxLayout()
            for caption, attr, _figure in KEY_FIGURES:
                card = _FigureCard(caption)
                card.setMinimumWidth(150)
                card.setCursor(Qt.CursorShape.PointingHandCursor)
                card.setToolTip("点击查看对应的投诉件")
                card.clicked.connect(lambda a=attr: self._card_clicked(a))
                self.figure_cards[attr] = card
                cards_row.addWidget(card)
            cards_row.addStretch(1)
            stats_layout.addLayout(cards_row)
            stats_layout.addLayout(self.charts_grid)

        role_block = QWidget()
        role_layout = QVBoxLayout(role_block)
        role_layout.setContentsMargins(0, 0, 0, 0)
        self.todo: TodoWidget | None = None
        self.campaigns_list: QListWidget | None = None
        self.findings_list: QListWidget | None = None
        inspector_only = ctx.actor.has(Role.INSPECTOR) and not ctx.actor.has(
            Role.CLERK, Role.LEADER
        )
        if inspector_only and ctx.can(Permission.VIEW_INSPECTIONS):
            role_layout.addWidget(self._section("进行中的督查活动"))
            self.campaigns_list = QListWidget()
            self.campaigns_list.setMaximumHeight(120)
            self.campaigns_list.itemActivated.connect(
                lambda _i: self.navigate_requested.emit("inspections")
            )
            role_layout.addWidget(self.campaigns_list)
            role_layout.addWidget(self._section("我记录的待核实问题"))
            self.findings_list = QListWidget()
            self.findings_list.setMaximumHeight(160)
            self.findings_list.itemActivated.connect(
                lambda _i: self.navigate_requested.emit("inspections")
            )
            role_layout.addWidget(self.findings_list)
        elif ctx.can(Permission.VIEW_COMPLAINTS):
            # 待办: the same list as the complaints module's tab. For a leader it holds what
            # awaits his instruction, sign-off and extension decisions.
            title = "待您批示、审核的事项" if ctx.actor.has(Role.LEADER) else "我的待办"
            role_layout.addWidget(self._section(title))
            self.todo = TodoWidget(ctx, refresh_now=False)
            self.todo.setMinimumHeight(260)
            self.todo.caseRequested.connect(
                lambda case_id: self.open_record_requested.emit("complaints", case_id)
            )
            self.todo.recordRequested.connect(self.open_record_requested)
            self.todo.loaded.connect(lambda: self._arrived("todo"))
            role_layout.addWidget(self.todo)
        blocks = [stats_block, role_block]
        if not ctx.actor.has(Role.LEADER):
            blocks.reverse()
        for block_widget in blocks:
            layout.addWidget(block_widget)

        layout.addWidget(self._section("单位人员"))
        cards = QHBoxLayout()
        self.units_card = _FigureCard("被监督单位（个）")
        self.persons_card = _FigureCard("干部职工（人）")
        cards.addWidget(self.units_card)
        cards.addWidget(self.persons_card)
        cards.addStretch(1)
        layout.addLayout(cards)

        layout.addWidget(self._section("常用功能"))
        grid = QGridLayout()
        grid.setSpacing(10)
        self.shortcuts: dict[str, QToolButton] = {}
        others = [m for m in MODULES if m.key != "dashboard"]
        for i, spec in enumerate(others):
            button = QToolButton()
            button.setIcon(icon(spec.key))
            button.setIconSize(QSize(28, 28))
            button.setText(spec.title)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setMinimumSize(QSize(112, 76))
            button.setAutoRaise(False)
            button.clicked.connect(lambda _c=False, k=spec.key: self.navigate_requested.emit(k))
            grid.addWidget(button, i // 4, i % 4)
            self.shortcuts[spec.key] = button
        grid.setColumnStretch(4, 1)
        layout.addLayout(grid)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        # Filled by on_shown (the shell calls it when the page is shown, also the first time).

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        label.setFont(font)
        label.setStyleSheet("color: #34495e; margin-top: 8px;")
        return label

    def on_shown(self) -> None:
        self.refresh()

    def is_filled(self) -> bool:
        """Whether everything the last refresh asked for has arrived."""
        return not self._waiting

    def _arrived(self, part: str) -> None:
        if part in self._waiting:
            self._waiting.discard(part)
            if not self._waiting:
                self.filled.emit()

    def refresh(self) -> None:
        today = self._today or clock.today()
        actor = self.ctx.actor
        self._generation += 1
        generation = self._generation
        self.welcome.setText(f"欢迎，{actor.label}")
        # The date at once; whether it is a working day when the calendar has been read.
        self.today_label.setText(self._today_text(today, None))
        self._waiting = {"summary"}
        if self.figure_cards:
            self._waiting.add("figures")
        if self.todo is not None:
            self._waiting.add("todo")
        ctx = self.ctx
        with_directory = ctx.can(Permission.VIEW_DIRECTORY)
        with_overview = self.campaigns_list is not None

        def work(_p: Progress) -> DaySummary:
            with ctx.session() as s:
                return DaySummary(
                    calendar=load_calendar(s),
                    reminder=reminder(s, today),
                    directory=self._figures(s) if with_directory else None,
                    overview=inspector_overview(s, ctx.actor) if with_overview else None,
                )

        def done(summary: DaySummary) -> None:
            if generation == self._generation:
                self._show_summary(today, summary)
                self._arrived("summary")

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._arrived("summary")
                show_error(self, exc)

        ctx.tasks.run(work, done, failed)
        if self.todo is not None:
            self.todo.refresh()
        self._refresh_figures(today, generation)

    def _today_text(self, today: date, calendar: WorkCalendar | None) -> str:
        status = f"，{day_status(calendar, today)}" if calendar is not None else ""
        return (
            f"今天是 {today:%Y年%m月%d日} 星期{WEEKDAYS[today.weekday()]}{status}。"
            f"　您的角色：{roles_label(self.ctx.actor.roles)}"
        )

    def _show_summary(self, today: date, summary: DaySummary) -> None:
        self.today_label.setText(self._today_text(today, summary.calendar))
        self.reminder_label.setText(summary.reminder or "")
        self.reminder_label.setVisible(bool(summary.reminder))
        if summary.overview is not None:
            self._show_overview(summary.overview)
        figures = summary.directory
        if figures is None:
            self.units_card.value.setText("—")
            self.persons_card.value.setText("—")
            return
        self.units_card.value.setText(f"{figures.units:,}")
        self.units_card.detail.setText(f"其中在用 {figures.active_units:,} 个")
        self.persons_card.value.setText(f"{figures.persons:,}")

    # --- this year's figures ------------------------------------------------------------
    def _refresh_figures(self, today: date, generation: int) -> None:
        if not self.figure_cards:
            return
        ctx = self.ctx
        first, last = date(today.year, 1, 1), date(today.year, 12, 31)

        def work(_p: Progress) -> DashboardFigures:
            with statistics.one_at_a_time(), ctx.session() as s:

                def run(by: GroupBy) -> StatsReport:
                    query = StatsQuery(first, last, min(today, last), by)
                    return statistics.compute(s, ctx.actor, query)

                return DashboardFigures(
                    run(GroupBy.MONTH), run(GroupBy.CATEGORY), run(GroupBy.CHANNEL)
                )

        def done(figures: DashboardFigures) -> None:
            if generation == self._generation:
                self.show_figures(figures)
                self._arrived("figures")

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._arrived("figures")
            if isinstance(exc, EffDeskError) and self.stats_section is not None:
                self.stats_section.setText(f"本年统计：{exc}")
            else:
                show_error(self, exc)

        ctx.tasks.run(work, done, failed)

    def show_figures(self, figures: DashboardFigures) -> None:
        self.figures = figures
        report = figures.by_month
        if self.stats_section is not None:
            self.stats_section.setText(
                f"本年统计（{report.date_from:%Y年%m月%d日}至{report.end:%m月%d日}）"
            )
        for _caption, attr, _figure in KEY_FIGURES:
            card = self.figure_cards[attr]
            value = getattr(report.total, attr)
            if attr.endswith("_rate"):
                card.value.setText(statistics.percent_text(value))
            else:
                card.value.setText(f"{value:,}")
        t = report.total
        self.figure_cards["received"].detail.setText(f"办结 {t.concluded:,} 件")
        self.figure_cards["overdue"].detail.setText(f"其中未办结 {t.open_overdue:,} 件")
        self.figure_cards["satisfaction_rate"].detail.setText(f"回访 {t.visited:,} 件")
        self._build_charts(figures)

    def _card_clicked(self, attr: str) -> None:
        if self.figures is None:
            return
        figure = next(f for _c, a, f in KEY_FIGURES if a == attr)
        self.show_complaints_requested.emit(self.figures.by_month.ref(figure))

    def _build_charts(self, figures: DashboardFigures) -> None:
        from effdesk.ui.dashboard.charts import FigureChart  # QtCharts only when needed

        for chart in self.charts:
            self.charts_grid.removeWidget(chart)
            chart.deleteLater()
        self.charts = []
        emit = self.show_complaints_requested.emit
        received = Figure.RECEIVED

        def rows_chart(
            title: str, report: StatsReport, rows: list[StatsRow], figure: Figure, **kw: Any
        ) -> FigureChart:
            return FigureChart(
                title,
                [r.label for r in rows],
                [int(r.counts.value(figure) or 0) for r in rows],
                [report.ref(figure, report.by, r.key, r.label) for r in rows],
                emit,
                **kw,
            )

        months = figures.by_month
        month_rows = [StatsRow(r.key, f"{int(str(r.key)[5:])}月", r.counts) for r in months.groups]
        categories = [r for r in figures.by_category.groups if r.counts.received]
        channels = [r for r in figures.by_channel.groups if r.counts.received]
        substantiated = sorted(
            (r for r in months.by_unit if r.key is not None and r.counts.substantiated),
            key=lambda r: (-r.counts.substantiated, r.label),
        )[:8]
        unit_report = replace(months, by=GroupBy.UNIT)
        self.charts = [
            rows_chart("各月受理投诉件数", months, month_rows, received),
            rows_chart("按问题类别", figures.by_category, categories, received, horizontal=True),
            rows_chart("按来源渠道", figures.by_channel, channels, received, color="#2e7d32"),
            rows_chart(
                "属实投诉最多的单位",
                unit_report,
                substantiated,
                Figure.SUBSTANTIATED,
                horizontal=True,
                color="#c62828",
            ),
        ]
        for i, chart in enumerate(self.charts):
            self.charts_grid.addWidget(chart, i // 2, i % 2)

    # --- inspector --------------------------------------------------------------------
    def _show_overview(self, overview: InspectorOverview) -> None:
        if self.campaigns_list is None or self.findings_list is None:
            return
        self.campaigns_list.clear()
        for c in overview.campaigns:
            mark = "（我参加）" if c.mine else ""
            self.campaigns_list.addItem(
                f"{c.name}{mark}　{c.start_date:%m月%d日}—{c.end_date:%m月%d日}"
            )
        if not overview.campaigns:
            self.campaigns_list.addItem("目前没有进行中的督查活动。")
        self.findings_list.clear()
        for f in overview.findings:
            self.findings_list.addItem(f"{f.observed}　{f.unit_name}：{f.description}")
        if not overview.findings:
            self.findings_list.addItem("没有待核实的问题。")

    def _figures(self, session: Session) -> DirectoryFigures:
        actor = self.ctx.actor
        return DirectoryFigures(
            units=directory.list_units(session, actor, limit=1).total,
            active_units=directory.list_units(
                session, actor, include_inactive=False, limit=1
            ).total,
            persons=directory.list_persons(session, actor, limit=1).total,
        )
