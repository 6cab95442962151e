"""Backup and restore of a PostgreSQL office: the same archive format and the same round-trip
guarantees as SQLite (row counts and evidence hashes identical after restore); restore refused
while other sessions are connected. Runs when ``EFFDESK_TEST_PG_URL`` is set."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from effdesk.auth import SYSTEM
from effdesk.cli import main
from effdesk.db import copy as dbcopy
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry, Unit
from effdesk.db.presence import DatabaseInUse
from effdesk.demo.generator import build_demo
from effdesk.enums import AssessmentCategory, AuditAction, UnitKind
from effdesk.errors import PermissionDenied
from effdesk.security import backup, keys
from effdesk.security.backup import archive as archive_format
from effdesk.services import directory

PG_URL = os.environ.get("EFFDESK_TEST_PG_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="EFFDESK_TEST_PG_URL not set"),
]
STATS = ["stats", "--from", "2025-12-01", "--to", "2026-11-30", "--as-of", "2026-11-30", "--json"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("office") / "office.sqlite"
    db = open_database(f"sqlite:///{path}", create=True)
    try:
        build_demo(db, complaints=40, today=date(2026, 11, 30))
    finally:
        db.dispose()
    return path


@pytest.fixture
def pg_office(template: Path) -> str:
    """The demo office on the server, with its evidence in the server's evidence folder."""
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    dbcopy.copy_database(f"sqlite:///{template}", PG_URL)
    return PG_URL


def _facts(url: str) -> dict[str, object]:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            counts = dbcopy.row_counts(conn)
            units = sorted(conn.execute(select(Unit.name)).scalars())
        blobs = {sha: db.evidence.verify_blob(sha) for sha in db.evidence.iter_blobs()}
    finally:
        db.dispose()
    return {"counts": counts, "units": units, "blobs": blobs}


def _change_after_backup(url: str) -> None:
    db = open_database(url)
    try:
        with db.session() as s:
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput("备份后新增", UnitKind.TOWN, AssessmentCategory.SECOND),
            )
        db.evidence.put_bytes(b"a file added after the backup")
    finally:
        db.dispose()


def _backup(url: str, dest: Path, key: bytes) -> Path:
    db = open_database(url)
    try:
        return backup.create_backup(db, dest, key).path
    finally:
        db.dispose()


def test_archive_of_a_server_database_has_the_sqlite_format(pg_office: str, tmp_path: Path) -> None:
    key = keys.generate_key()
    archive = _backup(pg_office, tmp_path / "bk", key)
    staging = tmp_path / "unpacked"
    manifest = backup.unpack_archive(archive, key, staging)
    assert manifest.data["backend"] == "postgresql"
    assert manifest.files == len(_facts(pg_office)["blobs"])  # type: ignore[arg-type]
    con = sqlite3.connect(staging / archive_format.DB_MEMBER)
    try:
        units = con.execute("SELECT count(*) FROM units").fetchone()[0]
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY seq")]
    finally:
        con.close()
    counts = _facts(pg_office)["counts"]
    assert isinstance(counts, dict) and units == counts["units"]
    assert AuditAction.BACKUP.value not in actions  # the snapshot precedes its BACKUP entry
    # Its database member is a self-contained SQLite file (as a SQLite office's).
    assert not (staging / f"{archive_format.DB_MEMBER}-wal").exists()


def test_restore_on_postgresql_gives_what_the_same_archive_gives_on_sqlite(
    pg_office: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "office.key"
    key = keys.generate_key()
    keys.write_key_file(key_file, key)
    archive = _backup(pg_office, tmp_path / "bk", key)
    at_backup = _facts(pg_office)  # with the BACKUP entry: the restored log has RESTORE instead
    capsys.readouterr()
    assert main(["--db", pg_office, *STATS]) == 0
    stats_at_backup = capsys.readouterr().out
    _change_after_backup(pg_office)
    assert _facts(pg_office) != at_backup

    restore = ["restore", str(archive), "--key-file", str(key_file)]
    assert main(["--db", pg_office, *restore]) == 0
    out = capsys.readouterr().out
    assert "恢复完成" in out and "原数据库已保留为" in out
    password = make_url(pg_office).password
    if password:  # the server's address is shown, never its password
        assert "***" in out and str(password) not in out
    sqlite_url = f"sqlite:///{tmp_path / 'elsewhere' / 'office.sqlite'}"
    assert main(["--db", sqlite_url, *restore]) == 0
    on_pg, on_sqlite = _facts(pg_office), _facts(sqlite_url)
    assert on_pg == on_sqlite
    # Identical to the office at the backup (its log ending in RESTORE instead of BACKUP).
    assert on_pg["counts"] == at_backup["counts"]
    assert on_pg["blobs"] == at_backup["blobs"]
    assert all(problem is None for problem in on_pg["blobs"].values())  # type: ignore[union-attr]
    capsys.readouterr()
    for url in (pg_office, sqlite_url):
        assert main(["--db", url, *STATS]) == 0
        assert capsys.readouterr().out == stats_at_backup
        assert main(["--db", url, "verify", "--key-file", str(key_file)]) == 0
        verified = capsys.readouterr().out
        assert "校验通过" in verified and "审计日志与审计锚点一致" in verified, verified
    # What was there before the restore is kept: its rows in a SQLite file, the extra blob aside.
    kept = next(Path(os.environ["EFFDESK_DATA_DIR"]).glob("files-postgresql-*.before-restore-*"))
    assert "备份后新增" in _facts(f"sqlite:///{kept}")["units"]  # type: ignore[operator]
    aside = list(Path(os.environ["EFFDESK_DATA_DIR"]).glob("files.before-restore-*/objects/*/*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"a file added after the backup"
    # The audit anchors work on the server database too: the restored log is anchored.
    db = open_database(pg_office)
    try:
        with db.session() as s:
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
            assert last.action == AuditAction.RESTORE
    finally:
        db.dispose()


def test_restore_refused_while_another_session_is_connected(pg_office: str, tmp_path: Path) -> None:
    key = keys.generate_key()
    archive = _backup(pg_office, tmp_path / "bk", key)
    _change_after_backup(pg_office)
    before = _facts(pg_office)
    other: Database = open_database(pg_office)  # another EffDesk, e.g. on a clerk's PC
    try:
        with other.session() as s:
            s.scalar(select(func.count()).select_from(Unit))  # its pool keeps the connection
        with pytest.raises(
            DatabaseInUse, match=rf"电脑「.+」上的 EffDesk（进程号 {os.getpid()}"
        ) as info:
            backup.restore_backup(archive, key, pg_office)
        assert "未做任何改动" in str(info.value)
    finally:
        other.dispose()
    assert _facts(pg_office) == before
    assert not list(Path(os.environ["EFFDESK_DATA_DIR"]).glob("*before-restore*"))


class _CancelWhenWriting:
    def __init__(self) -> None:
        self.writing = False

    def report(self, done: int, total: int, text: str = "") -> None:
        self.writing = self.writing or text.startswith("正在写入")

    def check(self) -> None:
        if self.writing:
            raise KeyboardInterrupt


def test_cancelled_restore_leaves_the_server_as_it_was(pg_office: str, tmp_path: Path) -> None:
    key = keys.generate_key()
    archive = _backup(pg_office, tmp_path / "bk", key)
    _change_after_backup(pg_office)
    before = _facts(pg_office)
    with pytest.raises(KeyboardInterrupt):
        backup.restore_backup(archive, key, pg_office, progress=_CancelWhenWriting())
    assert _facts(pg_office) == before
    assert not list(Path(os.environ["EFFDESK_DATA_DIR"]).glob("*before-restore*"))


def test_restore_on_postgresql_needs_the_restore_permission(pg_office: str, tmp_path: Path) -> None:
    from effdesk.auth import Actor
    from effdesk.enums import Role

    key = keys.generate_key()
    archive = _backup(pg_office, tmp_path / "bk", key)
    clerk = Actor(user_id=1, username="clerk", roles=frozenset({Role.CLERK}))
    with pytest.raises(PermissionDenied):
        backup.restore_backup(archive, key, pg_office, actor=clerk)


def test_daily_backup_runs_on_postgresql(pg_office: str, tmp_path: Path) -> None:
    key = keys.generate_key()
    db = open_database(pg_office)
    try:
        result = backup.maybe_daily_backup(db, tmp_path / "auto", key=key)
    finally:
        db.dispose()
    assert result.path is not None and result.path.exists(), result.skipped
    assert backup.anchor_path(result.path).exists()
    shutil.rmtree(tmp_path / "auto")
