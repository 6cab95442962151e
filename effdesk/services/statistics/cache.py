"""The statistics cache: a year of figures from a few thousand cells instead of every case.

Every complaint figure (definitions.py) is "the cases of the period that satisfy a condition
on dates up to the as-of date". Split it in two:

* the **as-of-independent part** — the figure as if judged at the end of time (concluded at
  all, on time at all, replied at all …) — sums over received days. ``stats_day_cells`` holds
  those sums per received day and per unit, category, channel and handler;
* the **correction** for the as-of date: the cases of the period with a conclusion, reply or
  return visit *after* it (none when judging on today), and the cases still open whose limit
  passed before it. Both are small sets found by index (``ix_complaints_reply_date``,
  ``ix_complaints_return_visit_date``, the partial ``ix_complaints_open_stats``), and counted
  with the very conditions of definitions.py, so the result equals a full scan exactly (the
  tests compare the two on every figure).

Keeping in step: every change of a complaint writes a history event (ComplaintEvent). The cache
remembers the last event it took in; before answering it rebuilds the days of the cases with
newer events (and, for a 受理日期 edited since, the day the case left). The first use builds
everything. :func:`rebuild` builds again from scratch (after a restore, or a change made
outside EffDesk). On PostgreSQL with several PCs an event committed out of id order could be
missed until then; the lock on the state row keeps two refreshes from colliding.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, extract, func, insert, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from effdesk.db.base import now
from effdesk.db.models import Complaint, ComplaintEvent, StatsCacheState, StatsDayCell
from effdesk.enums import Channel, ComplaintEventKind, ComplaintState
from effdesk.services.statistics.definitions import (
    Figure,
    GroupBy,
    counted_condition,
    figure_condition,
    open_overdue_condition,
    received_condition,
)

# "Judged at the end of time": the as-of-independent part of each figure.
FOREVER = date(9999, 12, 31)
# The as-of-dependent figures kept in the cells (received has no date but 受理日期).
CELL_FIGURES = (
    Figure.RECEIVED,
    Figure.CONCLUDED,
    Figure.ON_TIME,
    Figure.SUBSTANTIATED,
    Figure.REPLIED,
    Figure.VISITED,
    Figure.SATISFIED,
)
DIMENSIONS: dict[GroupBy, Any] = {
    GroupBy.UNIT: Complaint.unit_id,
    GroupBy.CATEGORY: Complaint.category_id,
    GroupBy.CHANNEL: Complaint.channel,
    GroupBy.HANDLER: Complaint.handler_user_id,
}
DAY_BATCH = 200

GroupKey = int | str | None


def _noidx(col: Any) -> Any:
    """SQLite's unary ``+``: the same value, but the planner may not drive from its index."""
    return UnaryExpression(col, operator=operators.custom_op("+"), type_=col.type)


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _cell_columns() -> list[ColumnElement[Any]]:
    counted = counted_condition()
    return [
        func.count(Complaint.id),
        _sum((Complaint.rejection_reason != "") & (Complaint.state != ComplaintState.MERGED)),
        _sum(Complaint.state == ComplaintState.MERGED),
        *(_sum(counted & figure_condition(f, FOREVER)) for f in CELL_FIGURES),
    ]


CELL_NAMES = ("registered", "rejected", "merged", *(f.value for f in CELL_FIGURES))


def key_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Channel):
        return str(value.value)
    return str(value)


def key_value(dim: GroupBy, text: str) -> GroupKey:
    if text == "":
        return None
    return text if dim is GroupBy.CHANNEL else int(text)


# --------------------------------------------------------------------------- keeping in step


def _build_days(session: Session, days: Iterable[date] | None) -> None:
    """(Re)build the cells of ``days`` (None: every day)."""
    day_list = sorted(set(days)) if days is not None else None
    batches: list[list[date] | None] = (
        [day_list[i : i + DAY_BATCH] for i in range(0, len(day_list), DAY_BATCH)]
        if day_list is not None
        else [None]
    )
    for batch in batches:
        if batch is not None and not batch:
            continue
        cells = StatsDayCell
        # Read first, then write: the write lock is held only for the delete and the inserts.
        rows: list[dict[str, Any]] = []
        for dim, column in DIMENSIONS.items():
            stmt = select(Complaint.received_date, column, *_cell_columns()).group_by(
                Complaint.received_date, column
            )
            if batch is not None:
                stmt = stmt.where(Complaint.received_date.in_(batch))
            rows += [
                {
                    "dim": dim.value,
                    "day": r[0],
                    "key": key_text(r[1]),
                    **{name: int(v or 0) for name, v in zip(CELL_NAMES, r[2:], strict=True)},
                }
                for r in session.execute(stmt)
            ]
        stmt_delete = delete(cells)
        if batch is not None:
            stmt_delete = stmt_delete.where(cells.day.in_(batch))
        session.execute(stmt_delete)
        for i in range(0, len(rows), 5000):
            session.execute(insert(cells), rows[i : i + 5000])


# The dashboard and 统计台账 ask for figures from two worker threads at once. On SQLite a
# transaction that has read cannot write after another one committed ("database is locked"),
# so callers that may refresh hold this lock around their whole session (``one_at_a_time``),
# and refresh takes it too: one cache update at a time in a process.
_REFRESH_LOCK = threading.RLock()


def one_at_a_time() -> threading.RLock:
    """Hold around a session that computes statistics from a worker thread."""
    return _REFRESH_LOCK


def refresh(session: Session) -> None:
    """Take in every complaint change since the last refresh (the first call builds all)."""
    with _REFRESH_LOCK:
        _refresh(session)


def _refresh(session: Session) -> None:
    state = session.get(StatsCacheState, 1, with_for_update=True)
    last = int(session.scalar(select(func.max(ComplaintEvent.id))) or 0)
    if state is None:
        _build_days(session, None)
        try:
            with session.begin_nested():
                session.add(StatsCacheState(id=1, last_event_id=last, built_at=now()))
        except IntegrityError:
            # Another PC built the cache meanwhile (the same cells from the same cases).
            session.expire_all()
        return
    if last <= state.last_event_id:
        return
    newer = (ComplaintEvent.id > state.last_event_id, ComplaintEvent.id <= last)
    ids = select(ComplaintEvent.complaint_id).where(*newer).distinct()
    days = set(session.scalars(select(Complaint.received_date).where(Complaint.id.in_(ids))))
    for (changes,) in session.execute(
        select(ComplaintEvent.changes).where(
            *newer, ComplaintEvent.kind == ComplaintEventKind.EDITED
        )
    ):
        moved = (changes or {}).get("received_date")
        if isinstance(moved, list) and moved and isinstance(moved[0], str):
            days.add(date.fromisoformat(moved[0][:10]))
    _build_days(session, days)
    state.last_event_id = last
    session.flush()


def rebuild(session: Session) -> None:
    """Build the whole cache again from the complaints."""
    session.execute(delete(StatsCacheState))
    session.flush()
    refresh(session)


# --------------------------------------------------------------------------- reading


def _dim_columns(by: GroupBy) -> list[Any]:
    if by is GroupBy.MONTH:
        return [extract("year", Complaint.received_date), extract("month", Complaint.received_date)]
    return [DIMENSIONS[by]]


def _dim_key(by: GroupBy, parts: Any) -> GroupKey:
    if by is GroupBy.MONTH:
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}"
    value = parts[0]
    if value is None:
        return None
    if isinstance(value, Channel):
        return str(value.value)
    return value if isinstance(value, str) else int(value)


def _cells(
    session: Session, dim: GroupBy, date_from: date, end: date, by_month: bool = False
) -> dict[tuple[GroupKey, GroupKey], dict[str, int]]:
    """Cell sums of the period per (``dim`` key, month "YYYY-MM" or None)."""
    c = StatsDayCell
    sums = [func.sum(getattr(c, name)) for name in CELL_NAMES]
    months: list[Any] = [extract("year", c.day), extract("month", c.day)] if by_month else []
    keys = [c.key, *months]
    stmt = (
        select(*keys, *sums)
        .where(c.dim == dim.value, c.day >= date_from, c.day <= end)
        .group_by(*keys)
    )
    out: dict[tuple[GroupKey, GroupKey], dict[str, int]] = {}
    for r in session.execute(stmt):
        month = f"{int(r[1]):04d}-{int(r[2]):02d}" if by_month else None
        out[(key_value(dim, r[0]), month)] = {
            n: int(v or 0) for n, v in zip(CELL_NAMES, r[len(keys) :], strict=True)
        }
    return out


def _corrections(
    session: Session, by: GroupBy, date_from: date, end: date, as_of: date
) -> dict[tuple[GroupKey, GroupKey], dict[str, int]]:
    """Per (unit, ``by`` key or None): what the as-of date takes off each figure, and
    open_overdue."""
    out: dict[tuple[GroupKey, GroupKey], dict[str, int]] = {}
    dims = _dim_columns(by) if by is not GroupBy.UNIT else []
    keys: list[Any] = [Complaint.unit_id, *dims]

    def add(rows: Any, names: tuple[str, ...]) -> None:
        for r in rows:
            unit = int(r[0]) if r[0] is not None else None
            dim_key = _dim_key(by, r[1 : len(keys)]) if dims else None
            bucket = out.setdefault((unit, dim_key), {})
            for name, v in zip(names, r[len(keys) :], strict=True):
                bucket[name] = bucket.get(name, 0) + int(v or 0)

    # Conclusions, replies and visits after the as-of date (a reply follows its conclusion and
    # a visit its reply, but each is checked on its own all the same), found through the
    # three date indexes (a union of small sets) — not by walking the period's received
    # dates, which SQLite would otherwise prefer.
    later = Complaint.id.in_(
        union(
            select(Complaint.id).where(Complaint.concluded_date > as_of),
            select(Complaint.id).where(Complaint.reply_date > as_of),
            select(Complaint.id).where(Complaint.return_visit_date > as_of),
        )
    )
    received = received_condition(date_from, end)
    if session.get_bind().dialect.name == "sqlite":
        received = and_(
            _noidx(Complaint.received_date) >= date_from, _noidx(Complaint.received_date) <= end
        )
    late_names = (*(f.value for f in CELL_FIGURES[1:]), "open_overdue")
    sums = [
        *(
            _sum(figure_condition(f, FOREVER) & ~figure_condition(f, as_of))
            for f in CELL_FIGURES[1:]
        ),
        _sum(open_overdue_condition(as_of)),
    ]
    concluded = Complaint.concluded_date.is_not(None)
    add(
        session.execute(
            select(*keys, *sums)
            .where(received, counted_condition(), concluded, later)
            .group_by(*keys)
        ),
        late_names,
    )
    # Still open (never concluded) and past the limit at the as-of date: the partial index
    # ix_complaints_open_stats covers this query.
    open_rows = session.execute(
        select(*keys, func.count(Complaint.id))
        .where(
            Complaint.concluded_date.is_(None),
            received_condition(date_from, end),
            Complaint.due_date < as_of,
            counted_condition(),
        )
        .group_by(*keys)
    )
    add(open_rows, ("open_overdue",))
    return out


def _counts(cell: dict[str, int] | None, correction: dict[str, int] | None) -> dict[str, int]:
    values = {name: (cell or {}).get(name, 0) for name in CELL_NAMES if name != "registered"}
    values["open_overdue"] = 0
    for name, v in (correction or {}).items():
        values[name] = values[name] + v if name == "open_overdue" else values[name] - v
    return values


def cached_case_counts(
    session: Session, date_from: date, end: date, as_of: date, by: GroupBy
) -> tuple[dict[GroupKey, dict[str, int]], dict[GroupKey, dict[str, int]]]:
    """Complaint figures per unit and per ``by`` key (empty when ``by`` is the unit), each a
    mapping of Counts field → value, equal to a full scan with definitions.py."""
    refresh(session)
    unit_corr: dict[GroupKey, dict[str, int]] = {}
    dim_corr: dict[GroupKey, dict[str, int]] = {}
    for (unit, dim_key), values in _corrections(session, by, date_from, end, as_of).items():
        _add_into(unit_corr.setdefault(unit, {}), values)
        _add_into(dim_corr.setdefault(dim_key, {}), values)
    # The unit cells give the units, and the months when asked by month.
    unit_cells: dict[GroupKey, dict[str, int]] = {}
    dim_cells: dict[GroupKey, dict[str, int]] = {}
    by_month = by is GroupBy.MONTH
    for (unit, month), values in _cells(session, GroupBy.UNIT, date_from, end, by_month).items():
        _add_into(unit_cells.setdefault(unit, {}), values)
        if by_month:
            _add_into(dim_cells.setdefault(month, {}), values)
    if by not in (GroupBy.UNIT, GroupBy.MONTH):
        dim_cells = {k: v for (k, _m), v in _cells(session, by, date_from, end).items()}
    per_unit = {
        k: _counts(unit_cells.get(k), unit_corr.get(k)) for k in set(unit_cells) | set(unit_corr)
    }
    per_dim: dict[GroupKey, dict[str, int]] = {}
    if by is not GroupBy.UNIT:
        per_dim = {
            k: _counts(dim_cells.get(k), dim_corr.get(k)) for k in set(dim_cells) | set(dim_corr)
        }
    return _nonempty(per_unit), _nonempty(per_dim)


def _add_into(bucket: dict[str, int], values: dict[str, int]) -> None:
    for name, v in values.items():
        bucket[name] = bucket.get(name, 0) + v


def _nonempty(groups: dict[GroupKey, dict[str, int]]) -> dict[GroupKey, dict[str, int]]:
    return {k: v for k, v in groups.items() if any(v.values())}
