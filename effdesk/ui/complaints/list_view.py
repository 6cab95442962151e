"""The complaint list (投诉台账): filters, a search box and a lazy table over the search service.

Only one page of rows is ever asked for (``PagedTableModel``; the service fetches one more row
than asked to know whether more follow), so a million cases cost one page of memory. The exact
count of matches runs as separate tasks after each refresh, off the GUI thread: first a fast
estimate (exact when it is cheap), shown as "约 N 件", then the exact count, which replaces it.
Scrolling goes on meanwhile; until the first figure arrives the line says "至少 N 件".

Every fetch captures the filters as a plain :class:`ComplaintFilter` on the GUI thread; the
worker only sees that value. The complainant columns show what the service returns: masked
("***") for roles without identity rights, "匿名" for anonymous complainants.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import Channel, ComplaintState, DueStatus, HandlingMode
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintFilter, ComplaintPage, ComplaintRow, ComplaintSort
from effdesk.services.complaints.policy import OPEN_STATES
from effdesk.services.statistics.definitions import FigureRef
from effdesk.ui.complaints.common import (
    DUE_BACKGROUND,
    STATE_GREY,
    d,
    deadline_text,
    due_foreground,
    py_date,
)
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.models.paged import CENTER, GREY, Column, PagedTableModel
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.forms import enum_combo, enum_member
from effdesk.ui.widgets.icons import icon
from effdesk.ui.widgets.pickers import UnitPicker
from effdesk.ui.widgets.search_table import SearchableTableView

NO_DATE = QDate(2000, 1, 1)  # the date edits' "不限" value
MINE = -1  # handler combo: the logged-in user

# State filter entries beyond the single states.
STATE_GROUPS: dict[str, frozenset[ComplaintState]] = {
    "open": frozenset(OPEN_STATES),
    "closed": frozenset(ComplaintState) - frozenset(OPEN_STATES),
}
DUE_CHOICES: list[tuple[str, str, frozenset[DueStatus], bool | None]] = [
    ("全部时限状态", "", frozenset(), None),
    ("超期", "overdue", frozenset({DueStatus.OVERDUE}), None),
    ("临期", "near", frozenset({DueStatus.NEAR}), None),
    ("超期或临期", "late", frozenset({DueStatus.OVERDUE, DueStatus.NEAR}), None),
    ("正常", "normal", frozenset({DueStatus.NORMAL}), None),
    ("曾经超期", "ever", frozenset(), True),
]


def handler_text(r: ComplaintRow) -> str:
    if r.handling_mode == HandlingMode.ASSIGNED:
        return f"交办·{r.handler_unit_name}" if r.handler_unit_name else "交办"
    if r.handling_mode == HandlingMode.FORWARDED:
        return "转办"
    if r.handler_user_name:
        prefix = "自办·" if r.handling_mode == HandlingMode.SELF else ""
        return prefix + r.handler_user_name
    return ""


def due_status_text(r: ComplaintRow) -> str:
    if r.due_status is not None:
        return r.due_status.label
    return "曾超期" if r.ever_overdue else ""


def _due_tooltip(r: ComplaintRow) -> str:
    if r.deadline is None:
        return "没有正在计算的时限" + ("（办理中曾超期）" if r.ever_overdue else "")
    text = deadline_text(r.deadline)
    if r.deadline.provisional:
        text += "\n暂定：该年度节假日安排尚未录入，录入后自动重算。"
    return text


def _state_fg(r: ComplaintRow) -> QColor | None:
    return GREY if r.state in STATE_GREY else None


COLUMNS: list[Column[ComplaintRow]] = [
    Column("编号", lambda r: r.number, width=112, elide=Qt.TextElideMode.ElideMiddle),
    Column("受理日期", lambda r: d(r.received_date), width=88),
    Column("渠道", lambda r: r.channel.label, width=70),
    Column("投诉人", lambda r: r.complainant_name, width=64),
    Column("联系电话", lambda r: r.complainant_phone, width=106),
    Column("被投诉单位/对象", lambda r: r.subject, width=150),
    Column("问题类别", lambda r: r.category_name, width=112),
    Column("状态", lambda r: r.state.label, align=CENTER, width=58, foreground=_state_fg),
    Column(
        "时限状态",
        due_status_text,
        align=CENTER,
        width=64,
        foreground=lambda r: (
            due_foreground(r.due_status, r.state)
            if r.due_status
            else (GREY if r.ever_overdue else None)
        ),
        background=lambda r: DUE_BACKGROUND[r.due_status] if r.due_status else None,
        tooltip=_due_tooltip,
    ),
    Column(
        "时限",
        lambda r: deadline_text(r.deadline, short=True),
        width=132,
        foreground=lambda r: due_foreground(r.due_status, r.state),
        background=lambda r: DUE_BACKGROUND[r.due_status] if r.due_status else None,
        tooltip=_due_tooltip,
    ),
    Column("承办", lambda r: handler_text(r), width=118),
    Column("内容摘要", lambda r: r.summary, width=160),
]
COLUMN_INDEX = {c.header: i for i, c in enumerate(COLUMNS)}


class ComplaintListView(QWidget):
    """Filters + table. Signals: ``caseRequested(int)`` (Enter / double-click on a row),
    ``newRequested()`` (登记 button or Ctrl+N)."""

    caseRequested = Signal(int)
    newRequested = Signal()
    countChanged = Signal(int)

    PAGE_SIZE = 100

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filters = ComplaintFilter()
        self.sort = ComplaintSort.RECEIVED_DESC
        self.exact_count: int | None = None
        # The figure of 统计台账 whose cases are listed (set by show_statistic), if any.
        self.statistic: FigureRef | None = None
        self.estimated_count: int | None = None
        self._count_generation = 0
        self._suspend = True  # no refresh while the widgets are being built

        self.model: PagedTableModel[ComplaintRow] = PagedTableModel(
            self._fetch_for(self.filters, self.sort),
            COLUMNS,
            page_size=self.PAGE_SIZE,
            key=lambda r: r.id,
            tasks=ctx.tasks,
            parent=self,
        )
        placeholder = "搜索：编号、被投诉单位、人员、内容"
        if complaints.may_see_identity(ctx.actor):
            placeholder += "、投诉人姓名、电话"
        self.view = SearchableTableView(
            self.model, placeholder=placeholder, auto_refresh=False, noun="件"
        )
        self.view.count_label.setVisible(False)  # ours below says "至少" until counted
        self.search_edit = self.view.filter_edit
        self.view.filterChanged.connect(lambda _t: self.refresh())
        self.view.rowActivated.connect(lambda row: self.caseRequested.emit(row.id))

        # --- first row: search, sort, new ---
        self.sort_combo = enum_combo(ComplaintSort)
        self.sort_combo.setToolTip("排序")
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.new_button = QPushButton(icon("add"), "登记投诉")
        self.new_button.setToolTip("登记新的投诉件（Ctrl+N）")
        self.new_button.clicked.connect(lambda _c=False: self.newRequested.emit())
        self.new_button.setVisible(ctx.can(Permission.REGISTER_COMPLAINT))
        self.view.toolbar.addWidget(self.sort_combo)
        self.view.toolbar.addWidget(self.new_button)

        # --- second row: filters ---
        self.state_combo = QComboBox()
        self.state_combo.addItem("全部状态", None)
        self.state_combo.addItem("办理中（未办结）", "open")
        self.state_combo.addItem("已办结、反馈、归档等", "closed")
        for state in ComplaintState:
            self.state_combo.addItem(state.label, state.value)
        self.due_combo = QComboBox()
        for label, code, _s, _e in DUE_CHOICES:
            self.due_combo.addItem(label, code)
        self.unit_picker = UnitPicker(ctx, include_inactive=True, placeholder="被投诉单位")
        self.unit_picker.setMinimumWidth(150)
        self.category_combo = QComboBox()
        self.category_combo.addItem("全部类别", None)
        self.channel_combo = enum_combo(Channel, empty="全部渠道")
        self.handler_combo = QComboBox()
        self.handler_combo.addItem("全部承办人", None)
        if ctx.actor.user_id is not None:
            self.handler_combo.addItem("我承办的", MINE)
        self.from_edit = self._date_edit("受理日期从")
        self.to_edit = self._date_edit("受理日期到")
        self.reset_button = QPushButton("清除条件")
        self.reset_button.clicked.connect(lambda _c=False: self.reset_filters())
        self._load_choices()

        for combo in (
            self.state_combo,
            self.due_combo,
            self.category_combo,
            self.channel_combo,
            self.handler_combo,
        ):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.unit_picker.picked.connect(lambda _id: self.refresh())
        self.unit_picker.textChanged.connect(self._unit_text_changed)
        self.from_edit.dateChanged.connect(lambda _d: self.refresh())
        self.to_edit.dateChanged.connect(lambda _d: self.refresh())

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.state_combo,
            self.due_combo,
            self.unit_picker,
            self.category_combo,
            self.channel_combo,
            self.handler_combo,
        ):
            filters.addWidget(w)
        filters.addWidget(QLabel("受理"))
        filters.addWidget(self.from_edit)
        filters.addWidget(QLabel("至"))
        filters.addWidget(self.to_edit)
        filters.addWidget(self.reset_button)
        filters.addStretch(1)
        view_layout = self.view.layout()
        assert isinstance(view_layout, QVBoxLayout)
        view_layout.insertLayout(1, filters)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.legend = QLabel(
            '<span style="color:#c62828">■</span> 超期　'
            '<span style="color:#b85c00">■</span> 临期（3个工作日内到期）　'
            "（暂定）：该年节假日安排尚未录入"
        )
        self.legend.setStyleSheet("color: #666;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.legend)

        self.statistic_banner = QFrame()
        self.statistic_banner.setObjectName("statisticBanner")
        self.statistic_banner.setStyleSheet(
            "QFrame#statisticBanner { background: #e8f0fb; border: 1px solid #b7cbe8;"
            " border-radius: 4px; }"
        )
        banner = QHBoxLayout(self.statistic_banner)
        banner.setContentsMargins(10, 4, 6, 4)
        self.statistic_label = QLabel()
        self.statistic_clear = QPushButton("清除统计条件")
        self.statistic_clear.clicked.connect(lambda _c=False: self.show_statistic(None))
        banner.addWidget(self.statistic_label, 1)
        banner.addWidget(self.statistic_clear)
        self.statistic_banner.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addWidget(self.statistic_banner)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

        self.model.refreshed.connect(self._after_refresh)
        self.model.loadFailed.connect(self._load_failed)
        self.model.rowsInserted.connect(lambda *_: self._show_count())

        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search)
        self._suspend = False

    # --- construction -----------------------------------------------------------------
    def _date_edit(self, tip: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("不限")
        edit.setDate(NO_DATE)
        edit.setToolTip(tip + "（选最早日期即「不限」）")
        edit.setMinimumWidth(110)
        return edit

    def _load_choices(self) -> None:
        try:
            with self.ctx.session() as s:
                categories = complaints.category_choices(s, self.ctx.actor, include_inactive=True)
                handlers = complaints.handler_choices(s, self.ctx.actor)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        for c in categories:
            self.category_combo.addItem(c.name, c.id)
        for h in handlers:
            self.handler_combo.addItem(h.name, h.id)

    def _unit_text_changed(self, text: str) -> None:
        # Clearing the unit box (clear button, select-all + delete) drops the unit filter.
        if text:
            return
        if self.unit_picker.current_id() is not None:
            self.unit_picker.set_current(None)  # emits picked(None), which refreshes
        elif self.filters.unit_id is not None:
            self.refresh()

    # --- filters ----------------------------------------------------------------------
    def current_filter(self) -> ComplaintFilter:
        """The filters as the widgets show them now (read on the GUI thread)."""
        code = self.state_combo.currentData()
        if code is None:
            states: frozenset[ComplaintState] = frozenset()
        elif code in STATE_GROUPS:
            states = STATE_GROUPS[code]
        else:
            member = enum_member(ComplaintState, code)
            states = frozenset({member}) if member else frozenset()
        _label, _code, due, ever = DUE_CHOICES[max(0, self.due_combo.currentIndex())]
        channel = enum_member(Channel, self.channel_combo.currentData())
        handler = self.handler_combo.currentData()
        if handler == MINE:
            handler = self.ctx.actor.user_id
        return ComplaintFilter(
            states=states,
            due_statuses=due,
            unit_id=self.unit_picker.current_id(),
            category_id=self.category_combo.currentData(),
            channels=frozenset({channel}) if channel else frozenset(),
            handler_user_id=handler,
            received_from=self._date_of(self.from_edit),
            received_to=self._date_of(self.to_edit),
            text=self.view.query(),
            ever_overdue=ever,
            statistic=self.statistic,
        )

    @staticmethod
    def _date_of(edit: QDateEdit) -> date | None:
        value = edit.date()
        return None if value == NO_DATE else py_date(value)

    def set_state_filter(self, code: str | None) -> None:
        i = self.state_combo.findData(code)
        self.state_combo.setCurrentIndex(max(0, i))

    def set_due_filter(self, code: str) -> None:
        i = self.due_combo.findData(code)
        self.due_combo.setCurrentIndex(max(0, i))

    def show_statistic(self, ref: FigureRef | None) -> None:
        """List exactly the cases behind a figure of 统计台账 (the other filters cleared, so
        the count equals the figure); None drops the figure's condition."""
        self.statistic = ref
        self.statistic_label.setText(ref.describe() if ref is not None else "")
        self.statistic_banner.setVisible(ref is not None)
        if ref is not None:
            self.reset_filters()
        else:
            self.refresh()

    def reset_filters(self) -> None:
        self._suspend = True
        try:
            for combo in (
                self.state_combo,
                self.due_combo,
                self.category_combo,
                self.channel_combo,
                self.handler_combo,
            ):
                combo.setCurrentIndex(0)
            self.unit_picker.set_current(None)
            self.from_edit.setDate(NO_DATE)
            self.to_edit.setDate(NO_DATE)
            self.search_edit.clear()
            self.view.apply_filter_now()
        finally:
            self._suspend = False
        self.refresh()

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # --- loading ----------------------------------------------------------------------
    def _fetch_for(
        self, filters: ComplaintFilter, sort: ComplaintSort
    ) -> Callable[[int, int], ComplaintPage]:
        ctx = self.ctx
        today = clock.today()

        def fetch(offset: int, limit: int) -> ComplaintPage:
            with ctx.session() as s:
                return complaints.search_complaints(
                    s, ctx.actor, filters, offset, limit, sort, today=today
                )

        return fetch

    def refresh(self, *, select_id: int | None = None) -> None:
        """Reload the first page with the current filters (selection kept when possible)."""
        if self._suspend:
            return
        self.filters = self.current_filter()
        self.sort = enum_member(ComplaintSort, self.sort_combo.currentData()) or self.sort
        self.model.set_fetch(self._fetch_for(self.filters, self.sort))
        self.exact_count = None
        self.estimated_count = None
        self._count_generation += 1
        self.count_label.setText("正在查询…")
        self.view.refresh(select_key=select_id)

    def _after_refresh(self) -> None:
        if not self.model.canFetchMore():
            # Everything matching is loaded: the count is what we have.
            self.exact_count = self.model.loaded
            self._show_count()
            return
        self._show_count()
        self._count_all()

    def _count_all(self) -> None:
        """Estimate (exact when cheap), then, if it was only an estimate, count exactly."""
        generation = self._count_generation
        ctx, filters, today = self.ctx, self.filters, clock.today()

        def estimate(_p: Progress) -> complaints.CountEstimate:
            with ctx.session() as s:
                return complaints.estimate_complaints(s, ctx.actor, filters, today=today)

        def estimated(found: complaints.CountEstimate) -> None:
            if generation != self._count_generation:
                return
            if found.exact:
                self.exact_count = found.value
            else:
                self.estimated_count = found.value
                ctx.tasks.run(count, counted, lambda exc: self._count_failed(generation, exc))
            self._show_count()

        def count(_p: Progress) -> int:
            with ctx.session() as s:
                return complaints.count_complaints(s, ctx.actor, filters, today=today)

        def counted(n: int) -> None:
            if generation == self._count_generation:
                self.exact_count = n
                self._show_count()

        ctx.tasks.run(estimate, estimated, lambda exc: self._count_failed(generation, exc))

    def _count_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._count_generation:
            return
        if isinstance(exc, EffDeskError):
            self.count_label.setText(str(exc))
        else:
            show_error(self, exc)

    def _show_count(self) -> None:
        loaded = self.model.loaded
        if self.exact_count is not None:
            text = f"共 {self.exact_count:,} 件"
            if loaded < self.exact_count:
                text += f"（已显示 {loaded:,} 件，向下滚动加载更多）"
        elif self.estimated_count is not None:
            # The rows already loaded are a floor the estimate must not undercut.
            text = f"约 {max(self.estimated_count, self.model.total):,} 件（正在统计准确总数…）"
        else:
            text = f"至少 {self.model.total:,} 件（正在统计总数…）"
        if self.filters.text:
            text = f"「{self.filters.text}」：" + text
        if self.exact_count == 0 and self.filters == ComplaintFilter():
            text += (
                "。登记新的投诉件：按 Ctrl+N 或点“登记投诉”；"
                "登记后在这里单击选中一件，双击或按回车打开。"
            )
        self.count_label.setStyleSheet("")
        self.count_label.setText(text)
        if self.exact_count is not None:
            self.countChanged.emit(self.exact_count)

    def _load_failed(self, exc: object) -> None:
        self.count_label.setStyleSheet("color: #c62828;")
        self.count_label.setText(str(exc))

    # --- rows -------------------------------------------------------------------------
    def rows(self) -> list[ComplaintRow]:
        return self.model.rows()

    def selected(self) -> ComplaintRow | None:
        row = self.view.selected()
        return row if isinstance(row, ComplaintRow) else None

    def cell(self, row: int, header: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The model's data of one cell (tests and the screenshot tool read colours here)."""
        return self.model.data(self.model.index(row, COLUMN_INDEX[header]), role)
