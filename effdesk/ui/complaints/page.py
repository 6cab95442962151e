"""投诉受理: the complaint ledger, 我的待办, and one tab per opened case.

Ctrl+N registers a new complaint (the intake dialog); after registering, the new case opens in
its own tab so the clerk can 呈批 at once. Enter or a double-click on a list row or a 待办 line
opens that case; tabs of cases close with their ✕ (or Ctrl+W).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import complaints
from effdesk.services.statistics.definitions import FigureRef
from effdesk.ui.complaints.case_view import CaseView
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.complaints.list_view import ComplaintListView
from effdesk.ui.complaints.todo_view import TodoWidget
from effdesk.ui.context import AppContext
from effdesk.ui.widgets.dialog_slot import DialogSlot


def create_page(ctx: AppContext) -> QWidget:
    return ComplaintsPage(ctx)


class ComplaintsPage(QWidget):
    LIST_TAB = 0
    TODO_TAB = 1
    # The shell opens linked records of other modules (measures, rectifications).
    open_record_requested = Signal(str, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._intake: DialogSlot[IntakeDialog] = DialogSlot(
            self, lambda _d: self.update_draft_banner()
        )
        self.can_register = ctx.can(Permission.REGISTER_COMPLAINT)

        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("pageDraftBanner")
        self.draft_banner.setStyleSheet(
            "QFrame#pageDraftBanner { background: #fff4e0; border-bottom: 1px solid #f0c36d; }"
        )
        banner = QHBoxLayout(self.draft_banner)
        banner.setContentsMargins(12, 6, 12, 6)
        self.draft_label = QLabel()
        self.resume_button = QPushButton("继续登记")
        self.resume_button.clicked.connect(lambda _c=False: self.new_complaint())
        banner.addWidget(self.draft_label, 1)
        banner.addWidget(self.resume_button)
        self.draft_banner.setVisible(False)

        self.list_view = ComplaintListView(ctx)
        self.list_view.caseRequested.connect(self.open_case)
        self.list_view.newRequested.connect(self.new_complaint)
        self.todo = TodoWidget(ctx)
        self.todo.caseRequested.connect(self.open_case)
        self.todo.recordRequested.connect(self.open_record_requested)
        self.todo.countChanged.connect(self._todo_count)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.addTab(self.list_view, "投诉台账")
        self.tabs.addTab(self.todo, "我的待办")
        for i in (self.LIST_TAB, self.TODO_TAB):
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self._todo_count(len(self.todo.items))

        self.status = QLabel()
        self.status.setObjectName("pageStatus")
        self.status.setStyleSheet("color: #2e7d32; padding: 0 12px 4px 12px;")
        self.status.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.draft_banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_complaint, context)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close_current, context)

        if ctx.can(Permission.EXPORT_LEDGERS):
            self.export_button = QPushButton("导出")
            self.export_button.setToolTip("把投诉台账导出为 Excel")
            self.export_button.clicked.connect(self.export_ledger)
            self.list_view.view.toolbar.addWidget(self.export_button)

        self.list_view.refresh()
        self.update_draft_banner()

    def export_ledger(self) -> QWidget:
        from effdesk.ui.ledgers.export_dialog import open_export_dialog

        return open_export_dialog(self.ctx, self)

    # --- shell protocol -----------------------------------------------------------------
    def on_shown(self) -> None:
        """Others may have registered or moved cases meanwhile."""
        self.list_view.refresh()
        self.todo.refresh()
        self.update_draft_banner()
        for view in self.case_views():
            view.reload()

    # --- drafts -----------------------------------------------------------------------
    def update_draft_banner(self) -> None:
        if not self.can_register:
            self.draft_banner.setVisible(False)
            return
        try:
            with self.ctx.session() as s:
                drafts = complaints.list_drafts(s, self.ctx.actor)
        except EffDeskError:
            drafts = []
        if drafts:
            newest = drafts[0]
            self.draft_label.setText(
                f"您有 {len(drafts)} 份未登记完的投诉草稿（最近：{newest.summary}，"
                f"{newest.saved_at:%m-%d %H:%M}）。"
            )
        self.draft_banner.setVisible(bool(drafts))

    # --- intake -----------------------------------------------------------------------
    def new_complaint(self) -> IntakeDialog | None:
        """Open the intake dialog (Ctrl+N); it offers a saved draft back if there is one."""
        if not self.can_register:
            return None

        def connect(dialog: IntakeDialog) -> None:
            dialog.registered.connect(self._registered)
            dialog.draftKept.connect(lambda _id: self._draft_kept())

        return self._intake.open(lambda: IntakeDialog(self.ctx, self), connect)

    @property
    def intake(self) -> IntakeDialog | None:
        """The open intake dialog (one at a time)."""
        return self._intake.current

    def _draft_kept(self) -> None:
        self.show_status("未登记的内容已保存为草稿，下次登记时可恢复。")

    def _registered(self, complaint_id: int) -> None:
        dialog = self.intake
        result = dialog.result_ if dialog is not None else None
        if result is not None and result.merged_into:
            self.show_status(f"已登记 {result.number}，并作为重复件合并到 {result.merged_into}。")
        elif result is not None:
            self.show_status(f"已登记 {result.number}。")
        self.list_view.refresh(select_id=complaint_id)
        self.todo.refresh()
        self.open_case(complaint_id)

    def show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # --- cases ------------------------------------------------------------------------
    def case_views(self) -> list[CaseView]:
        return [
            w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), CaseView)
        ]

    def open_record(self, complaint_id: int) -> None:
        """The shell's open-record protocol (the dashboard's 待办 opens cases here)."""
        self.open_case(complaint_id)

    def show_complaints(self, ref: FigureRef) -> None:
        """The shell's show-complaints protocol: list the cases behind a statistics figure."""
        self.tabs.setCurrentIndex(self.LIST_TAB)
        self.list_view.show_statistic(ref)

    def open_case(self, complaint_id: int) -> CaseView:
        """Show the case in its tab (opened once; a second request switches to it)."""
        for view in self.case_views():
            if view.complaint_id == complaint_id:
                self.tabs.setCurrentWidget(view)
                view.reload()
                return view
        view = CaseView(self.ctx, complaint_id)
        view.changed.connect(self._case_changed)
        view.caseRequested.connect(self.open_case)
        view.recordRequested.connect(self.open_record_requested)
        index = self.tabs.addTab(view, view.detail.number if view.detail else "投诉件")
        view.titleChanged.connect(lambda title, v=view: self._retitle(v, title))
        self.tabs.setCurrentIndex(index)
        return view

    def _retitle(self, view: CaseView, title: str) -> None:
        i = self.tabs.indexOf(view)
        if i >= 0:
            self.tabs.setTabText(i, title)

    def _case_changed(self, complaint_id: int) -> None:
        self.list_view.refresh(select_id=complaint_id)
        self.todo.refresh()

    def close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, CaseView):
            self.tabs.removeTab(index)
            widget.deleteLater()

    def close_current(self) -> None:
        self.close_tab(self.tabs.currentIndex())

    def _todo_count(self, n: int) -> None:
        self.tabs.setTabText(self.TODO_TAB, f"我的待办（{n}）" if n else "我的待办")
