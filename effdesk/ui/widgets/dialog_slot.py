"""The one dialog of its kind a page keeps open.

``DialogSlot.open(make)`` makes the dialog and shows it window-modal; while it is open, asking
again brings it to the front instead of making a second one; when it closes the slot forgets
it. A refusal from the service while making it (the record was deleted meanwhile,
no right to see it) is shown to the user and nothing opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from effdesk.errors import EffDeskError
from effdesk.ui.errors import show_error

D = TypeVar("D", bound=QDialog)


class DialogSlot(Generic[D]):
    def __init__(self, parent: QWidget, on_closed: Callable[[D], None] | None = None) -> None:
        self._parent = parent
        self._on_closed = on_closed
        self.current: D | None = None

    def open(self, make: Callable[[], D], connect: Callable[[D], object] | None = None) -> D | None:
        """The open dialog brought to the front, or a new one from ``make`` (``connect`` wires
        its signals before it shows); None when making it was refused."""
        if self.current is not None:
            self.current.raise_()
            self.current.activateWindow()
            return self.current
        try:
            dialog = make()
        except EffDeskError as exc:
            show_error(self._parent, exc)
            return None
        if connect is not None:
            connect(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.current = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: D) -> None:
        if self.current is dialog:
            self.current = None
        if self._on_closed is not None:
            self._on_closed(dialog)
