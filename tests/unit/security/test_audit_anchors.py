"""Cutting the tail of the audit log is detected: keyed anchors beside every backup and a
local high-water mark, written after the BACKUP entry, checked by `effdesk verify` with the
keyring or a key file; a missing or edited anchor is a finding, never a pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sec_helpers import make_user
from sqlalchemy import select, text

from effdesk import audit
from effdesk.auth import SYSTEM
from effdesk.cli import main
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry
from effdesk.enums import AssessmentCategory, AuditAction, Role, UnitKind
from effdesk.paths import backup_dir
from effdesk.security import anchors, backup
from effdesk.services import directory


@pytest.fixture
def office(tmp_path: Path) -> Database:
    db = open_database(f"sqlite:///{tmp_path / 'effdesk.sqlite'}", create=True)
    with db.session() as s:
        make_user(s, "admin", Role.ADMIN)  # an office database has its users (verify checks)
        for i in range(12):
            directory.create_unit(
                s, SYSTEM, directory.UnitInput(f"单位{i}", UnitKind.TOWN, AssessmentCategory.SECOND)
            )
    return db


def _verify(db: Database, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    rc = main(["--db", db.url, "verify", *extra])
    out = capsys.readouterr()
    return rc, out.out + out.err


def _backup(db: Database, key_file: Path | None = None) -> Path:
    choice = backup.backup_key(db, key_file=key_file)
    return backup.create_backup(db, backup_dir(), choice.key).path


def _head(db: Database) -> int:
    with db.session() as s:
        return audit.chain_head(s)[0]


def _mark(db: Database) -> Path:
    return anchors.mark_path(backup.sqlite_path(db.url))


def test_anchors_cover_the_backup_entry_and_verify_passes(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _backup(office)
    head = _head(office)
    with office.session() as s:
        newest = s.scalar(select(AuditEntry).where(AuditEntry.seq == head))
        assert newest is not None and newest.action == AuditAction.BACKUP
        newest_hash = newest.hash
    key = backup.backup_key(office).key
    db_id = backup.database_id(office)
    beside = anchors.read_anchor(anchors.anchor_path(archive), db_id, key)
    mark = anchors.read_anchor(_mark(office), db_id, key)
    assert beside is not None and mark is not None
    assert (beside.seq, beside.hash, beside.authentic) == (head, newest_hash, True)
    assert (mark.seq, mark.authentic, mark.archive) == (head, True, str(archive))
    rc, out = _verify(office, capsys)
    assert rc == 0, out
    assert f"第{head}条" in out and "经备份密钥认证" in out


@pytest.mark.parametrize("cut", [1, 5])
def test_deleting_the_newest_entries_is_detected(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    _backup(office)
    head = _head(office)
    with office.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > :n"), {"n": head - cut})
    with office.session() as s:
        assert audit.verify_chain(s) == []  # the chain alone cannot tell
    rc, out = _verify(office, capsys)
    assert rc != 0
    assert f"审计日志被截断：备份时已有{head}条，现在只有{head - cut}条" in out


def test_deleting_every_entry_is_detected(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _backup(office)
    head = _head(office)
    with office.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    rc, out = _verify(office, capsys)
    assert rc != 0
    assert f"备份时已有{head}条，现在只有0条" in out


def test_rewritten_and_rehashed_entry_is_detected(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _backup(office)
    head = _head(office)
    with office.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.seq >= 4).order_by(AuditEntry.seq))
        prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 3))
        for row in rows.all():
            if row.seq == 4:
                row.summary = "新增单位 伪造"
            payload = audit._raw_payload(
                s.execute(select(*audit.RAW_COLUMNS).where(AuditEntry.seq == row.seq)).one()
            )
            assert payload is not None
            payload["summary"] = row.summary
            row.prev_hash = str(prev)
            row.hash = audit.chain_hash(str(prev), payload)
            prev = row.hash
            s.flush()
    with office.session() as s:
        assert audit.verify_chain(s) == []
    rc, out = _verify(office, capsys)
    assert rc != 0
    assert f"审计日志第{head}条：与备份时记录的哈希不符" in out


def test_removed_or_edited_anchor_and_mark_are_findings(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _backup(office)
    beside = anchors.anchor_path(archive)
    saved = beside.read_text(encoding="utf-8")
    beside.unlink()
    rc, out = _verify(office, capsys)
    assert rc != 0 and "审计锚点" in out and "缺失" in out

    data = json.loads(saved)
    data["seq"] = 3  # pretend the backup was older, to hide a cut
    beside.write_text(json.dumps(data), encoding="utf-8")
    rc, out = _verify(office, capsys)
    assert rc != 0 and "与备份密钥不符（被改动）" in out

    beside.write_text(saved, encoding="utf-8")
    assert _verify(office, capsys)[0] == 0
    _mark(office).unlink()
    rc, out = _verify(office, capsys)
    assert rc != 0 and "本地审计锚点" in out and "缺失" in out


def test_old_mark_put_back_with_the_newer_anchor_removed_is_detected(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _backup(office)
    old_mark = _mark(office).read_bytes()
    second = _backup(office)
    anchors.anchor_path(second).unlink()
    second.unlink()
    _mark(office).write_bytes(old_mark)
    rc, out = _verify(office, capsys)
    assert rc != 0
    assert "记录了一次备份，但找不到覆盖它的审计锚点" in out


def test_without_the_key_verify_says_so_and_key_file_verifies(
    office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    key_file = tmp_path / "effdesk.key"
    _backup(office, key_file)
    rc, out = _verify(office, capsys)
    assert rc != 0 and "无法认证" in out and "--key-file" in out
    rc, out = _verify(office, capsys, "--key-file", str(key_file))
    assert rc == 0, out
    # An anchor forged without the key does not verify under it.
    mark = _mark(office)
    data = json.loads(mark.read_text(encoding="utf-8"))
    data["seq"] = 2
    mark.write_text(json.dumps(data), encoding="utf-8")
    rc, out = _verify(office, capsys, "--key-file", str(key_file))
    assert rc != 0 and "被改动" in out


def test_restore_retires_the_older_anchors(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _backup(office)
    with office.session() as s:
        directory.create_unit(
            s, SYSTEM, directory.UnitInput("后来的单位", UnitKind.TOWN, AssessmentCategory.SECOND)
        )
    _backup(office)
    key = backup.backup_key(office).key
    url = office.url
    office.dispose()
    backup.restore_backup(archive, key, url)
    db = open_database(url)
    try:
        rc, out = _verify(db, capsys)
        assert rc == 0, out
    finally:
        db.dispose()


def test_a_fresh_office_without_backups_still_verifies(
    office: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = _verify(office, capsys)
    assert rc == 0, out
    assert "尚未备份" in out
