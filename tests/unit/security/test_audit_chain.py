"""The audit chain: tampering with entries in the database makes `effdesk verify` fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sec_helpers import make_user
from sqlalchemy import select, text

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.cli import main
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry, Unit
from effdesk.enums import AssessmentCategory, AuditAction, Role, UnitKind
from effdesk.services import directory


@pytest.fixture
def logged(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    with db.session() as s:
        make_user(s, "admin", Role.ADMIN)  # an office database has users (verify checks)
        for i in range(8):
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(f"单位{i}", UnitKind.TOWN, AssessmentCategory.SECOND),
            )
    yield db
    db.dispose()


def _verify(db: Database, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(["--db", db.url, "verify"])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_untouched_chain_verifies(logged: Database, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = _verify(logged, capsys)
    assert rc == 0, out
    assert "完好（共 8 条）" in out


def test_edited_entry_is_named(logged: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with logged.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = '新增单位 别的' WHERE seq = 4"))
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert "审计日志第4条：内容与其哈希不符" in out
    assert "第5条" not in out  # the next entry still links to the stored hash


def test_edited_and_rehashed_entry_breaks_the_next_link(
    logged: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with logged.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET hash = :h WHERE seq = 3"), {"h": "f" * 64})
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert "审计日志第3条" in out and "审计日志第4条：与前一条的链接不符" in out


def test_deleted_entry_is_named(logged: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with logged.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert "审计日志第6条：序号不连续：第5条缺失" in out


def test_reordered_entries_are_named(logged: Database, capsys: pytest.CaptureFixture[str]) -> None:
    # Swap seq 2 and 6 (through a free value: seq is the primary key).
    with logged.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 6"))
        conn.execute(text("UPDATE audit_log SET seq = 6 WHERE seq = -1"))
    rc, out = _verify(logged, capsys)
    assert rc != 0
    for seq in (2, 3, 6, 7):
        assert f"审计日志第{seq}条" in out, out
    assert "审计日志第1条" not in out


def test_tampered_value_unreadable_by_orm_is_reported(
    logged: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # PostgreSQL's json type refuses a broken JSON text itself: there only the action is bad.
    broken_json = ", before = '{'" if logged.backend == "sqlite" else ""
    with logged.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_log SET action = 'nonsense'{broken_json} WHERE seq = 7"))
    rc, out = _verify(logged, capsys)
    assert rc != 0 and "审计日志第7条" in out


def test_verify_leaves_the_session_alone(logged: Database) -> None:
    with logged.session() as s:
        unit = s.scalars(select(Unit)).first()
        assert unit is not None
        assert audit.verify_chain(s, batch=3) == []
        assert unit in s  # not expunged
        unit.notes = "still attached"
    with logged.session() as s:
        assert s.scalar(select(Unit.notes).where(Unit.id == unit.id)) == "still attached"


def test_concurrent_appends_never_fork(db_url: str) -> None:
    """Two connections appending at once (read-only transactions first) keep one chain."""
    db1, db2 = open_database(db_url), open_database(db_url)
    actor = Actor(None, "t", frozenset({Role.ADMIN}))
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(db: Database, tag: str) -> None:
        try:
            start.wait()
            for i in range(40):
                with db.session() as s:
                    s.scalar(select(AuditEntry.seq).limit(1))  # a read before the append
                    audit.record(s, actor, AuditAction.READ_IDENTITY, "complaint", "", f"{tag}{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d, t)) for d, t in ((db1, "a"), (db2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db1.session() as s:
        assert audit.verify_chain(s) == []
        assert audit.chain_head(s)[0] == 80
    db1.dispose()
    db2.dispose()


def test_verify_names_a_damaged_evidence_file(
    logged: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = pytest.importorskip("effdesk.services.documents")
    with logged.session() as s:
        stored = documents.store_pdf(s, logged.files_dir, b"%PDF-1.4 test evidence " * 50)
        sha = stored.sha256
    rc, out = _verify(logged, capsys)
    assert rc == 0, out
    blob = logged.files_dir / "objects" / sha[:2] / sha
    blob.chmod(0o644)
    blob.write_bytes(b"%PDF-1.4 altered")
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert "证据文件" in out and sha in out


# --------------------------------------------------------------------------- backup anchors


def _backed_up(logged: Database, memory_keyring: object) -> tuple[Path, int]:
    """A backup of ``logged``; returns the archive and the chain head it recorded."""
    from effdesk.paths import backup_dir
    from effdesk.security import backup

    choice = backup.backup_key(logged)  # creating the key is itself logged
    path = backup.create_backup(logged, backup_dir(), choice.key).path
    with logged.session() as s:
        head, _ = audit.chain_head(s)  # the backup's own BACKUP entry: the anchor covers it
    return path, head


def test_backup_leaves_an_authenticated_anchor_and_verify_compares_with_it(
    logged: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from effdesk.security import backup

    archive, head = _backed_up(logged, memory_keyring)
    assert head > 8  # the units, the key's creation
    anchor = backup.latest_anchor(backup.database_id(logged), key=backup.backup_key(logged).key)
    assert anchor is not None and anchor.authentic is True
    assert anchor.path == backup.anchor_path(archive)
    with logged.session() as s:
        # The head just after the backup's own BACKUP entry.
        assert (anchor.seq, anchor.hash) == (
            head,
            s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == head)),
        )
    rc, out = _verify(logged, capsys)
    assert rc == 0, out
    assert f"第{head}条仍在且未被改动" in out


def test_cut_off_tail_is_detected_against_the_backup_anchor(
    logged: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _archive, head = _backed_up(logged, memory_keyring)
    # Somebody deletes the newest entries (including the backup's own): the chain that is
    # left is still valid, so only the anchor can tell.
    with logged.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 6"))
    with logged.session() as s:
        assert audit.verify_chain(s) == []
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert f"审计日志被截断：备份时已有{head}条，现在只有5条（第6至{head}条缺失）" in out


def test_rewritten_tail_is_detected_against_the_backup_anchor(
    logged: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    _archive, head = _backed_up(logged, memory_keyring)
    # Rewrite entry 8 and re-chain everything after it: a valid chain with other hashes.
    with logged.session() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.seq >= 8).order_by(AuditEntry.seq)
        ).all()
        prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 7))
        for row in rows:
            row.summary = row.summary + "（改）"
            payload = audit._raw_payload(
                s.execute(select(*audit.RAW_COLUMNS).where(AuditEntry.seq == row.seq)).one()
            )
            assert payload is not None
            payload["summary"] = row.summary
            row.prev_hash = prev
            row.hash = audit.chain_hash(prev, payload)
            prev = row.hash
            s.flush()
    with logged.session() as s:
        assert audit.verify_chain(s) == []
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert f"审计日志第{head}条：与备份时记录的哈希不符" in out


def test_forged_anchor_is_reported(
    logged: Database, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from effdesk.security import backup

    archive, _head = _backed_up(logged, memory_keyring)
    path = backup.anchor_path(archive)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["seq"] = 3  # pretend the backup was older, to hide a cut
    path.write_text(json.dumps(data), encoding="utf-8")
    rc, out = _verify(logged, capsys)
    assert rc != 0
    assert "与备份密钥不符（被改动）" in out
