"""The yearly number allocator: gap-free, reset each year, safe when two PCs issue at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.db.engine import Database, open_database
from effdesk.db.models import NumberSeries
from effdesk.services.numbering import (
    allocate,
    allocate_number,
    format_document_number,
    peek_next_number,
)


def test_consecutive_from_one_and_yearly_reset(session: Session) -> None:
    got = [allocate_number(session, "doc:circular", 2026, "X效办") for _ in range(3)]
    assert got == [1, 2, 3]
    assert allocate_number(session, "doc:circular", 2027, "X效办") == 1
    assert allocate_number(session, "doc:notice", 2026, "X效办") == 1
    assert allocate_number(session, "doc:circular", 2026, "X效办") == 4
    assert peek_next_number(session, "doc:circular", 2026) == 5
    assert peek_next_number(session, "doc:circular", 2028) == 1
    rows = session.scalars(select(NumberSeries).order_by(NumberSeries.id)).all()
    assert [(r.key, r.year, r.last_number) for r in rows] == [
        ("doc:circular", 2026, 4),
        ("doc:circular", 2027, 1),
        ("doc:notice", 2026, 1),
    ]


def test_rollback_gives_the_number_back(db: Database) -> None:
    with db.session() as s:
        assert allocate_number(s, "k", 2026, "P") == 1
    with pytest.raises(RuntimeError), db.session() as s:
        assert allocate_number(s, "k", 2026, "P") == 2
        raise RuntimeError("rendering failed")
    with db.session() as s:
        assert allocate_number(s, "k", 2026, "P") == 2


def test_loaded_series_object_is_refreshed(session: Session) -> None:
    first = allocate(session, "k", 2026, "P")
    series = session.get(NumberSeries, first.series_id)
    assert series is not None and series.last_number == 1
    allocate(session, "k", 2026, "P")
    assert series.last_number == 2


def test_number_format() -> None:
    assert format_document_number("X效办", 2026, 7) == "X效办\u30142026\u30157号"


def _race(dbs: list[Database], per_worker: int) -> list[int]:
    got: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(dbs))
    errors: list[BaseException] = []

    def work(database: Database) -> None:
        try:
            start.wait()
            for _ in range(per_worker):
                with database.session() as s:
                    n = allocate_number(s, "doc:circular", 2026, "X效办")
                    # Hold the transaction open a moment so the other worker really waits.
                    s.execute(select(NumberSeries.id)).all()
                with lock:
                    got.append(n)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return got


def test_two_engines_on_the_same_file_get_distinct_consecutive_numbers(
    db: Database, tmp_path: Path
) -> None:
    other = open_database(db.url)  # a second PC: its own engine and connection pool
    try:
        got = _race([db, other], per_worker=15)
    finally:
        other.dispose()
    assert sorted(got) == list(range(1, 31))


def test_two_connections_of_one_engine_get_distinct_numbers(db: Database) -> None:
    got = _race([db, db, db], per_worker=10)
    assert sorted(got) == list(range(1, 31))
