"""公文通报: the document register, the draft editor and the PDF preview.

Left: the register (number, type, title, state), filtered by type, state and year. Right: the
selected document — editable while it is a draft, read-only once issued or voided — and its
preview. Composing from findings or complaints, issuing (number + PDF), voiding and corrections
are buttons above. Rendering and issuing run off the GUI thread (ctx.tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import DocumentState, DocumentType
from effdesk.errors import EffDeskError, ValidationError, ValidationErrors
from effdesk.permissions import Permission
from effdesk.reports.documents import embedded_fonts, render_document, render_document_bytes
from effdesk.reports.fonts import FontRole, default_fontset
from effdesk.services import composition
from effdesk.services import documents as docs
from effdesk.services.common import Page
from effdesk.services.documents import DocumentInput, DocumentRow, DocumentView
from effdesk.ui.context import AppContext
from effdesk.ui.documents.compose_dialog import ComplaintsPickerDialog, FindingsPickerDialog
from effdesk.ui.documents.editor import DocumentEditor
from effdesk.ui.documents.preview import PdfPreview
from effdesk.ui.errors import show_error
from effdesk.ui.models.paged import CENTER, GREEN, GREY, Column, PagedTableModel
from effdesk.ui.widgets.files import free_name, save_folder
from effdesk.ui.widgets.forms import enum_member
from effdesk.ui.widgets.panes import side_by_side
from effdesk.ui.widgets.search_table import SearchableTableView


def describe_embedded(labels: list[str]) -> str:
    """ "仿宋 → FandolFang (内置)；…" for the roles this PC maps to an embedded font."""
    fonts = default_fontset()
    parts = []
    rest = list(labels)
    for role in FontRole:
        label = fonts.face(role).label
        if label in labels:
            parts.append(f"{role.label} → {label}")
            if label in rest:
                rest.remove(label)
    if rest:
        parts.append("其他：" + "、".join(rest))
    return "；".join(parts)


def _state_colour(row: DocumentRow) -> Any:
    if row.state is DocumentState.VOIDED:
        return GREY
    if row.state is DocumentState.ISSUED:
        return GREEN
    return None


COLUMNS: list[Column[DocumentRow]] = [
    Column(
        "发文字号",
        lambda r: r.number or "（未编号）",
        width=140,
        elide=Qt.TextElideMode.ElideMiddle,
    ),
    Column("文种", lambda r: r.type_label, width=96),
    Column("状态", lambda r: r.state.label, align=CENTER, width=60, foreground=_state_colour),
    Column("成文日期", lambda r: f"{r.doc_date:%Y-%m-%d}" if r.doc_date else "", width=90),
    Column("起草人", lambda r: r.author_name, width=70),
    Column("签发人", lambda r: r.issued_by_name, width=70),
    # Last, so it takes the rest of the width: a long title never needs sideways scrolling.
    Column("标题", lambda r: r.title, width=300, tooltip=lambda r: r.title),
]


@dataclass(frozen=True)
class PreviewResult:
    pdf: bytes
    title: str
    fonts: str
    warning: str
    name: str


class DocumentsPage(QWidget):
    """The 公文通报 module."""

    documentIssued = Signal(str)  # the number
    previewReady = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker: FindingsPickerDialog | None = None  # the open findings picker (tests)
        self._copy_when_shown = False
        self.ctx = ctx
        self.current: DocumentView | None = None
        self.dirty = False
        self._year_choices: list[int] = []

        # --- actions row ---
        self.from_findings_button = QPushButton("从督查问题起草通报…")
        self.from_findings_button.clicked.connect(self.compose_from_findings)
        self.from_complaints_button = QPushButton("从投诉件起草典型案例通报…")
        self.from_complaints_button.clicked.connect(self.compose_from_complaints)
        self.new_button = QPushButton("新建空白公文")
        self.new_button.clicked.connect(self.new_blank)
        for b in (self.from_findings_button, self.from_complaints_button, self.new_button):
            b.setEnabled(ctx.can(Permission.DRAFT_DOCUMENTS))

        self.type_filter = QComboBox()
        self.type_filter.addItem("全部文种", None)
        for t in DocumentType:
            self.type_filter.addItem(t.label, t.value)
        self.state_filter = QComboBox()
        self.state_filter.addItem("全部状态", None)
        for s in DocumentState:
            self.state_filter.addItem(s.label, s.value)
        self.year_filter = QComboBox()
        self.year_filter.addItem("全部年度", None)
        this_year = date.today().year
        for y in range(this_year + 1, this_year - 6, -1):
            self.year_filter.addItem(f"{y}年", y)

        # --- register ---
        self.model: PagedTableModel[DocumentRow] = PagedTableModel(
            self._fetch, COLUMNS, key=lambda r: r.id
        )
        self.list_view = SearchableTableView(
            self.model, placeholder="按标题或发文字号搜索…", noun="件"
        )
        self.list_view.empty_hint = "点“新建空白公文”，或从督查问题、投诉件起草通报。"
        for w in (self.type_filter, self.state_filter, self.year_filter):
            self.list_view.toolbar.addWidget(w)
            w.currentIndexChanged.connect(lambda _i: self.refresh())
        self.list_view.currentRowChanged.connect(self._row_changed)

        # --- detail ---
        self.status_label = QLabel("请在左侧选择公文，或起草新公文。")
        self.status_label.setObjectName("docStatus")
        self.status_label.setWordWrap(True)
        self.save_button = QPushButton("保存草稿")
        self.save_button.clicked.connect(lambda: self.save())
        self.preview_button = QPushButton("预览")
        self.preview_button.clicked.connect(self.preview)
        self.issue_button = QPushButton("签发印发…")
        self.issue_button.clicked.connect(lambda: self.issue(confirm=True))
        self.void_button = QPushButton("作废…")
        self.void_button.clicked.connect(lambda: self.void())
        self.correct_button = QPushButton("新建更正公文")
        self.correct_button.clicked.connect(self.correct)
        self.delete_button = QPushButton("删除草稿")
        self.delete_button.clicked.connect(lambda: self.delete_draft(confirm=True))
        actions = QHBoxLayout()
        for b in (
            self.save_button,
            self.preview_button,
            self.issue_button,
            self.void_button,
            self.correct_button,
            self.delete_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)

        self.editor = DocumentEditor()
        self.editor.changed.connect(self._on_edited)
        self.preview_pane = PdfPreview()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.editor, "编辑")
        self.tabs.addTab(self.preview_pane, "预览")

        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.status_label)
        dl.addLayout(actions)
        dl.addWidget(self.tabs, 1)

        splitter = side_by_side(self.list_view, detail, (2, 3))
        self.splitter = splitter

        top = QHBoxLayout()
        top.addWidget(self.from_findings_button)
        top.addWidget(self.from_complaints_button)
        top.addWidget(self.new_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._show_nothing()
        self.refresh()

    # --- register -----------------------------------------------------------------------
    def _fetch(self, offset: int, limit: int) -> Page[DocumentRow]:
        t = self.type_filter.currentData()
        s = self.state_filter.currentData()
        y = self.year_filter.currentData()
        with self.ctx.session() as session:
            return docs.list_documents(
                session,
                self.ctx.actor,
                self.list_view.query(),
                doc_type=enum_member(DocumentType, t),
                state=enum_member(DocumentState, s),
                year=y,
                offset=offset,
                limit=limit,
            )

    def refresh(self, select_id: int | None = None) -> None:
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        self.model.refresh()
        if keep is not None:
            self.list_view.select_key(keep)

    def on_shown(self) -> None:
        self.refresh()

    def _row_changed(self, row: DocumentRow | None) -> None:
        if row is None:
            return
        if self.current is not None and row.id == self.current.id:
            return
        if self.dirty and not self.save(quiet=True):
            return
        self.open_document(row.id)

    # --- detail -------------------------------------------------------------------------
    def _show_nothing(self) -> None:
        self.current = None
        self.dirty = False
        self.editor.set_read_only(True)
        for b in (
            self.save_button,
            self.preview_button,
            self.issue_button,
            self.void_button,
            self.correct_button,
            self.delete_button,
        ):
            b.setEnabled(False)

    def open_record(self, document_id: int) -> None:
        """The shell's open-record protocol (a rectification opens its notice here)."""
        self.refresh(select_id=document_id)
        if self.current is None or self.current.id != document_id:
            self.open_document(document_id)

    def open_document(self, document_id: int) -> None:
        with self.ctx.session() as session:
            view = docs.get_document_view(session, self.ctx.actor, document_id)
        self.current = view
        self.editor.load(view.data)
        self.editor.set_read_only(not view.editable, view.lock_reason)
        self.dirty = False
        self._update_status()
        self._update_buttons()
        if view.editable:
            self.preview_pane.show_message("草稿尚未预览：点击「预览」按当前内容生成。")
            self.tabs.setCurrentWidget(self.editor)
        else:
            self.show_stored_pdf()

    def _update_status(self) -> None:
        v = self.current
        if v is None:
            self.status_label.setText("请在左侧选择公文，或起草新公文。")
            return
        parts = [f"<b>{v.state.label}</b>"]
        if v.number:
            parts.append(f"发文字号 <b>{v.number}</b>")
        if v.author_name:
            parts.append(f"起草人 {v.author_name}")
        if v.issued_at:
            parts.append(f"{v.issued_by_name} 于 {v.issued_at:%Y-%m-%d %H:%M} 签发印发")
        if v.voided_at:
            parts.append(
                f"{v.voided_by_name} 于 {v.voided_at:%Y-%m-%d %H:%M} 作废，原因：{v.void_reason}"
            )
        if v.supersedes_number:
            parts.append(f"更正 {v.supersedes_number}")
        if v.superseded_by:
            parts.append("已由 " + "、".join(v.superseded_by) + " 更正")
        if v.source_summary:
            parts.append(f"依据：{v.source_summary}")
        if v.editable and self.dirty:
            parts.append('<span style="color:#b85c00">有未保存的修改</span>')
        self.status_label.setText(" · ".join(parts))

    def _update_buttons(self) -> None:
        v = self.current
        can_draft = self.ctx.can(Permission.DRAFT_DOCUMENTS)
        draft = v is not None and v.editable
        issued = v is not None and v.state is DocumentState.ISSUED
        self.save_button.setEnabled(draft and can_draft)
        self.preview_button.setEnabled(v is not None)
        self.issue_button.setEnabled(draft and self.ctx.can(Permission.ISSUE_DOCUMENTS))
        self.void_button.setEnabled(issued and self.ctx.can(Permission.VOID_DOCUMENTS))
        self.correct_button.setEnabled(v is not None and not draft and can_draft)
        self.delete_button.setEnabled(draft and can_draft)

    def _on_edited(self) -> None:
        if self.current is not None and self.current.editable:
            self.dirty = True
            self._update_status()

    # --- drafting -----------------------------------------------------------------------
    def save(self, quiet: bool = False) -> bool:
        """Save the editor into the current draft; False (errors shown) if refused."""
        v = self.current
        if v is None or not v.editable:
            return True
        data = self.editor.value()
        try:
            with self.ctx.session() as session:
                doc = docs.update_draft(session, self.ctx.actor, v.id, data, v.version)
                doc_id = doc.id
        except (ValidationError, ValidationErrors) as err:
            unplaced = self.editor.form.show_errors(err)
            self.tabs.setCurrentWidget(self.editor)
            if unplaced:
                show_error(self, EffDeskError("\n".join(unplaced)), title="不能保存")
            return False
        except EffDeskError as err:
            show_error(self, err, title="不能保存")
            return False
        self.dirty = False
        with self.ctx.session() as session:
            self.current = docs.get_document_view(session, self.ctx.actor, doc_id)
        self._update_status()
        if not quiet:
            self.refresh(select_id=doc_id)
        return True

    def _created(self, document_id: int) -> None:
        self.dirty = False
        self.current = None
        self.refresh(select_id=document_id)
        if self.current is None or self.current.id != document_id:
            self.open_document(document_id)
        self.tabs.setCurrentWidget(self.editor)
        if self.current is not None and self.current.photo_count:
            self._prepare_photos(document_id)

    def _prepare_photos(self, document_id: int) -> None:
        """Decode the photos for print in the background while the leader reads the draft."""
        db = self.ctx.db

        def work(_progress: object) -> int:
            with self.ctx.session() as session:
                doc = docs.get_document(session, self.ctx.actor, document_id)
                return docs.prepare_photo_previews(session, doc, db.files_dir)

        def failed(exc: BaseException) -> None:
            # A missing or unreadable photo is reported when the draft is previewed or
            # issued, with the document in view; anything else is a bug.
            if not isinstance(exc, EffDeskError):
                show_error(self, exc)

        self.ctx.tasks.run(work, lambda _n: None, failed)

    def new_blank(self) -> None:
        if self.dirty and not self.save(quiet=True):
            return
        with self.ctx.session() as session:
            from effdesk import settings
            from effdesk.services import setup

            office = settings.get(session, settings.OFFICE_NAME)
            printing = setup.printing_office(session)
            doc = docs.create_draft(
                session,
                self.ctx.actor,
                DocumentInput(
                    doc_type=DocumentType.NOTICE,
                    title="关于××××的通知",
                    main_recipients=composition.DEFAULT_RECIPIENTS,
                    issuer=office,
                    printing_office=printing,
                ),
            )
            doc_id = doc.id
        self._created(doc_id)

    def findings_dialog(self) -> FindingsPickerDialog:
        with self.ctx.session() as session:
            campaigns = composition.campaign_choices(session, self.ctx.actor)

        def load(campaign_id: int) -> list[composition.FindingChoice]:
            with self.ctx.session() as s:
                return composition.finding_choices(s, self.ctx.actor, campaign_id)

        return FindingsPickerDialog(campaigns, load, self)

    def compose_from_findings(self, campaign_id: int | None = None) -> None:
        """The findings picker, on ``campaign_id`` when the user came from that campaign."""
        dialog = self.findings_dialog()
        if dialog.campaign_combo.count() == 0:
            show_error(self, EffDeskError("还没有记录督查发现问题的督查活动。"), title="无法起草")
            return
        if campaign_id is not None:
            dialog.select_campaign(campaign_id)
        self.picker = dialog

        def chosen(result: int) -> None:
            self.picker = None
            if result == QDialog.DialogCode.Accepted:
                self.draft_from_findings(dialog.selected_ids(), dialog.photo_ids(), dialog.tone())

        dialog.finished.connect(chosen)
        dialog.open()

    def perform(self, action: str, record_id: int) -> None:
        """Shell protocol: another module asks for ``action`` ("circular_from_campaign")."""
        if action == "circular_from_campaign":
            self.compose_from_findings(record_id)

    def draft_from_findings(
        self, finding_ids: list[int], photo_finding_ids: list[int], tone: Any = None
    ) -> int | None:
        if self.dirty and not self.save(quiet=True):
            return None
        try:
            with self.ctx.session() as session:
                kwargs = {"tone": tone} if tone is not None else {}
                doc = composition.start_circular_from_findings(
                    session,
                    self.ctx.actor,
                    finding_ids,
                    photo_finding_ids=photo_finding_ids,
                    **kwargs,
                )
                doc_id = doc.id
        except EffDeskError as err:
            show_error(self, err, title="无法起草")
            return None
        self._created(doc_id)
        return doc_id

    def complaints_dialog(self) -> ComplaintsPickerDialog:
        with self.ctx.session() as session:
            choices = composition.complaint_choices(session, self.ctx.actor)
        return ComplaintsPickerDialog(choices, self)

    def compose_from_complaints(self) -> None:
        dialog = self.complaints_dialog()
        if not dialog.complaints:
            show_error(
                self, EffDeskError("没有已办结且核查属实的投诉件可供通报。"), title="无法起草"
            )
            return
        if dialog.exec() == dialog.DialogCode.Accepted:
            self.draft_from_complaints(dialog.selected_ids())

    def draft_from_complaints(self, complaint_ids: list[int]) -> int | None:
        if self.dirty and not self.save(quiet=True):
            return None
        try:
            with self.ctx.session() as session:
                doc = composition.start_circular_from_complaints(
                    session, self.ctx.actor, complaint_ids
                )
                doc_id = doc.id
        except EffDeskError as err:
            show_error(self, err, title="无法起草")
            return None
        self._created(doc_id)
        return doc_id

    def delete_draft(self, confirm: bool = True) -> None:
        v = self.current
        if v is None or not v.editable:
            return
        if confirm and not self._ask(f"删除草稿「{v.data.title}」？草稿没有编号，删除后无法恢复。"):
            return
        try:
            with self.ctx.session() as session:
                docs.delete_draft(session, self.ctx.actor, v.id, v.version)
        except EffDeskError as err:
            show_error(self, err, title="不能删除")
            return
        self._show_nothing()
        self.refresh()

    def correct(self) -> None:
        v = self.current
        if v is None:
            return
        try:
            with self.ctx.session() as session:
                doc = docs.start_correction(session, self.ctx.actor, v.id)
                doc_id = doc.id
        except EffDeskError as err:
            show_error(self, err, title="不能更正")
            return
        self._created(doc_id)

    # --- preview ------------------------------------------------------------------------
    def preview(self) -> None:
        """Draft: render the editor's current content; issued: show the stored original."""
        v = self.current
        if v is None:
            return
        if not v.editable:
            self.show_stored_pdf()
            return
        data = self.editor.value()
        db = self.ctx.db
        title = f"草稿预览：{data.title}"

        def work(_progress: object) -> PreviewResult:
            doc = docs.transient_document(data)
            with self.ctx.session() as session:
                rendered = render_document(session, doc, db.files_dir)
                session.rollback()
            info = rendered.info
            fonts = "字体：" + "；".join(info.fonts)
            if info.fallback_chars:
                chars = "".join(sorted(info.fallback_chars))[:30]
                fonts += f"\n以下字符本字体缺字，由其他字体代替：{chars}"
            warning = ""
            if info.missing_chars:
                warning = "以下字符没有任何字体能显示，打印时会是空白：" + "".join(
                    sorted(info.missing_chars)
                )
            return PreviewResult(rendered.pdf, title, fonts, warning, f"{data.title}（草稿）.pdf")

        self.preview_pane.show_message("正在生成预览…")
        self.tabs.setCurrentWidget(self.preview_pane)
        self.ctx.tasks.run(work, self._show_preview, self._preview_failed, parent=self)

    def show_stored_pdf(self) -> None:
        """Open an issued document's stored PDF, verifying its hash first."""
        v = self.current
        if v is None or v.editable:
            return
        db = self.ctx.db
        doc_id = v.id
        title = f"{v.state.label}：{v.number} {v.data.title}"

        def work(_progress: object) -> PreviewResult:
            if not v.has_pdf:
                return rerender()
            with self.ctx.session() as session:
                check = docs.stored_pdf(session, self.ctx.actor, doc_id, db.files_dir)
            if not check.path.exists():
                raise EffDeskError(check.problem)
            data = check.path.read_bytes()
            fonts = "印发时嵌入的字体：" + describe_embedded(embedded_fonts(data))
            warning = check.problem
            if v.state is DocumentState.VOIDED:
                warning = (warning + "\n" if warning else "") + f"此公文已作废：{v.void_reason}"
            return PreviewResult(data, title, fonts, warning, f"{v.number} {v.data.title}.pdf")

        def rerender() -> PreviewResult:
            # No archived original (demo data, records entered from elsewhere): lay the record
            # out again, and say so plainly.
            with self.ctx.session() as session:
                doc = docs.get_document(session, self.ctx.actor, doc_id)
                rendered = render_document(session, doc, db.files_dir)
            warning = (
                "此公文没有存档的印发原件；下面是按登记内容重新排版的副本，仅供参考，不能代替原件。"
            )
            if v.state is DocumentState.VOIDED:
                warning += f"\n此公文已作废：{v.void_reason}"
            fonts = "字体：" + "；".join(rendered.info.fonts)
            return PreviewResult(
                rendered.pdf,
                title + "（副本）",
                fonts,
                warning,
                f"{v.number} {v.data.title}（副本）.pdf",
            )

        self.preview_pane.show_message("正在打开存档的PDF…")
        self.tabs.setCurrentWidget(self.preview_pane)
        self.ctx.tasks.run(work, self._show_preview, self._preview_failed, parent=self)

    def _show_preview(self, result: PreviewResult) -> None:
        self.preview_pane.show_pdf(
            result.pdf,
            title=result.title,
            fonts=result.fonts,
            warning=result.warning,
            suggested_name=result.name.replace("/", "_"),
        )
        if self._copy_when_shown:
            self._copy_when_shown = False
            try:
                self.preview_pane.save_to(
                    free_name(save_folder() / self.preview_pane.suggested_name)
                )
            except OSError as exc:
                show_error(self, EffDeskError(f"印发的PDF未能另存一份：{exc}"), title="另存失败")
        self.previewReady.emit()

    def _preview_failed(self, exc: BaseException) -> None:
        self.preview_pane.show_message("预览失败。")
        if isinstance(exc, (ValidationError, ValidationErrors)):
            self.editor.form.show_errors(exc)
        show_error(self, exc, title="预览失败")

    # --- issue / void -------------------------------------------------------------------
    def issue(self, confirm: bool = True) -> None:
        """Save, then issue the current draft off the GUI thread (number + PDF + lock)."""
        v = self.current
        if v is None or not v.editable:
            return
        if self.dirty and not self.save(quiet=True):
            return
        v = self.current
        assert v is not None
        year = (v.data.doc_date or date.today()).year
        if confirm:
            with self.ctx.session() as session:
                expected = docs.next_number_preview(session, v.data.doc_type, year)
            if not self._ask(
                f"签发印发「{v.data.title}」？\n\n将编为 {expected}（以印发时实际取号为准），"
                "生成PDF并存档。印发后不能修改，如需更正须新建公文。"
            ):
                return
        db = self.ctx.db
        doc_id, version = v.id, v.version

        def work(_progress: object) -> tuple[int, str]:
            with self.ctx.session() as session:
                doc = docs.issue_document(
                    session,
                    self.ctx.actor,
                    doc_id,
                    version,
                    db.files_dir,
                    renderer=render_document_bytes,
                )
                return doc.id, doc.number or ""

        def done(result: tuple[int, str]) -> None:
            issued_id, number = result
            self.current = None
            self.refresh(select_id=issued_id)
            if self.current is None or self.current.id != issued_id:
                self.open_document(issued_id)
            # The issued original opens in the preview and a copy goes to the user's folder
            # (the one used last, else 文档), ready to print or send; the pane says where.
            self._copy_when_shown = True
            self.show_stored_pdf()
            self.documentIssued.emit(number)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, (ValidationError, ValidationErrors)):
                unplaced = self.editor.form.show_errors(exc)
                self.tabs.setCurrentWidget(self.editor)
                if not unplaced:
                    return
            show_error(self, exc, title="未能印发")

        self.ctx.tasks.run(
            work,
            done,
            failed,
            parent=self,
            title="签发印发",
            label="正在编号、生成并存档PDF…",
            cancellable=False,
        )

    def void(self, reason: str | None = None) -> None:
        v = self.current
        if v is None or v.state is not DocumentState.ISSUED:
            return
        if reason is None:
            text, ok = QInputDialog.getText(
                self, "作废公文", f"作废 {v.number}「{v.data.title}」\n文号不再使用。作废原因："
            )
            if not ok:
                return
            reason = text
        try:
            with self.ctx.session() as session:
                docs.void_document(session, self.ctx.actor, v.id, reason, v.version)
        except EffDeskError as err:
            show_error(self, err, title="不能作废")
            return
        doc_id = v.id
        self.current = None
        self.refresh(select_id=doc_id)
        if self.current is None:
            self.open_document(doc_id)

    def _ask(self, text: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("请确认")
        box.setText(text)
        yes = box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes


def create_page(ctx: AppContext) -> QWidget:
    return DocumentsPage(ctx)
