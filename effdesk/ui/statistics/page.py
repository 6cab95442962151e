"""统计台账: the figures of a period, overall and by unit / category / channel / month / handler.

Every figure is a link: a click lists the records behind it — complaints in the ordinary
complaint list with the same conditions (the shell's ``show_complaints_requested``), measures
and findings in a small list of their own. A rate links to its base (the cases it is a share
of). The figures are computed off the GUI thread (``ctx.tasks``).

The page is a QTabWidget: the first tab ("统计") is this module's; 考评排名 (unit ranking) and
the Excel export join as further tabs / toolbar buttons through :meth:`StatisticsPage.add_tab`
and :attr:`StatisticsPage.toolbar`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk import settings as office_settings
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.reports.statistics_excel import export_ranking, export_statistics
from effdesk.services import statistics
from effdesk.services.statistics import (
    RATE_BASES,
    Counts,
    Figure,
    FigureRef,
    GroupBy,
    StatsQuery,
    StatsReport,
)
from effdesk.ui.complaints.common import py_date
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.statistics.ranking_tab import RankingTab
from effdesk.ui.statistics.records_dialog import RecordsDialog
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.files import remember_folder, save_folder

LINK = QColor("#1565c0")
REF_ROLE = Qt.ItemDataRole.UserRole + 1

# (header, JSON key of Counts, figure clicked, is a rate)
COLUMNS: list[tuple[str, str, Figure, bool]] = [
    ("受理", "received", Figure.RECEIVED, False),
    ("办结", "concluded", Figure.CONCLUDED, False),
    ("办结率", "conclusion_rate", RATE_BASES["conclusion_rate"], True),
    ("按期办结率", "on_time_rate", RATE_BASES["on_time_rate"], True),
    ("超期件", "overdue", Figure.OVERDUE, False),
    ("属实率", "substantiated_rate", RATE_BASES["substantiated_rate"], True),
    ("反馈率", "feedback_rate", RATE_BASES["feedback_rate"], True),
    ("满意率", "satisfaction_rate", RATE_BASES["satisfaction_rate"], True),
    ("问责人次", "measures_persons", Figure.MEASURES_PERSONS, False),
    ("问责单位", "measures_units", Figure.MEASURES_UNITS, False),
    ("督查发现问题", "findings", Figure.FINDINGS, False),
]
# The numerator of each rate, for the tooltip.
RATE_PARTS: dict[str, tuple[str, str]] = {
    "conclusion_rate": ("concluded", "received"),
    "on_time_rate": ("on_time", "on_time_base"),
    "substantiated_rate": ("substantiated", "concluded"),
    "feedback_rate": ("replied", "concluded"),
    "satisfaction_rate": ("satisfied", "visited"),
}
PERIODS = [
    ("this_month", "本月"),
    ("last_month", "上月"),
    ("this_year", "本年"),
    ("custom", "自定义"),
]


def create_page(ctx: AppContext) -> QWidget:
    page = StatisticsPage(ctx)
    ranking = RankingTab(ctx)
    ranking.open_record_requested.connect(page.open_record_requested)
    page.ranking = ranking
    page.add_tab(ranking, "考评排名")
    page.add_export_button(
        "导出排名Excel…",
        lambda: ranking.result,
        lambda result, path, **kw: export_ranking(result, path, **kw),
        lambda result: f"作风监测指数排名{result.period}.xlsx",
        layout=ranking.toolbar,
    )
    return page


def period_for(code: str, today: date) -> tuple[date, date]:
    """First and last day of 本月 / 上月 / 本年 (the period may end after today)."""
    first = today.replace(day=1)
    if code == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    if code == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


percent = statistics.percent_text


def figure_text(counts: Counts, key: str) -> str:
    value = getattr(counts, key)
    if key in RATE_PARTS:
        return percent(value)
    return "—" if value is None else f"{value:,}"


class FiguresTable(QTableWidget):
    """Rows of figures; every figure cell carries the FigureRef it links to."""

    figureClicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS) + 1, parent)
        self.setHorizontalHeaderLabels(["", *(c[0] for c in COLUMNS)])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        self.setMouseTracking(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for i in range(1, len(COLUMNS) + 1):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        self.cellClicked.connect(self._clicked)
        self.cellActivated.connect(self._clicked)

    def set_rows(
        self, report: StatsReport, rows: list[tuple[GroupBy | None, object, str, Counts]]
    ) -> None:
        self.setRowCount(0)
        self.setRowCount(len(rows))
        link_font = QFont(self.font())
        link_font.setUnderline(True)
        for r, (group, key, label, counts) in enumerate(rows):
            name = QTableWidgetItem(label)
            if group is None:
                bold = QFont(self.font())
                bold.setBold(True)
                name.setFont(bold)
            self.setItem(r, 0, name)
            for c, (header, attr, figure, is_rate) in enumerate(COLUMNS, start=1):
                item = QTableWidgetItem(figure_text(counts, attr))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                value = getattr(counts, attr)
                linked = value is not None and (is_rate or value != 0)
                if linked:
                    gk = key if isinstance(key, (int, str)) or key is None else None
                    ref = report.ref(figure, group, gk, label)
                    item.setData(REF_ROLE, ref)
                    item.setForeground(QBrush(LINK))
                    item.setFont(link_font)
                    tip = f"点击查看{figure.label}的记录"
                    if is_rate:
                        num, base = RATE_PARTS[attr]
                        tip = (
                            f"{header}：{getattr(counts, num):,} ÷ {getattr(counts, base):,}。"
                            f"点击查看分母（{figure.label}）的投诉件"
                        )
                    item.setToolTip(tip)
                self.setItem(r, c, item)

    def ref_at(self, row: int, column: int) -> FigureRef | None:
        item = self.item(row, column)
        ref = item.data(REF_ROLE) if item is not None else None
        return ref if isinstance(ref, FigureRef) else None

    def _clicked(self, row: int, column: int) -> None:
        ref = self.ref_at(row, column)
        if ref is not None:
            self.figureClicked.emit(ref)


class StatisticsPage(QWidget):
    """The 统计台账 module. Signals: ``show_complaints_requested(FigureRef)`` (shell)."""

    show_complaints_requested = Signal(object)
    open_record_requested = Signal(str, int)  # relayed from the 考评排名 tab (shell protocol)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today
        self.report: StatsReport | None = None
        self.dialogs: list[RecordsDialog] = []
        self._generation = 0
        self._shown_before = False

        self.period_combo = QComboBox()
        for code, label in PERIODS:
            self.period_combo.addItem(label, code)
        self.from_edit = self._date_edit()
        self.to_edit = self._date_edit()
        self.as_of_edit = self._date_edit()
        self.as_of_edit.setToolTip(
            "以哪一天为准判断办结和超期（默认：今天；期间已结束则为其最后一天）"
        )
        self.by_combo = QComboBox()
        for g in GroupBy:
            if g is not GroupBy.CAMPAIGN:
                self.by_combo.addItem(f"按{g.label}", g.value)
        self.run_button = QPushButton("统计")
        self.run_button.clicked.connect(lambda _c=False: self.refresh())
        self.ranking: QWidget | None = None
        self.last_export: Path | None = None

        # Other modules add their buttons here (e.g. 导出Excel), after the stretch.
        self.toolbar = QHBoxLayout()
        self.toolbar.addWidget(QLabel("统计期间"))
        self.toolbar.addWidget(self.period_combo)
        self.toolbar.addWidget(self.from_edit)
        self.toolbar.addWidget(QLabel("至"))
        self.toolbar.addWidget(self.to_edit)
        self.toolbar.addWidget(QLabel("截至"))
        self.toolbar.addWidget(self.as_of_edit)
        self.toolbar.addWidget(self.by_combo)
        self.toolbar.addWidget(self.run_button)
        self.toolbar.addStretch(1)
        self.export_button = self.add_export_button(
            "导出Excel…",
            lambda: self.report,
            lambda report, path, **kw: export_statistics(report, path, **kw),
            lambda report: f"效能投诉统计{report.date_from:%Y%m%d}-{report.end:%Y%m%d}.xlsx",
        )

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #444;")
        self.table = FiguresTable()
        self.table.figureClicked.connect(self.open_figure)
        self.findings_table = QTableWidget(0, 2)
        self.findings_table.setHorizontalHeaderLabels(["督查活动", "发现问题"])
        self.findings_table.verticalHeader().setVisible(False)
        self.findings_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self.findings_table.cellClicked.connect(self._finding_clicked)
        self.note = QLabel(
            "口径：受理、办结等按受理日期归入统计期间（不含合并件和不予受理件）；办结、超期按"
            "截止日期判断；比率的分母为 0 时显示“—”。点击任一数字查看对应的记录。"
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #6b6b6b;")

        stats_tab = QWidget()
        tab_layout = QVBoxLayout(stats_tab)
        tab_layout.addLayout(self.toolbar)
        tab_layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.findings_table)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        tab_layout.addWidget(splitter, 1)
        tab_layout.addWidget(self.note)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(stats_tab, "统计")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.by_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self._period_changed()

    # --- extension points ---------------------------------------------------------------
    def add_export_button(
        self,
        text: str,
        current: Callable[[], Any],
        export: Callable[..., Any],
        file_name: Callable[[Any], str],
        *,
        layout: QHBoxLayout | None = None,
    ) -> QPushButton:
        """A button that saves what ``current()`` returns as Excel through ``export``, off the
        GUI thread with progress and cancel (a cancelled export leaves no file)."""
        button = QPushButton(text)
        button.setEnabled(self.ctx.can(Permission.EXPORT_LEDGERS))

        def run() -> None:
            data = current()
            if data is None:
                show_error(self, EffDeskError("请先统计（或计算排名），再导出。"), title="无法导出")
                return
            start = save_folder() / file_name(data)
            name, _ = QFileDialog.getSaveFileName(self, text, str(start), "Excel 文件 (*.xlsx)")
            if not name:
                return
            path = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
            with self.ctx.session() as s:
                office = office_settings.get(s, office_settings.OFFICE_NAME)

            def work(progress: Progress) -> Any:
                return export(
                    data,
                    path,
                    office=office,
                    progress=lambda done, total, _t="": progress.report(done, total),
                    should_cancel=lambda: progress.cancelled,
                )

            def done(_result: object) -> None:
                remember_folder(path)
                self.last_export = path
                QMessageBox.information(self, "导出完成", f"已导出：{path}")

            def failed(exc: BaseException) -> None:
                show_error(self, exc, title="导出未完成")

            self.ctx.tasks.run(
                work,
                done,
                failed,
                parent=self,
                title="导出Excel",
                label=f"正在写入 {path.name}…",
            )

        button.clicked.connect(lambda _c=False: run())
        (layout or self.toolbar).addWidget(button)
        return button

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Another part of 统计台账 (考评排名 …) as a further tab after "统计"."""
        return self.tabs.addTab(widget, title)

    # --- period -------------------------------------------------------------------------
    def today(self) -> date:
        return self._today or clock.today()

    @staticmethod
    def _date_edit() -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _period_changed(self) -> None:
        code = self.period_combo.currentData()
        custom = code == "custom"
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom:
            first, last = period_for(str(code), self.today())
            self.from_edit.setDate(QDate(first.year, first.month, first.day))
            self.to_edit.setDate(QDate(last.year, last.month, last.day))
            as_of = min(self.today(), last)
            self.as_of_edit.setDate(QDate(as_of.year, as_of.month, as_of.day))
            self.refresh()

    def set_period(self, date_from: date, date_to: date, as_of: date | None = None) -> None:
        """Choose a custom period (and as-of date) and compute."""
        self.period_combo.blockSignals(True)
        self.period_combo.setCurrentIndex(self.period_combo.findData("custom"))
        self.period_combo.blockSignals(False)
        self.from_edit.setEnabled(True)
        self.to_edit.setEnabled(True)
        self.from_edit.setDate(QDate(date_from.year, date_from.month, date_from.day))
        self.to_edit.setDate(QDate(date_to.year, date_to.month, date_to.day))
        chosen = as_of or min(self.today(), date_to)
        self.as_of_edit.setDate(QDate(chosen.year, chosen.month, chosen.day))
        self.refresh()

    def set_group(self, by: GroupBy) -> None:
        self.by_combo.setCurrentIndex(max(0, self.by_combo.findData(by.value)))

    def query(self) -> StatsQuery:
        by = next(g for g in GroupBy if g.value == self.by_combo.currentData())
        return StatsQuery(
            date_from=py_date(self.from_edit.date()),
            date_to=py_date(self.to_edit.date()),
            as_of=py_date(self.as_of_edit.date()),
            by=by,
        )

    # --- computing ----------------------------------------------------------------------
    def on_shown(self) -> None:
        # Computed when the page was built; on later visits the data may have changed.
        if self._shown_before:
            self.refresh()
        self._shown_before = True

    def refresh(self) -> None:
        query = self.query()
        self._generation += 1
        generation = self._generation
        ctx = self.ctx
        self.summary.setText("正在统计…")

        def work(_p: Progress) -> StatsReport:
            with statistics.one_at_a_time(), ctx.session() as s:
                return statistics.compute(s, ctx.actor, query)

        def done(report: StatsReport) -> None:
            if generation == self._generation:
                self.show_report(report)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(exc, EffDeskError):
                self.summary.setText(str(exc))
            else:
                show_error(self, exc)

        ctx.tasks.run(work, done, failed)

    def show_report(self, report: StatsReport) -> None:
        self.report = report
        t = report.total
        self.summary.setText(
            f"{report.date_from:%Y年%m月%d日}至{report.end:%Y年%m月%d日}"
            f"（截至{report.as_of:%Y年%m月%d日}）：受理 {t.received:,} 件，办结 {t.concluded:,} 件，"
            f"办结率 {percent(t.conclusion_rate)}，按期办结率 {percent(t.on_time_rate)}，"
            f"超期件 {t.overdue:,} 件（其中未办结 {t.open_overdue:,} 件）；"
            f"另有不予受理 {t.rejected:,} 件、合并件 {t.merged:,} 件不计入受理。"
        )
        rows: list[tuple[GroupBy | None, object, str, Counts]] = [(None, None, "合计", t)]
        rows += [(report.by, r.key, r.label, r.counts) for r in report.groups]
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(report.by.label))
        self.table.set_rows(report, rows)
        self.findings_table.setRowCount(len(report.findings_by_campaign))
        for i, r in enumerate(report.findings_by_campaign):
            self.findings_table.setItem(i, 0, QTableWidgetItem(r.label))
            item = QTableWidgetItem(f"{r.findings:,}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(QBrush(LINK))
            item.setData(REF_ROLE, report.ref(Figure.FINDINGS, GroupBy.CAMPAIGN, r.key, r.label))
            self.findings_table.setItem(i, 1, item)

    # --- click-through ------------------------------------------------------------------
    def _finding_clicked(self, row: int, column: int) -> None:
        item = self.findings_table.item(row, 1)
        ref = item.data(REF_ROLE) if item is not None else None
        if isinstance(ref, FigureRef):
            self.open_figure(ref)

    def open_figure(self, ref: FigureRef) -> None:
        """Show the records behind a figure: complaints in the complaint list, measures and
        findings in a list dialog."""
        if ref.figure.records == "complaint":
            self.show_complaints_requested.emit(ref)
            return
        try:
            with self.ctx.session() as s:
                dialog = RecordsDialog.for_ref(s, self.ctx.actor, ref, self)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self._forget(d))
        self.dialogs.append(dialog)
        dialog.open()

    def _forget(self, dialog: RecordsDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
