"""User administration (admin): add, edit roles, reset passwords, deactivate, unlock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import Role
from effdesk.errors import ConcurrentEditError, EffDeskError, ValidationError, ValidationErrors
from effdesk.permissions import Permission
from effdesk.services import users
from effdesk.services.users import UserInput, UserRow
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets.forms import FieldForm


class UserDialog(QDialog):
    """Add (``user=None``) or edit a user: name, phone, roles (several), active."""

    def __init__(self, ctx: AppContext, user: UserRow | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.one_time_password: str | None = None
        self.setObjectName("userDialog")
        self.setWindowTitle("新增用户" if user is None else f"修改用户 {user.username}")
        layout = QVBoxLayout(self)
        self.form = FieldForm()
        self.username_edit = QLineEdit(user.username if user else "")
        self.username_edit.setMaxLength(40)
        self.username_edit.setReadOnly(user is not None)
        self.form.add_field(
            "username",
            "用户名",
            self.username_edit,
            required=True,
            hint="登录用，建立后不能修改" if user is None else "",
        )
        self.name_edit = QLineEdit(user.display_name if user else "")
        self.name_edit.setMaxLength(40)
        self.form.add_field("display_name", "姓名", self.name_edit, required=True)
        self.phone_edit = QLineEdit(user.phone if user else "")
        self.form.add_field("phone", "电话", self.phone_edit)
        roles_box = QWidget()
        roles_layout = QHBoxLayout(roles_box)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        self.role_checks: dict[Role, QCheckBox] = {}
        for role in Role:
            check = QCheckBox(role.label)
            check.setObjectName(f"role_{role.value}")
            check.setChecked(user is not None and role in user.roles)
            roles_layout.addWidget(check)
            self.role_checks[role] = check
        self.form.add_field("roles", "角色", roles_box, required=True, hint="可选多个角色")
        self.active_check = QCheckBox("有效（可以登录）")
        self.active_check.setChecked(user.active if user else True)
        self.form.add_field("active", "状态", self.active_check)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def data(self) -> UserInput:
        return UserInput(
            username=self.username_edit.text(),
            display_name=self.name_edit.text(),
            roles={r for r, c in self.role_checks.items() if c.isChecked()},
            phone=self.phone_edit.text(),
            active=self.active_check.isChecked(),
        )

    def submit(self) -> None:
        self.form.clear_errors()
        try:
            with self.ctx.session() as s:
                if self.user is None:
                    _user, self.one_time_password = users.create_user(
                        s, self.ctx.actor, self.data()
                    )
                else:
                    users.update_user(
                        s, self.ctx.actor, self.user.id, self.data(), self.user.version
                    )
        except (ValidationError, ValidationErrors) as err:
            self.form.show_errors(err)
            return
        except EffDeskError as err:
            show_error(self, err)
            return
        self.accept()


def password_box(parent: QWidget | None, username: str, password: str, what: str) -> QMessageBox:
    """Shows a one-time password once (selectable, to copy or write down)."""
    box = QMessageBox(parent)
    box.setObjectName("oneTimePasswordBox")
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(what)
    box.setText(f"用户 {username} 的一次性密码：\n\n{password}")
    box.setInformativeText(
        "请当面或以安全方式告知本人。此密码只显示这一次；本人登录后须立即设置新密码。"
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText("我已记下")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


COLUMNS = ["用户名", "姓名", "角色", "状态", "最近登录"]


class UsersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("usersPage")
        self.rows: list[UserRow] = []
        self.last_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.add_button = QPushButton("新增用户")
        self.edit_button = QPushButton("修改")
        self.reset_button = QPushButton("重置密码")
        self.toggle_button = QPushButton("停用")
        self.unlock_button = QPushButton("解锁")
        for b in (
            self.add_button,
            self.edit_button,
            self.reset_button,
            self.toggle_button,
            self.unlock_button,
        ):
            bar.addWidget(b)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        note = QLabel("管理员可以重置密码，但任何人都无法查看他人的密码。")
        note.setStyleSheet("color: #6b6b6b;")
        layout.addWidget(note)

        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.unlock_button.clicked.connect(self.unlock)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())
        self.allowed = ctx.can(Permission.MANAGE_USERS)
        self.refresh()

    def refresh(self) -> None:
        if not self.allowed:
            self.rows = []
        else:
            with self.ctx.session() as s:
                self.rows = users.list_users(s, self.ctx.actor)
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            state = "有效" if r.active else "已停用"
            if r.locked():
                state += "，锁定中"
            if r.must_change_password:
                state += "，待改密码"
            values = [
                r.username,
                r.display_name,
                r.roles_label,
                state,
                f"{r.last_login_at:%Y-%m-%d %H:%M}" if r.last_login_at else "",
            ]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if not r.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, j, item)
        self._update_buttons()

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def select_username(self, username: str) -> None:
        for i, r in enumerate(self.rows):
            if r.username == username:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        row = self.selected()
        self.add_button.setEnabled(self.allowed)
        for b in (self.edit_button, self.reset_button, self.toggle_button):
            b.setEnabled(self.allowed and row is not None)
        self.unlock_button.setEnabled(self.allowed and row is not None and row.locked())
        self.toggle_button.setText("启用" if row is not None and not row.active else "停用")

    def add_user(self) -> UserDialog:
        dialog = UserDialog(self.ctx, None, self)
        dialog.accepted.connect(lambda: self._after_add(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _after_add(self, dialog: UserDialog) -> None:
        self.refresh()
        username = dialog.data().username.strip().lower()
        self.select_username(username)
        if dialog.one_time_password:
            self.last_box = password_box(self, username, dialog.one_time_password, "用户已新增")

    def edit_user(self) -> UserDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = UserDialog(self.ctx, row, self)
        dialog.accepted.connect(self.refresh)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def reset_password(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            with self.ctx.session() as s:
                temp = users.reset_password(s, self.ctx.actor, row.id)
        except EffDeskError as err:
            show_error(self, err)
            return
        self.refresh()
        self.select_username(row.username)
        self.last_box = password_box(self, row.username, temp, "密码已重置")

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            with self.ctx.session() as s:
                users.set_active(s, self.ctx.actor, row.id, not row.active, row.version)
        except ConcurrentEditError as err:
            show_error(self, err)
            self.refresh()
            return
        except EffDeskError as err:
            show_error(self, err)
            return
        self.refresh()
        self.select_username(row.username)

    def unlock(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            with self.ctx.session() as s:
                users.unlock(s, self.ctx.actor, row.id)
        except EffDeskError as err:
            show_error(self, err)
            return
        self.refresh()
        self.select_username(row.username)
