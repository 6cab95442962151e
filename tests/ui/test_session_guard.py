"""A session whose user was deactivated while EffDesk was open ends with a message."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from effdesk.access import access_problem
from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.services import users
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.session_guard import SessionGuard


def test_deactivated_user_is_sent_back_to_login(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    clerk = ui_actors["clerk"]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    guard = SessionGuard(make_ctx(clerk), window, interval_ms=50)
    assert not guard.check()
    assert clerk.user_id is not None
    with db.session() as s:
        users.set_active(s, ui_actors["admin"], clerk.user_id, False)
    with qtbot.waitSignal(guard.ended, timeout=3000):
        pass  # the periodic check notices it by itself
    box = guard.box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "停用" in box.text() and "返回登录" in box.text()
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert guard.ended_session


def test_refused_action_ends_the_session_once(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    clerk = ui_actors["clerk"]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    guard = SessionGuard(make_ctx(clerk), window, interval_ms=600_000)
    assert clerk.user_id is not None
    with db.session() as s:
        users.reset_password(s, ui_actors["admin"], clerk.user_id)
        problem = access_problem(s, clerk)
    assert problem is not None
    shown = show_error(window, problem)
    assert shown is guard.box and "修改密码" in shown.text()
    assert show_error(window, problem) is shown  # one message, not one per refused action
    shown.accept()
    qtbot.waitUntil(lambda: not window.isVisible())
