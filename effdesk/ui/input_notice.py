"""At start: route Chinese input to an input method Qt can use, or say once what to do."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QLibraryInfo
from PySide6.QtWidgets import QMessageBox

from effdesk.input_method import NOTICE_TITLE, Advice, notice_marker, session_advice
from effdesk.paths import data_dir


def prepare_input_method() -> Advice:
    """Call before the QApplication exists: Qt reads QT_IM_MODULE when it starts."""
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    advice = session_advice(folder / "platforminputcontexts")
    os.environ.update(advice.set_env)
    return advice


def show_input_method_notice(advice: Advice) -> None:
    """The Chinese message for an input method Qt cannot use, once per input method."""
    if advice.message is None:
        return
    try:
        marker = notice_marker(data_dir(), advice)
        if marker.exists():
            return
        marker.write_text("shown\n", encoding="utf-8")
    except OSError:
        pass  # an unwritable data folder must not stop the start; the message shows again
    notice_box(advice.message).exec()


def notice_box(message: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, NOTICE_TITLE, message)
    box.setObjectName("inputMethodNotice")
    box.addButton("知道了", QMessageBox.ButtonRole.AcceptRole)
    return box
