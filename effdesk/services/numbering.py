"""Yearly number series (document numbers, complaint numbers): gap-free, never duplicated.

Public API (shared by the documents and complaints services)::

    allocate_number(session, key: str, year: int, prefix: str) -> int
    allocate(session, key, year, prefix) -> Allocation(series_id, serial)
    peek_next_number(session, key: str, year: int) -> int
    format_document_number(prefix: str, year: int, serial: int) -> str   # "X效办〔2026〕7号"

``allocate_number`` takes the next serial of the series ``(key, year)`` inside the caller's
transaction: the first call of a year inserts the row (race-safe insert-or-ignore), then
``UPDATE number_series SET last_number = last_number + 1 ... RETURNING last_number`` bumps it.
The UPDATE holds the row lock (PostgreSQL) or the database write lock (SQLite) until the
caller commits or rolls back, so two PCs issuing at once get distinct consecutive numbers, and
a rolled-back transaction gives its number back (no gaps). Call it as late as possible in the
transaction: everything after it runs while other issuers wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Insert, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from effdesk.db.base import new_uuid, now
from effdesk.db.models import NumberSeries


@dataclass(frozen=True)
class Allocation:
    series_id: int
    serial: int


def format_document_number(prefix: str, year: int, serial: int) -> str:
    """GB/T 9704 发文字号: brackets 〔〕 (U+3014/U+3015), no 第, no leading zeros."""
    return f"{prefix}\u3014{year}\u3015{serial}号"


def _insert_if_missing(session: Session, key: str, year: int, prefix: str) -> None:
    values = {
        "key": key,
        "year": year,
        "prefix": prefix,
        "last_number": 0,
        "uuid": new_uuid(),
        "created_at": now(),
        "updated_at": now(),
        "version": 1,
    }
    dialect = session.get_bind().dialect.name
    stmt: Insert
    if dialect == "sqlite":
        stmt = (
            sqlite.insert(NumberSeries)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key", "year"])
        )
    elif dialect == "postgresql":
        stmt = (
            postgresql.insert(NumberSeries)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key", "year"])
        )
    else:  # any other backend: a savepoint absorbs the duplicate-key error of a racing insert
        exists = session.scalar(
            select(NumberSeries.id).where(NumberSeries.key == key, NumberSeries.year == year)
        )
        if exists is not None:
            return
        try:
            with session.begin_nested():
                session.execute(insert(NumberSeries).values(**values))
        except IntegrityError:
            pass
        return
    session.execute(stmt)


def allocate(session: Session, key: str, year: int, prefix: str) -> Allocation:
    """Take the next serial of series ``(key, year)``; see the module docstring for locking."""
    if not key:
        raise ValueError("number series key must not be empty")
    # Bump first when the row exists: on SQLite this takes the write lock at once, so the
    # insert below never races with a reader's stale snapshot.
    bump = (
        update(NumberSeries)
        .where(NumberSeries.key == key, NumberSeries.year == year)
        .values(
            last_number=NumberSeries.last_number + 1,
            prefix=prefix,
            version=NumberSeries.version + 1,
            updated_at=now(),
        )
        .returning(NumberSeries.id, NumberSeries.last_number)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(bump).first()
    if row is None:
        _insert_if_missing(session, key, year, prefix)
        row = session.execute(bump).first()
        if row is None:  # pragma: no cover - the row was just inserted in this transaction
            raise RuntimeError(f"number series {key}/{year} vanished")
    # Objects of this series already loaded in the session would otherwise show stale counts.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, NumberSeries) and obj.id == row.id:
            session.expire(obj)
    return Allocation(series_id=int(row.id), serial=int(row.last_number))


def allocate_number(session: Session, key: str, year: int, prefix: str) -> int:
    """Next serial (1, 2, 3 …) of the yearly series ``key`` in ``year``, in the caller's
    transaction; rolled back with it, so a failed issue consumes no number."""
    return allocate(session, key, year, prefix).serial


def peek_next_number(session: Session, key: str, year: int) -> int:
    """The serial the next allocation would get, for display only (never reserve with it)."""
    last = session.scalar(
        select(NumberSeries.last_number).where(NumberSeries.key == key, NumberSeries.year == year)
    )
    return (last or 0) + 1
