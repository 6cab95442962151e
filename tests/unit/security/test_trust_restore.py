"""Issue 18, defects 1, 2 and 6: a restore that cannot lose work, survives a kill at every step
of its swap, and leaves no plaintext behind.

Every "other EffDesk" here is a real second process.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select
from trust_helpers import (
    AFTER_BACKUP_UNIT,
    Office,
    blobs_on_disk,
    copy_office,
    make_office,
    unit_names,
)

from effdesk import audit
from effdesk.commands import CommandContext
from effdesk.db.engine import open_database
from effdesk.db.models import AuditEntry
from effdesk.errors import EffDeskError
from effdesk.evidence.store import EvidenceStore
from effdesk.security import backup
from effdesk.services.evidence import verify_files

# Spelled out (not imported) so that these tests run, and fail, on code without them too.
CRASH_ENV = "EFFDESK_CRASH_AT"
SWAP_STEPS = (
    "unpacked",
    "staged",
    "journal",
    "old-wal",
    "old-shm",
    "old-journal",
    "old-db",
    "old-files",
    "new-db",
    "new-files",
    "done",
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills processes with SIGKILL")

HOLDER = """
import sys
from effdesk.auth import SYSTEM
from effdesk.db.engine import open_database
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.services import directory

db = open_database(sys.argv[1])
print("READY", flush=True)
for line in sys.stdin:
    try:
        with db.session() as s:
            directory.create_unit(
                s, SYSTEM,
                directory.UnitInput(line.strip(), UnitKind.TOWN, AssessmentCategory.SECOND),
            )
        print("SAVED", flush=True)
    except Exception as exc:
        print("REFUSED", type(exc).__name__, str(exc).replace(chr(10), " "), flush=True)
db.dispose()
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Office:
    return make_office(tmp_path_factory.mktemp("template") / "office")


@pytest.fixture
def office(template: Office, tmp_path: Path) -> Office:
    return copy_office(template, tmp_path / "office")


def _holder(url: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "READY", proc.stderr.read() if proc.stderr else ""
    return proc


def _save(proc: subprocess.Popen[str], name: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(name + "\n")
    proc.stdin.flush()
    return str(proc.stdout.readline().strip())


def _close(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()


# --------------------------------------------------------------------------- defect 1


def test_restore_refused_while_another_effdesk_has_the_database_open(office: Office) -> None:
    other = _holder(office.url)
    try:
        before = office.db_path.read_bytes()
        with pytest.raises(EffDeskError) as refused:
            backup.restore_backup(office.archive, office.key, office.url, remember_key=False)
        message = str(refused.value)
        assert f"进程号 {other.pid}" in message and socket.gethostname() in message, message
        assert "请先关闭" in message
        assert office.db_path.read_bytes() == before
        assert not list(office.folder.glob("*.before-restore-*"))
        # The other EffDesk keeps working, into the live database.
        assert _save(other, "第二个窗口新增") == "SAVED"
        assert "第二个窗口新增" in unit_names(office.url)
    finally:
        _close(other)
        other.wait(timeout=60)
    # Closed: now the restore goes ahead.
    backup.restore_backup(office.archive, office.key, office.url, remember_key=False)
    assert AFTER_BACKUP_UNIT not in unit_names(office.url)


def test_restore_from_the_command_line_names_the_holder(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    from effdesk.cli import main

    key_file = office.folder.parent / "k.key"
    from effdesk.security import keys

    keys.write_key_file(key_file, office.key)
    other = _holder(office.url)
    try:
        rc = main(["--db", office.url, "restore", str(office.archive), "--key-file", str(key_file)])
        err = capsys.readouterr().err
        assert rc == 2 and f"进程号 {other.pid}" in err, err
    finally:
        _close(other)
        other.wait(timeout=60)


def test_a_killed_effdesk_does_not_block_a_restore(office: Office) -> None:
    other = _holder(office.url)
    os.kill(other.pid, signal.SIGKILL)
    other.wait(timeout=60)
    # Its presence entry is still there, but its process is gone: stale, ignored, removed.
    assert list((office.folder / "effdesk.sqlite.open").glob("*.json"))
    backup.restore_backup(office.archive, office.key, office.url, remember_key=False)
    assert not list((office.folder / "effdesk.sqlite.open").glob("*.json"))
    assert AFTER_BACKUP_UNIT not in unit_names(office.url)


def test_effdesk_whose_database_was_replaced_stops_writing(office: Office) -> None:
    """Replaced behind its back (an older EffDesk, a file copied by hand): no save may go into
    the file that is no longer the database."""
    other = _holder(office.url)
    try:
        assert _save(other, "替换前") == "SAVED"
        # Replace the database the way the old restore did: rename aside, new file in.
        aside = office.db_path.with_name("effdesk.sqlite.by-hand")
        fresh = office.folder / "fresh.sqlite"
        con, out = sqlite3.connect(office.db_path), sqlite3.connect(fresh)
        con.backup(out)
        con.close()
        out.close()
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{office.db_path}{suffix}")
            if p.exists():
                os.replace(p, f"{aside}{suffix}")
        os.replace(fresh, office.db_path)
        reply = _save(other, "替换后")
        assert reply.startswith("REFUSED DatabaseReplaced") and "已被替换" in reply, reply
        assert "替换后" not in unit_names(office.url)
        con = sqlite3.connect(aside)
        assert not con.execute("SELECT count(*) FROM units WHERE name='替换后'").fetchone()[0]
        con.close()
    finally:
        _close(other)
        other.wait(timeout=60)


# --------------------------------------------------------------------------- defect 2

RESTORE_CHILD = """
import sys
from pathlib import Path
from effdesk.security import backup
backup.restore_backup(Path(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3], remember_key=False)
print("DONE", flush=True)
"""

WAL_WRITER = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=WAL")
con.execute("UPDATE units SET notes='wal-marker' WHERE name=?", (sys.argv[2],))
con.commit()
os._exit(0)  # a crashed EffDesk: its last write lives only in the -wal file
"""


def _leave_wal(office: Office) -> None:
    subprocess.run(
        [sys.executable, "-c", WAL_WRITER, str(office.db_path), AFTER_BACKUP_UNIT], check=True
    )
    assert Path(f"{office.db_path}-wal").stat().st_size > 0


def _state_after_next_start(office: Office) -> str:
    """Open as the next start does; return "old" or "new" after checking it is whole."""
    ctx = CommandContext(office.url)
    db = ctx.database()
    try:
        with db.session() as s:
            assert audit.verify_chain(s) == []
            assert verify_files(s, EvidenceStore(db.files_dir)) == []
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            notes = conn.exec_driver_sql(
                "SELECT notes FROM units WHERE name = ?", (AFTER_BACKUP_UNIT,)
            ).scalar()
    finally:
        ctx.close()
    assert not office.db_path.with_name("effdesk.sqlite.restore-journal.json").exists()
    assert not list(office.folder.glob(".effdesk-restore-*")), "decrypted staging left behind"
    on_disk = blobs_on_disk(office.files_dir)
    if notes is not None:
        assert notes == "wal-marker"  # the old database kept its WAL
        assert on_disk == office.blobs_after
        assert last is not None and last.action.value != "restore"
        return "old"
    assert on_disk == office.blobs_at_backup
    assert last is not None and last.action.value == "restore"
    (kept,) = [
        p
        for p in office.folder.glob("effdesk.sqlite.before-restore-*")
        if not p.name.endswith(("-wal", "-shm"))
    ]
    con = sqlite3.connect(kept)
    assert con.execute(
        "SELECT notes FROM units WHERE name = ?", (AFTER_BACKUP_UNIT,)
    ).fetchone() == ("wal-marker",)
    con.close()
    kept_files = next(office.folder.glob(f"{office.files_dir.name}.before-restore-*"))
    assert blobs_on_disk(kept_files) == office.blobs_after
    return "new"


@pytest.mark.parametrize("step", SWAP_STEPS)
def test_restore_killed_at_every_step_leaves_old_or_new_whole(office: Office, step: str) -> None:
    _leave_wal(office)
    proc = subprocess.run(
        [sys.executable, "-c", RESTORE_CHILD, str(office.archive), office.key.hex(), office.url],
        env={**os.environ, CRASH_ENV: step},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if step == "old-journal":  # no rollback journal beside a WAL database: nothing to kill at
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    expected = "old" if step in ("unpacked", "staged") else "new"
    assert _state_after_next_start(office) == expected


# --------------------------------------------------------------------------- defect 6

BACKUP_CHILD = """
import sys
from pathlib import Path
from effdesk.db.engine import open_database
from effdesk.security import backup
db = open_database(sys.argv[1])
backup.create_backup(db, Path(sys.argv[2]), bytes.fromhex(sys.argv[3]))
"""


def test_killed_backup_leaves_no_plaintext_in_the_destination(office: Office) -> None:
    dest = office.folder.parent / "usb"
    proc = subprocess.run(
        [sys.executable, "-c", BACKUP_CHILD, office.url, str(dest), office.key.hex()],
        env={**os.environ, CRASH_ENV: "backup-snapshot"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # The plaintext snapshot never went to the (removable, shared) destination …
    assert not [p for p in dest.rglob("*") if p.suffix == ".sqlite"] if dest.exists() else True
    private = office.folder / ".effdesk-tmp"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert list(private.glob("backup-*.sqlite"))
    # … and the copy in the private folder is gone at the next start.
    CommandContext(office.url).database().dispose()
    assert not list(private.iterdir())


def test_next_backup_removes_plaintext_left_by_an_older_version(office: Office) -> None:
    dest = office.folder.parent / "bk2"
    dest.mkdir()
    left = dest / ".effdesk-backup-999999999-20260101000000.sqlite"
    left.write_bytes(office.db_path.read_bytes())
    db = open_database(office.url)
    try:
        result = backup.create_backup(db, dest, office.key)
    finally:
        db.dispose()
    assert not left.exists()
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600


def test_killed_restore_leaves_no_decrypted_copy_after_the_next_start(office: Office) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", RESTORE_CHILD, str(office.archive), office.key.hex(), office.url],
        env={**os.environ, CRASH_ENV: "unpacked"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    (staging,) = office.folder.glob(".effdesk-restore-*")
    assert (staging / "database.sqlite").is_file()
    assert stat.S_IMODE(staging.stat().st_mode) == 0o700
    CommandContext(office.url).database().dispose()
    assert not staging.exists()


def test_import_leftovers_and_orphans_removed_at_start_and_not_backed_up(office: Office) -> None:
    """What a killed field import leaves: an unpacked package in tmp/ and stored blobs that no
    row refers to (the transaction that would have referenced them died with the process)."""
    store = EvidenceStore(office.files_dir)
    unpacked = store.tmp / "import-abc123"
    unpacked.mkdir(parents=True)
    (unpacked / ("0" * 64)).write_bytes(b"x" * 100_000)
    orphan = store.put_bytes(b"imported but never committed" * 1000).sha256
    CommandContext(office.url).database().dispose()
    assert not unpacked.exists()
    assert not store.exists(orphan)
    assert blobs_on_disk(office.files_dir) == office.blobs_after


def test_new_database_key_file_and_folders_are_private(tmp_path: Path) -> None:
    from effdesk.paths import backup_dir, data_dir
    from effdesk.security import keys

    db = open_database(f"sqlite:///{tmp_path / 'new' / 'effdesk.sqlite'}", create=True)
    db.dispose()
    assert stat.S_IMODE((tmp_path / "new" / "effdesk.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    key_file = tmp_path / "effdesk.key"
    keys.write_key_file(key_file, keys.generate_key())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    fresh = data_dir() / "sub"
    os.environ["EFFDESK_DATA_DIR"] = str(fresh)
    try:
        assert stat.S_IMODE(data_dir().stat().st_mode) == 0o700
        assert stat.S_IMODE(backup_dir().stat().st_mode) == 0o700
    finally:
        os.environ["EFFDESK_DATA_DIR"] = str(fresh.parent)


def test_interrupted_swap_whose_staged_data_vanished_is_rolled_back(office: Office) -> None:
    _leave_wal(office)
    proc = subprocess.run(
        [sys.executable, "-c", RESTORE_CHILD, str(office.archive), office.key.hex(), office.url],
        env={**os.environ, CRASH_ENV: "old-files"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    assert not office.db_path.exists()  # moved aside, the new one not yet in
    (staging,) = office.folder.glob(".effdesk-restore-*")
    import shutil

    shutil.rmtree(staging)  # e.g. removed by a clean-up tool
    assert _state_after_next_start(office) == "old"


def test_the_step_names_are_those_of_the_swap() -> None:
    from effdesk.db.restore_journal import CRASH_ENV as env
    from effdesk.db.restore_journal import SWAP_STEPS as steps

    assert (env, steps) == (CRASH_ENV, SWAP_STEPS)
