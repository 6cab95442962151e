"""Migration 0003 (complaint list indexes) on a saved 0002 database holding data: the cases
are kept, the indexes are built over the rows already there, and the list's plans use them."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import select

from effdesk.auth import Actor
from effdesk.db.engine import head_revision, open_database
from effdesk.db.models import Complaint
from effdesk.enums import ComplaintState, Role
from effdesk.services import complaints as svc

DATA = Path(__file__).parent / "data"
CLERK = Actor(user_id=None, username="clerk", roles=frozenset({Role.CLERK}))


def test_upgrade_0002_builds_the_list_indexes_over_existing_cases(tmp_path: Path) -> None:
    path = tmp_path / "effdesk-0002.sqlite"
    shutil.copy(DATA / "effdesk-0002.sqlite", path)
    before = sqlite3.connect(path)
    cases_before = before.execute("SELECT id, number, state FROM complaints ORDER BY id").fetchall()
    before.close()
    assert cases_before  # the fixture holds cases

    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            head_revision()
        )
        indexes = {
            name: sql
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'complaints'"
            )
        }
        for name in (
            "ix_complaints_handler_received",
            "ix_complaints_state_received",
            "ix_complaints_list",
            "ix_complaints_filters_by_id",
            "ix_complaints_running",
        ):
            assert name in indexes, name
        assert "WHERE state IN ('registered'" in indexes["ix_complaints_running"]
        # Built over the rows that were there: every case is in the full indexes, the running
        # ones in the partial index.
        listed = conn.exec_driver_sql(
            "SELECT count(*) FROM complaints INDEXED BY ix_complaints_list"
        ).scalar()
        by_id = conn.exec_driver_sql(
            "SELECT count(*) FROM complaints INDEXED BY ix_complaints_filters_by_id"
        ).scalar()
        assert listed == by_id == len(cases_before)
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with db.session() as s:
        after = [
            (c.id, c.number, c.state.value)
            for c in s.scalars(select(Complaint).order_by(Complaint.id))
        ]
        assert after == [tuple(r) for r in cases_before]
        running = frozenset(
            {ComplaintState.INVESTIGATING, ComplaintState.REGISTERED, ComplaintState.ROUTED}
        )
        page = svc.search_complaints(s, CLERK, svc.ComplaintFilter(states=running))
        expected = [r[0] for r in cases_before if r[2] in {x.value for x in running}]
        assert sorted(r.id for r in page.rows) == sorted(expected)
        assert svc.count_complaints(s, CLERK, svc.ComplaintFilter(states=running)) == len(expected)
        # The full-text index of 0002 still answers.
        assert svc.search_complaints(s, CLERK, svc.ComplaintFilter(text="玩手机游戏")).rows
    db.dispose()
