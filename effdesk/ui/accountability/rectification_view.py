"""整改: the list with states and 临期/超期 colours, the selected rectification's record (items,
reports, checks, files, notice) and the steps of the cycle."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import DocumentState, DueStatus, RectificationState
from effdesk.errors import ConcurrentEditError, EffDeskError
from effdesk.permissions import Permission
from effdesk.services import documents as docs
from effdesk.services.accountability import notice
from effdesk.services.accountability import rectification as rs
from effdesk.services.common import Page
from effdesk.ui.accountability.rectification_dialogs import (
    CheckDialog,
    RectificationDialog,
    ReportDialog,
)
from effdesk.ui.context import AppContext
from effdesk.ui.documents.preview import PdfPreview
from effdesk.ui.errors import show_error
from effdesk.ui.models.paged import (
    CENTER,
    GREEN,
    GREY,
    ORANGE,
    ORANGE_BG,
    RED,
    RED_BG,
    Column,
    PagedTableModel,
)
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import enum_combo, enum_member
from effdesk.ui.widgets.panes import side_by_side
from effdesk.ui.widgets.search_table import SearchableTableView

S = RectificationState
STATE_COLOURS = {S.PENDING: ORANGE, S.IN_PROGRESS: None, S.DONE: GREEN, S.OVERDUE: RED}
DUE_BG = {DueStatus.OVERDUE: RED_BG, DueStatus.NEAR: ORANGE_BG}


def _state_text(r: rs.RectificationRow) -> str:
    return f"{r.state.label}（已作废）" if r.voided else r.state.label


COLUMNS: list[Column[rs.RectificationRow]] = [
    Column("整改单位", lambda r: r.unit_name, width=150),
    Column("整改问题", lambda r: r.first_item, width=230, tooltip=lambda r: r.first_item),
    Column("项数", lambda r: r.item_count, align=CENTER, width=40),
    Column(
        "状态",
        _state_text,
        align=CENTER,
        width=90,
        foreground=lambda r: GREY if r.voided else STATE_COLOURS[r.state],
    ),
    Column("下发日期", lambda r: f"{r.issued_date:%Y-%m-%d}", width=86),
    Column(
        "整改时限",
        lambda r: r.deadline_text,
        width=130,
        background=lambda r: DUE_BG.get(r.due_status) if r.due_status else None,
        foreground=lambda r: RED if r.due_status is DueStatus.OVERDUE else None,
    ),
    Column(
        "时限状态",
        lambda r: r.due_status.label if r.due_status else "",
        align=CENTER,
        width=64,
        foreground=lambda r: (
            RED
            if r.due_status is DueStatus.OVERDUE
            else ORANGE
            if r.due_status is DueStatus.NEAR
            else None
        ),
    ),
    Column(
        "通知书", lambda r: r.notice_number or ("草稿" if r.notice_document_id else ""), width=120
    ),
    Column("依据", lambda r: r.basis_label, tooltip=lambda r: r.basis_label),
]


def esc(value: object) -> str:
    return html.escape(str(value)).replace("\n", "<br>")


def detail_html(v: rs.RectificationView) -> str:
    r = v.row
    colour = "#c62828" if r.due_status is DueStatus.OVERDUE else "#b85c00"
    due = (
        f" <span style='color:{colour};font-weight:bold'>{r.due_status.label}</span>"
        if r.due_status and r.due_status is not DueStatus.NORMAL
        else ""
    )
    basis = r.basis_label
    if r.complaint_id:
        basis = f"<a href='complaint:{r.complaint_id}'>{esc(basis)}</a>"
    elif r.finding_id:
        basis = f"<a href='finding:{r.finding_id}'>{esc(basis)}</a>"
    notice_text = "尚未生成"
    if r.notice_document_id:
        state = v.notice_state.label if v.notice_state else ""
        notice_text = f"<a href='document:{r.notice_document_id}'>{esc(r.notice_number or '草稿')}</a>（{state}）"
    out = [
        f"<h3 style='color:#1f4e79'>{esc(r.unit_name)}　{esc(r.notice_kind.label)}</h3>",
        "<table cellpadding='2'>",
        f"<tr><td style='color:#666'>状态</td><td><b>{esc(_state_text(r))}</b>"
        + (" <span style='color:#c62828'>（曾逾期）</span>" if r.ever_overdue else "")
        + "</td></tr>",
        f"<tr><td style='color:#666'>整改时限</td><td>{esc(r.deadline_text)}{due}</td></tr>",
        f"<tr><td style='color:#666'>下发日期</td><td>{r.issued_date:%Y-%m-%d}</td></tr>",
        f"<tr><td style='color:#666'>依据</td><td>{basis}</td></tr>",
        f"<tr><td style='color:#666'>通知书</td><td>{notice_text}</td></tr>",
    ]
    if r.completed_date:
        out.append(
            f"<tr><td style='color:#666'>整改完成</td><td>{r.completed_date:%Y-%m-%d}</td></tr>"
        )
    if r.voided:
        out.append(f"<tr><td style='color:#666'>作废原因</td><td>{esc(r.void_reason)}</td></tr>")
    out.append("</table><h4>整改问题</h4><ol>")
    out += [f"<li>{esc(i)}</li>" for i in v.items]
    out.append("</ol>")
    if v.requirements:
        out.append(f"<p><b>整改要求：</b>{esc(v.requirements)}</p>")
    events: list[tuple[date, int, str]] = []
    for rep in v.reports:
        events.append(
            (
                rep.received_date,
                0,
                f"收到整改报告（{esc(rep.recorded_by)}登记）：{esc(rep.text) or '见附件'}",
            )
        )
    for c in v.checks:
        if c.passed:
            text = f"<span style='color:#2e7d32'>验收通过</span>（{esc(c.checked_by)}）"
        else:
            new = f"{c.new_deadline:%Y-%m-%d}" if c.new_deadline else ""
            text = (
                f"<span style='color:#c62828'>验收未通过</span>（{esc(c.checked_by)}）："
                f"{esc(c.reasons)}；重新限 {new} 前整改"
            )
        events.append((c.check_date, 1, text))
    out.append("<h4>整改经过</h4>")
    if not events:
        out.append("<p style='color:#888'>尚未收到整改报告。</p>")
    for d, _n, text in sorted(events, key=lambda e: (e[0], e[1])):
        out.append(f"<p><span style='color:#666'>{d:%Y-%m-%d}</span>　{text}</p>")
    if v.attachments:
        out.append("<h4>报告文件</h4>")
        for a in v.attachments:
            out.append(
                f"<p><a href='file:{a.id}'>{esc(a.original_name)}</a>　"
                f"<span style='color:#888'>{esc(a.caption)}　SHA-256 {a.sha256[:12]}…</span></p>"
            )
    return "".join(out)


class NoticePreviewDialog(QDialog):
    """The notice's PDF: the draft as it would print, or the issued original."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("通知书预览")
        self.resize(820, 900)
        self.preview = PdfPreview(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)


class RectificationView(QWidget):
    """Signals ``basisRequested(str, int)`` (module key, id) and ``changed()``."""

    basisRequested = Signal(str, int)
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: rs.RectificationView | None = None
        self.dialog: QDialog | None = None
        self.preview_dialog: NoticePreviewDialog | None = None
        self.can_manage = ctx.can(Permission.MANAGE_RECTIFICATION)

        self.model: PagedTableModel[rs.RectificationRow] = PagedTableModel(
            self._fetch, COLUMNS, key=lambda r: r.id, parent=self
        )
        self.view = SearchableTableView(
            self.model, placeholder="搜索：单位、整改问题、投诉编号、文号", noun="项整改"
        )
        self.state_filter = enum_combo(RectificationState, empty="全部状态")
        self.due_filter = QComboBox()
        self.due_filter.addItem("全部时限", None)
        self.due_filter.addItem("临期", DueStatus.NEAR.value)
        self.due_filter.addItem("超期", DueStatus.OVERDUE.value)
        self.voided_check = QCheckBox("含已作废")
        self.view.toolbar.addWidget(self.state_filter)
        self.view.toolbar.addWidget(self.due_filter)
        self.view.toolbar.addWidget(self.voided_check)
        self.state_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.due_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.voided_check.toggled.connect(lambda _on: self.refresh())
        self.view.currentRowChanged.connect(lambda _r: self.load_selected())

        self.new_button = QPushButton("下达整改…")
        self.new_button.clicked.connect(lambda _c=False: self.new_rectification())
        self.report_button = QPushButton("登记整改报告…")
        self.report_button.clicked.connect(lambda _c=False: self.record_report())
        self.check_button = QPushButton("验收…")
        self.check_button.clicked.connect(lambda _c=False: self.check())
        self.notice_button = QPushButton("生成通知书")
        self.notice_button.clicked.connect(lambda _c=False: self.create_notice())
        self.preview_button = QPushButton("预览通知书")
        self.preview_button.clicked.connect(lambda _c=False: self.preview_notice())
        self.issue_button = QPushButton("签发印发")
        self.issue_button.clicked.connect(lambda _c=False: self.issue_notice(confirm=True))
        self.document_button = QPushButton("在公文通报中打开")
        self.document_button.clicked.connect(lambda _c=False: self.open_document())
        self.void_button = QPushButton("作废…")
        self.void_button.clicked.connect(lambda _c=False: self.void())
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        for b in (
            self.report_button,
            self.check_button,
            self.notice_button,
            self.preview_button,
            self.issue_button,
            self.document_button,
            self.void_button,
        ):
            buttons.addWidget(b)

        self.detail = QTextBrowser()
        self.detail.setObjectName("rectificationDetail")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._link)
        self.detail.setMinimumWidth(320)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.view, 1)
        splitter = side_by_side(left, self.detail, (6, 4), (900, 520))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # --- data -------------------------------------------------------------------------
    def current_filter(self) -> rs.RectificationFilter:
        due = self.due_filter.currentData()
        return rs.RectificationFilter(
            state=enum_member(RectificationState, self.state_filter.currentData()),
            due=enum_member(DueStatus, due),
            voided=None if self.voided_check.isChecked() else False,
            text=self.view.query(),
        )

    def _fetch(self, offset: int, limit: int) -> Page[rs.RectificationRow]:
        with self.ctx.session() as s:
            return rs.list_rectifications(
                s, self.ctx.actor, self.current_filter(), offset, limit, today=clock.today()
            )

    def refresh(self, select_id: int | None = None) -> None:
        self.view.refresh(select_key=select_id)

    def open_rectification(self, rect_id: int) -> None:
        for combo in (self.state_filter, self.due_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.voided_check.blockSignals(True)
        self.voided_check.setChecked(True)
        self.voided_check.blockSignals(False)
        self.view.set_query("")
        self.refresh(select_id=rect_id)
        self.load(rect_id)

    def load_selected(self) -> None:
        row = self.view.selected()
        if isinstance(row, rs.RectificationRow):
            self.load(row.id)
        else:
            self.current = None
            self.detail.setHtml("<p style='color:#888'>选择一项整改查看详情。</p>")
            self._update_buttons()

    def load(self, rect_id: int) -> None:
        try:
            with self.ctx.session() as s:
                self.current = rs.get_rectification(s, self.ctx.actor, rect_id, clock.today())
        except EffDeskError as exc:
            show_error(self, exc)
            return
        self.detail.setHtml(detail_html(self.current))
        self._update_buttons()

    def _update_buttons(self) -> None:
        v = self.current
        live = v is not None and not v.row.voided
        actions = set(v.actions) if v else set()
        self.new_button.setEnabled(self.can_manage)
        self.report_button.setEnabled(rs.RectAction.REPORT in actions)
        self.check_button.setEnabled(rs.RectAction.CHECK_PASSED in actions)
        has_notice = v is not None and v.row.notice_document_id is not None
        draft = has_notice and v is not None and v.notice_state is DocumentState.DRAFT
        self.notice_button.setEnabled(self.can_manage and live and not draft)
        self.preview_button.setEnabled(has_notice)
        self.issue_button.setEnabled(bool(draft) and self.ctx.can(Permission.ISSUE_DOCUMENTS))
        self.document_button.setEnabled(has_notice)
        self.void_button.setEnabled(live and self.ctx.can(Permission.VOID_MEASURES))

    def _link(self, url: QUrl) -> None:
        kind, _, ident = url.toString().partition(":")
        if kind == "file":
            self.open_attachment(int(ident))
            return
        key = {"complaint": "complaints", "finding": "inspections", "document": "documents"}
        if kind in key:
            self.basisRequested.emit(key[kind], int(ident))

    def open_attachment(self, attachment_id: int) -> Path | None:
        """Open the original file of the unit's report (read from the evidence store)."""
        v = self.current
        row = next((a for a in v.attachments if a.id == attachment_id), None) if v else None
        if row is None:
            return None
        path = self.ctx.db.evidence.path_of(row.sha256)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    def _after(self, rect_id: int) -> None:
        self.refresh(select_id=rect_id)
        self.load(rect_id)
        self.changed.emit()

    # --- steps ------------------------------------------------------------------------
    def _default_days(self) -> int:
        with self.ctx.session() as s:
            return rs.default_deadline_days(s)

    def new_rectification(self, prefill: rs.RectificationInput | None = None) -> QDialog:
        dialog = RectificationDialog(
            self.ctx, self, prefill=prefill, default_days=self._default_days()
        )
        return self._open(dialog)

    def record_from(
        self, *, complaint_id: int | None = None, finding_id: int | None = None
    ) -> QDialog | None:
        try:
            with self.ctx.session() as s:
                if complaint_id is not None:
                    prefill = rs.prefill_from_complaint(s, self.ctx.actor, complaint_id)
                else:
                    assert finding_id is not None
                    prefill = rs.prefill_from_finding(s, self.ctx.actor, finding_id)
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        return self.new_rectification(prefill)

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.done_.connect(self._after)  # type: ignore[attr-defined]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def record_report(self) -> QDialog | None:
        if self.current is None:
            return None
        return self._open(ReportDialog(self.ctx, self.current, self))

    def check(self) -> QDialog | None:
        if self.current is None:
            return None
        return self._open(
            CheckDialog(self.ctx, self.current, self, default_days=self._default_days())
        )

    def create_notice(self) -> None:
        v = self.current
        if v is None:
            return
        try:
            with self.ctx.session() as s:
                notice.create_notice_draft(s, self.ctx.actor, v.id, v.version, clock.today())
        except ConcurrentEditError as exc:
            show_conflict(self, exc, lambda: self.load(v.id))
            return
        except EffDeskError as exc:
            show_error(self, exc, title="未能生成通知书")
            return
        self._after(v.id)

    def preview_notice(self) -> NoticePreviewDialog | None:
        v = self.current
        if v is None or v.row.notice_document_id is None:
            return None
        doc_id = v.row.notice_document_id
        files_dir = self.ctx.db.files_dir
        ctx = self.ctx

        def work(_p: Progress) -> tuple[bytes, str]:
            from effdesk.reports.documents import render_document

            with ctx.session() as s:
                doc = docs.get_document(s, ctx.actor, doc_id)
                if doc.state is not DocumentState.DRAFT and doc.pdf_file is not None:
                    stored = docs.stored_pdf(s, ctx.actor, doc_id, files_dir)
                    return stored.path.read_bytes(), f"{doc.number} {doc.title}"
                rendered = render_document(s, doc, files_dir)
                title = f"草稿预览：{doc.title}"
                s.rollback()
            return rendered.pdf, title

        dialog = NoticePreviewDialog(self)
        self.preview_dialog = dialog

        def done(result: tuple[bytes, str]) -> None:
            dialog.preview.show_pdf(
                result[0], title=result[1], fonts="", suggested_name="通知书.pdf"
            )
            dialog.open()

        self.ctx.tasks.run(work, done, self._failed("预览失败"))
        return dialog

    def issue_notice(self, confirm: bool = True) -> None:
        v = self.current
        if v is None or v.row.notice_document_id is None:
            return
        doc_id = v.row.notice_document_id
        with self.ctx.session() as s:
            doc = docs.get_document(s, self.ctx.actor, doc_id)
            version, title = doc.version, doc.title
            expected = docs.next_number_preview(
                s, doc.doc_type, (doc.doc_date or clock.today()).year
            )
        if confirm:
            answer = QMessageBox.question(
                self,
                "签发印发",
                f"签发印发「{title}」？\n\n将编为 {expected}，生成PDF并存档。印发后不能修改。",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        ctx, files_dir = self.ctx, self.ctx.db.files_dir

        def work(_p: Progress) -> str:
            from effdesk.reports.documents import render_document_bytes  # ReportLab when needed

            with ctx.session() as s:
                issued = notice.issue_notice(
                    s, ctx.actor, v.id, files_dir, version, renderer=render_document_bytes
                )
                return issued.number or ""

        self.ctx.tasks.run(
            work,
            lambda _n: self._after(v.id),
            self._failed("未能印发"),
            parent=self,
            title="签发印发",
            label="正在编号、生成并存档PDF…",
            cancellable=False,
        )

    def _failed(self, title: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            show_error(self, exc, title=title)

        return failed

    def open_document(self) -> None:
        v = self.current
        if v is not None and v.row.notice_document_id is not None:
            self.basisRequested.emit("documents", v.row.notice_document_id)

    def void(self, reason: str | None = None) -> None:
        v = self.current
        if v is None or v.row.voided:
            return
        if reason is None:
            text, ok = QInputDialog.getMultiLineText(
                self, "作废整改", f"作废 {v.row.unit_name} 的整改记录。作废原因："
            )
            if not ok:
                return
            reason = text
        try:
            with self.ctx.session() as s:
                rs.void_rectification(s, self.ctx.actor, v.id, reason, v.version)
        except ConcurrentEditError as exc:
            show_conflict(self, exc, lambda: self.load(v.id))
            return
        except EffDeskError as exc:
            show_error(self, exc, title="未能作废")
            return
        self.voided_check.setChecked(True)
        self._after(v.id)
