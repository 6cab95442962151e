"""考评排名: the monthly unit ranking (作风监测指数) and the year view.

A month picker; 计算 / 定稿 / 重算已定稿月份 (with a reason) following the permissions; one table
per assessment category with the bottom three in red; the selected unit's deductions, each with
its basis (double-click opens a complaint); the year's 12 months × units. All work goes through
:mod:`effdesk.services.assessment` on the task runner; the widget holds no SQL.

To open a record elsewhere in the app the tab emits ``open_record_requested(module, id)`` (the
shell's protocol); when nobody listens, a complaint opens in a window of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QMetaMethod, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import AssessmentCategory
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import assessment, bulletin
from effdesk.services.assessment import Deduction, MonthResult, ScoreRow, YearView
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets.panes import side_by_side

RED = QColor("#c62828")
RED_BG = QColor("#fdecea")
GREY = QColor("#8a8a8a")
MONTHS_BACK = 24
SCORE_HEADERS = ("名次", "单位", "得分", "扣分", "扣分事项", "预警")
DETAIL_HEADERS = ("扣分项目", "日期", "依据", "扣分", "说明")
_MODULE_OF = {"complaint": "complaints", "finding": "inspections", "document": "documents"}


def recent_months(today: date, count: int = MONTHS_BACK) -> list[str]:
    """This month and the ``count - 1`` before it, newest first ("2026-10")."""
    out = []
    y, m = today.year, today.month
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def _item(text: str, align: Qt.AlignmentFlag | None = None) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align is not None:
        it.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return it


def _table(headers: tuple[str, ...], stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(24)
    t.setAlternatingRowColors(False)
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def deduction_summary(row: ScoreRow) -> str:
    totals: dict[str, Any] = {}
    for d in row.details:
        if d.points > 0:
            totals[d.label] = totals.get(d.label, 0) + d.points
    return "、".join(f"{k}{v.normalize():f}分" for k, v in totals.items()) or "—"


class ReasonDialog(QDialog):
    """Why a closed month is recomputed (required), and with which rules."""

    def __init__(self, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("重算已定稿月份")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"{assessment.period_label(period)}的考评结果已定稿。重算将按现有记录重新计分，"
                "原结果与新结果都记入审计日志。\n请填写重算理由："
            )
        )
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("例如：补录10月30日督查发现问题")
        self.reason.setFixedHeight(80)
        layout.addWidget(self.reason)
        self.current_rules = QCheckBox("按现行扣分规则重算（不勾选：沿用该月定稿时的规则）")
        layout.addWidget(self.current_rules)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("重算")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, bool]:
        return self.reason.toPlainText().strip(), self.current_rules.isChecked()


class RankingTab(QWidget):
    """The 考评排名 tab. Signals: ``open_record_requested(module, id)``, ``loaded()``."""

    open_record_requested = Signal(str, int)
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: MonthResult | None = None
        self.year: YearView | None = None
        self.last_error: BaseException | None = None
        self.windows: list[QWidget] = []
        self.last_bulletin: tuple[int, str] | None = None

        # --- the bar ---
        self.month = QComboBox()
        for p in recent_months(date.today()):
            self.month.addItem(assessment.period_label(p), p)
        self.month.setCurrentIndex(1)  # last month: the one usually computed and closed
        self.compute_button = QPushButton("计算")
        self.close_button = QPushButton("定稿")
        self.recompute_button = QPushButton("重算已定稿月份…")
        self.rules_button = QPushButton("扣分规则…")
        self.bulletin_button = QPushButton("生成月度通报草稿")
        self.bulletin_button.setToolTip("在「公文通报」中保存本月的简报草稿，审核后编号印发")
        self.state = QLabel()
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        self.toolbar = bar  # the 统计台账 page adds its 导出排名Excel… button here
        bar.addWidget(QLabel("月份："))
        bar.addWidget(self.month)
        bar.addWidget(self.compute_button)
        bar.addWidget(self.close_button)
        bar.addWidget(self.recompute_button)
        bar.addSpacing(12)
        bar.addWidget(self.state, 1)
        bar.addWidget(self.rules_button)
        bar.addWidget(self.bulletin_button)

        # --- per category, and the year ---
        self.tabs = QTabWidget()
        self.tables: dict[AssessmentCategory, QTableWidget] = {}
        for cat in AssessmentCategory:
            t = _table(SCORE_HEADERS, 4)
            t.itemSelectionChanged.connect(lambda c=cat: self._unit_selected(c))
            self.tables[cat] = t
            self.tabs.addTab(t, cat.label)
        year_box = QWidget()
        year_layout = QVBoxLayout(year_box)
        year_layout.setContentsMargins(0, 4, 0, 0)
        year_bar = QHBoxLayout()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(date.today().year)
        self.year_spin.setSuffix("年")
        self.year_note = QLabel()
        self.year_note.setStyleSheet("color: #555;")
        year_bar.addWidget(QLabel("年度："))
        year_bar.addWidget(self.year_spin)
        year_bar.addWidget(self.year_note, 1)
        year_layout.addLayout(year_bar)
        self.year_table = _table(
            (
                "名次",
                "单位",
                "类别",
                *[f"{m}月" for m in range(1, 13)],
                "平均分",
                "累计扣分",
                "预警次数",
            ),
            1,
        )
        year_layout.addWidget(self.year_table)
        self.tabs.addTab(year_box, "年度汇总")

        # --- the selected unit's deductions ---
        detail_box = QWidget()
        dl = QVBoxLayout(detail_box)
        dl.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel("选择一个单位查看扣分明细")
        bold = QFont(self.detail_title.font())
        bold.setBold(True)
        self.detail_title.setFont(bold)
        self.details = _table(DETAIL_HEADERS, 2)
        self.details.setWordWrap(True)
        self.details.itemDoubleClicked.connect(lambda _i: self.open_selected_basis())
        hint = QLabel("双击扣分依据可打开对应的投诉件。")
        hint.setStyleSheet("color: #666;")
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        self.rules_label.setStyleSheet("color: #555;")
        dl.addWidget(self.detail_title)
        dl.addWidget(self.details, 1)
        dl.addWidget(hint)
        dl.addWidget(self.rules_label)

        split = side_by_side(self.tabs, detail_box, (3, 2))

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self.detail_box = detail_box
        # The deductions belong to a month's table; the year view has the whole width.
        self.tabs.currentChanged.connect(
            lambda _i: detail_box.setVisible(self.tabs.currentWidget() is not year_box)
        )
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        self.year_spin.valueChanged.connect(lambda _v: self.reload_year())
        self.compute_button.clicked.connect(self.compute)
        self.close_button.clicked.connect(self.close_month)
        self.recompute_button.clicked.connect(self.recompute)
        self.rules_button.clicked.connect(self.edit_rules)
        self.bulletin_button.clicked.connect(self.draft_bulletin)
        self.rules_button.setEnabled(ctx.can(Permission.EDIT_ASSESSMENT_RULES))
        self.bulletin_button.setEnabled(ctx.can(Permission.DRAFT_DOCUMENTS))
        self.reload()
        self.reload_year()

    # ------------------------------------------------------------------ loading

    @property
    def period(self) -> str:
        return str(self.month.currentData())

    def select_month(self, period: str) -> None:
        i = self.month.findData(period)
        if i < 0:
            self.month.addItem(assessment.period_label(period), period)
            i = self.month.count() - 1
        self.month.setCurrentIndex(i)

    def _fail(self, exc: BaseException, title: str = "") -> None:
        self.last_error = exc
        show_error(self, exc, title=title)

    def reload(self) -> None:
        period = self.period
        actor = self.ctx.actor

        def work(_p: Any) -> MonthResult:
            with self.ctx.session() as s:
                return assessment.month_result(s, actor, period)

        self.ctx.tasks.run(work, self._show, self._fail)

    def reload_year(self) -> None:
        year = self.year_spin.value()
        actor = self.ctx.actor

        def work(_p: Any) -> YearView:
            with self.ctx.session() as s:
                return assessment.year_view(s, actor, year)

        self.ctx.tasks.run(work, self._show_year, self._fail)

    def _act(self, what: str, work: Any) -> None:
        """Run a computing action, then show its result and refresh the year."""

        def done(result: MonthResult) -> None:
            self._show(result)
            self.reload_year()

        self.ctx.tasks.run(
            work,
            done,
            lambda exc: self._fail(exc, f"不能{what}"),
            parent=self,
            title=f"{what}考评结果",
            label=f"正在{what}{assessment.period_label(self.period)}的作风监测指数……",
            cancellable=False,
        )

    def compute(self) -> None:
        period, actor = self.period, self.ctx.actor

        def work(_p: Any) -> MonthResult:
            with self.ctx.session() as s:
                return assessment.compute_month(s, actor, period)

        self._act("计算", work)

    def close_month(self) -> None:
        period, actor = self.period, self.ctx.actor
        answer = QMessageBox.question(
            self,
            "定稿",
            f"定稿后{assessment.period_label(period)}的排名不再随记录或规则变化，"
            "如需更正须由领导或管理员填写理由重算。确定定稿吗？",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(_p: Any) -> MonthResult:
            with self.ctx.session() as s:
                return assessment.close_month(s, actor, period)

        self._act("定稿", work)

    def recompute(self, *, reason: str | None = None, current_rules: bool = False) -> None:
        """Ask for the reason (unless given, as tests and scripts do) and recompute."""
        period, actor = self.period, self.ctx.actor
        if reason is None:
            dialog = ReasonDialog(period, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            reason, current_rules = dialog.values()
        why, use_current = reason, current_rules

        def work(_p: Any) -> MonthResult:
            with self.ctx.session() as s:
                return assessment.recompute_month(
                    s, actor, period, why, use_current_rules=use_current
                )

        self._act("重算", work)

    def edit_rules(self) -> None:
        from effdesk.ui.statistics.rules_dialog import RulesDialog

        dialog = RulesDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reload()  # a month not computed yet previews with the new rules

    def draft_bulletin(self) -> None:
        """Save the month's bulletin as a 简报 draft of the document register."""
        period, actor = self.period, self.ctx.actor

        def work(_p: Any) -> tuple[int, str]:
            with self.ctx.session() as s:
                doc = bulletin.compose_bulletin(s, actor, period)
                return doc.id, doc.title

        def done(result: tuple[int, str]) -> None:
            self.last_bulletin = result
            QMessageBox.information(
                self,
                "月度通报",
                f"已在「公文通报」中保存简报草稿「{result[1]}」。\n"
                "请在公文通报中预览、修改文字，由领导审核后编号印发。",
            )

        self.ctx.tasks.run(
            work,
            done,
            lambda exc: self._fail(exc, "不能生成通报"),
            parent=self,
            title="生成月度通报",
            label=f"正在汇总{assessment.period_label(period)}的数据……",
            cancellable=False,
        )

    # ------------------------------------------------------------------ showing

    def _show(self, result: MonthResult) -> None:
        if result.period != self.period:
            return  # the user picked another month meanwhile
        self.result = result
        when = ""
        if result.computed_at is not None:
            when = f"，{result.computed_at:%Y-%m-%d %H:%M}"
            when += f" 由{result.computed_by}计算" if result.computed_by else " 计算"
        flagged = len(result.flagged)
        self.state.setText(
            f"{assessment.period_label(result.period)}：{result.state_label}{when}；"
            f"扣分预警 {flagged} 个单位"
        )
        can_compute = self.ctx.can(Permission.COMPUTE_ASSESSMENT)
        can_close = self.ctx.can(Permission.CLOSE_ASSESSMENT)
        self.compute_button.setEnabled(can_compute and not result.final)
        self.compute_button.setText("重新计算" if result.saved and not result.final else "计算")
        self.close_button.setEnabled(can_close and result.saved and not result.final)
        self.recompute_button.setEnabled(can_close and result.final)
        for cat, rows in result.by_category().items():
            self._fill(self.tables[cat], rows)
            i = self.tabs.indexOf(self.tables[cat])
            self.tabs.setTabText(i, f"{cat.label}（{len(rows)}）")
        self.rules_label.setText(
            ("本月使用的扣分规则：" if result.saved else "现行扣分规则：")
            + " ".join(assessment.describe_rules(result.rules))
        )
        self._unit_selected(self.current_category())
        self.loaded.emit()

    def _fill(self, table: QTableWidget, rows: list[ScoreRow]) -> None:
        table.setRowCount(len(rows))
        center = Qt.AlignmentFlag.AlignCenter
        for r, row in enumerate(rows):
            items = [
                _item(str(row.rank), center),
                _item(row.unit_name),
                _item(f"{row.score:.2f}", center),
                _item(f"{row.deduction:.2f}", center),
                _item(deduction_summary(row)),
                _item("扣分预警" if row.flagged else "", center),
            ]
            items[1].setData(Qt.ItemDataRole.UserRole, row.unit_id)
            for c, it in enumerate(items):
                if row.flagged:
                    it.setForeground(QBrush(RED))
                    it.setBackground(QBrush(RED_BG))
                elif row.deduction == 0:
                    it.setForeground(QBrush(GREY))
                table.setItem(r, c, it)

    def current_category(self) -> AssessmentCategory:
        w = self.tabs.currentWidget()
        for cat, t in self.tables.items():
            if t is w:
                return cat
        return AssessmentCategory.FIRST

    def rows_of(self, cat: AssessmentCategory) -> list[ScoreRow]:
        return self.result.by_category()[cat] if self.result else []

    def select_unit(self, unit_name: str) -> None:
        """Show ``unit_name``'s tab and row (and its deductions)."""
        for table in self.tables.values():
            for r in range(table.rowCount()):
                item = table.item(r, 1)
                if item is not None and item.text() == unit_name:
                    self.tabs.setCurrentWidget(table)
                    table.selectRow(r)
                    return

    def selected_row(self) -> ScoreRow | None:
        cat = self.current_category()
        table = self.tables[cat]
        rows = table.selectionModel().selectedRows()
        if not rows:
            return None
        item = table.item(rows[0].row(), 1)
        if item is None:
            return None
        unit_id = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows_of(cat) if r.unit_id == unit_id), None)

    def _unit_selected(self, cat: AssessmentCategory) -> None:
        if cat is not self.current_category():
            return
        row = self.selected_row()
        self.details.setRowCount(0)
        if row is None:
            self.detail_title.setText("选择一个单位查看扣分明细")
            return
        self.detail_title.setText(
            f"{row.unit_name}：得分 {row.score:.2f}（基础分 {row.base:.2f}，扣 {row.deduction:.2f}）"
            f"，本类第{row.rank}名" + ("，扣分预警" if row.flagged else "")
        )
        self.details.setRowCount(len(row.details))
        for r, d in enumerate(row.details):
            items = [
                _item(d.label),
                _item(d.day),
                _item(d.text),
                _item(f"{d.points:.2f}", Qt.AlignmentFlag.AlignCenter),
                _item(d.note),
            ]
            items[0].setData(Qt.ItemDataRole.UserRole, r)
            if d.points == 0:
                for it in items:
                    it.setForeground(QBrush(GREY))
            if d.ref_type == "complaint":
                items[2].setToolTip("双击打开该投诉件")
            for c, it in enumerate(items):
                self.details.setItem(r, c, it)
        self.details.resizeRowsToContents()

    def selected_deduction(self) -> Deduction | None:
        row = self.selected_row()
        sel = self.details.selectionModel().selectedRows()
        if row is None or not sel:
            return None
        return row.details[sel[0].row()]

    def open_selected_basis(self) -> None:
        d = self.selected_deduction()
        if d is None:
            return
        module = _MODULE_OF.get(d.ref_type)
        if module is not None and self._listened():
            self.open_record_requested.emit(module, d.ref_id)
            return
        if d.ref_type == "complaint":
            from effdesk.ui.complaints.case_view import CaseView  # heavy: only when asked

            view = CaseView(self.ctx, d.ref_id)
            view.setWindowFlag(Qt.WindowType.Window)
            view.setWindowTitle(f"投诉件 {view.detail.number if view.detail else ''}")
            view.resize(1000, 720)
            view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.windows.append(view)
            view.show()
            return
        show_error(
            self,
            EffDeskError(f"扣分依据：{d.text}（{d.label}，{d.day}）。请在相应模块中查看该记录。"),
            title="扣分依据",
        )

    def _listened(self) -> bool:
        meta = self.metaObject()
        index = meta.indexOfSignal("open_record_requested(QString,int)")
        return index >= 0 and self.isSignalConnected(QMetaMethod(meta.method(index)))

    def _show_year(self, view: YearView) -> None:
        if view.year != self.year_spin.value():
            return
        self.year = view
        computed = [f"{i}月" for i, c in enumerate(view.computed, start=1) if c]
        finals = sum(view.final)
        self.year_note.setText(
            f"已有结果的月份：{'、'.join(computed) or '无'}（其中已定稿{finals}个）。"
            "平均分只计有结果的月份，按类别排名，后三位标红。"
        )
        t = self.year_table
        t.setRowCount(len(view.rows))
        center = Qt.AlignmentFlag.AlignCenter
        for r, row in enumerate(view.rows):
            cells = [
                _item(str(row.rank) if row.rank else "—", center),
                _item(row.unit_name),
                _item(row.category.label.replace("考评单位", "")),
                *[_item("" if m is None else f"{m:.2f}", center) for m in row.months],
                _item("—" if row.average is None else f"{row.average:.2f}", center),
                _item(f"{row.total_deduction:.2f}", center),
                _item(str(row.flagged_months), center),
            ]
            for c, it in enumerate(cells):
                if row.flagged:
                    it.setForeground(QBrush(RED))
                    it.setBackground(QBrush(RED_BG))
                t.setItem(r, c, it)
