"""How the GUI shows errors: a user's mistake is a message, a bug is a report.

Domain errors (:class:`~effdesk.errors.EffDeskError`) carry a Chinese message the user can act
on; they are shown as they are. Anything else is a bug: a dialog with a short Chinese text and
the traceback under 「详细信息」, and the traceback is appended to ``log_dir()/effdesk.log`` so
the admin can send it. Nothing is swallowed.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from effdesk.access import AccessRevoked
from effdesk.errors import EffDeskError
from effdesk.paths import log_dir

LOG_NAME = "effdesk.log"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_path() -> Path:
    return log_dir() / LOG_NAME


def format_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def log_exception(exc: BaseException) -> Path:
    """Append the traceback of ``exc`` to the log file; return the file's path."""
    path = log_path()
    stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n===== {stamp} =====\n{format_traceback(exc)}")
    return path


class ErrorDialog(QDialog):
    """The report of an unexpected error: a short text, the log path, the traceback on demand."""

    def __init__(self, exc: BaseException, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("程序错误")
        self.setModal(True)
        layout = QVBoxLayout(self)

        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(40, 40)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(icon)
        where = f"详细信息已写入日志文件：\n{log_file}" if log_file else "未能写入日志文件。"
        self.message = QLabel(
            "程序出现了意外错误，刚才的操作可能没有完成。\n"
            "已保存的数据不受影响。请把下面的详细信息或日志文件发送给系统管理员。\n\n" + where
        )
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head.addWidget(self.message, 1)
        layout.addLayout(head)

        self.details = QPlainTextEdit(format_traceback(exc))
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(220)
        self.details.setVisible(False)
        layout.addWidget(self.details, 1)

        buttons = QDialogButtonBox()
        self.details_button = QPushButton("详细信息")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button = QPushButton("复制")
        self.copy_button.clicked.connect(self._copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.AcceptRole)
        close.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(560, 200)

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.adjustSize()

    def _copy(self) -> None:
        QApplication.clipboard().setText(self.details.toPlainText())


def domain_message_box(parent: QWidget | None, exc: EffDeskError, title: str = "") -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or "提示")
    box.setText(str(exc))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    return box


def _present(dialog: QDialog, modal: bool) -> None:
    """Show ``dialog``; blocking (``exec``) for the global hook, window-modal otherwise."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if modal:
        dialog.exec()
    else:
        dialog.open()


def show_error(parent: QWidget | None, exc: BaseException, *, title: str = "") -> QDialog:
    """Show ``exc`` to the user without blocking: a message for domain errors, else a report.

    Bugs are logged here as well. Returns the dialog (tests look at it).
    """
    if isinstance(exc, AccessRevoked) and exc.ends_session:
        from effdesk.ui.session_guard import active_guard

        guard = active_guard()
        if guard is not None:
            return guard.end(exc)  # the session ends: one message, then the login dialog
    if isinstance(exc, EffDeskError):
        dialog: QDialog = domain_message_box(parent, exc, title)
    else:
        dialog = ErrorDialog(exc, _safe_log(exc), parent)
    _present(dialog, modal=False)
    return dialog


def _safe_log(exc: BaseException) -> Path | None:
    try:
        return log_exception(exc)
    except OSError:
        # The log folder may be unwritable (full disk); the dialog still shows the traceback.
        return None


def handle_exception(exc: BaseException) -> None:
    """What the global hook does with one uncaught exception (on the GUI thread)."""
    if isinstance(exc, KeyboardInterrupt):
        QApplication.quit()
        return
    parent = QApplication.activeWindow()
    if isinstance(exc, EffDeskError):
        dialog: QDialog = domain_message_box(parent, exc)
    else:
        log_file = _safe_log(exc)
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        dialog = ErrorDialog(exc, log_file, parent)
    _present(dialog, modal=True)


_previous_hook: Callable[[type[BaseException], BaseException, TracebackType | None], Any] | None = (
    None
)


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    if QApplication.instance() is None or threading.current_thread() is not threading.main_thread():
        # No GUI to show it on (or a worker thread, which must never touch widgets): log only.
        _safe_log(exc)
        if _previous_hook is not None:
            _previous_hook(exc_type, exc, tb)
        return
    handle_exception(exc)


def install_excepthook() -> None:
    """Route every uncaught exception (slots, event handlers) through :func:`handle_exception`."""
    global _previous_hook
    if sys.excepthook is not _excepthook:
        _previous_hook = sys.excepthook
        sys.excepthook = _excepthook


def uninstall_excepthook() -> None:
    global _previous_hook
    if sys.excepthook is _excepthook and _previous_hook is not None:
        sys.excepthook = _previous_hook
        _previous_hook = None
