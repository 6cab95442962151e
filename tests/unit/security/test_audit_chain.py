"""The audit chain: tampering with entries in the database makes `effdesk verify` fail."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.cli import main
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry, Unit
from effdesk.enums import AssessmentCategory, AuditAction, Role, UnitKind
from effdesk.services import directory


@pytest.fixture
def logged(tmp_path: Path) -> Database:
    db = open_database(f"sqlite:///{tmp_path / 'effdesk.sqlite'}")
    with db.session() as s:
        for i in range(8):
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(f"单位{i}", UnitKind.TOWN, AssessmentCategory.SECOND),
            )
    return db


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
    with logged.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'nonsense', before = '{' WHERE seq = 7"))
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


def test_concurrent_appends_never_fork(tmp_path: Path) -> None:
    """Two connections appending at once (read-only transactions first) keep one chain."""
    url = f"sqlite:///{tmp_path / 'effdesk.sqlite'}"
    db1, db2 = open_database(url), open_database(url)
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
