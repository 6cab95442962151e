"""备份 on a PC without a system keyring (many UOS / Kylin desktops): the page offers a key file
(on a USB stick) in the GUI instead of sending the admin to the command line or to apt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from effdesk.auth import Actor
from effdesk.security import keys
from effdesk.ui.context import AppContext
from effdesk.ui.security.backup_page import BackupPage

# The backup archive is made of the SQLite file today (backup of a PostgreSQL office: issue 17,
# security/backup.py); drop this mark when backup.py takes a server database.


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the keyring must not be asked")

    monkeypatch.setattr(keys, "keyring_available", lambda: False)
    monkeypatch.setattr(keys, "get_backup_key", refuse)
    monkeypatch.setattr(keys, "store_backup_key", refuse)


def test_backup_with_a_key_file_chosen_in_the_gui(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
    tmp_path: Path,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    page = BackupPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(page)
    text = page.info.text()
    assert "密钥文件…" in text and "sudo" not in text and "--key-file" not in text
    assert page.key_file_button.isEnabled() and page.backup_button.isEnabled()

    usb = tmp_path / "U盘" / "effdesk-backup.key"
    page.choose_key_file(usb)
    assert str(usb) in page.info.text()
    page.backup_now(None)
    assert page.last_result is not None and page.last_result.path.exists()
    assert usb.exists()  # made on first use, its recovery key shown
    assert page.key_dialog is not None
    page.key_dialog.close()

    # The choice is remembered on this PC, and the same key serves the next backup.
    again = BackupPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(again)
    assert again.key_file == usb
    before = usb.read_bytes()
    again.backup_now(None)
    assert usb.read_bytes() == before
    assert len(again.archives()) == 2
    assert told and "备份完成" in told[-1]


def test_the_daily_backup_uses_the_offices_key_file(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
    tmp_path: Path,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from effdesk.security import backup

    monkeypatch.setattr(QMessageBox, "information", lambda *_a, **_k: None)
    ctx = make_ctx(ui_actors["admin"])
    page = BackupPage(ctx)
    qtbot.addWidget(page)
    usb = tmp_path / "U盘" / "effdesk-backup.key"
    page.choose_key_file(usb)
    page.backup_now(None)
    assert page.key_dialog is not None
    page.key_dialog.close()
    # The automatic backup at the next start finds the same key without a keyring.
    result = backup.maybe_daily_backup(ctx.db, allow_create_key=False)
    assert result.path is not None and result.path.exists(), result.skipped
