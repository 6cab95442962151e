"""Issue 18 in the GUI: the restore dialog refuses while another EffDesk (a real second
process) has the database open; the first start creates the database, a vanished one is not
silently recreated."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from effdesk.auth import SYSTEM
from effdesk.db.engine import Database
from effdesk.db.models import Unit
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.paths import backup_dir, default_db_path
from effdesk.security import backup, keys
from effdesk.services import directory
from effdesk.ui import app as app_module
from effdesk.ui.security.restore_dialog import RestoreDialog
from effdesk.ui.tasks import TaskRunner

HOLDER = """
import sys
from effdesk.db.engine import open_database
db = open_database(sys.argv[1])
print("READY", flush=True)
sys.stdin.read()
db.dispose()
"""


def _units(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Unit)) or 0)


def test_restore_dialog_refuses_while_another_effdesk_is_open(
    db: Database, qtbot: QtBot, tmp_path: Path
) -> None:
    key = keys.generate_key()
    key_file = tmp_path / "k.key"
    keys.write_key_file(key_file, key)
    archive = backup.create_backup(db, tmp_path / "bk", key).path
    with db.session() as s:
        directory.create_unit(
            s, SYSTEM, directory.UnitInput("备份后新增", UnitKind.TOWN, AssessmentCategory.SECOND)
        )
    other = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), db.url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    assert other.stdout.readline().strip() == "READY"
    dialog = RestoreDialog(
        None,
        db.url,
        archive,
        tasks=TaskRunner(synchronous=True),
        before_restore=db.dispose,
        after_failure=db.hold_again,
    )
    qtbot.addWidget(dialog)
    dialog.source_file.setChecked(True)
    dialog.key_file_edit.setText(str(key_file))
    try:
        dialog.restore_button.click()
        text = dialog.error_label.text()
        assert f"进程号 {other.pid}" in text and "请先关闭" in text, text
        assert dialog.result_ is None
        # This window goes on working on the unchanged database, holding it again (SQLite:
        # the file hold; a server database needs none).
        assert db.hold is not None or db.backend != "sqlite"
        assert _units(db) == 1
    finally:
        other.stdin.close()
        other.wait(timeout=60)
    dialog.restore_button.click()
    assert dialog.result_ is not None, dialog.error_label.text()


def test_first_start_creates_the_database_a_vanished_one_is_refused(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(app_module, "startup_error", lambda t, m, p=None: shown.append((t, m)))
    path = default_db_path()
    assert not path.exists()
    db = app_module.open_database_interactive(None)  # the first start on this PC
    assert db is not None and not shown
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = keys.generate_key()
    backup.create_backup(db, backup_dir(), key)
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    # The database vanished, but backups show this PC had one: not a first start.
    assert app_module.open_database_interactive(None) is None
    assert shown and shown[0][0] == "找不到数据库" and str(path) in shown[0][1]
    assert not path.exists()
    assert os.listdir(backup_dir())
