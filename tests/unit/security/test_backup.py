"""Encrypted backups: round trip, wrong key, truncation, tampering, daily rotation, keyring."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sec_helpers import MemoryKeyring, put_evidence
from sqlalchemy import func, select

from effdesk import settings
from effdesk.auth import SYSTEM
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.errors import PackageRejected
from effdesk.security import backup, keys
from effdesk.services import directory


def _fill(db: Database, n_units: int = 30) -> list[Path]:
    with db.session() as s:
        for i in range(n_units):
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(
                    name=f"测试单位{i}", kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST
                ),
            )
    return [put_evidence(db.files_dir, f"照片{i}".encode() * (1000 + i * 37)) for i in range(5)] + [
        put_evidence(db.files_dir, bytes(range(256)) * 9000)
    ]  # > 2 chunks with 1 MiB chunks


def _dump(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT name, uuid, version FROM units ORDER BY id").fetchall()
        rows += con.execute("SELECT seq, hash FROM audit_log ORDER BY seq").fetchall()
        return rows
    finally:
        con.close()


def _tree(files_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(files_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((files_dir / "objects").rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Database:
    database = open_database(f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}", create=True)
    return database


def test_round_trip_identical_data_and_files(sqlite_db: Database, tmp_path: Path) -> None:
    db = sqlite_db
    _fill(db)
    key = keys.generate_key()
    result = backup.create_backup(db, tmp_path / "bk", key, chunk_size=64 * 1024)
    assert result.path.exists() and result.files == 6
    assert not list((tmp_path / "bk").glob(".*"))  # no leftovers
    db_file = Path(str(db.engine.url.database))
    with db.session() as s:  # the backup itself is audited after the snapshot
        head = s.scalar(select(func.max(AuditEntry.seq)))
    data_before = [r for r in _dump(db_file) if not (isinstance(r[0], int) and r[0] == head)]
    files_before = _tree(db.files_dir)
    db.dispose()
    # Wipe: the database and the files are gone (disk failure).
    for p in db_file.parent.iterdir():
        if p.is_file():
            p.unlink()
        else:
            import shutil

            shutil.rmtree(p)
    restored = backup.restore_backup(result.path, key, db.url)
    assert restored.kept_database is None
    after = _dump(db_file)
    assert after[: len(data_before)] == data_before
    assert _tree(db.files_dir) == files_before
    # The restore is recorded and the chain still verifies.
    from effdesk import audit

    reopened = open_database(db.url)
    with reopened.session() as s:
        assert audit.verify_chain(s) == []
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and last.action.value == "restore"
    reopened.dispose()


def test_restore_keeps_current_data_aside(sqlite_db: Database, tmp_path: Path) -> None:
    db = sqlite_db
    _fill(db, 3)
    key = keys.generate_key()
    archive = backup.create_backup(db, tmp_path / "bk", key).path
    with db.session() as s:  # a change made after the backup
        directory.create_unit(
            s,
            SYSTEM,
            directory.UnitInput("备份后新增", UnitKind.TOWN, AssessmentCategory.SECOND),
        )
    db.dispose()
    result = backup.restore_backup(archive, key, db.url)
    assert result.kept_database is not None and result.kept_files is not None
    con = sqlite3.connect(result.kept_database)
    assert con.execute("SELECT count(*) FROM units WHERE name='备份后新增'").fetchone()[0] == 1
    con.close()
    con = sqlite3.connect(result.database)
    assert con.execute("SELECT count(*) FROM units WHERE name='备份后新增'").fetchone()[0] == 0
    con.close()


def _state(db: Database) -> tuple[bytes, dict[str, str]]:
    return Path(str(db.engine.url.database)).read_bytes(), _tree(db.files_dir)


@pytest.mark.parametrize("cut", ["header", "mid_chunk", "chunk_boundary", "last_byte"])
def test_truncated_archive_refused_and_nothing_changes(
    sqlite_db: Database, tmp_path: Path, cut: str
) -> None:
    db = sqlite_db
    _fill(db, 5)
    key = keys.generate_key()
    chunk = 64 * 1024
    archive = backup.create_backup(db, tmp_path / "bk", key, chunk_size=chunk).path
    db.dispose()
    before = _state(db)
    data = archive.read_bytes()
    hlen = len(backup.inspect_archive(archive).raw)
    size = {
        "header": 10,
        "mid_chunk": hlen + chunk // 2,
        "chunk_boundary": hlen + 2 * (chunk + 16),
        "last_byte": len(data) - 1,
    }[cut]
    bad = tmp_path / "cut.effbak"
    bad.write_bytes(data[:size])
    with pytest.raises(PackageRejected) as exc:
        backup.restore_backup(bad, key, db.url)
    assert "未做任何改动" in str(exc.value) or "拒绝" in str(exc.value)
    if cut == "chunk_boundary":
        assert "截断" in str(exc.value)
    assert _state(db) == before
    assert not [
        p for p in Path(str(db.engine.url.database)).parent.iterdir() if "restore" in p.name
    ]


def test_wrong_key_and_tampering_refused(sqlite_db: Database, tmp_path: Path) -> None:
    db = sqlite_db
    _fill(db, 5)
    key = keys.generate_key()
    archive = backup.create_backup(db, tmp_path / "bk", key, chunk_size=64 * 1024).path
    db.dispose()
    before = _state(db)
    with pytest.raises(PackageRejected, match="密钥不正确"):
        backup.restore_backup(archive, keys.generate_key(), db.url)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = tmp_path / "flipped.effbak"
    flipped.write_bytes(bytes(data))
    with pytest.raises(PackageRejected, match="校验失败"):
        backup.restore_backup(flipped, key, db.url)
    # Header tampering (the database id) breaks every chunk's authentication.
    data = bytearray(archive.read_bytes())
    hlen = len(backup.inspect_archive(archive).raw)
    data[hlen - 1] ^= 0x01
    (tmp_path / "hdr.effbak").write_bytes(bytes(data))
    with pytest.raises(PackageRejected):
        backup.restore_backup(tmp_path / "hdr.effbak", key, db.url)
    (tmp_path / "junk.effbak").write_bytes(b"not a backup at all" * 100)
    with pytest.raises(PackageRejected, match="不是 EffDesk 备份文件"):
        backup.restore_backup(tmp_path / "junk.effbak", key, db.url)
    assert _state(db) == before


def test_keyring_key_and_recovery_key(
    sqlite_db: Database, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    db = sqlite_db
    _fill(db, 2)
    choice = backup.backup_key(db)
    assert choice.created and choice.source == "keyring"
    name = keys.backup_key_name(choice.database_id)
    assert (keys.SERVICE, name) in memory_keyring.store
    again = backup.backup_key(db)
    assert not again.created and again.key == choice.key
    archive = backup.create_backup(db, tmp_path / "bk", choice.key).path
    assert backup.key_for_archive(archive) == choice.key
    # The PC dies: a new keyring, only the printed recovery key is left.
    memory_keyring.store.clear()
    assert backup.key_for_archive(archive) is None
    recovered = keys.parse_recovery_key(choice.recovery_key)
    db.dispose()
    backup.restore_backup(archive, recovered, db.url)
    assert keys.get_backup_key(choice.database_id) == choice.key  # remembered again


def test_no_keyring_says_how_to_proceed(
    sqlite_db: Database, tmp_path: Path, no_keyring: None
) -> None:
    with pytest.raises(keys.KeyringUnavailable) as exc:
        backup.backup_key(sqlite_db)
    assert "gnome-keyring" in str(exc.value) and "--key-file" in str(exc.value)
    # The key file route works without any keyring.
    kf = tmp_path / "key.txt"
    choice = backup.backup_key(sqlite_db, key_file=kf)
    assert choice.created and kf.exists()
    assert keys.read_key_file(kf) == choice.key
    daily = backup.maybe_daily_backup(sqlite_db, tmp_path / "bk", allow_create_key=True)
    assert daily.path is None and "密钥环" in daily.skipped


def test_daily_backup_once_a_day_and_rotation(
    sqlite_db: Database, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    db = sqlite_db
    dest = tmp_path / "bk"
    with db.session() as s:
        settings.put(s, SYSTEM, "backup.keep", 3)
    first = backup.maybe_daily_backup(db, dest, today=date(2026, 3, 1))
    assert first.path is None and "备份密钥" in first.skipped  # no key, no admin
    first = backup.maybe_daily_backup(db, dest, today=date(2026, 3, 1), allow_create_key=True)
    assert first.path is not None and first.new_recovery_key
    same_day = backup.maybe_daily_backup(db, dest, today=date(2026, 3, 1))
    assert same_day.path is None and "今天" in same_day.skipped
    for day in range(2, 7):
        r = backup.maybe_daily_backup(db, dest, today=date(2026, 3, day))
        assert r.path is not None and r.new_recovery_key is None
    kept = sorted(p.name for p in dest.glob("*-auto-*.effbak"))
    assert len(kept) == 3
    assert [k.split("-auto-")[1][:8] for k in kept] == ["20260304", "20260305", "20260306"]
    # Each archive's audit anchor goes with it.
    anchors = sorted(p.name for p in dest.glob("*-auto-*.effbak.anchor.json"))
    assert anchors == [f"{k}.anchor.json" for k in kept]
    manual = backup.create_backup(db, dest, backup.backup_key(db).key)
    assert manual.path.exists()  # manual archives are never rotated away


def test_postgres_backup_not_supported() -> None:
    with pytest.raises(backup.BackupNotSupported, match="PostgreSQL"):
        backup.sqlite_path("postgresql+psycopg://u@h/db")


def test_partial_archive_from_a_killed_backup_is_cleaned(
    sqlite_db: Database, tmp_path: Path
) -> None:
    dest = tmp_path / "bk"
    dest.mkdir()
    stale = dest / ".effdesk-backup-999999-20260101000000.partial"
    stale.write_bytes(b"half")
    backup.create_backup(sqlite_db, dest, keys.generate_key())
    assert not stale.exists()
