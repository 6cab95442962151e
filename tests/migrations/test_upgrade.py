"""Upgrading saved databases of every earlier schema revision, holding data, to head."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from effdesk.db.engine import MIGRATIONS_DIR, head_revision, make_engine, open_database
from effdesk.db.models import (
    AccountabilityMeasure,
    Attachment,
    Complaint,
    ComplaintEvent,
    Document,
    Finding,
    Person,
    Setting,
    Unit,
    User,
)
from effdesk.enums import ComplaintState, MeasureType, Role, Verification
from effdesk.errors import DatabaseCorrupt, DatabaseTooNew

DATA = Path(__file__).parent / "data"


def all_revisions() -> list[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def saved(rev: str, tmp_path: Path) -> Path:
    src = DATA / f"effdesk-{rev}.sqlite"
    dest = tmp_path / src.name
    shutil.copy(src, dest)
    return dest


def test_every_released_revision_has_a_saved_database() -> None:
    # The newest revision needs none: it is what a fresh database gets.
    for rev in all_revisions()[:-1]:
        if rev == "0001" or (DATA / f"effdesk-{rev}.sqlite").exists():
            continue
        pytest.fail(f"no saved database for revision {rev}: run tests/migrations/make_fixture.py")


# Every revision but the newest has its saved database (checked above), so a new migration
# is tested against each schema an office may still have.
@pytest.mark.parametrize("rev", all_revisions()[:-1])
def test_upgrade_saved_database_keeps_its_data(rev: str, tmp_path: Path) -> None:
    path = saved(rev, tmp_path)
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            head_revision()
        )
    with db.session() as s:
        assert {u.name for u in s.scalars(select(Unit))} == {
            "县公安局",
            "青石镇",
            "青石镇便民服务中心",
        }
        window = s.scalar(select(Unit).where(Unit.name == "青石镇便民服务中心"))
        assert window is not None and window.parent is not None and window.parent.name == "青石镇"
        described = s.scalar(select(Person).where(Person.name == ""))
        assert described is not None and described.display_name == "3号窗口女工作人员"
        clerk = s.scalar(select(User).where(User.username == "clerk"))
        assert clerk is not None and clerk.role_set == {Role.CLERK}
        cases = s.scalars(select(Complaint).order_by(Complaint.number)).all()
        assert [c.state for c in cases] == [ComplaintState.INVESTIGATING, ComplaintState.CONCLUDED]
        assert cases[1].verification is Verification.SUBSTANTIATED
        assert cases[0].persons[0].person is not None and cases[0].persons[0].person.name == "李明"
        event = s.scalar(select(ComplaintEvent).limit(1))
        assert event is not None and event.changes == {"channel": [None, "phone"]}
        finding = s.scalar(select(Finding))
        assert finding is not None and finding.campaign is not None
        att = s.scalar(select(Attachment))
        assert att is not None and att.file.sha256 == "a" * 64 and att.finding_id == finding.id
        m = s.scalar(select(AccountabilityMeasure))
        assert m is not None and m.measure is MeasureType.CIRCULATED_CRITICISM
        assert s.scalar(select(Document.title)) == "关于2026年春节后上班纪律明察暗访情况的通报"
        assert s.scalar(select(Setting.value).where(Setting.key == "office.name")) == (
            "青川县机关效能建设领导小组办公室"
        )
        # 0002 built the full-text index over rows that existed before it.
        hits = s.execute(
            text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :q"),
            {"q": '"玩手机游戏"'},
        ).all()
        assert [h[0] for h in hits] == [cases[1].id]
    # A consistent copy was kept before the schema changed.
    assert list(tmp_path.glob(f"effdesk-{rev}.before-{rev}-*.sqlite"))
    db.dispose()


def test_fresh_database_gets_head(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'new.sqlite'}", create=True)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
    assert not list(tmp_path.glob("*.before-*"))


def test_database_from_a_newer_effdesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    open_database(f"sqlite:///{path}", create=True).dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="更新版本"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match="备份恢复"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_0008_masks_identity_out_of_search_text_of_existing_cases(tmp_path: Path) -> None:
    """A case registered before 0008 kept the phone typed into its summary in search_text."""
    from alembic import command

    from effdesk.auth import SYSTEM
    from effdesk.db.engine import alembic_config
    from effdesk.db.models import ProblemCategory
    from effdesk.enums import Channel
    from effdesk.services import complaints

    path = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0002")
    engine.dispose()
    db = open_database(f"sqlite:///{path}", migrate=False)
    with db.session() as s:
        cat = ProblemCategory(code="T", name="服务态度", conclusion_days=None, active=True)
        s.add(cat)
        s.flush()
        case = complaints.register_complaint(
            s,
            SYSTEM,
            complaints.ComplaintInput(
                received_at=datetime(2026, 3, 2, 9),
                channel=Channel.PHONE,
                summary="王小明来电（139-0000-1111）反映窗口推诿",
                category_id=cat.id,
                subject_description="县政务服务中心窗口",
                complainant_name="王小明",
                complainant_phone="13900001111",
            ),
            at=datetime(2026, 3, 2, 9),
        )
        # What the old service stored: the summary as typed.
        s.execute(
            text("UPDATE complaints SET search_text = :t WHERE id = :id"),
            {"t": f"{case.number} 王小明来电（139-0000-1111）反映窗口推诿", "id": case.id},
        )
        cid = case.id
    db.dispose()
    db = open_database(f"sqlite:///{path}")
    with db.session() as s:
        stored = s.scalar(select(Complaint.search_text).where(Complaint.id == cid))
        assert stored is not None and "王小明" not in stored and "1111" not in stored
        assert "反映窗口推诿" in stored
        for q in ('search_text : "王小明"', 'search_text : "0000-1111"'):
            hits = s.execute(
                text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :q"), {"q": q}
            ).all()
            assert hits == []
        hits = s.execute(
            text("SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH :q"),
            {"q": 'search_identity : "王小明"'},
        ).all()
        assert [h[0] for h in hits] == [cid]
    db.dispose()
