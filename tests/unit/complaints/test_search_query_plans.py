"""EXPLAIN QUERY PLAN of the list's plans (search.py), pinned: each filter combination a
clerk uses reads the index measured for it on a million cases (docs/benchmarks.md), in list
order where the plan relies on it, and never the wide complaint rows by a table scan. A plan
that regresses (an index dropped or renamed, a hint lost, a condition the index cannot answer)
fails here, not in a benchmark.

The plans depend on sizes; the tests force each with the planning constants, as a database of
a million cases would choose it, and check what SQLite makes of the statements sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from complaint_helpers import World, instructed, to_awaiting, to_investigating, to_routed
from sqlalchemy import event

from effdesk.enums import Channel, ComplaintState, DueStatus
from effdesk.services import complaints as svc
from effdesk.services.complaints import search

F = svc.ComplaintFilter
TODAY = date(2026, 6, 1)


@pytest.fixture
def cases(world: World) -> World:
    if world.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite query plans")
    start = datetime(2026, 3, 2, 9, 0)
    for i in range(12):
        case = world.register(
            at=start + timedelta(days=i),
            unit_id=world.police if i % 2 else world.market,
            channel=Channel.LETTER if i % 3 else Channel.PHONE,
        )
        if i % 4 == 1:
            to_awaiting(world, case, start + timedelta(days=i, hours=1))
        elif i % 4 == 2:
            to_awaiting(world, case, start + timedelta(days=i, hours=1))
            instructed(world, case, start + timedelta(days=i, hours=2))
            to_routed(world, case, start + timedelta(days=i, hours=3))
            to_investigating(world, case, start + timedelta(days=i, hours=4))
    return world


@contextmanager
def plans(world: World) -> Iterator[list[str]]:
    """The EXPLAIN QUERY PLAN lines of every complaint query sent inside the block."""
    sent: list[tuple[str, Any]] = []
    engine = world.session.get_bind()

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if "complaints" in statement and not statement.startswith("EXPLAIN"):
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    lines: list[str] = []
    try:
        yield lines
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    raw = world.session.connection().connection.driver_connection
    assert raw is not None
    for statement, params in sent:
        rows = raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        lines.append(f"-- {statement.split(' WHERE ')[0][:90]}")
        lines.extend(str(r[3]) for r in rows)


def page(world: World, filters: svc.ComplaintFilter) -> list[str]:
    with plans(world) as lines:
        svc.search_complaints(world.session, world.clerk, filters, 0, 5, today=TODAY)
    return lines


def no_table_scan(lines: list[str]) -> None:
    scans = [line for line in lines if line.startswith("SCAN complaints") and "INDEX" not in line]
    assert not scans, "\n".join(lines)


def has(lines: list[str], *wanted: str) -> None:
    for w in wanted:
        assert any(w in line for line in lines), f"{w!r} not in plan:\n" + "\n".join(lines)


def lacks(lines: list[str], unwanted: str) -> None:
    assert not any(unwanted in line for line in lines), "\n".join(lines)


def test_due_status_and_open_states_walk_the_running_index(cases: World) -> None:
    for filters in (
        F(due_statuses=frozenset({DueStatus.OVERDUE})),
        F(states=frozenset({ComplaintState.INVESTIGATING}), due_statuses=frozenset(DueStatus)),
        F(states=frozenset({ComplaintState.ROUTED, ComplaintState.INVESTIGATING})),
    ):
        lines = page(cases, filters)
        has(lines, "SCAN complaints USING COVERING INDEX ix_complaints_running")
        lacks(lines, "TEMP B-TREE")  # in list order: the walk stops at the page
        no_table_scan(lines)


def test_handler_overdue_driven_by_the_handler_index(
    cases: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WALK_BUDGET", 10**9)  # a handler smaller than the running set
    lines = page(
        cases,
        F(handler_user_id=cases.clerk.user_id, due_statuses=frozenset({DueStatus.OVERDUE})),
    )
    has(
        lines,
        "INDEX ix_complaints_handler_received (handler_user_id=?)",
        "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id=?)",
    )
    lacks(lines, "TEMP B-TREE")
    no_table_scan(lines)


def test_non_running_filters_walk_the_list_index(cases: World) -> None:
    for filters in (
        F(channels=frozenset({Channel.LETTER}), states=frozenset({ComplaintState.ARCHIVED})),
        F(category_id=cases.attitude, received_from=date(2026, 3, 1), received_to=date(2026, 4, 1)),
        F(),
    ):
        lines = page(cases, filters)
        has(lines, "USING COVERING INDEX ix_complaints_list")
        lacks(lines, "TEMP B-TREE")
        no_table_scan(lines)


def test_a_selective_filter_drives_when_the_walk_finds_no_page(
    cases: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WALK_BUDGET", 1)
    lines = page(
        cases,
        F(category_id=cases.attitude, received_from=date(2026, 3, 1), received_to=date(2026, 4, 1)),
    )
    has(
        lines,
        # the date range bounds the walk of the category's index, not only the check
        "INDEX ix_complaints_category_received (category_id=? AND received_date>? AND received_date<?)",
        "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id=?",
    )
    lacks(lines, "TEMP B-TREE")
    no_table_scan(lines)


def test_one_closed_state_drives_in_list_order(
    cases: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "WALK_BUDGET", 1)  # the recent cases hold no page of them
    lines = page(
        cases, F(channels=frozenset({Channel.MEDIA}), states=frozenset({ComplaintState.ARCHIVED}))
    )
    has(
        lines,
        "INDEX ix_complaints_state_received (state=?)",
        "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id=?)",
    )
    lacks(lines, "TEMP B-TREE")
    no_table_scan(lines)


def test_text_plans(cases: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Few matches: read from the matches, each checked in the by-id index.
    lines = page(cases, F(text="推诿扯皮", unit_id=cases.police))
    has(
        lines,
        "VIRTUAL TABLE INDEX",
        "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id=?)",
    )
    no_table_scan(lines)
    # Many matches, a small unit: the unit's cases in list order, LIKE-tested.
    monkeypatch.setattr(search, "FTS_SMALL", 1)
    monkeypatch.setattr(search, "LIKE_ROW_COST", 0)
    lines = page(cases, F(text="推诿扯皮", unit_id=cases.police))
    has(
        lines,
        "INDEX ix_complaints_unit_received (unit_id=?)",
        "SEARCH complaints USING INTEGER PRIMARY KEY (rowid=?)",
    )
    lacks(lines, "TEMP B-TREE")
    no_table_scan(lines)
    # Many matches, a big filter: the matches newest first, checked in the by-id index.
    monkeypatch.setattr(search, "LIKE_ROW_COST", 10**9)
    lines = page(cases, F(text="推诿扯皮", states=frozenset({ComplaintState.REGISTERED})))
    has(
        lines,
        "VIRTUAL TABLE INDEX",
        "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id=?)",
    )
    lacks(lines, "TEMP B-TREE FOR ORDER BY")
    no_table_scan(lines)


def test_counts_read_indexes_only(cases: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def counted(filters: svc.ComplaintFilter) -> list[str]:
        with plans(cases) as lines:
            svc.count_complaints(cases.session, cases.clerk, filters, today=TODAY)
        return lines

    lines = counted(F(due_statuses=frozenset({DueStatus.OVERDUE}), unit_id=cases.police))
    has(lines, "ix_complaints_unit_received (unit_id=?)")  # a small unit drives
    monkeypatch.setattr(search, "WALK_BUDGET", 0)  # a big one: the running cases are fewer
    lines = counted(F(due_statuses=frozenset({DueStatus.OVERDUE}), unit_id=cases.police))
    has(lines, "SCAN complaints USING COVERING INDEX ix_complaints_running")
    no_table_scan(lines)
    monkeypatch.setattr(search, "DRIVER_CAP", 0)  # no filter small enough to drive
    lines = counted(F(channels=frozenset({Channel.LETTER}), unit_id=cases.police))
    has(lines, "SCAN complaints USING COVERING INDEX ix_complaints_list")
    no_table_scan(lines)


def test_estimate_samples_the_by_id_index(cases: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_CHEAP", 0)
    monkeypatch.setattr(search, "ESTIMATE_BLOCKS", 3)
    monkeypatch.setattr(search, "ESTIMATE_BLOCK", 2)
    with plans(cases) as lines:
        found = svc.estimate_complaints(
            cases.session, cases.clerk, F(channels=frozenset({Channel.LETTER})), today=TODAY
        )
    assert not found.exact
    has(lines, "SEARCH complaints USING COVERING INDEX ix_complaints_filters_by_id (id>? AND id<?)")
    no_table_scan(lines)
