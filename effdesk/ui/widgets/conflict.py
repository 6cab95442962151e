"""Optimistic-lock conflicts: somebody saved the same record first.

:func:`show_conflict` tells the user what happened (the service's message names who changed
what and when) and offers 「刷新」: the caller reloads the newest version and keeps what the
user typed (see :class:`~effdesk.ui.widgets.record_dialog.RecordDialog`, which merges). The
box does not block; ``on_refresh`` runs when 刷新 is clicked.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from effdesk.errors import ConcurrentEditError

REFRESH_TEXT = "刷新"
KEEP_TEXT = "继续编辑"


def conflict_box(
    parent: QWidget | None,
    err: ConcurrentEditError,
    *,
    mine: str = "",
    can_refresh: bool = True,
) -> QMessageBox:
    """The message box (not shown yet) for ``err``; ``mine`` lists the user's unsaved input."""
    box = QMessageBox(parent)
    box.setObjectName("conflictBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("保存冲突")
    box.setText(str(err))
    info = [err.other_change] if err.other_change else []
    if can_refresh:
        info.append(
            "点「刷新」载入最新内容：您改过的栏目保留您的填写，其他栏目换成最新内容，请核对后再保存。"
        )
    box.setInformativeText("\n".join(info))
    if mine:
        box.setDetailedText("您填写但尚未保存的内容：\n" + mine)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if can_refresh:
        refresh = box.addButton(REFRESH_TEXT, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(refresh)
    box.addButton(KEEP_TEXT, QMessageBox.ButtonRole.RejectRole)
    return box


def show_conflict(
    parent: QWidget | None,
    err: ConcurrentEditError,
    on_refresh: Callable[[], None] | None = None,
    *,
    mine: str = "",
) -> QMessageBox:
    """Show ``err`` (window-modal, non-blocking); call ``on_refresh`` if the user picks 刷新."""
    box = conflict_box(parent, err, mine=mine, can_refresh=on_refresh is not None)

    def clicked(button: object) -> None:
        if on_refresh is not None and box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole:  # type: ignore[arg-type]
            on_refresh()

    box.buttonClicked.connect(clicked)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
