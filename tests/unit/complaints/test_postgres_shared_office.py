"""Several PCs on one office database (issue 17): on PostgreSQL when EFFDESK_TEST_PG_URL is
set (CI starts a throwaway cluster), and on SQLite where the same guarantee holds.

Each "PC" is a Database object of its own on the same URL: its own engine, its own pool.
Documents issued at once from two PCs: tests/unit/documents/test_register.py
(test_concurrent_issue_from_two_pcs) and the allocator in test_numbering.py, both on the
parametrised ``db`` fixture, so on both backends.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from complaint_helpers import T0, World, make_world
from sqlalchemy import select, text

from effdesk.auth import Actor
from effdesk.cli import main
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Complaint, User, UserRole
from effdesk.enums import Role
from effdesk.errors import ConcurrentEditError
from effdesk.services import complaints as svc


def _people(db: Database) -> dict[str, Actor]:
    people = {}
    with db.session() as s:
        for name, role in (
            ("zhaoxl", Role.CLERK),
            ("qianwj", Role.CLERK),
            ("inspector", Role.INSPECTOR),
            ("leader", Role.LEADER),
            ("admin", Role.ADMIN),
        ):
            user = User(username=name, display_name=name, must_change_password=False)
            user.roles = [UserRole(role=role)]
            s.add(user)
            s.flush()
            people[name] = Actor(user.id, name, frozenset({role}), name)
    return people


def test_case_edited_on_two_pcs_second_save_names_who_changed_what(db: Database) -> None:
    people = _people(db)
    with db.session() as s:
        world = make_world(s, {**people, "clerk": people["zhaoxl"]})
        case_id = world.register().id
        theirs = world.input(summary="另一台电脑改的摘要")
        mine = world.input(summary="这台电脑改的摘要")
    other_pc = open_database(db.url)
    try:
        # Both PCs open the case form: both see the same version.
        with db.session() as s:
            shown = s.get(Complaint, case_id)
            assert shown is not None
            version = shown.version
        # The other PC saves first.
        with other_pc.session() as s:
            svc.update_complaint(s, people["qianwj"], case_id, theirs, expected_version=version)
        # This PC saves its form (the version it showed): refused, naming who changed what.
        with pytest.raises(ConcurrentEditError, match="已被其他人修改") as err, db.session() as s:
            svc.update_complaint(
                s,
                people["zhaoxl"],
                case_id,
                mine,
                expected_version=version,
                at=T0 + timedelta(hours=1),
            )
    finally:
        other_pc.dispose()
    other = err.value.other_change
    assert "qianwj" in other and "效投2026-0001" in other
    assert "summary：窗口工作人员服务态度生硬，推诿不办 → 另一台电脑改的摘要" in other
    with db.session() as s:  # the first save stands, nothing of the refused one was written
        case = s.get(Complaint, case_id)
        assert case is not None and case.summary == "另一台电脑改的摘要"
        assert case.version > version


def test_stale_row_at_save_names_who_changed_what(db: Database) -> None:
    """The lost-update race itself: this PC loaded the row before the other PC's commit and
    saves without a form version (the row's version check at flush refuses it). The other
    change is described for this actor (identity fields masked for roles that may not see
    the complainant; a clerk may)."""
    people = _people(db)
    with db.session() as s:
        world = make_world(s, {**people, "clerk": people["zhaoxl"]})
        case_id = world.register().id
        theirs = world.input(complainant_name="李四光", summary="另一台电脑改的摘要")
        mine = world.input(summary="这台电脑改的摘要")
    other_pc = open_database(db.url)
    mine_session = db.sessions()
    try:
        loaded = mine_session.get(Complaint, case_id)  # this PC holds the row as it was
        assert loaded is not None
        with other_pc.session() as s:
            svc.update_complaint(s, people["qianwj"], case_id, theirs, expected_version=None)
        with pytest.raises(ConcurrentEditError, match="刚被其他人修改") as err:
            svc.update_complaint(
                mine_session, people["zhaoxl"], case_id, mine, expected_version=None
            )
        mine_session.rollback()
    finally:
        mine_session.close()
        other_pc.dispose()
    other = err.value.other_change
    assert "qianwj" in other and "另一台电脑改的摘要" in other
    assert "李四光" in other  # a clerk sees the complainant
    with db.session() as s:
        case = s.get(Complaint, case_id)
        assert case is not None and case.summary == "另一台电脑改的摘要"


def test_cases_registered_on_two_pcs_at_once_get_distinct_consecutive_numbers(
    db: Database,
) -> None:
    people = _people(db)
    with db.session() as s:
        world = make_world(s, {**people, "clerk": people["zhaoxl"]})
        data = world.input()
    pcs = [db, open_database(db.url)]
    start = threading.Barrier(len(pcs))
    got: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(pc: Database, clerk: Actor) -> None:
        try:
            start.wait()
            for _ in range(8):
                with pc.session() as s:
                    number = svc.register_complaint(s, clerk, data).number
                with lock:
                    got.append(number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(pc, people[name]))
        for pc, name in zip(pcs, ("zhaoxl", "qianwj"), strict=True)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        pcs[1].dispose()
    assert not errors, errors
    assert len(got) == 16 and len(set(got)) == 16
    with db.session() as s:
        numbers = s.scalars(select(Complaint.number).order_by(Complaint.id)).all()
    serials = sorted(int(n.rsplit("-", 1)[-1]) for n in numbers)
    assert serials == list(range(serials[0], serials[0] + 16))


@pytest.mark.postgres
def test_stats_json_identical_on_sqlite_and_postgresql_for_one_demo_seed(
    tmp_path: Path,
    postgres_databases: Any,  # tests/conftest.py PostgresDatabases
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``effdesk demo`` builds the same seed into a SQLite file and into a PostgreSQL
    database; ``effdesk stats --json`` then prints the same bytes for every grouping."""
    urls = [
        f"sqlite:///{tmp_path / 'demo.sqlite'}",
        postgres_databases.empty("effdesk_test_demo"),
    ]
    outputs = []
    try:
        for url in urls:
            demo = ["--db", url, "demo", "--seed", "17", "--complaints", "40"]
            assert main([*demo, "--today", "2026-06-30"]) == 0
            capsys.readouterr()
            for by in ("unit", "category", "channel", "month", "handler"):
                args = ["--db", url, "stats", "--from", "2025-07-01", "--to", "2026-06-30"]
                assert main([*args, "--as-of", "2026-06-30", "--by", by, "--json"]) == 0
            outputs.append(capsys.readouterr().out)
    finally:
        postgres_databases.drop("effdesk_test_demo")
    assert outputs[0] == outputs[1]
    first = json.loads(outputs[0].split("\n}\n")[0] + "\n}")
    assert first["received"] > 0


def test_chinese_phrases_are_served_by_the_trigram_index(world: World) -> None:
    """pg_trgm makes trigrams of Chinese text only under a UTF-8 locale other than C (the
    office server's, and the CI cluster's C.UTF-8): the search must find a 3-character phrase
    and the planner must be able to answer it from the GIN index."""
    if world.session.get_bind().dialect.name != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's (SQLite's FTS5 plans: test_search_query_plans.py)")
    meal = world.register(summary="上班时间吃早餐", content="8点半窗口无人，工作人员在吃早餐").id
    world.register(summary="不动产登记窗口推诿扯皮")
    page = svc.search_complaints(world.session, world.clerk, svc.ComplaintFilter(text="吃早餐"))
    assert [r.id for r in page.rows] == [meal]
    s = world.session
    assert s.scalar(text("SELECT cardinality(show_trgm('吃早餐'))")) > 0  # none under C
    s.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        s.scalars(text("EXPLAIN SELECT id FROM complaints WHERE search_text ILIKE '%吃早餐%'"))
    )
    assert "ix_complaints_search_text_trgm" in plan, plan
