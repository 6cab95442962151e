"""Change one's own password; forced at the first login and after an admin reset."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.errors import ValidationError, ValidationErrors
from effdesk.services import users
from effdesk.ui.widgets.forms import FieldForm


class ChangePasswordDialog(QDialog):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        forced: bool = False,
        old_password: str = "",
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.forced = forced
        self.setWindowTitle("修改密码")
        self.setObjectName("changePasswordDialog")
        layout = QVBoxLayout(self)
        if forced:
            note = QLabel(
                f"{actor.label}，这是您第一次使用此密码登录（首次使用或管理员刚重置过密码），"
                "必须先设置自己的新密码才能继续。"
            )
            note.setWordWrap(True)
            note.setObjectName("forcedNote")
            layout.addWidget(note)
        self.form = FieldForm()
        self.old_edit = QLineEdit(old_password)
        self.old_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add_field("old_password", "原密码", self.old_edit, required=True)
        self.new_edit = QLineEdit()
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add_field(
            "new_password",
            "新密码",
            self.new_edit,
            required=True,
            hint=f"至少{users.MIN_PASSWORD_LENGTH}个字符，不能与用户名相同；建议字母、数字混合。",
        )
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add_field("confirm", "确认新密码", self.confirm_edit, required=True)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            "退出" if forced else "取消"
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.new_edit if old_password else self.old_edit).setFocus()
        self.setMinimumWidth(420)

    def submit(self) -> None:
        self.form.clear_errors()
        try:
            with self.db.session() as s:
                users.change_password(
                    s,
                    self.actor,
                    self.old_edit.text(),
                    self.new_edit.text(),
                    self.confirm_edit.text(),
                )
        except (ValidationError, ValidationErrors) as err:
            self.form.show_errors(err)
            return
        self.accept()
