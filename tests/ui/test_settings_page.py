"""系统设置 page: tabs per role, office settings saved and audited, backups from the page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, User
from effdesk.enums import AuditAction
from effdesk.security import backup
from effdesk.security.passwords import hash_password
from effdesk.ui.context import AppContext
from effdesk.ui.security.backup_page import BackupPage
from effdesk.ui.security.recovery_key_dialog import RecoveryKeyDialog
from effdesk.ui.settings.office_settings import OfficeSettingsWidget
from effdesk.ui.settings.page import SettingsPage, create_page


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[_MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = _MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("role", "tabs"),
    [
        (
            "admin",
            ["用户", "审计日志", "备份与恢复", "单位设置", "节假日", "我的账户", "数据库连接"],
        ),
        ("leader", ["审计日志", "单位设置", "节假日", "我的账户"]),
        ("clerk", ["单位设置", "节假日", "我的账户"]),
        ("inspector", ["单位设置", "节假日", "我的账户"]),
    ],
)
def test_tabs_follow_the_permission_matrix(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    role: str,
    tabs: list[str],
) -> None:
    page = create_page(make_ctx(ui_actors[role]))
    qtbot.addWidget(page)
    assert isinstance(page, SettingsPage)
    assert page.tab_titles() == tabs
    for key in page.keys:  # every tab builds
        assert page.show_tab(key) is not None


def test_holiday_tab_embeds_the_calendar_widget(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> None:
    calendar_dialog = pytest.importorskip("effdesk.ui.settings.calendar_dialog")
    page = SettingsPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(page)
    assert isinstance(page.show_tab("holidays"), calendar_dialog.CalendarYearsWidget)


def test_office_settings_saved_and_audited(
    db: Database,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
) -> None:
    widget = OfficeSettingsWidget(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(widget)
    name = widget.widgets["office.name"]
    name.setText("")  # type: ignore[union-attr]
    widget.save()
    assert "单位全称" in widget.form.error_text("office.name")
    name.setText("青山县机关效能建设领导小组办公室")  # type: ignore[union-attr]
    widget.widgets["backup.keep"].setValue(30)  # type: ignore[union-attr]
    widget.save()
    assert "已保存 2 项" in widget.status.text()
    with db.session() as s:
        assert settings.get(s, "office.name") == "青山县机关效能建设领导小组办公室"
        assert settings.get(s, "backup.keep") == 30
        logged = s.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == AuditAction.SETTINGS)
        ).all()
        assert any("office.name" in x for x in logged)


def test_office_settings_read_only_for_clerk(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> None:
    widget = OfficeSettingsWidget(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(widget)
    assert not widget.save_button.isEnabled()
    assert not widget.widgets["office.name"].isEnabled()


def test_backup_page_backup_key_and_restore(
    db: Database,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    memory_keyring: _MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with db.session() as s:
        admin = s.get(User, ui_actors["admin"].user_id)
        assert admin is not None
        admin.password_hash = hash_password("admin-password-1")
    ctx = make_ctx(ui_actors["admin"])
    page = BackupPage(ctx)
    qtbot.addWidget(page)
    assert page.table.rowCount() == 0
    assert "密钥环" in page.info.text()
    if db.backend != "sqlite":  # a server database: backed up as a snapshot of its rows
        assert "服务器数据库" in page.info.text()
    page.backup_now(None)  # synchronous tasks in tests
    assert page.last_result is not None and page.last_result.path.exists()
    assert page.table.rowCount() == 1
    dialog = page.key_dialog  # first backup: a new key, its recovery key shown
    assert isinstance(dialog, RecoveryKeyDialog)
    saved = dialog.save_sheet(str(Path(str(page.folder)) / "key.txt"))
    assert saved is not None and dialog.recovery_key in saved.read_text(encoding="utf-8")
    recovery = dialog.recovery_key
    dialog.close()
    page.key_dialog = None
    # Showing the key again asks for the password.
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    assert page.show_recovery_key("wrong-password") is None
    again = page.show_recovery_key("admin-password-1")
    assert again is not None and again.recovery_key == recovery
    again.close()
    # Restore from the page (the app would restart afterwards; here we record it).
    restored: list[backup.RestoreResult] = []
    page.on_restored = lambda _w, r: restored.append(r)
    page.table.selectRow(0)
    restore_dialog = page.restore(None)
    assert restore_dialog.file_edit.text() == str(page.last_result.path)
    restore_dialog.restore_button.click()
    assert restored and restored[0].kept_database is not None
    QApplication.processEvents()


def test_daily_backup_at_start(
    db: Database,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    memory_keyring: _MemoryKeyring,
) -> None:
    from PySide6.QtWidgets import QMainWindow

    from effdesk.paths import backup_dir
    from effdesk.ui.security.daily_backup import start_daily_backup

    window = QMainWindow()
    qtbot.addWidget(window)
    # A clerk starts first: no key yet, so nothing is written and no key is made.
    start_daily_backup(make_ctx(ui_actors["clerk"]), window)
    assert list(backup_dir().glob("*.effbak")) == []
    assert "未自动备份" not in window.statusBar().currentMessage()  # only admins are told
    # The admin starts: the key is made, the recovery key shown, the backup written.
    start_daily_backup(make_ctx(ui_actors["admin"]), window)
    archives = list(backup_dir().glob("*-auto-*.effbak"))
    assert len(archives) == 1
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, RecoveryKeyDialog)]
    assert shown and shown[-1].isVisible()
    for w in shown:
        w.close()
    # Later the same day: nothing more.
    start_daily_backup(make_ctx(ui_actors["clerk"]), window)
    assert list(backup_dir().glob("*-auto-*.effbak")) == archives
