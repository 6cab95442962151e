"""Plumbing of the demo generator: seeded randomness, deterministic ids, working-day tables,
bulk inserts with SQLAlchemy Core."""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Connection, Date, DateTime, Enum, Numeric, Table, insert

from effdesk import enums
from effdesk.calendar import Deadline, WorkCalendar, provisional_is_workday
from effdesk.db.base import Base

T = TypeVar("T")
Progress = Callable[[int, int, str], None]
Row = dict[str, Any]


class Rand(random.Random):
    """A seeded generator with the helpers the demo needs (and version-4 UUIDs from it)."""

    def uuid(self) -> str:
        """The same string as ``str(uuid.UUID(int=self.getrandbits(128), version=4))``,
        formatted by hand because the demo makes millions of them."""
        n = self.getrandbits(128)
        n = (n & ~(0xF000 << 64)) | (4 << 76)  # version 4
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def chance(self, p: float) -> bool:
        return self.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def rint(self, low: int, high: int) -> int:
        """Like ``randint(low, high)`` with one draw (the demo makes millions)."""
        return low + int(self.random() * (high - low + 1))

    def weighted(self, items: Sequence[T], cum_weights: Sequence[float]) -> T:
        """One of ``items`` drawn by cumulative weights (what ``choices(k=1)`` does, faster)."""
        return items[bisect.bisect(cum_weights, self.random() * cum_weights[-1])]


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
        self._between: dict[tuple[date, date], int] = {}

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

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when ``end`` is not after ``start``."""
        key = (start, end)
        found = self._between.get(key)
        if found is None:
            found, day = 0, start
            while day < end:
                day += timedelta(days=1)
                if self.is_workday(day):
                    found += 1
            self._between[key] = found
        return found

    def previous(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        d = day - timedelta(days=1)
        while not self.is_workday(d):
            d -= timedelta(days=1)
        return d


_MIDNIGHT: dict[date, datetime] = {}


def office_time(rng: Rand, day: date, *, morning_only: bool = False) -> datetime:
    """A moment in office hours (08:30–11:50, 14:30–17:30) of ``day``, to the second."""
    midnight = _MIDNIGHT.get(day)
    if midnight is None:
        midnight = _MIDNIGHT[day] = datetime(day.year, day.month, day.day)
    r = rng.random()
    if morning_only:
        seconds = 30600 + int(r * 12000)
    elif r < 0.55:
        seconds = 30600 + int(r / 0.55 * 12000)
    else:
        seconds = 52200 + int((r - 0.55) / 0.45 * 10800)
    return midnight + timedelta(seconds=seconds)


def _json_text(v: Any) -> str | None:
    if v is None:
        return None
    return "{}" if v == {} else "[]" if v == [] else json.dumps(v)


# Every enumeration member → its stored code (a C-level dict lookup in the hot loop).
_ENUM_TEXT: dict[Any, Any] = {
    member: member.value
    for enum_class in vars(enums).values()
    if isinstance(enum_class, type) and issubclass(enum_class, enums.LabeledEnum)
    for member in enum_class
}


def _column_expression(column: Column[Any], i: int) -> str:
    """Python expression storing ``row[k{i}]`` as SQLAlchemy would on SQLite.

    DateTime: SQLAlchemy's format with microseconds always written (comparisons with bound
    parameters, written the same way, must stay correct); Date: ISO; Enum: the code; JSON:
    ``json.dumps``. Inlined, not called per value: this runs for tens of millions of values.
    """
    kind = column.type
    value = f"row[k{i}]"
    if isinstance(kind, DateTime):
        return f'(None if (v{i} := {value}) is None else v{i}.isoformat(" ", "microseconds"))'
    if isinstance(kind, Date):
        return f"(None if (v{i} := {value}) is None else v{i}.isoformat())"
    if isinstance(kind, Enum):
        return f"_enum_text((v{i} := {value}), v{i})"
    if isinstance(kind, JSON):
        return f"_json_text({value})"
    return value


_PLANS: dict[tuple[str, tuple[str, ...]], tuple[str, Callable[[Row], tuple[Any, ...]]]] = {}


def _row_function(target: Table, names: tuple[str, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """A compiled ``row -> tuple`` for these columns: one Python call per row, not per value."""
    parts = [_column_expression(target.c[name], i) for i, name in enumerate(names)]
    namespace: dict[str, Any] = {
        "_enum_text": _ENUM_TEXT.get,
        "_json_text": _json_text,
        **{f"k{i}": name for i, name in enumerate(names)},
    }
    exec(f"def convert(row):\n    return ({', '.join(parts)},)", namespace)
    convert: Callable[[Row], tuple[Any, ...]] = namespace["convert"]
    return convert


@dataclass
class Prepared:
    """Rows ready for one executemany: SQLite tuples in column order, or dicts for Core."""

    table: str
    names: tuple[str, ...]
    rows: list[Any]
    tuples: bool


def prepare_rows(target: Table, rows: Sequence[Row], sqlite: bool) -> Prepared:
    """Convert rows for :func:`insert_prepared` (may run in a worker process).

    SQLite: values are converted here exactly as SQLAlchemy's types would store them, so the
    driver gets plain tuples — per-row type processing in SQLAlchemy would otherwise cost more
    than generating the data. Other backends keep dicts for Core ``insert()``.
    """
    names = tuple(rows[0]) if rows else ()
    usable = sqlite and not any(isinstance(target.c[n].type, Numeric) for n in names)
    if not rows or not usable:
        return Prepared(target.name, names, list(rows), False)
    key = (target.name, names)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = (_insert_sql(target.name, names), _row_function(target, names))
    convert = plan[1]
    return Prepared(target.name, names, [convert(row) for row in rows], True)


def _insert_sql(name: str, names: tuple[str, ...]) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    return f'INSERT INTO "{name}" ({columns}) VALUES ({marks})'


def insert_prepared(conn: Connection, target: Table, prepared: Prepared) -> None:
    if not prepared.rows:
        return
    if prepared.tuples:
        conn.exec_driver_sql(_insert_sql(target.name, prepared.names), prepared.rows)
    else:
        conn.execute(insert(target), prepared.rows)


def bulk_insert(conn: Connection, target: Table, rows: Sequence[Row]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``target`` with one executemany."""
    if rows:
        insert_prepared(conn, target, prepare_rows(target, rows, conn.dialect.name == "sqlite"))


@dataclass
class Inserter:
    """Collects rows per table and writes them in batches (see :func:`bulk_insert`)."""

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
            target = self.tables[name]
            for start in range(0, len(rows), self.batch):
                bulk_insert(self.conn, target, rows[start : start + self.batch])
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
