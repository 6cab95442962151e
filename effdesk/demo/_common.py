"""Plumbing of the demo generator: seeded randomness, deterministic ids, working-day tables,
bulk inserts with SQLAlchemy Core."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert

from effdesk.calendar import Deadline, WorkCalendar, provisional_is_workday
from effdesk.db.base import Base

T = TypeVar("T")
Progress = Callable[[int, int, str], None]
Row = dict[str, Any]


class Rand(random.Random):
    """A seeded generator with the helpers the demo needs (and version-4 UUIDs from it)."""

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.getrandbits(128), version=4))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence[T], cum_weights: Sequence[float]) -> T:
        return self.choices(items, cum_weights=cum_weights)[0]


def section_rng(seed: int, section: str) -> Rand:
    """One generator per part of the demo, so that e.g. ``--complaints`` changes only the
    complaints and not the directory."""
    return Rand(f"effdesk-demo:{seed}:{section}")


def cumulative(weights: Iterable[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


class WorkDays:
    """Working-day arithmetic with the office calendar, cached for bulk use.

    Gives exactly what :func:`compute_deadline` gives (the tests compare them), but asks the
    calendar about each day only once: the demo computes millions of deadlines over a few
    hundred distinct days, and asking per deadline would dominate the build time.
    """

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self._workday: dict[date, bool] = {}
        self._known: dict[int, bool] = {}
        self._cache: dict[tuple[date, int], Deadline] = {}

    def knows(self, year: int) -> bool:
        known = self._known.get(year)
        if known is None:
            known = self._known[year] = self.calendar.knows(year)
        return known

    def is_workday(self, day: date) -> bool:
        found = self._workday.get(day)
        if found is None:
            if self.knows(day.year):
                found = self.calendar.is_workday(day)
            else:
                found = provisional_is_workday(day)
            self._workday[day] = found
        return found

    def deadline(self, start: date, days: int) -> Deadline:
        """``days`` working days after ``start`` (see :func:`compute_deadline`)."""
        key = (start, days)
        found = self._cache.get(key)
        if found is None:
            current = start
            if days == 0:
                while not self.is_workday(current):
                    current += timedelta(days=1)
                provisional = not self.knows(start.year) or not self.knows(current.year)
            else:
                counted = 0
                while counted < days:
                    current += timedelta(days=1)
                    if self.is_workday(current):
                        counted += 1
                provisional = not self.knows(current.year) or not self.knows(
                    (start + timedelta(days=1)).year
                )
            found = self._cache[key] = Deadline(current, provisional)
        return found

    def add(self, start: date, days: int) -> date:
        return self.deadline(start, days).due

    def previous(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        d = day - timedelta(days=1)
        while not self.is_workday(d):
            d -= timedelta(days=1)
        return d


def office_time(rng: Rand, day: date, *, morning_only: bool = False) -> datetime:
    """A moment in office hours (08:30–11:50, 14:30–17:30) of ``day``."""
    if morning_only or rng.random() < 0.55:
        minutes = 8 * 60 + 30 + int(rng.random() * 200)
    else:
        minutes = 14 * 60 + 30 + int(rng.random() * 180)
    return datetime.combine(day, time(minutes // 60, minutes % 60, int(rng.random() * 60)))


@dataclass
class Inserter:
    """Collects rows per table and writes them with Core ``insert()`` executemany."""

    conn: Connection
    batch: int = 5000
    pending: dict[str, list[Row]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: Table, row: Row) -> None:
        rows = self.pending.setdefault(table.name, [])
        self.tables[table.name] = table
        rows.append(row)

    def extend(self, table: Table, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self, order: Sequence[Table] | None = None) -> None:
        """Insert everything pending, parents first when ``order`` is given."""
        names = [t.name for t in order] if order else list(self.pending)
        names += [n for n in self.pending if n not in names]
        for name in names:
            rows = self.pending.get(name)
            if not rows:
                continue
            table = self.tables[name]
            for start in range(0, len(rows), self.batch):
                self.conn.execute(insert(table), rows[start : start + self.batch])
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()


def table(model: type[Base]) -> Table:
    """The Core table of a mapped class (typed, for ``insert()``)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


def record_columns(rng: Rand, row_id: int, at: datetime, updated: datetime | None = None) -> Row:
    """id, uuid, created/updated and version of a :class:`Record` row."""
    return {
        "id": row_id,
        "uuid": rng.uuid(),
        "created_at": at,
        "updated_at": updated or at,
        "version": 1,
    }
