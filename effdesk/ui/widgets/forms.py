"""Forms that show a service's validation errors at the field they concern.

Services raise ``ValidationError(field, message)`` or ``ValidationErrors([FieldProblem])``
with ``field`` = the attribute name of the input dataclass (``name``, ``unit_id``…). A form
binds each widget to that name; :meth:`FieldErrors.show` then gives every bad widget a red
border and its message right under it, focuses the first bad field (in form order), and leaves
everything the user typed in place. Editing a field clears its message.

Two ways to use it:

* :class:`FieldForm` — a ``QFormLayout`` that builds the rows for you::

      form = FieldForm()
      form.add_field("name", "单位名称", QLineEdit(), required=True)
      form.add_field("contact_phone", "联系电话", QLineEdit(), hint="手机号或带区号的座机号")
      ...
      try:
          save()
      except (ValidationError, ValidationErrors) as err:
          form.show_errors(err)

* :class:`FieldErrors` — the same mapping for a layout you built yourself:
  ``errors.bind("name", widget, error_label)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import LabeledEnum
from effdesk.errors import FieldProblem, ValidationError, ValidationErrors

E = TypeVar("E", bound=LabeledEnum)

ERROR_COLOUR = "#c62828"
NOTE_COLOUR = "#b85c00"

# Qt classes whose frame a stylesheet border replaces cleanly; other widgets (check boxes,
# composite widgets) only get the message.
_BORDERED: tuple[type[QWidget], ...] = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QAbstractSpinBox,
)


def problems_of(
    err: ValidationError | ValidationErrors | Iterable[FieldProblem],
) -> list[FieldProblem]:
    """The field problems carried by a validation error (or a list of them)."""
    if isinstance(err, ValidationErrors):
        return list(err.problems)
    if isinstance(err, ValidationError):
        return [FieldProblem(err.field, err.message)]
    return list(err)


@dataclass
class _Binding:
    field: str
    widget: QWidget
    label: QLabel


def _border_css(widget: QWidget) -> str:
    for cls in _BORDERED:
        if isinstance(widget, cls):
            return f"{cls.__name__} {{ border: 1px solid {ERROR_COLOUR}; border-radius: 2px; }}"
    return ""


def enum_combo(enum: type[LabeledEnum], *, empty: str = "") -> QComboBox:
    """A combo box of an enum's Chinese labels; item data is the stored code (``.value``).

    With ``empty`` a first item of that text with data ``None`` (e.g. "全部", "（未选）").
    Qt turns str-enum members into plain str, hence codes; get the member back with
    :func:`enum_member`.
    """
    combo = QComboBox()
    if empty:
        combo.addItem(empty, None)
    for member in enum:
        combo.addItem(member.label, member.value)
    return combo


def enum_member(enum: type[E], code: str | None) -> E | None:
    """The member of ``enum`` with code ``code`` (``None`` for ``None``)."""
    if code is None:
        return None
    for member in enum:
        if member.value == code:
            return member
    raise ValueError(f"{enum.__name__}: unknown code {code!r}")


def make_error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class FieldErrors:
    """Maps field names to widgets and shows/clears their messages.

    ``general`` (optional) is a label for problems whose field has no widget; such messages
    are also returned by :meth:`show`, so a caller without that label can show them itself.
    """

    def __init__(self, general: QLabel | None = None) -> None:
        self._bindings: dict[str, _Binding] = {}
        self._order: list[str] = []
        self.general = general

    def bind(self, field: str, widget: QWidget, label: QLabel) -> None:
        self._bindings[field] = _Binding(field, widget, label)
        self._order.append(field)
        self._connect_clear(field, widget)

    def alias(self, field: str, target: str) -> None:
        """Show problems for ``field`` at the widget bound to ``target`` (e.g. a combined input)."""
        self._bindings[field] = self._bindings[target]

    def widget(self, field: str) -> QWidget:
        return self._bindings[field].widget

    def fields(self) -> list[str]:
        return list(self._order)

    def _connect_clear(self, field: str, widget: QWidget) -> None:
        def clear() -> None:
            self.clear(field)

        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(clear)
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            widget.textChanged.connect(clear)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(clear)
        elif isinstance(widget, QAbstractSpinBox):
            widget.editingFinished.connect(clear)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(clear)

    def show(self, err: ValidationError | ValidationErrors | Iterable[FieldProblem]) -> list[str]:
        """Show every problem at its field; return messages that have no field widget.

        Earlier messages are cleared first. Focus goes to the first bad field in form order.
        """
        self.clear()
        unplaced: list[str] = []
        messages: dict[str, list[str]] = {}
        for problem in problems_of(err):
            binding = self._bindings.get(problem.field)
            if binding is None:
                unplaced.append(problem.message)
                continue
            messages.setdefault(binding.field, []).append(problem.message)
        first: QWidget | None = None
        for field in self._order:
            if field not in messages:
                continue
            b = self._bindings[field]
            text = "\n".join(messages[field])
            b.label.setStyleSheet(f"color: {ERROR_COLOUR};")
            b.label.setText(text)
            b.label.setVisible(True)
            b.widget.setToolTip(text)
            b.widget.setProperty("invalid", True)
            css = _border_css(b.widget)
            if css:
                b.widget.setStyleSheet(css)
            if first is None:
                first = b.widget
        if self.general is not None:
            self.general.setText("\n".join(unplaced))
            self.general.setVisible(bool(unplaced))
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(first, QLineEdit):
                first.selectAll()
        return unplaced

    def clear(self, field: str | None = None) -> None:
        """Remove the message of ``field`` (or all messages)."""
        targets = [self._bindings[field]] if field in self._bindings else []
        if field is None:
            targets = list({id(b): b for b in self._bindings.values()}.values())
            if self.general is not None:
                self.general.clear()
                self.general.setVisible(False)
        for b in targets:
            if not b.widget.property("invalid") and not b.widget.property("noted"):
                continue
            b.widget.setProperty("noted", False)
            b.label.setStyleSheet(f"color: {ERROR_COLOUR};")
            b.label.clear()
            b.label.setVisible(False)
            b.widget.setToolTip("")
            b.widget.setProperty("invalid", False)
            if _border_css(b.widget):
                b.widget.setStyleSheet("")

    def note(self, field: str, text: str) -> None:
        """Show an orange remark under ``field`` that is not an error (e.g. after a merge)."""
        b = self._bindings[field]
        b.label.setStyleSheet(f"color: {NOTE_COLOUR};")
        b.label.setText(text)
        b.label.setVisible(True)
        b.widget.setProperty("noted", True)

    def message(self, field: str) -> str:
        """The message shown for ``field`` ("" if none) — for tests and accessibility."""
        return self._bindings[field].label.text()

    def has_errors(self) -> bool:
        return any(b.widget.property("invalid") for b in self._bindings.values())


class FieldForm(QWidget):
    """A ``QFormLayout`` whose rows know their field name, with a general error line on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.general_error = make_error_label()
        outer.addWidget(self.general_error)
        self.layout_ = QFormLayout()
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(self.layout_)
        self.errors = FieldErrors(self.general_error)
        self._captions: dict[str, str] = {}

    def add_field(
        self,
        field: str | None,
        label: str,
        widget: QWidget,
        *,
        required: bool = False,
        hint: str = "",
    ) -> QWidget:
        """Add a row ``label: widget``; with ``field`` its problems are shown under it."""
        text = f"{label}：" if not label.endswith("：") else label
        caption = QLabel(
            f'{text[:-1]}<span style="color:{ERROR_COLOUR}">*</span>：' if required else text
        )
        caption.setBuddy(widget)
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("fieldHint")
            hint_label.setStyleSheet("color: #6b6b6b;")
            hint_label.setWordWrap(True)
            box.addWidget(hint_label)
        error = make_error_label()
        box.addWidget(error)
        self.layout_.addRow(caption, container)
        if field is not None:
            self.errors.bind(field, widget, error)
            self._captions[field] = label.rstrip("：")
        return widget

    def show_errors(
        self, err: ValidationError | ValidationErrors | Iterable[FieldProblem]
    ) -> list[str]:
        return self.errors.show(err)

    def clear_errors(self) -> None:
        self.errors.clear()

    def error_text(self, field: str) -> str:
        return self.errors.message(field)

    def widget(self, field: str) -> QWidget:
        return self.errors.widget(field)

    def caption(self, field: str) -> str:
        """The row label of ``field`` without the colon, e.g. "单位名称"."""
        return self._captions.get(field, field)
