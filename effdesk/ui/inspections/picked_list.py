"""A list of things picked in a form (target units, persons involved), with 移除 for the selection."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QWidget

from effdesk.ui.context import AppContext

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1


class PickedList(QWidget):
    """Items that each carry a value, never the same value twice.

    Subclasses add the pickers and lay out :attr:`list` and :attr:`remove_button`;
    :meth:`_changed` runs after every addition or removal (it emits :attr:`changed`).
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, remove_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.list = QListWidget()
        self.remove_button = QPushButton(remove_text)
        self.remove_button.clicked.connect(lambda _c=False: self.remove_selected())

    def values(self) -> list[Any]:
        return [self.list.item(i).data(VALUE_ROLE) for i in range(self.list.count())]

    def add_item(self, value: Any, label: str) -> None:
        if value in self.values():
            return
        item = QListWidgetItem(label)
        item.setData(VALUE_ROLE, value)
        self.list.addItem(item)
        self._changed()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._changed()

    def _changed(self) -> None:
        self.changed.emit()
