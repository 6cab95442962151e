"""Start-up with this PC's server profile: the password prompt, 重试 / 退出, the upgrade question.

:func:`server_url_at_start` is the hook :func:`effdesk.ui.app.run_gui` calls before opening the
database. Without a profile (the SQLite file, most offices) it costs one ``stat``: the keyring
and the server checks are imported only when a profile exists. The password comes from this
process's memory, the OS keyring, or :class:`PasswordDialog`; it is checked by logging in once,
so a wrong one is asked again with the reason, and a server that does not answer offers 重试.
"""

from __future__ import annotations

import contextlib
from types import ModuleType

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from effdesk.db import profile as profiles
from effdesk.db.profile import ConnectionProfile
from effdesk.errors import EffDeskError

ERROR_COLOUR = "#c62828"  # as effdesk.ui.widgets.forms (not imported: start time)


def _keys() -> ModuleType:
    from effdesk.security import keys  # keyring: ~60 ms, only for a server profile

    return keys


# Passwords typed at start on a PC without a keyring: this process's memory only.
_typed: dict[str, str] = {}


def remembered_password(profile: ConnectionProfile) -> str | None:
    """The password typed earlier in this process, else the keyring's (None: ask)."""
    if profile.label in _typed:
        return _typed[profile.label]
    if _keys().keyring_available():
        try:
            return _keys().get_db_password(profile.url())
        except EffDeskError:
            return None
    return None


def remember_password(profile: ConnectionProfile, password: str, *, keyring: bool) -> bool:
    """Keep a password the user typed: for this process, and in the keyring when asked and
    possible (not asked: an older one there is removed). Returns whether it is in the keyring."""
    _typed[profile.label] = password
    if not _keys().keyring_available():
        return False
    if keyring:
        _keys().store_db_password(profile.url(), password)
        return True
    with contextlib.suppress(EffDeskError):
        _keys().delete_db_password(profile.url())
    return False


def forget_password(profile: ConnectionProfile) -> None:
    _typed.pop(profile.label, None)
    if _keys().keyring_available():
        with contextlib.suppress(EffDeskError):
            _keys().delete_db_password(profile.url())


class PasswordDialog(QDialog):
    """At start: the server's password (the keyring has none, or it was wrong)."""

    def __init__(
        self, profile: ConnectionProfile, problem: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("连接数据库服务器")
        self.setObjectName("serverPasswordDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"服务器 {profile.host}:{profile.port}，数据库「{profile.database}」\n"
                f"用户「{profile.user}」的数据库密码："
            )
        )
        self.problem = QLabel(problem)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem.setVisible(bool(problem))
        layout.addWidget(self.problem)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password)
        self.keep = QCheckBox("在本机系统密钥环中记住密码")
        self.keep.setEnabled(_keys().keyring_available())
        if not _keys().keyring_available():
            self.keep.setText("本机没有系统密钥环：密码只在本次运行中使用")
        layout.addWidget(self.keep)
        buttons = QDialogButtonBox()
        ok = buttons.addButton("连接", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.problem.setMinimumWidth(440)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)


def ask_password(profile: ConnectionProfile, problem: str) -> tuple[str, bool] | None:
    """(password, keep in keyring), or None when the user chose 退出 (tests replace this)."""
    dialog = PasswordDialog(profile, problem)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.password.text(), dialog.keep.isChecked()


def ask_retry(message: str) -> bool:
    """The server did not answer at start: 重试 (True) or 退出 (tests replace this)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "无法连接数据库服务器",
        message
        + "\n\n（只想在本机使用时，可运行 effdesk --db sqlite:///文件路径 打开本机数据库。）",
        QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
    )
    box.button(QMessageBox.StandardButton.Retry).setText("重试")
    box.button(QMessageBox.StandardButton.Close).setText("退出")
    return box.exec() == QMessageBox.StandardButton.Retry


def ask_upgrade(question: str) -> bool:
    """An older server schema: 升级 (True) or 退出 (tests answer the real box)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "升级单位数据库",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Close,
    )
    box.button(QMessageBox.StandardButton.Yes).setText("升级")
    box.button(QMessageBox.StandardButton.Close).setText("退出")
    return box.exec() == QMessageBox.StandardButton.Yes


def server_url_at_start(db_url: str | None) -> tuple[str | None, bool]:
    """The database to open: ``--db`` when given, else this PC's server profile (its password
    from the keyring or asked for, checked by logging in once), else None = the SQLite file.
    The second value is False when the user gave up (退出)."""
    if db_url is not None:
        return db_url, True
    while True:
        try:
            profile = profiles.load()
            break
        except EffDeskError as err:
            if not ask_retry(str(err)):
                return None, False
    if profile is None:
        return None, True
    password = remembered_password(profile)
    problem = ""
    typed = keep = False
    while True:
        if password is None:
            answer = ask_password(profile, problem)
            if answer is None:
                return None, False
            password, keep = answer
            typed = True
        url = profile.url(password)
        from effdesk.db.connection_errors import LoginFailed
        from effdesk.db.server_probe import login, upgrade_question

        try:
            login(url)
        except LoginFailed as err:
            _typed.pop(profile.label, None)
            password, problem = None, str(err)
            continue
        except EffDeskError as err:
            if not ask_retry(str(err)):
                return None, False
            continue
        if typed:
            remember_password(profile, password, keyring=keep)
        else:
            _typed[profile.label] = password  # from the keyring: leave it there
        try:
            question = upgrade_question(url)
        except EffDeskError as err:
            if not ask_retry(str(err)):
                return None, False
            continue
        if question is not None and not ask_upgrade(question):
            return None, False
        return url, True
