"""问责台账: the register with its filters, the totals line, and the history of the selected
measure's person or unit (with the 效能告诫 count)."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import DocumentState, DocumentType, MeasureType, SubjectKind
from effdesk.errors import ConcurrentEditError, EffDeskError
from effdesk.permissions import Permission
from effdesk.services import documents as docs
from effdesk.services.accountability import measures as ms
from effdesk.services.common import Page
from effdesk.services.measure_counts import MeasureTotals
from effdesk.ui.accountability.measure_dialog import MeasureDialog, date_edit, open_measure_dialog
from effdesk.ui.accountability.types_dialog import MeasureTypesDialog
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.models.paged import CENTER, GREY, RED, RIGHT, Column, PagedTableModel
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import enum_member
from effdesk.ui.widgets.panes import side_by_side
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker
from effdesk.ui.widgets.search_table import SearchableTableView

HEAVY = MeasureType.POST_ADJUSTMENT.severity


def _amount(r: ms.MeasureRow) -> str:
    return f"{r.amount:,.2f}" if r.amount is not None else ""


COLUMNS: list[Column[ms.MeasureRow]] = [
    Column("决定日期", lambda r: f"{r.decided_date:%Y-%m-%d}", width=90),
    Column("问责对象", lambda r: r.subject_label, width=150, tooltip=lambda r: r.subject_label),
    Column("单位", lambda r: r.unit_name, width=150),
    Column(
        "问责措施",
        lambda r: r.measure_label + (f"（第{r.warning_ordinal}次）" if r.warning_ordinal else ""),
        width=130,
        foreground=lambda r: (
            RED
            if r.measure.severity >= HEAVY or (r.warning_ordinal or 0) >= ms.WARNING_LIMIT
            else None
        ),
        tooltip=lambda r: (
            f"该人员在统计期间（一年）内的第{r.warning_ordinal}次效能告诫"
            if r.warning_ordinal
            else ""
        ),
    ),
    Column("金额（元）", _amount, align=RIGHT, width=80),
    Column("依据", lambda r: r.basis_label, width=200, tooltip=lambda r: r.basis_label),
    Column("决定机关", lambda r: r.deciding_body, width=120),
    Column("文号", lambda r: r.document_number, width=120),
    Column(
        "状态",
        lambda r: "已作废" if r.voided else "有效",
        align=CENTER,
        width=56,
        foreground=lambda r: GREY if r.voided else None,
        tooltip=lambda r: f"作废原因：{r.void_reason}" if r.voided else "",
    ),
]
PERIODS = ["全部时间", "本年", "本月", "上一年", "自定义"]


def esc(value: object) -> str:
    return html.escape(str(value)).replace("\n", "<br>")


def period_range(name: str, today: date) -> tuple[date | None, date | None]:
    if name == "本年":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if name == "本月":
        nxt = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        return date(today.year, today.month, 1), date.fromordinal(nxt.toordinal() - 1)
    if name == "上一年":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return None, None


def history_html(
    title: str, head: str, rows: list[ms.MeasureRow], warn: bool, show_subject: bool
) -> str:
    out = [
        f"<h3 style='color:#1f4e79'>{esc(title)}</h3>",
        f"<p style='{'color:#c62828;font-weight:bold' if warn else 'color:#333'}'>{esc(head)}</p>",
    ]
    if not rows:
        out.append("<p style='color:#888'>没有问责记录。</p>")
    out.append("<table cellspacing='0' cellpadding='3'>")
    for r in rows:
        style = "color:#999;text-decoration:line-through" if r.voided else ""
        basis = (
            f"<a href='complaint:{r.complaint_id}'>{esc(r.basis_label)}</a>"
            if r.complaint_id
            else f"<a href='finding:{r.finding_id}'>{esc(r.basis_label)}</a>"
            if r.finding_id
            else esc(r.basis_label)
        )
        who = f"{esc(r.subject_label)}　" if show_subject else ""
        void = (
            f"<br><span style='color:#999'>已作废：{esc(r.void_reason)}</span>" if r.voided else ""
        )
        out.append(
            f"<tr><td style='color:#666'>{r.decided_date:%Y-%m-%d}</td>"
            f"<td><span style='{style}'>{who}<a href='measure:{r.id}'>{esc(r.measure_label)}</a>"
            f"</span>　{basis}{void}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


class RegisterView(QWidget):
    """Signals ``basisRequested(str, int)`` (module key, id) and ``changed()``."""

    basisRequested = Signal(str, int)
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QDialog | None = None
        self.can_decide = ctx.can(Permission.DECIDE_MEASURES)
        self.can_void = ctx.can(Permission.VOID_MEASURES)
        self.totals = MeasureTotals(0, 0)

        self.model: PagedTableModel[ms.MeasureRow] = PagedTableModel(
            self._fetch, COLUMNS, key=lambda r: r.id, parent=self
        )
        self.view = SearchableTableView(
            self.model,
            placeholder="搜索：姓名、单位、措施、文号、投诉编号",
            noun="条问责记录",
            auto_refresh=True,
        )
        self.view.currentRowChanged.connect(lambda _r: self._selected())
        self.view.rowActivated.connect(lambda _r: self.edit())

        # --- filters ---
        self.period_combo = QComboBox()
        self.period_combo.addItems(PERIODS)
        self.period_combo.setCurrentText("本年")
        self.from_edit = date_edit(date(clock.today().year, 1, 1))
        self.to_edit = date_edit(clock.today())
        self.unit_filter = UnitPicker(ctx, include_inactive=True, placeholder="全部单位")
        self.unit_filter.setMaximumWidth(200)
        self.person_filter = PersonPicker(ctx, include_inactive=True, placeholder="全部人员")
        self.person_filter.setMaximumWidth(130)
        self.measure_filter = QComboBox()
        self.measure_filter.addItem("全部措施", None)
        with ctx.session() as s:
            for m, label in ms.measure_type_choices(s):
                self.measure_filter.addItem(label, m.value)
        self.subject_filter = QComboBox()
        self.subject_filter.addItem("个人和单位", None)
        for k in SubjectKind:
            self.subject_filter.addItem(k.label, k.value)
        self.basis_filter = QComboBox()
        self.basis_filter.addItem("全部依据", None)
        for code, label in ms.BasisKind.LABELS.items():
            self.basis_filter.addItem(label, code)
        self.state_filter = QComboBox()
        self.state_filter.addItem("有效", False)
        self.state_filter.addItem("已作废", True)
        self.state_filter.addItem("全部（含作废）", None)
        filters = QHBoxLayout()
        for w in (
            QLabel("期间"),
            self.period_combo,
            self.from_edit,
            QLabel("至"),
            self.to_edit,
            self.unit_filter,
            self.person_filter,
            self.measure_filter,
            self.subject_filter,
            self.basis_filter,
            self.state_filter,
        ):
            filters.addWidget(w)
        filters.addStretch(1)
        self.period_combo.currentTextChanged.connect(lambda _t: self._period_changed())
        for combo in (
            self.measure_filter,
            self.subject_filter,
            self.basis_filter,
            self.state_filter,
        ):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.from_edit.dateChanged.connect(lambda _d: self._dates_edited())
        self.to_edit.dateChanged.connect(lambda _d: self._dates_edited())
        self.unit_filter.picked.connect(self._unit_filter_picked)
        self.person_filter.picked.connect(lambda _id: self.refresh())

        self.totals_label = QLabel()
        self.totals_label.setObjectName("totalsLabel")
        font = self.totals_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.totals_label.setFont(font)
        self.totals_label.setStyleSheet("color:#1f4e79;")

        # --- buttons ---
        self.new_button = QPushButton("记录问责…")
        self.new_button.clicked.connect(lambda _c=False: self.new_measure())
        self.circular_button = QPushButton("按通报记录…")
        self.circular_button.setToolTip("把一份已印发的通报中宣布的问责措施逐条登记")
        self.circular_button.clicked.connect(lambda _c=False: self.from_circular())
        self.edit_button = QPushButton("修改…")
        self.edit_button.clicked.connect(lambda _c=False: self.edit())
        self.void_button = QPushButton("作废…")
        self.void_button.clicked.connect(lambda _c=False: self.void())
        self.types_button = QPushButton("措施类型…")
        self.types_button.setToolTip("系统管理员：设置本单位使用的问责措施及其名称")
        self.types_button.setVisible(ctx.can(Permission.MANAGE_SETTINGS))
        self.types_button.clicked.connect(lambda _c=False: self.edit_types())
        self.basis_button = QPushButton("打开依据")
        self.basis_button.clicked.connect(lambda _c=False: self.open_basis())
        buttons = QHBoxLayout()
        buttons.addWidget(self.totals_label, 1)
        for b in (
            self.types_button,
            self.basis_button,
            self.edit_button,
            self.void_button,
            self.circular_button,
            self.new_button,
        ):
            b.setMinimumWidth(b.sizeHint().width() + 8)
        for b in (
            self.types_button,
            self.basis_button,
            self.edit_button,
            self.void_button,
            self.circular_button,
            self.new_button,
        ):
            buttons.addWidget(b)

        self.history = QTextBrowser()
        self.history.setObjectName("historyPanel")
        self.history.setOpenLinks(False)
        self.history.anchorClicked.connect(self._history_link)
        self.history.setMinimumWidth(300)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self.view, 1)
        ll.addLayout(buttons)
        splitter = side_by_side(left, self.history, (7, 3), (1050, 380))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(splitter, 1)
        self.model.refreshed.connect(self._update_totals)
        self._period_changed()

    # --- filter -----------------------------------------------------------------------
    def _period_changed(self) -> None:
        name = self.period_combo.currentText()
        custom = name == "自定义"
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        start, end = period_range(name, clock.today())
        for edit, d in ((self.from_edit, start), (self.to_edit, end)):
            if d is not None:
                edit.blockSignals(True)
                edit.setDate(date_edit(d).date())
                edit.blockSignals(False)
        self.refresh()

    def _unit_filter_picked(self, unit_id: object) -> None:
        self.person_filter.set_unit(unit_id if isinstance(unit_id, int) else None)
        self.refresh()

    def _dates_edited(self) -> None:
        if self.period_combo.currentText() == "自定义":
            self.refresh()

    def current_filter(self) -> ms.MeasureFilter:
        name = self.period_combo.currentText()
        if name == "全部时间":
            start = end = None
        elif name == "自定义":
            f, t = self.from_edit.date(), self.to_edit.date()
            start = date(f.year(), f.month(), f.day())
            end = date(t.year(), t.month(), t.day())
        else:
            start, end = period_range(name, clock.today())
        measure = self.measure_filter.currentData()
        subject = self.subject_filter.currentData()
        return ms.MeasureFilter(
            date_from=start,
            date_to=end,
            unit_id=self.unit_filter.current_id(),
            person_id=self.person_filter.current_id(),
            measure=enum_member(MeasureType, measure),
            subject_kind=enum_member(SubjectKind, subject),
            basis_kind=self.basis_filter.currentData(),
            voided=self.state_filter.currentData(),
            text=self.view.query(),
        )

    def _fetch(self, offset: int, limit: int) -> Page[ms.MeasureRow]:
        with self.ctx.session() as s:
            return ms.list_measures(s, self.ctx.actor, self.current_filter(), offset, limit)

    def refresh(self, select_id: int | None = None) -> None:
        self.view.refresh(select_key=select_id)

    def _update_totals(self) -> None:
        try:
            with self.ctx.session() as s:
                self.totals = ms.register_totals(s, self.ctx.actor, self.current_filter())
        except EffDeskError as exc:
            self.totals_label.setText(str(exc))
            return
        self.totals_label.setText(ms.totals_text(self.totals))
        self._update_buttons()

    def show_all(self) -> None:
        """Clear the filters (a record opened from elsewhere must be visible)."""
        for combo in (self.measure_filter, self.subject_filter, self.basis_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.state_filter.blockSignals(True)
        self.state_filter.setCurrentIndex(2)
        self.state_filter.blockSignals(False)
        self.unit_filter.set_current(None)
        self.person_filter.set_current(None)
        self.view.filter_edit.blockSignals(True)
        self.view.filter_edit.clear()
        self.view.filter_edit.blockSignals(False)
        self.period_combo.blockSignals(True)
        self.period_combo.setCurrentText("全部时间")
        self.period_combo.blockSignals(False)

    def open_measure(self, measure_id: int) -> None:
        """Show one measure (voided too), its unit's register, and select it: narrowing to
        the unit keeps the row within the first page however long the register is."""
        try:
            with self.ctx.session() as s:
                row = ms.get_measure(s, self.ctx.actor, measure_id)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        self.show_all()
        self.unit_filter.blockSignals(True)
        self.unit_filter.set_current_id(row.unit_id)
        self.unit_filter.blockSignals(False)
        self.person_filter.set_unit(row.unit_id)
        self.view.set_query("")
        self.refresh(select_id=measure_id)

    # --- selection and history -----------------------------------------------------------
    def selected(self) -> ms.MeasureRow | None:
        row = self.view.selected()
        return row if isinstance(row, ms.MeasureRow) else None

    def _selected(self) -> None:
        self._update_buttons()
        row = self.selected()
        if row is None:
            self.history.setHtml("<p style='color:#888'>选择一条问责记录，查看对象的问责历史。</p>")
            return
        if row.subject_kind is SubjectKind.PERSON and row.person_id is not None:
            self.show_person(row.person_id)
        else:
            self.show_unit(row.unit_id)

    def show_person(self, person_id: int) -> None:
        with self.ctx.session() as s:
            h = ms.person_history(s, self.ctx.actor, person_id, clock.today())
        post = f"（{h.post}）" if h.post else ""
        warn = h.warnings.count >= ms.WARNING_LIMIT
        head = f"{h.warnings.text}" + (f"，已达 {ms.WARNING_LIMIT} 次" if warn else "")
        head += f"；共 {sum(1 for r in h.measures if not r.voided)} 条有效问责"
        self.history.setHtml(
            history_html(f"{h.name}{post}　{h.unit_name}", head, h.measures, warn, False)
        )

    def show_unit(self, unit_id: int) -> None:
        with self.ctx.session() as s:
            h = ms.unit_history(s, self.ctx.actor, unit_id)
        head = f"本单位及其人员：{ms.totals_text(h.totals)}（单位被问责计 1 个）"
        self.history.setHtml(history_html(h.name, head, h.measures, False, True))

    def _history_link(self, url: QUrl) -> None:
        kind, _, ident = url.toString().partition(":")
        if kind == "measure":
            self.open_measure(int(ident))
        elif kind == "complaint":
            self.basisRequested.emit("complaints", int(ident))
        elif kind == "finding":
            self.basisRequested.emit("inspections", int(ident))

    def _update_buttons(self) -> None:
        row = self.selected()
        self.new_button.setEnabled(self.can_decide)
        self.circular_button.setEnabled(self.can_decide)
        self.edit_button.setEnabled(row is not None)
        self.edit_button.setText("修改…" if self.can_decide and row and not row.voided else "查看…")
        self.void_button.setEnabled(row is not None and not row.voided and self.can_void)
        self.basis_button.setEnabled(
            row is not None and (row.complaint_id is not None or row.finding_id is not None)
        )

    # --- actions ------------------------------------------------------------------------
    def _track(self, dialog: MeasureDialog | None) -> MeasureDialog | None:
        if dialog is not None:
            self.dialog = dialog
            dialog.saved.connect(self._saved)
            dialog.basisRequested.connect(self.basisRequested)
        return dialog

    def _saved(self, measure_id: int) -> None:
        self.refresh(select_id=measure_id)
        self.changed.emit()

    def new_measure(self) -> MeasureDialog | None:
        return self._track(open_measure_dialog(self.ctx, self))

    def record_from(
        self, *, complaint_id: int | None = None, finding_id: int | None = None
    ) -> MeasureDialog | None:
        return self._track(
            open_measure_dialog(self.ctx, self, complaint_id=complaint_id, finding_id=finding_id)
        )

    def circulars(self) -> list[tuple[int, str]]:
        with self.ctx.session() as s:
            page = docs.list_documents(
                s, self.ctx.actor, doc_type=DocumentType.CIRCULAR, state=DocumentState.ISSUED
            )
        return [(r.id, f"{r.number}　{r.title}") for r in page.rows]

    def from_circular(self, document_id: int | None = None) -> MeasureDialog | None:
        if document_id is None:
            choices = self.circulars()
            if not choices:
                show_error(self, EffDeskError("还没有已印发的通报。"))
                return None
            text, ok = QInputDialog.getItem(
                self, "按通报记录问责", "选择通报：", [c[1] for c in choices], 0, False
            )
            if not ok:
                return None
            document_id = next(i for i, t in choices if t == text)
        return self._track(open_measure_dialog(self.ctx, self, document_id=document_id))

    def edit(self) -> MeasureDialog | None:
        row = self.selected()
        if row is None:
            return None
        try:
            dialog = MeasureDialog(self.ctx, row.id, self)
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        if row.voided:
            dialog.save_button.setVisible(False)
            dialog.cancel_button.setText("关闭")
            dialog.setWindowTitle(f"查看问责记录（已作废：{row.void_reason}）")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return self._track(dialog)

    def void(self, reason: str | None = None) -> None:
        row = self.selected()
        if row is None or row.voided:
            return
        if reason is None:
            text, ok = QInputDialog.getMultiLineText(
                self,
                "作废问责记录",
                f"作废 {row.subject_label}「{row.measure_label}」（{row.decided_date:%Y-%m-%d}）\n"
                "作废后不再计入统计，记录和原因保留在历史中。作废原因：",
            )
            if not ok:
                return
            reason = text
        try:
            with self.ctx.session() as s:
                ms.void_measure(s, self.ctx.actor, row.id, reason, row.version)
        except ConcurrentEditError as exc:
            show_conflict(self, exc, lambda: self.refresh(select_id=row.id))
            return
        except EffDeskError as exc:
            show_error(self, exc, title="未能作废")
            return
        self.refresh(select_id=row.id)
        self.changed.emit()

    def edit_types(self) -> MeasureTypesDialog:
        dialog = MeasureTypesDialog(self.ctx, self)
        dialog.accepted.connect(self._types_changed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _types_changed(self) -> None:
        current = self.measure_filter.currentData()
        self.measure_filter.blockSignals(True)
        self.measure_filter.clear()
        self.measure_filter.addItem("全部措施", None)
        with self.ctx.session() as s:
            for m, label in ms.measure_type_choices(s):
                self.measure_filter.addItem(label, m.value)
        self.measure_filter.setCurrentIndex(max(0, self.measure_filter.findData(current)))
        self.measure_filter.blockSignals(False)
        self.refresh()

    def open_basis(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.complaint_id is not None:
            self.basisRequested.emit("complaints", row.complaint_id)
        elif row.finding_id is not None:
            self.basisRequested.emit("inspections", row.finding_id)
