"""Base of every add/edit dialog for one record with optimistic locking.

A subclass builds its :class:`FieldForm` with field names equal to the service's input
dataclass fields, and implements three hooks:

* ``load(session) -> (values, version)`` — the record's current values by field name;
* ``save(session, values, expected_version) -> int`` — call the service, return the id;
* ``build_form(form)`` — add the rows.

The base does the rest: fills and reads widgets (line edits, text boxes, combo boxes by item
data, check boxes, spin boxes, date edits, :class:`EntityPicker`), runs the save through the
task runner with the button disabled, shows validation problems at their fields (nothing typed
is lost), and on a conflict offers 「刷新」, which loads the newest version but keeps every
field the user changed, marking those that the other person changed too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.errors import (
    ConcurrentEditError,
    EffDeskError,
    FieldProblem,
    ValidationError,
    ValidationErrors,
)
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import FieldForm
from effdesk.ui.widgets.pickers import EntityPicker


def widget_value(widget: QWidget) -> Any:
    """The value a form widget holds, in the type the service input expects."""
    if isinstance(widget, EntityPicker):
        return widget.current_id()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QDateEdit):
        d = widget.date()
        return date(d.year(), d.month(), d.day())
    raise TypeError(f"no value accessor for {type(widget).__name__}")


def set_widget_value(widget: QWidget, value: Any) -> None:
    if isinstance(widget, EntityPicker):
        widget.set_current_id(value)
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
        widget.setPlainText("" if value is None else str(value))
    elif isinstance(widget, QComboBox):
        i = widget.findData(value)
        widget.setCurrentIndex(i if i >= 0 else 0)
    elif isinstance(widget, QAbstractButton):
        widget.setChecked(bool(value))
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.setValue(value or 0)
    elif isinstance(widget, QDateEdit):
        if value is not None:
            widget.setDate(QDate(value.year, value.month, value.day))
    else:
        raise TypeError(f"no value setter for {type(widget).__name__}")


def display_value(widget: QWidget, value: Any) -> str:
    """How ``value`` reads to a person (combo labels, 是/否), for conflict notes."""
    if isinstance(widget, QComboBox):
        i = widget.findData(value)
        return widget.itemText(i) if i >= 0 else str(value)
    if isinstance(widget, QAbstractButton):
        return "是" if value else "否"
    if isinstance(widget, EntityPicker):
        if value is None:
            return "（空）"
        return widget.text_for(int(value))
    if value is None or value == "":
        return "（空）"
    return str(value)


class RecordDialog(QDialog):
    """Add (``record_id=None``) or edit one record. Signal ``saved(int)`` carries the id."""

    saved = Signal(int)

    title_new = "新增"
    title_edit = "修改"

    title_view = "查看"

    def __init__(
        self,
        ctx: AppContext,
        record_id: int | None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_id = record_id
        self.read_only = read_only
        self.version: int | None = None
        self.loaded: dict[str, Any] = {}
        if read_only:
            title = self.title_view
        else:
            title = self.title_edit if record_id is not None else self.title_new
        self.setWindowTitle(title)

        self.form = FieldForm()
        self.build_form(self.form)

        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        if record_id is not None:
            self.reload()
        else:
            self.loaded = self.values()
        if read_only:
            # Users without the edit permission may look, not change (the service refuses
            # anyway); fields stay selectable for copying.
            for field in self.form.errors.fields():
                w = self.form.widget(field)
                if isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)):
                    w.setReadOnly(True)
                else:
                    w.setEnabled(False)
            self.save_button.setVisible(False)
            self.cancel_button.setText("关闭")

    # --- hooks for subclasses ---------------------------------------------------------
    def build_form(self, form: FieldForm) -> None:
        raise NotImplementedError

    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        raise NotImplementedError

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        raise NotImplementedError

    def check_locally(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Problems the form can see before asking the service (field, message)."""
        problems: list[tuple[str, str]] = []
        for field in self.form.errors.fields():
            w = self.form.widget(field)
            if isinstance(w, EntityPicker) and w.is_unresolved():
                problems.append((field, "请从下拉列表中选择（输入后按 ↓ 选择，或按回车）。"))
        return problems

    # --- values -----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {f: widget_value(self.form.widget(f)) for f in self.form.errors.fields()}

    def set_values(self, values: dict[str, Any]) -> None:
        for field, value in values.items():
            if field in self.form.errors.fields():
                set_widget_value(self.form.widget(field), value)

    def reload(self) -> None:
        """Load the record as it is now in the database into the form."""
        with self.ctx.session() as s:
            values, version = self.load(s)
        self.loaded = dict(values)
        self.version = version
        self.set_values(values)

    def changed_fields(self) -> dict[str, Any]:
        """Fields whose value differs from what was loaded (what the user typed)."""
        now = self.values()
        return {f: v for f, v in now.items() if v != self.loaded.get(f)}

    # --- saving -----------------------------------------------------------------------
    def submit(self) -> None:
        self.form.clear_errors()
        values = self.values()
        local = self.check_locally(values)
        if local:
            self.form.show_errors([FieldProblem(f, m) for f, m in local])
            return
        self.save_button.setEnabled(False)
        expected = self.version

        def work(_progress: object) -> int:
            with self.ctx.session() as s:
                return self.save(s, values, expected)

        self.ctx.tasks.run(work, self._saved, self._failed, parent=self)

    def _saved(self, record_id: int) -> None:
        self.save_button.setEnabled(True)
        self.record_id = record_id
        self.saved.emit(record_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, (ValidationError, ValidationErrors)):
            self.form.show_errors(exc)
        elif isinstance(exc, ConcurrentEditError):
            self.conflict_box = show_conflict(
                self, exc, self.refresh_after_conflict, mine=self._describe_changes()
            )
        elif isinstance(exc, EffDeskError):
            show_error(self, exc)
        else:
            # A bug: report it (logged, with traceback) but keep the dialog and its input.
            show_error(self, exc)

    def _describe_changes(self) -> str:
        lines = []
        for field, value in self.changed_fields().items():
            w = self.form.widget(field)
            lines.append(f"{self._caption(field)}：{display_value(w, value)}")
        return "\n".join(lines)

    def _caption(self, field: str) -> str:
        return self.form.caption(field)

    def refresh_after_conflict(self) -> None:
        """Load the newest version; keep the user's changes; note fields changed by both."""
        mine = self.changed_fields()
        before = dict(self.loaded)
        self.reload()
        theirs = self.loaded
        self.set_values(mine)
        for field, value in mine.items():
            if theirs.get(field) != before.get(field) and theirs.get(field) != value:
                w = self.form.widget(field)
                self.form.errors.note(
                    field,
                    f"其他人已改为「{display_value(w, theirs.get(field))}」，这里保留了您的填写。",
                )
