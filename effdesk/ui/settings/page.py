"""系统设置 module page: tabs 用户, 审计日志, 备份与恢复, 单位设置, 节假日, 我的账户.

Every tab is built for every user; a tab the user may not use says so (the services enforce
the same rules). Tabs are created on first view, so opening the module costs little.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk.permissions import Permission
from effdesk.ui.context import AppContext
from effdesk.ui.security.audit_viewer import AuditViewer
from effdesk.ui.security.backup_page import BackupPage
from effdesk.ui.security.change_password_dialog import ChangePasswordDialog
from effdesk.ui.security.users_page import UsersPage
from effdesk.ui.settings.office_settings import OfficeSettingsWidget


def _holidays(ctx: AppContext) -> QWidget:
    from effdesk.ui.settings.calendar_dialog import CalendarYearsWidget

    return CalendarYearsWidget(ctx)


def _connection(ctx: AppContext) -> QWidget:
    from effdesk.ui.settings.connection_dialog import ConnectionTab

    return ConnectionTab(ctx)


class AccountTab(QWidget):
    """我的账户: who is logged in, with which roles; change one's own password."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        roles = "、".join(r.label for r in sorted(ctx.actor.roles, key=lambda r: r.value))
        layout.addWidget(QLabel(f"当前用户：{ctx.actor.label}（{ctx.actor.username}）"))
        layout.addWidget(QLabel(f"角色：{roles}"))
        self.change_button = QPushButton("修改密码…")
        self.change_button.setEnabled(ctx.actor.user_id is not None)
        self.change_button.clicked.connect(self.change_password)
        layout.addWidget(self.change_button)
        layout.addStretch(1)

    def change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.ctx.db, self.ctx.actor, self)
        dialog.open()
        return dialog


TABS: list[tuple[str, str, Permission | None, Callable[[AppContext], QWidget]]] = [
    ("users", "用户", Permission.MANAGE_USERS, UsersPage),
    ("audit", "审计日志", Permission.VIEW_AUDIT, AuditViewer),
    ("backup", "备份与恢复", Permission.BACKUP, BackupPage),
    ("office", "单位设置", None, OfficeSettingsWidget),
    ("holidays", "节假日", None, _holidays),
    ("account", "我的账户", None, AccountTab),
    ("connection", "数据库连接", Permission.MANAGE_SETTINGS, _connection),
]


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("settingsPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        layout.addWidget(self.tabs)
        self.keys: list[str] = []
        self.built: dict[str, QWidget] = {}
        self._holders: list[QVBoxLayout] = []
        for key, title, permission, _factory in TABS:
            if permission is not None and not ctx.can(permission):
                continue  # the tab would only say "no permission": leave it out
            self.keys.append(key)
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(6, 6, 6, 6)
            self._holders.append(box)
            self.tabs.addTab(holder, title)
        self.tabs.currentChanged.connect(self._build)
        self._build(self.tabs.currentIndex())

    def _build(self, index: int) -> None:
        if index < 0 or index >= len(self.keys):
            return
        key = self.keys[index]
        if key in self.built:
            return
        factory = next(f for k, _t, _p, f in TABS if k == key)
        widget = factory(self.ctx)
        self.built[key] = widget
        self._holders[index].addWidget(widget)

    def show_tab(self, key: str) -> QWidget:
        """Switch to tab ``key`` (building it) and return its widget."""
        index = self.keys.index(key)
        self.tabs.setCurrentIndex(index)
        self._build(index)
        return self.built[key]

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]


def create_page(ctx: AppContext) -> QWidget:
    return SettingsPage(ctx)
