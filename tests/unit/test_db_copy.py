"""``effdesk db copy``: every row verbatim into an empty target, evidence hash-checked, all or
nothing. The PostgreSQL cases run when ``EFFDESK_TEST_PG_URL`` is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Text, cast, create_engine, func, null, select, text, update

from effdesk import audit
from effdesk.auth import SYSTEM
from effdesk.cli import main
from effdesk.db import copy as dbcopy
from effdesk.db.engine import open_database
from effdesk.db.models import AuditEntry, Complaint, Unit, User
from effdesk.demo.generator import build_demo
from effdesk.enums import AuditAction, Role
from effdesk.services import users

PG_URL = os.environ.get("EFFDESK_TEST_PG_URL", "")
needs_pg = pytest.mark.skipif(not PG_URL, reason="EFFDESK_TEST_PG_URL not set")
STATS = ["stats", "--from", "2025-12-01", "--to", "2026-11-30", "--as-of", "2026-11-30"]


@pytest.fixture(scope="module")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo office (with evidence, merged cases, unit tree) plus audit entries whose
    JSON ``before`` is SQL NULL and a JSON object, built once."""
    folder = tmp_path_factory.mktemp("office")
    path = folder / "office.sqlite"
    db = open_database(f"sqlite:///{path}", create=True)
    try:
        build_demo(db, complaints=60, today=date(2026, 11, 30))
        with db.session() as s:
            users.create_user(
                s, SYSTEM, users.UserInput("copytest", "复制测试", {Role.CLERK}), "Secret-pass-9"
            )
            audit.record(s, SYSTEM, AuditAction.LOGIN, "user", "", "无 before", None, {"a": 1})
            audit.record(s, SYSTEM, AuditAction.LOGIN, "user", "", "有 before", {"x": [1, "二"]})
        # The same "no before" written as SQL NULL (as a Core insert writes it): the chain
        # hashes both alike, and a copy must keep them apart.
        with db.engine.begin() as conn:
            conn.execute(
                update(AuditEntry).where(AuditEntry.summary == "无 before").values(before=null())
            )
    finally:
        db.dispose()
    return path


@pytest.fixture
def office(tmp_path: Path, office_template: Path) -> Path:
    path = tmp_path / "src" / "office.sqlite"
    path.parent.mkdir()
    shutil.copy(office_template, path)
    shutil.copytree(
        office_template.with_name("office-files"), path.with_name("office-files"), symlinks=True
    )
    return path


def _facts(url: str) -> dict[str, object]:
    """Row counts, the audit chain head, NULL-ness of JSON, the set of blobs."""
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            counts = dbcopy.row_counts(conn)
            head = conn.execute(
                select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
            ).one()
            null_before = conn.execute(
                select(
                    func.count().filter(AuditEntry.before.is_(None)),
                    func.count().filter(cast(AuditEntry.before, Text) == "null"),
                )
            ).one()
            units = conn.execute(select(Unit.id, Unit.parent_id).order_by(Unit.id)).all()
            merged = conn.execute(
                select(Complaint.id, Complaint.merged_into_id, Complaint.version)
                .where(Complaint.merged_into_id.is_not(None))
                .order_by(Complaint.id)
            ).all()
        blobs = sorted(db.evidence.iter_blobs())
    finally:
        db.dispose()
    return {
        "counts": counts,
        "head": tuple(head),
        "null_before": tuple(null_before),
        "units": units,
        "merged": merged,
        "blobs": blobs,
    }


def _stats_and_verify(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["--db", url, *STATS, "--json"]) == 0
    stats = capsys.readouterr().out
    assert main(["--db", url, "verify"]) == 0, capsys.readouterr().err
    assert "校验通过" in capsys.readouterr().out
    return stats


def test_sqlite_to_sqlite_copies_every_row_and_blob_verbatim(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = f"sqlite:///{office}"
    dst = f"sqlite:///{tmp_path / 'dst' / 'copy.sqlite'}"
    assert main(["db", "copy", "--from", src, "--to", dst]) == 0
    out = capsys.readouterr().out
    assert "逐表行数一致" in out and "SHA-256 校验一致" in out
    before, after = _facts(src), _facts(dst)
    assert before == after
    assert before["merged"] and len(before["blobs"]) > 10  # the case really has them
    assert before["null_before"][0] == 1 and before["null_before"][1] > 0  # SQL NULL, JSON null
    assert _stats_and_verify(src, capsys) == _stats_and_verify(dst, capsys)


def test_non_empty_target_is_refused_and_left_alone(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = f"sqlite:///{office}"
    dst_path = tmp_path / "dst.sqlite"
    dst = f"sqlite:///{dst_path}"
    assert main(["db", "copy", "--from", src, "--to", dst]) == 0
    capsys.readouterr()
    before = _facts(dst)
    assert main(["db", "copy", "--from", src, "--to", dst]) == 2
    err = capsys.readouterr().err
    assert "不是空库" in err and "users（" in err and "未做任何改动" in err
    assert _facts(dst) == before
    assert main(["db", "copy", "--from", src, "--to", src]) == 2
    assert "同一个" in capsys.readouterr().err


class _CancelAfter:
    def __init__(self, checks: int) -> None:
        self.left = checks
        self.last = ""

    def report(self, done: int, total: int, text: str = "") -> None:
        self.last = text

    def check(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt


def _rows_cancel(office: Path) -> _CancelAfter:
    """Cancels after the evidence, some batches into the rows."""
    blobs = [p for p in (office.with_name("office-files") / "objects").rglob("*") if p.is_file()]
    return _CancelAfter(len(blobs) + 20)


@pytest.mark.parametrize("during", ["证据文件", "复制数据（"])
def test_cancel_leaves_a_sqlite_target_as_it_was(office: Path, tmp_path: Path, during: str) -> None:
    dst_path = tmp_path / "dst" / "copy.sqlite"
    progress = _CancelAfter(5) if during == "证据文件" else _rows_cancel(office)
    with pytest.raises(KeyboardInterrupt):
        dbcopy.copy_database(
            f"sqlite:///{office}", f"sqlite:///{dst_path}", progress=progress, batch=50
        )
    assert during in progress.last
    assert not dst_path.exists()
    assert not dst_path.with_name("copy-files").exists()
    assert not list(dst_path.parent.glob(".copy.sqlite.copy-*"))


def test_cancel_of_a_copy_into_an_existing_empty_sqlite_target(
    office: Path, tmp_path: Path
) -> None:
    dst_path = tmp_path / "empty.sqlite"
    open_database(f"sqlite:///{dst_path}", create=True).dispose()
    with pytest.raises(KeyboardInterrupt):
        dbcopy.copy_database(
            f"sqlite:///{office}", f"sqlite:///{dst_path}", progress=_rows_cancel(office), batch=50
        )
    target = open_database(f"sqlite:///{dst_path}")
    try:
        with target.engine.connect() as conn:
            assert not any(dbcopy.row_counts(conn).values())
        assert list(target.evidence.iter_blobs()) == []
    finally:
        target.dispose()


def test_damaged_source_blob_stops_the_copy(office: Path, tmp_path: Path) -> None:
    files = office.with_name("office-files") / "objects"
    victim = sorted(p for p in files.rglob("*") if p.is_file())[3]
    victim.chmod(0o644)
    victim.write_bytes(b"changed")
    dst_path = tmp_path / "copy.sqlite"
    with pytest.raises(dbcopy.CopyCheckFailed, match="SHA-256"):
        dbcopy.copy_database(f"sqlite:///{office}", f"sqlite:///{dst_path}")
    assert not dst_path.exists()


# --------------------------------------------------------------------------- PostgreSQL


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    _wipe_postgres(PG_URL)
    yield PG_URL


@pytest.mark.postgres
@needs_pg
def test_round_trip_sqlite_postgresql_sqlite(
    office: Path, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = f"sqlite:///{office}"
    back = f"sqlite:///{tmp_path / 'back' / 'office.sqlite'}"
    assert main(["db", "copy", "--from", src, "--to", pg_url]) == 0
    assert main(["db", "copy", "--from", pg_url, "--to", back]) == 0
    assert "逐表行数一致" in capsys.readouterr().out
    facts = [_facts(u) for u in (src, pg_url, back)]
    assert facts[0] == facts[1] == facts[2]
    stats = [_stats_and_verify(u, capsys) for u in (src, pg_url, back)]
    assert stats[0] == stats[1] == stats[2]
    assert '"received"' in stats[0]
    # The sequences were moved past the copied ids: new rows get fresh ids.
    db = open_database(pg_url)
    try:
        with db.session() as s:
            user, _pw = users.create_user(
                s, SYSTEM, users.UserInput("after_copy", "复制后新增", {Role.CLERK})
            )
            highest = s.scalar(select(func.max(User.id)).where(User.id != user.id))
            assert highest is not None and user.id > highest
    finally:
        db.dispose()


@pytest.mark.postgres
@needs_pg
def test_cancel_leaves_a_postgresql_target_empty(office: Path, pg_url: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        dbcopy.copy_database(f"sqlite:///{office}", pg_url, progress=_rows_cancel(office), batch=50)
    target = open_database(pg_url)
    try:
        with target.engine.connect() as conn:
            assert not any(dbcopy.row_counts(conn).values())
        assert list(target.evidence.iter_blobs()) == []
    finally:
        target.dispose()
