"""The GUI's start leaves SQLite's whole-file check (PRAGMA quick_check) to later, with the
same guarantee as before: nothing is written to a file that has not passed it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from effdesk.db.engine import open_database
from effdesk.db.models import User
from effdesk.errors import DatabaseCorrupt
from effdesk.services import users


def _damaged_database(tmp_path: Path, *, revision: str | None = None) -> Path:
    """A migrated database whose schema reads fine but one of whose last pages is garbage (as
    a disk or a copy can leave it): only the whole-file check sees it."""
    path = tmp_path / "office" / "effdesk.sqlite"
    open_database(f"sqlite:///{path}", create=True).dispose()
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE filler (x BLOB)")
        con.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(200),) for _ in range(300)])
        if revision is not None:
            con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        con.commit()
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (pages - 3) * page_size
    data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    return path


def test_without_deferral_the_damaged_file_is_refused_at_once(tmp_path: Path) -> None:
    path = _damaged_database(tmp_path)
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match="备份恢复"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_deferred_check_lets_the_start_read_but_refuses_every_write(tmp_path: Path) -> None:
    path = _damaged_database(tmp_path)
    before = path.read_bytes()
    db = open_database(f"sqlite:///{path}", defer_integrity=True)
    try:
        assert db.integrity is not None and not db.integrity.finished
        with db.session() as s:  # the start reads what it shows
            assert s.scalar(select(func.count(User.id))) == 0
        assert not db.integrity.finished  # reading did not wait for the whole check
        for _attempt in range(2):
            with pytest.raises(DatabaseCorrupt, match="已停止保存任何修改"), db.session() as s:
                users.bootstrap_admin(s)
        assert db.integrity.finished and not db.integrity.passed
        with pytest.raises(DatabaseCorrupt, match="备份恢复"):
            db.integrity.run()  # what the GUI's background check reports
    finally:
        db.dispose()
    assert path.read_bytes() == before  # nothing was written


def test_healthy_file_passes_and_the_first_write_waits_for_the_check(tmp_path: Path) -> None:
    path = tmp_path / "effdesk.sqlite"
    open_database(f"sqlite:///{path}", create=True).dispose()
    db = open_database(f"sqlite:///{path}", defer_integrity=True)
    try:
        assert db.integrity is not None and not db.integrity.finished
        with db.session() as s:
            users.bootstrap_admin(s)
        assert db.integrity.passed
        with db.session() as s:
            assert s.scalar(select(func.count(User.id))) == 1
        db.integrity.run()  # once only, nothing to raise
    finally:
        db.dispose()


def test_a_due_migration_runs_the_whole_check_first(tmp_path: Path) -> None:
    path = _damaged_database(tmp_path, revision="0009")
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match="备份恢复"):
        open_database(f"sqlite:///{path}", defer_integrity=True)
    assert path.read_bytes() == before
    # No pre-migration copy either: the migration never started.
    assert not list(path.parent.glob("*.before-*"))


def test_server_databases_have_nothing_deferred(tmp_path: Path) -> None:
    # In-memory (like PostgreSQL: no file to check later) keeps the check where it was.
    db = open_database("sqlite://", create=True, defer_integrity=True)
    try:
        assert db.integrity is None
    finally:
        db.dispose()
