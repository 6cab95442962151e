"""The draft form: type, title, recipients, body (heading-aware), attachments, signature, colophon.

It edits a :class:`DocumentInput` and nothing else; saving and issuing are the page's. An
issued or voided document is shown read-only with the reason.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import CircularTone, DocumentType
from effdesk.services.documents import AttachmentSpec, DocumentInput
from effdesk.ui.documents.heading_editor import HeadingEditor
from effdesk.ui.widgets.forms import FieldForm, enum_member


def _qdate(d: date | None) -> QDate:
    return QDate(d.year, d.month, d.day) if d is not None else QDate.currentDate()


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class _OptionalDate(QWidget):
    """A date that may be left empty ("印发时填写")."""

    def __init__(self, empty_text: str) -> None:
        super().__init__()
        self.check = QCheckBox()
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy年M月d日")
        self.empty = QLabel(empty_text)
        self.empty.setStyleSheet("color: #6b6b6b;")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.edit)
        row.addWidget(self.empty)
        row.addStretch(1)
        self.check.toggled.connect(self._sync)
        self._sync(False)

    def _sync(self, on: bool) -> None:
        self.edit.setVisible(on)
        self.empty.setVisible(not on)

    def value(self) -> date | None:
        return _pydate(self.edit.date()) if self.check.isChecked() else None

    def set_value(self, d: date | None) -> None:
        self.check.setChecked(d is not None)
        self.edit.setDate(_qdate(d))

    def setEnabled(self, enabled: bool) -> None:
        self.check.setEnabled(enabled)
        self.edit.setEnabled(enabled)


class DocumentEditor(QWidget):
    """Edits a :class:`DocumentInput`; emits ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self._attachments: list[AttachmentSpec] = []
        self._supersedes_id: int | None = None

        self.lock_label = QLabel()
        self.lock_label.setObjectName("lockLabel")
        self.lock_label.setWordWrap(True)
        self.lock_label.setStyleSheet(
            "QLabel { color: #5d4037; background: #fff4e0; padding: 6px; }"
        )
        self.lock_label.setVisible(False)

        self.form = FieldForm()
        self.type_combo = QComboBox()
        for t in DocumentType:
            self.type_combo.addItem(t.label, t.value)
        self.tone_combo = QComboBox()
        self.tone_combo.addItem("（不适用）", None)
        for tone in CircularTone:
            self.tone_combo.addItem(f"{tone.label}通报", tone.value)
        type_row = QWidget()
        tr = QHBoxLayout(type_row)
        tr.setContentsMargins(0, 0, 0, 0)
        tr.addWidget(self.type_combo)
        tr.addWidget(QLabel("通报性质："))
        tr.addWidget(self.tone_combo)
        self.red_header = QCheckBox("红头文件（发文机关标志、发文字号、红色分隔线）")
        tr.addWidget(self.red_header, 1)
        self.title_edit = QLineEdit()
        self.recipients_edit = QLineEdit()
        self.recipients_edit.setPlaceholderText("如：各乡镇人民政府，县直各部门")
        self.body = HeadingEditor()
        self.body.edit.setMinimumHeight(320)

        self.attach_list = QListWidget()
        self.attach_list.setMaximumHeight(80)
        self.remove_attach = QPushButton("移除所选附件")
        self.remove_attach.clicked.connect(self.remove_selected_attachment)
        att = QWidget()
        al = QHBoxLayout(att)
        al.setContentsMargins(0, 0, 0, 0)
        al.addWidget(self.attach_list, 1)
        al.addWidget(self.remove_attach)

        self.issuer_edit = QLineEdit()
        self.date_edit = _OptionalDate("印发当天")
        self.seal_check = QCheckBox("加盖印章（留出印章位置）")
        self.notes_edit = QLineEdit()
        self.notes_edit.setPlaceholderText("如：此件公开发布（可不填）")
        self.copy_edit = QLineEdit()
        self.printing_edit = QLineEdit()
        self.print_date_edit = _OptionalDate("同成文日期")

        f = self.form
        f.add_field("doc_type", "文种", type_row)
        f.errors.alias("tone", "doc_type")
        f.add_field("title", "标题", self.title_edit, required=True)
        f.add_field("main_recipients", "主送机关", self.recipients_edit)
        f.add_field(
            "body",
            "正文",
            self.body,
            required=True,
            hint="每段一行；用按钮插入标题序号，一级「一、」黑体，二级「（一）」楷体。",
        )
        f.add_field("attachments", "附件", att)
        f.add_field("issuer", "发文机关署名", self.issuer_edit)
        f.add_field("doc_date", "成文日期", self.date_edit)
        f.add_field("with_seal", "印章", self.seal_check)
        f.add_field("notes", "附注", self.notes_edit)
        f.add_field("copy_to", "抄送", self.copy_edit)
        f.add_field("printing_office", "印发机关", self.printing_edit)
        f.add_field("print_date", "印发日期", self.print_date_edit)
        f.errors.bind("supersedes_id", self.title_edit, QLabel())

        inner = QWidget()
        il = QVBoxLayout(inner)
        il.addWidget(self.lock_label)
        il.addWidget(self.form)
        il.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        for w in (
            self.title_edit,
            self.recipients_edit,
            self.issuer_edit,
            self.notes_edit,
            self.copy_edit,
            self.printing_edit,
        ):
            w.textEdited.connect(self._emit)
        self.body.textChanged.connect(self._emit)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self.tone_combo.currentIndexChanged.connect(self._emit)
        self.red_header.toggled.connect(self._emit)
        self.seal_check.toggled.connect(self._emit)
        self.date_edit.check.toggled.connect(self._emit)
        self.date_edit.edit.dateChanged.connect(self._emit)
        self.print_date_edit.check.toggled.connect(self._emit)
        self.print_date_edit.edit.dateChanged.connect(self._emit)
        self._read_only = False

    def _emit(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    def _type_changed(self, *_args: object) -> None:
        is_circular = self.doc_type() is DocumentType.CIRCULAR
        self.tone_combo.setEnabled(is_circular and not self._read_only)
        if not is_circular:
            self.tone_combo.setCurrentIndex(0)
        self._emit()

    def doc_type(self) -> DocumentType:
        return enum_member(DocumentType, self.type_combo.currentData()) or DocumentType.CIRCULAR

    # --- load / read ----------------------------------------------------------------------
    def load(self, data: DocumentInput) -> None:
        self._loading = True
        try:
            self.form.clear_errors()
            self.type_combo.setCurrentIndex(self.type_combo.findData(data.doc_type.value))
            self.tone_combo.setCurrentIndex(
                self.tone_combo.findData(data.tone.value if data.tone else None)
            )
            self.red_header.setChecked(data.red_header)
            self.title_edit.setText(data.title)
            self.recipients_edit.setText(data.main_recipients)
            self.body.set_text(data.body)
            self._attachments = [
                AttachmentSpec(a.title, a.kind, a.text, list(a.attachment_ids))
                for a in data.attachments
            ]
            self._refresh_attachments()
            self.issuer_edit.setText(data.issuer)
            self.date_edit.set_value(data.doc_date)
            self.seal_check.setChecked(data.with_seal)
            self.notes_edit.setText(data.notes)
            self.copy_edit.setText(data.copy_to)
            self.printing_edit.setText(data.printing_office)
            self.print_date_edit.set_value(data.print_date)
            self._supersedes_id = data.supersedes_id
            self.tone_combo.setEnabled(
                data.doc_type is DocumentType.CIRCULAR and not self._read_only
            )
        finally:
            self._loading = False

    def value(self) -> DocumentInput:
        tone_code = self.tone_combo.currentData()
        return DocumentInput(
            doc_type=self.doc_type(),
            title=self.title_edit.text(),
            tone=enum_member(CircularTone, tone_code),
            red_header=self.red_header.isChecked(),
            main_recipients=self.recipients_edit.text(),
            body=self.body.text(),
            attachments=[
                AttachmentSpec(a.title, a.kind, a.text, list(a.attachment_ids))
                for a in self._attachments
            ],
            issuer=self.issuer_edit.text(),
            doc_date=self.date_edit.value(),
            with_seal=self.seal_check.isChecked(),
            notes=self.notes_edit.text(),
            copy_to=self.copy_edit.text(),
            printing_office=self.printing_edit.text(),
            print_date=self.print_date_edit.value(),
            supersedes_id=self._supersedes_id,
        )

    # --- attachments ----------------------------------------------------------------------
    def _refresh_attachments(self) -> None:
        self.attach_list.clear()
        many = len(self._attachments) > 1
        for n, a in enumerate(self._attachments, start=1):
            what = f"照片{len(a.attachment_ids)}张" if a.kind == "photos" else "文字"
            label = f"{n}.{a.title}" if many else a.title
            QListWidgetItem(f"附件：{label}（{what}）", self.attach_list)
        self.remove_attach.setEnabled(bool(self._attachments) and not self._read_only)

    def remove_selected_attachment(self) -> None:
        row = self.attach_list.currentRow()
        if 0 <= row < len(self._attachments) and not self._read_only:
            del self._attachments[row]
            self._refresh_attachments()
            self._emit()

    # --- state ------------------------------------------------------------------------------
    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        self._read_only = read_only
        for w in (
            self.title_edit,
            self.recipients_edit,
            self.issuer_edit,
            self.notes_edit,
            self.copy_edit,
            self.printing_edit,
        ):
            w.setReadOnly(read_only)
        for w2 in (
            self.type_combo,
            self.red_header,
            self.seal_check,
            self.date_edit,
            self.print_date_edit,
        ):
            w2.setEnabled(not read_only)
        self.tone_combo.setEnabled(not read_only and self.doc_type() is DocumentType.CIRCULAR)
        self.body.set_read_only(read_only)
        self.remove_attach.setEnabled(not read_only and bool(self._attachments))
        self.lock_label.setText(reason)
        self.lock_label.setVisible(bool(reason))

    @property
    def read_only(self) -> bool:
        return self._read_only
