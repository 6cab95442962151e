"""The login dialog: first-run admin password, login with lockout, forced password change.

Usage (see effdesk/ui/app.py)::

    dialog = LoginDialog(db)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        actor = dialog.actor          # effdesk.auth.Actor of the logged-in user

On an empty user table the dialog first creates ``admin`` with a random one-time password and
shows it (selectable) above the form; the admin must change it right after logging in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from effdesk import APP_TITLE, settings
from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.errors import EffDeskError
from effdesk.services import users
from effdesk.ui.security.change_password_dialog import ChangePasswordDialog
from effdesk.ui.widgets.forms import ERROR_COLOUR


class LoginDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.first_run_password: str | None = None
        self.change_dialog: ChangePasswordDialog | None = None
        self.setObjectName("loginDialog")
        self.setWindowTitle(f"登录 — {APP_TITLE}")
        with db.session() as s:
            self.first_run_password = users.bootstrap_admin(s)
            office = settings.get(s, settings.OFFICE_NAME)

        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{APP_TITLE}</b><br>{office}")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)

        self.first_run_box = QFrame()
        self.first_run_box.setObjectName("firstRunBox")
        self.first_run_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.first_run_box)
        self.first_run_label = QLabel()
        self.first_run_label.setWordWrap(True)
        self.first_run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.first_run_label)
        layout.addWidget(self.first_run_box)
        self.first_run_box.setVisible(self.first_run_password is not None)
        if self.first_run_password is not None:
            self.first_run_label.setText(
                "这是首次运行，已创建系统管理员账户。\n"
                f"用户名：{users.BOOTSTRAP_USERNAME}\n"
                f"一次性密码：{self.first_run_password}\n"
                "请记下此密码并立即登录，登录后须设置新密码。此密码不会再次显示。"
            )

        form = QFormLayout()
        self.username_edit = QLineEdit()
        self.username_edit.setObjectName("username")
        self.username_edit.setMaxLength(40)
        form.addRow("用户名：", self.username_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("密码：", self.password_edit)
        layout.addLayout(form)

        self.error_label = QLabel()
        self.error_label.setObjectName("loginError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.login_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.login_button.setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if self.first_run_password is not None:
            self.username_edit.setText(users.BOOTSTRAP_USERNAME)
            self.password_edit.setFocus()
        else:
            self.username_edit.setFocus()
        self.setMinimumWidth(400)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(True)

    def try_login(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self.show_error("请输入用户名和密码。")
            return
        try:
            with self.db.session() as s:
                actor = users.authenticate(s, username, password)
                must_change = users.must_change_password(s, actor)
        except EffDeskError as err:
            self.password_edit.clear()
            self.password_edit.setFocus()
            self.show_error(str(err))
            return
        if must_change and not self._forced_change(actor, password):
            self.password_edit.clear()
            self.show_error("必须先修改密码才能使用。请重新登录并设置新密码。")
            return
        self.actor = actor
        self.accept()

    def _forced_change(self, actor: Actor, password: str) -> bool:
        dialog = ChangePasswordDialog(self.db, actor, self, forced=True, old_password=password)
        self.change_dialog = dialog
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            self.change_dialog = None
            dialog.deleteLater()
