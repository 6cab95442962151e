"""系统设置 → 数据库连接 and the start-up password prompt, through the real widgets.

The server-down cases need no server (a free loopback port); the others run when
``EFFDESK_TEST_PG_URL`` names a TCP server (wrong password: one that checks passwords).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from effdesk.auth import Actor
from effdesk.db import profile as profiles
from effdesk.db.engine import Database
from effdesk.db.profile import ConnectionProfile
from effdesk.security import keys
from effdesk.ui.context import AppContext
from effdesk.ui.settings import connection_dialog as cd
from effdesk.ui.settings import server_login as sl
from effdesk.ui.settings.page import SettingsPage

PG_URL = os.environ.get("EFFDESK_TEST_PG_URL", "")
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs EFFDESK_TEST_PG_URL")


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class NoKeyring(keyring.backend.KeyringBackend):
    priority = 0  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("none")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("none")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("none")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    sl._typed.clear()
    yield
    sl._typed.clear()


def _wipe() -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answer_modals(qtbot: QtBot, *steps: Callable[[QWidget], None]) -> list[str]:
    """Answer the next modal dialogs in turn (each step gets the dialog); returns their texts."""
    todo = list(steps)
    seen: list[str] = []

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None and todo:
            seen.append(modal.text() if isinstance(modal, QMessageBox) else modal.windowTitle())
            todo.pop(0)(modal)
        if todo:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def press(label: str) -> Callable[[QWidget], None]:
    def act(modal: QWidget) -> None:
        assert isinstance(modal, QMessageBox)
        button = next(b for b in modal.buttons() if b.text() == label)
        button.click()

    return act


def type_password(password: str, *, keep: bool = False) -> Callable[[QWidget], None]:
    def act(modal: QWidget) -> None:
        assert isinstance(modal, sl.PasswordDialog)
        modal.password.setText(password)
        modal.keep.setChecked(keep)
        modal.accept()

    return act


def fill(dialog: cd.ConnectionDialog, url: str, folder: Path) -> None:
    u = make_url(url)
    dialog.host.setText(u.host or "localhost")
    dialog.port.setValue(int(u.port or 5432))
    dialog.database.setText(u.database or "")
    dialog.user.setText(u.username or "")
    dialog.password.setText(u.password or "")
    dialog.folder.setText(str(folder))


@pytest.fixture
def dialog(qtbot: QtBot, memory_keyring: MemoryKeyring) -> cd.ConnectionDialog:
    from effdesk.ui.tasks import TaskRunner

    d = cd.ConnectionDialog(tasks=TaskRunner(synchronous=True))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


@pytest.fixture
def share(tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir()
    return folder


def test_admin_reaches_the_dialog_from_settings(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
    memory_keyring: MemoryKeyring,
) -> None:
    page = SettingsPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(page)
    tab = page.show_tab("connection")
    assert isinstance(tab, cd.ConnectionTab)
    assert "使用本机数据库文件" in tab.saved.text()
    assert ("本机数据库文件" if db.backend == "sqlite" else "数据库服务器") in tab.current.text()
    dialog = tab.open_dialog()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.windowTitle() == "数据库连接设置"
    dialog.reject()
    # Nobody but the admin gets the tab (the profile decides where everybody's data goes).
    clerk_page = SettingsPage(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(clerk_page)
    assert "数据库连接" not in clerk_page.tab_titles()


def test_missing_fields_are_shown_at_the_fields(dialog: cd.ConnectionDialog) -> None:
    dialog.host.setText("")
    dialog.folder.setText("")
    dialog.test_connection()
    assert "服务器地址" in dialog.form.error_text("host")
    assert "共享证据文件夹" in dialog.form.error_text("evidence_dir")
    assert dialog.status.text() == ""  # nothing was tried


def test_server_down_message_in_the_dialog(dialog: cd.ConnectionDialog, share: Path) -> None:
    port = _free_port()
    fill(dialog, f"postgresql+psycopg://effdesk:pw@127.0.0.1:{port}/effdesk", share)
    dialog.test_connection()
    text_shown = dialog.status.text()
    assert text_shown.startswith("测试未通过")
    assert f"127.0.0.1:{port}/effdesk" in text_shown and "服务器没有响应" in text_shown
    assert dialog.report is None and dialog.isVisible()


def test_save_writes_the_profile_and_keeps_the_password_in_the_keyring(
    qtbot: QtBot, dialog: cd.ConnectionDialog, memory_keyring: MemoryKeyring, share: Path
) -> None:
    fill(dialog, "postgresql+psycopg://effdesk:s3cret-口令@10.0.0.5:5433/office", share)
    # Not tested: the dialog asks first; then the confirmation.
    seen = answer_modals(qtbot, press("仍要保存"), _close)
    dialog.save()
    assert "还没有测试通过" in seen[0] and "系统密钥环" in seen[1]
    assert not dialog.isVisible()
    saved = profiles.load()
    assert saved == ConnectionProfile("10.0.0.5", 5433, "office", "effdesk", str(share))
    on_disk = profiles.profile_path().read_text(encoding="utf-8")
    assert "s3cret" not in on_disk and "password" not in json.loads(on_disk)
    assert keys.get_db_password(saved.url()) == "s3cret-口令"
    # Opening the dialog again shows the saved profile, the password from the keyring.
    again = cd.ConnectionDialog()
    qtbot.addWidget(again)
    assert again.host.text() == "10.0.0.5" and again.port.value() == 5433
    assert again.password.text() == "s3cret-口令"


def _close(modal: QWidget) -> None:
    assert isinstance(modal, QMessageBox)
    modal.accept()


def test_without_a_keyring_the_password_stays_in_memory(
    qtbot: QtBot, no_keyring: None, share: Path
) -> None:
    from effdesk.ui.tasks import TaskRunner

    dialog = cd.ConnectionDialog(tasks=TaskRunner(synchronous=True))
    qtbot.addWidget(dialog)
    assert not dialog.keep_password.isEnabled()
    assert "每次启动" in dialog.keep_password.text()
    fill(dialog, "postgresql+psycopg://effdesk:only-in-memory@10.0.0.5/office", share)
    answer_modals(qtbot, press("仍要保存"), _close)
    dialog.save()
    assert "每次启动 EffDesk 时输入" in dialog.saved_message
    assert "only-in-memory" not in profiles.profile_path().read_text(encoding="utf-8")


def test_back_to_the_local_file(qtbot: QtBot, memory_keyring: MemoryKeyring, share: Path) -> None:
    profile = ConnectionProfile("10.0.0.5", 5432, "office", "effdesk", str(share))
    profiles.save(profile)
    keys.store_db_password(profile.url(), "pw")
    dialog = cd.ConnectionDialog()
    qtbot.addWidget(dialog)
    answer_modals(qtbot, _close)
    dialog.use_local()
    assert profiles.load() is None
    assert keys.get_db_password(profile.url()) is None
    assert sl.server_url_at_start(None) == (None, True)  # the SQLite file again


def test_start_with_the_server_down_offers_retry_or_quit(
    qtbot: QtBot, memory_keyring: MemoryKeyring, share: Path
) -> None:
    port = _free_port()
    profile = ConnectionProfile("127.0.0.1", port, "office", "effdesk", str(share))
    profiles.save(profile)
    keys.store_db_password(profile.url(), "pw")
    seen = answer_modals(qtbot, press("重试"), press("退出"))
    assert sl.server_url_at_start(None) == (None, False)
    assert len(seen) == 2 and all("服务器没有响应" in s for s in seen)
    # --db still wins over the profile (a way back to a local file when the server is away).
    assert sl.server_url_at_start("sqlite:////tmp/x.sqlite") == ("sqlite:////tmp/x.sqlite", True)


@needs_pg
def test_test_button_passes_and_save_on_a_real_server(
    qtbot: QtBot, dialog: cd.ConnectionDialog, share: Path
) -> None:
    fill(dialog, PG_URL, share)
    dialog.test_connection()
    assert dialog.status.text().startswith("测试通过"), dialog.status.text()
    assert "PostgreSQL" in dialog.status.text() and str(share) in dialog.status.text()
    answer_modals(qtbot, _close)
    dialog.save()  # tested: no question
    assert profiles.load() is not None


@needs_pg
def test_missing_database_in_the_dialog(dialog: cd.ConnectionDialog, share: Path) -> None:
    fill(dialog, make_url(PG_URL).set(database="effdesk_no_such_db").render_as_string(False), share)
    dialog.test_connection()
    assert "没有名为「effdesk_no_such_db」的数据库" in dialog.status.text()


@pytest.fixture
def password_role() -> Iterator[tuple[str, str]]:
    role, password = "effdesk_pgconn_ui", "right-pw-2"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).first()
            conn.execute(
                text(f"{'ALTER' if exists else 'CREATE'} ROLE {role} LOGIN PASSWORD '{password}'")
            )
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"cannot create a test role: {exc}")
    probe = make_url(PG_URL).set(username=role, password="wrong")
    try:
        create_engine(probe).connect().close()
    except Exception:
        pass
    else:
        admin.dispose()
        pytest.skip("the test server does not ask for passwords (trust)")
    yield role, password
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@needs_pg
def test_wrong_password_in_the_dialog_and_at_start(
    qtbot: QtBot,
    dialog: cd.ConnectionDialog,
    share: Path,
    password_role: tuple[str, str],
    memory_keyring: MemoryKeyring,
) -> None:
    role, password = password_role
    _wipe()  # no EffDesk tables the test role may not read
    url = make_url(PG_URL).set(username=role, password="wrong")
    fill(dialog, url.render_as_string(False), share)
    dialog.test_connection()
    assert f"用户名「{role}」或密码不正确" in dialog.status.text()

    # At start: no password in the keyring → asked; a wrong one → asked again with the reason.
    u = make_url(PG_URL)
    profile = ConnectionProfile(
        u.host or "localhost", int(u.port or 5432), u.database or "", role, str(share)
    )
    profiles.save(profile)
    answers = answer_modals(qtbot, type_password("wrong"), type_password(password, keep=True))
    got, go_on = sl.server_url_at_start(None)
    assert go_on and got is not None and make_url(got).password == password
    assert len(answers) == 2
    assert keys.get_db_password(profile.url()) == password  # 记住密码 ticked the second time
    # The next start asks nothing: the keyring has it, and keeps it.
    sl._typed.clear()
    assert sl.server_url_at_start(None) == (got, True)
    assert keys.get_db_password(profile.url()) == password


@needs_pg
def test_start_without_keyring_asks_once_per_run(
    qtbot: QtBot, no_keyring: None, share: Path
) -> None:
    u = make_url(PG_URL)
    profile = ConnectionProfile(
        u.host or "localhost", int(u.port or 5432), u.database or "", u.username or "", str(share)
    )
    profiles.save(profile)
    answers = answer_modals(qtbot, type_password(u.password or ""))
    got, go_on = sl.server_url_at_start(None)
    assert go_on and got is not None and len(answers) == 1
    assert sl.server_url_at_start(None) == (got, True)  # 切换用户 in the same run: not asked
    assert not isinstance(QApplication.activeModalWidget(), QDialog)


@needs_pg
def test_older_server_schema_is_upgraded_only_when_the_admin_agrees(
    qtbot: QtBot, memory_keyring: MemoryKeyring, share: Path
) -> None:
    from alembic import command

    from effdesk.db.engine import alembic_config, current_revision, head_revision, open_database

    _wipe()
    engine = create_engine(PG_URL)
    command.upgrade(alembic_config(engine), "0009")  # what an older EffDesk left on the server
    u = make_url(PG_URL)
    profile = ConnectionProfile(
        u.host or "localhost", int(u.port or 5432), u.database or "", u.username or "", str(share)
    )
    profiles.save(profile)
    keys.store_db_password(profile.url(), u.password or "")

    asked = answer_modals(qtbot, press("退出"))
    assert sl.server_url_at_start(None) == (None, False)
    assert "架构版本 0009" in asked[0] and "其他电脑上尚未升级的 EffDesk" in asked[0]
    assert current_revision(engine) == "0009"  # nothing changed

    answer_modals(qtbot, press("升级"))
    url, go_on = sl.server_url_at_start(None)
    assert go_on and url is not None
    db = open_database(url)
    db.dispose()
    assert current_revision(engine) == head_revision()
    engine.dispose()
