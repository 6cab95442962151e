"""GUI security: login (first run, lockout, forced change), users admin, audit viewer,
the corrupt-database start, and the two-instance edit conflict on a real dialog."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from effdesk.auth import Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Unit, User
from effdesk.enums import AuditAction, Role
from effdesk.errors import DatabaseCorrupt
from effdesk.paths import backup_dir
from effdesk.security import backup
from effdesk.services import users
from effdesk.ui import app as app_module
from effdesk.ui.context import AppContext
from effdesk.ui.security.audit_viewer import AuditViewer
from effdesk.ui.security.change_password_dialog import ChangePasswordDialog
from effdesk.ui.security.login_dialog import LoginDialog
from effdesk.ui.security.restore_dialog import CorruptDatabaseDialog, RestoreDialog
from effdesk.ui.security.users_page import UserDialog, UsersPage


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


def _later(action: Callable[[], None]) -> None:
    """Run ``action`` once the next (nested) event loop is running, e.g. inside exec()."""
    QTimer.singleShot(0, action)


def _modal() -> QWidget:
    w = QApplication.activeModalWidget()
    assert w is not None
    return w


# --------------------------------------------------------------------------- login


def test_first_run_login_forces_password_change(db: Database, qtbot: QtBot) -> None:
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.first_run_password is not None
    assert dialog.first_run_box.isVisibleTo(dialog)
    assert dialog.first_run_password in dialog.first_run_label.text()
    assert dialog.username_edit.text() == "admin"
    dialog.password_edit.setText(dialog.first_run_password)
    seen: dict[str, Any] = {}

    def change() -> None:
        change_dialog = dialog.change_dialog
        assert isinstance(change_dialog, ChangePasswordDialog)
        seen["forced"] = change_dialog.forced
        # Too short first: the dialog stays, with the message at the field.
        change_dialog.new_edit.setText("short")
        change_dialog.confirm_edit.setText("short")
        change_dialog.submit()
        seen["error"] = change_dialog.form.error_text("new_password")
        change_dialog.new_edit.setText("县效能办2026")
        change_dialog.confirm_edit.setText("县效能办2026")
        change_dialog.submit()

    _later(change)
    dialog.login_button.click()
    assert seen["forced"] is True and "8" in seen["error"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.roles == frozenset({Role.ADMIN})
    with db.session() as s:
        assert not users.must_change_password(s, dialog.actor)
        users.authenticate(s, "admin", "县效能办2026")


def test_wrong_password_message_and_no_accept(db: Database, qtbot: QtBot) -> None:
    with db.session() as s:
        users.bootstrap_admin(s)
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    assert not dialog.first_run_box.isVisibleTo(dialog)  # shown only once, at creation
    dialog.username_edit.setText("admin")
    dialog.password_edit.setText("not-the-password")
    dialog.login_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.actor is None
    assert "用户名或密码不正确" in dialog.error_label.text()
    assert dialog.password_edit.text() == ""
    dialog.username_edit.setText("nobody")
    dialog.password_edit.setText("whatever-pw")
    first = dialog.error_label.text()
    dialog.login_button.click()
    assert dialog.error_label.text() == first  # same message for an unknown user


def test_refusing_the_forced_change_does_not_log_in(db: Database, qtbot: QtBot) -> None:
    with db.session() as s:
        password = users.bootstrap_admin(s)
    assert password
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.username_edit.setText("admin")
    dialog.password_edit.setText(password)
    _later(lambda: dialog.change_dialog.reject() if dialog.change_dialog else None)
    dialog.login_button.click()
    assert dialog.actor is None and dialog.result() != QDialog.DialogCode.Accepted
    assert "必须先修改密码" in dialog.error_label.text()


def test_app_login_hook_uses_login_dialog(db: Database, qtbot: QtBot) -> None:
    with db.session() as s:
        admin = users.bootstrap_admin(s)
        assert admin
        actor = users.authenticate(s, "admin", admin)
        users.change_password(s, actor, admin, "管理员的新密码01")

    def fill() -> None:
        w = _modal()
        assert isinstance(w, LoginDialog)
        w.username_edit.setText("admin")
        w.password_edit.setText("管理员的新密码01")
        w.login_button.click()

    _later(fill)
    logged = app_module.login(db)
    assert logged is not None and logged.username == "admin"


# --------------------------------------------------------------------------- users admin


def test_users_page_add_reset_deactivate(
    db: Database, qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict
) -> None:
    page = UsersPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(page)
    assert page.table.rowCount() == 4
    dialog = page.add_user()
    assert isinstance(dialog, UserDialog)
    dialog.username_edit.setText("Zhao")
    dialog.name_edit.setText("赵六")
    dialog.submit()  # no role yet
    assert "角色" in dialog.form.error_text("roles")
    dialog.role_checks[Role.CLERK].setChecked(True)
    dialog.role_checks[Role.LEADER].setChecked(True)
    dialog.submit()
    qtbot.waitUntil(lambda: page.last_box is not None)
    box = page.last_box
    assert box is not None and "zhao" in box.text()
    one_time = box.text().split("\n")[-1].strip()
    box.close()
    with db.session() as s:
        actor = users.authenticate(s, "zhao", one_time)
        assert actor.roles == frozenset({Role.CLERK, Role.LEADER})
    page.select_username("zhao")
    page.reset_password()
    new_box = page.last_box
    assert new_box is not None and new_box is not box
    temp = new_box.text().split("\n")[-1].strip()
    assert temp != one_time
    page.toggle_active()
    with db.session() as s:
        u = s.scalar(select(User).where(User.username == "zhao"))
        assert u is not None and not u.active
    with pytest.raises(users.LoginFailed), db.session() as s:
        users.authenticate(s, "zhao", temp)


def test_users_page_empty_for_non_admin(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict
) -> None:
    page = UsersPage(make_ctx(ui_actors["leader"]))
    qtbot.addWidget(page)
    assert page.table.rowCount() == 0
    assert not page.add_button.isEnabled()


# --------------------------------------------------------------------------- audit viewer


def test_audit_viewer_filters_details_and_tamper_check(
    db: Database,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict,
    directory_data: Any,
) -> None:
    viewer = AuditViewer(make_ctx(ui_actors["leader"]))
    qtbot.addWidget(viewer)
    total = viewer.model.total
    assert total >= 9  # the directory fixture wrote units and persons
    assert "共" in viewer.status.text()
    viewer.text_edit.setText("县公安局")
    viewer.refresh()
    assert 0 < viewer.model.total < total
    index = viewer.model.index(0, 0)
    viewer.table.setCurrentIndex(index)
    assert "县公安局" in viewer.detail.toPlainText()
    viewer.text_edit.clear()
    viewer.set_action(AuditAction.LOGIN)
    viewer.refresh()
    assert viewer.model.total == 0
    # Tamper with an entry directly in the database: the check names it.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'x' WHERE seq = 3"))
    viewer.verify_chain()
    assert "第3条" in viewer.last_result


def test_audit_viewer_refuses_clerk(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict
) -> None:
    viewer = AuditViewer(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(viewer)
    assert viewer.model.rowCount() == 0
    assert "只有领导和系统管理员" in viewer.status.text()


# --------------------------------------------------------------------------- corrupt database


def _corrupt_file(tmp_path: Path) -> tuple[str, Path, bytes]:
    path = tmp_path / "office" / "effdesk.sqlite"
    path.parent.mkdir(parents=True)
    garbage = b"SQLite format 3\x00" + bytes(range(256)) * 64
    path.write_bytes(garbage)
    return f"sqlite:///{path}", path, garbage


def test_corrupt_database_start_shows_dialog_and_touches_nothing(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path, garbage = _corrupt_file(tmp_path)
    monkeypatch.setattr(app_module, "_corrupt_handler", None)
    seen: dict[str, str] = {}

    def answer() -> None:
        w = _modal()
        assert isinstance(w, CorruptDatabaseDialog)
        seen["text"] = w.message.text()
        seen["latest"] = w.latest_label.text()
        w.quit_button.click()

    _later(answer)
    assert app_module.open_database_interactive(url) is None
    assert "损坏" in seen["text"] and "不会修改或覆盖" in seen["text"]
    assert "没有找到备份" in seen["latest"]
    assert path.read_bytes() == garbage  # untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["effdesk.sqlite"]


def test_corrupt_database_start_restores_latest_backup_keeping_the_damaged_file(
    tmp_path: Path, qtbot: QtBot, memory_keyring: _MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A good database with a backup in the default backup folder …
    good_url = f"sqlite:///{tmp_path / 'good' / 'effdesk.sqlite'}"
    good = open_database(good_url, create=True)
    with good.session() as s:
        users.bootstrap_admin(s)
    choice = backup.backup_key(good)
    archive = backup.create_backup(good, backup_dir(), choice.key).path
    good.dispose()
    # … and this PC's database is now garbage.
    url, path, garbage = _corrupt_file(tmp_path)
    monkeypatch.setattr(app_module, "_corrupt_handler", None)
    seen: dict[str, Any] = {}

    def restore_step() -> None:
        w = _modal()
        assert isinstance(w, RestoreDialog)
        assert w.file_edit.text() == str(archive)
        assert w.source_keyring.isChecked()
        w.restore_button.click()

    def corrupt_step() -> None:
        w = _modal()
        assert isinstance(w, CorruptDatabaseDialog)
        seen["latest"] = w.latest_label.text()
        _later(restore_step)
        w.restore_latest_button.click()

    _later(corrupt_step)
    restored = app_module.open_database_interactive(url)
    assert restored is not None
    try:
        assert archive.name in seen["latest"]
        with restored.session() as s:
            assert s.scalar(select(User.username)) == "admin"
    finally:
        restored.dispose()
    kept = [p for p in path.parent.iterdir() if "before-restore" in p.name and p.is_file()]
    assert len(kept) == 1 and kept[0].read_bytes() == garbage


def test_corrupt_database_dialog_function(tmp_path: Path, qtbot: QtBot) -> None:
    from effdesk.ui.security.restore_dialog import corrupt_database_dialog

    url, path, garbage = _corrupt_file(tmp_path)
    _later(lambda: _modal().reject())
    assert corrupt_database_dialog(None, DatabaseCorrupt("数据库文件已损坏"), url) is False
    assert path.read_bytes() == garbage


# --------------------------------------------------------------------------- two instances


def test_two_instances_edit_one_unit_second_save_refused(
    db: Database,
    qtbot: QtBot,
    ui_actors: dict,
    directory_data: Any,
) -> None:
    unit_dialog = pytest.importorskip("effdesk.ui.directory.unit_dialog")
    from effdesk.security.concurrency import translate_stale
    from effdesk.services.audit_view import redaction_for
    from effdesk.ui.tasks import TaskRunner

    # Two EffDesk instances: two engines on the same file, two users.
    other_db = open_database(db.url)
    ctx_a = AppContext(db=db, actor=ui_actors["clerk"], tasks=TaskRunner(synchronous=True))
    ctx_b = AppContext(db=other_db, actor=ui_actors["leader"], tasks=TaskRunner(synchronous=True))
    unit_id = directory_data.units["县公安局"]

    class AuditedUnitDialog(unit_dialog.UnitDialog):  # type: ignore[misc,name-defined]
        """The real dialog, its save wrapped as services should: conflicts name the change."""

        def save(self, session: Any, values: dict, expected_version: int | None) -> int:
            with translate_stale(
                session, "单位「县公安局」", object_uuid=uuid, redact=redaction_for(self.ctx.actor)
            ):
                return int(super().save(session, values, expected_version))

    with db.session() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        uuid = unit.uuid
    try:
        first = AuditedUnitDialog(ctx_a, unit_id)
        second = AuditedUnitDialog(ctx_b, unit_id)
        qtbot.addWidget(first)
        qtbot.addWidget(second)
        for d in (first, second):
            d.show()
            qtbot.waitExposed(d)
        first.contact_person_edit.setText("张科长")
        second.contact_person_edit.setText("李主任")
        first.submit()
        assert first.result() == QDialog.DialogCode.Accepted
        second.submit()
        box = second.conflict_box
        assert isinstance(box, QMessageBox)
        qtbot.waitExposed(box)
        assert "其他人修改" in box.text()
        info = box.informativeText()
        assert "clerk" in info and "张科长" in info  # who changed what
        assert "李主任" in box.detailedText()  # the user's input is shown, not lost
        assert second.contact_person_edit.text() == "李主任"
        assert second.result() != QDialog.DialogCode.Accepted
        # The box stays open (qtbot closes the dialogs): closing it by its 继续编辑 button
        # inside pytest-qt crashes PySide 6.9 at teardown (not reproducible outside pytest).
        with db.session() as s:
            assert s.scalar(select(Unit.contact_person).where(Unit.id == unit_id)) == "张科长"
    finally:
        other_db.dispose()
