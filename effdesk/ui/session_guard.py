"""Ending the session of a user whose access was taken away while EffDesk was open.

The services refuse every write of a deactivated, demoted or must-change-password user
(:mod:`effdesk.access`). The GUI also notices it by itself: :class:`SessionGuard` asks the
database every ``interval_ms`` (one small query) and whenever a service refused an action with
:class:`~effdesk.access.AccessRevoked`; then it tells the user why, in Chinese, and closes the
main window, and :func:`effdesk.ui.app.run_gui` shows the login dialog again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from effdesk.access import AccessRevoked, access_problem
from effdesk.db.connection_errors import ConnectionLost
from effdesk.ui.context import AppContext

CHECK_INTERVAL_MS = 60_000
_active: SessionGuard | None = None


class SessionGuard(QObject):
    ended = Signal(str)

    def __init__(
        self, ctx: AppContext, window: QMainWindow, interval_ms: int = CHECK_INTERVAL_MS
    ) -> None:
        super().__init__(window)
        global _active
        self._ctx = ctx
        self._window = window
        self.box: QMessageBox | None = None
        self.reason = ""
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        _active = self
        self.destroyed.connect(_forget)

    @property
    def ended_session(self) -> bool:
        return bool(self.reason)

    def check(self) -> bool:
        """Ask the database now; end the session if the user may no longer work. True: ended."""
        if self.reason:
            return True
        try:
            with self._ctx.session() as s:
                problem = access_problem(s, self._ctx.actor)
        except ConnectionLost as lost:
            # The server is away: a line in the status bar, not a box every minute; the user's
            # next action says so too, and the check runs again at the next tick.
            self._window.statusBar().showMessage(str(lost), self._timer.interval())
            return False
        if problem is not None and problem.ends_session:
            self.end(problem)
            return True
        return False

    def end(self, problem: AccessRevoked) -> QMessageBox:
        """Tell the user why, then close the main window (back to the login dialog)."""
        if self.box is not None:
            return self.box
        self._timer.stop()
        self.reason = str(problem)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "会话已结束",
            f"{problem}\n\n点击「确定」返回登录界面。",
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        ok = box.button(QMessageBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("确定")
        box.finished.connect(lambda _r: self._window.close())
        box.open()
        self.box = box
        self.ended.emit(self.reason)
        return box


def _forget() -> None:
    global _active
    _active = None


def active_guard() -> SessionGuard | None:
    return _active
