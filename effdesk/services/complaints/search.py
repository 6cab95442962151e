"""Finding cases: the filtered list (one page at a time), counts, and the case view.

Text search: on SQLite the FTS5 table ``complaints_fts`` (trigram tokenizer, external content
on ``complaints``) answers terms of three or more characters; shorter terms fall back to LIKE.
On PostgreSQL every term is an ILIKE, served by the pg_trgm GIN indexes. The complainant's
identity (``search_identity``) is searched only for roles that may see it.

The list never counts its whole result (an exact count over a million filtered rows costs more
than the first screen): it fetches one row more than asked to know whether more follow;
:func:`estimate_complaints` gives a figure at once (exact when that is cheap) and
:func:`count_complaints` the exact one, both off the GUI thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar
from effdesk.db.base import now
from effdesk.db.models import (
    RUNNING_STATES_SQL,
    Complaint,
    ComplaintEvent,
    ComplaintPerson,
    ProblemCategory,
    Unit,
    User,
)
from effdesk.db.sqlite_hints import indexed_by
from effdesk.enums import AuditAction, ComplaintState, DueStatus
from effdesk.errors import NotFound, ValidationError
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, require
from effdesk.services.common import like_escape
from effdesk.services.complaints._core import (
    ACCEPTANCE_STATES,
    BASIS_KEY,
    CONCLUSION_STATES,
    REPLY_STATES,
    load_case,
    mask_changes,
)
from effdesk.services.complaints.deadlines import near_limit, running_deadline, status_for
from effdesk.services.complaints.lifecycle import pending_extension
from effdesk.services.complaints.policy import (
    NOT_KEPT_WHEN_ANONYMOUS,
    CaseFacts,
    allowed_actions,
    may_see_identity,
)
from effdesk.services.complaints.privacy import identity_masker, keep, masker_from_values
from effdesk.services.complaints.schema import (
    ANONYMOUS,
    MASK,
    ComplaintDetail,
    ComplaintFilter,
    ComplaintPage,
    ComplaintRow,
    ComplaintSort,
    EventRow,
    PersonRef,
    RunningDeadline,
)

FTS_MIN_CHARS = 3  # the trigram tokenizer cannot match anything shorter
_fts = table("complaints_fts", column("rowid"))
# Query planning on SQLite, measured on the 1,000,000-case demo database (see
# benchmarks/bench_complaint_search.py and docs/benchmarks.md). Complaint rows are wide (the
# texts and the search columns), so the plans read them as little as possible: two covering
# indexes over every filter column (migration 0003) answer the filters instead, LIST_INDEX in
# received order and BY_ID_INDEX by id (to check full-text matches against the filters).
# The plans name their index (INDEXED BY): tests/unit/complaints/test_search_query_plans.py
# pins what SQLite makes of them, test_search_plans.py that every plan gives the same page.
LIST_INDEX = "ix_complaints_list"
BY_ID_INDEX = "ix_complaints_filters_by_id"
STATE_INDEX = "ix_complaints_state_due"
STATE_ORDER_INDEX = "ix_complaints_state_received"
# LIST_INDEX over the cases running against a deadline only (a partial index): due statuses
# and open states are answered from it whole, a few percent of a mature office's cases.
RUNNING_INDEX = "ix_complaints_running"
RUNNING_STATES = ACCEPTANCE_STATES | CONCLUSION_STATES | REPLY_STATES
# Equality filters whose (column, received_date) index gives their cases in list order.
ORDERED_DRIVERS = {
    "unit_id": "ix_complaints_unit_received",
    "category_id": "ix_complaints_category_received",
    "handler_user_id": "ix_complaints_handler_received",
}
# The first screen walks LIST_INDEX in list order. When this many entries give no page of
# matches, the filters are selective: their smallest indexed filter drives instead.
WALK_BUDGET = 20_000
# How far the size of one indexed filter is counted (index only, so cheap).
DRIVER_CAP = 20_000
# A text search matching fewer cases than this is answered from its matches.
FTS_SMALL = 3000
# How far full-text matches are counted.
FTS_CAP = 50_000
# Reading a wide row to LIKE-test it, against checking a match in BY_ID_INDEX (measured).
LIKE_ROW_COST = 4.0
# The FTS-ordered window below serves pages up to this depth; deeper pages materialise.
WINDOW_MAX = 2000
# A count is exact at once when its plan reads no more than this many index entries;
# otherwise :func:`estimate_complaints` samples ESTIMATE_BLOCKS runs of ESTIMATE_BLOCK ids.
EXACT_CHEAP = 20_000
ESTIMATE_BLOCKS = 40
ESTIMATE_FTS_CAP = 500_000
ESTIMATE_BLOCK = 250


def _plain(col: Any) -> Any:
    return col


def _running_due() -> ColumnElement[Any]:
    return case(
        (Complaint.state.in_(ACCEPTANCE_STATES), Complaint.acceptance_due),
        (Complaint.state.in_(CONCLUSION_STATES), Complaint.due_date),
        (Complaint.state.in_(REPLY_STATES), Complaint.reply_due),
        else_=None,
    )


def due_condition(
    status: DueStatus, today: date, near_before: date, wrap: Callable[[Any], Any] = _plain
) -> ColumnElement[bool]:
    # Written per state group (not on the CASE expression) so that the (state, due_date)
    # index can serve the conclusion deadlines, which are most of the running cases.
    state = wrap(Complaint.state)

    def per_group(test: Any) -> ColumnElement[bool]:
        return or_(
            and_(state.in_(ACCEPTANCE_STATES), test(wrap(Complaint.acceptance_due))),
            and_(state.in_(CONCLUSION_STATES), test(wrap(Complaint.due_date))),
            and_(state.in_(REPLY_STATES), test(wrap(Complaint.reply_due))),
        )

    if status == DueStatus.OVERDUE:
        return per_group(lambda c: c < today)
    if status == DueStatus.NEAR:
        return per_group(lambda c: and_(c >= today, c < near_before))
    return per_group(lambda c: c >= near_before)


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _fts_match(query: str) -> ColumnElement[bool]:
    return literal_column("complaints_fts").op("MATCH")(bindparam("fts_query", query))


def _fts_ids(query: str) -> Any:
    return select(_fts.c.rowid).where(_fts_match(query))


def _like(term: str, with_identity: bool, sqlite: bool) -> ColumnElement[bool]:
    pattern = f"%{like_escape(term)}%"
    columns = [Complaint.search_text] + ([Complaint.search_identity] if with_identity else [])
    if sqlite:
        return or_(*[c.like(pattern, escape="\\") for c in columns])
    return or_(*[c.ilike(pattern, escape="\\") for c in columns])


def _text_parts(
    session: Session, text: str, with_identity: bool
) -> tuple[str | None, list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """(FTS5 query for the long terms or None, LIKE conditions for the short terms, LIKE
    conditions equivalent to the FTS query). On PostgreSQL every term is an ILIKE."""
    terms = [t for t in text.split() if t]
    sqlite = _is_sqlite(session)
    long_terms = [t for t in terms if len(t) >= FTS_MIN_CHARS] if sqlite else []
    short = [_like(t, with_identity, sqlite) for t in terms if t not in long_terms]
    if not long_terms:
        return None, short, []
    colset = "{search_text search_identity}" if with_identity else "search_text"
    query = " AND ".join(f"{colset} : {_fts_phrase(t)}" for t in long_terms)
    return query, short, [_like(t, with_identity, sqlite) for t in long_terms]


# C0 control characters (NUL …) and DEL: nobody types them; pasted from a broken file they
# made SQLite fail (NUL in an FTS5 query) or match everything (LIKE stops at the NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_search_text(text: str) -> None:
    """Refuse a search text holding control characters (ValidationError on ``text``)."""
    bad = _CONTROL.search(text)
    if bad is not None:
        code = f"U+{ord(bad.group()):04X}"
        name = "NUL 空字符" if bad.group() == "\x00" else f"控制字符 {code}"
        raise ValidationError(
            "text",
            f"搜索内容中含有不可见的{name}（可能是从损坏的文件中粘贴来的），无法搜索。"
            "请清空搜索框后重新输入。",
        )


def _conditions(
    filters: ComplaintFilter,
    today: date,
    near_before: date,
) -> list[ColumnElement[bool]]:
    """The non-text filters."""
    out: list[ColumnElement[bool]] = []
    if filters.states:
        out.append(Complaint.state.in_(sorted(filters.states)))
    if filters.due_statuses:
        out.append(or_(*[due_condition(s, today, near_before) for s in filters.due_statuses]))
    if filters.unit_id is not None:
        out.append(Complaint.unit_id == filters.unit_id)
    if filters.category_id is not None:
        out.append(Complaint.category_id == filters.category_id)
    if filters.channels:
        out.append(Complaint.channel.in_(sorted(filters.channels)))
    if filters.handler_user_id is not None:
        out.append(Complaint.handler_user_id == filters.handler_user_id)
    if filters.handler_unit_id is not None:
        out.append(Complaint.handler_unit_id == filters.handler_unit_id)
    if filters.received_from is not None:
        out.append(Complaint.received_date >= filters.received_from)
    if filters.received_to is not None:
        out.append(Complaint.received_date <= filters.received_to)
    if filters.ever_overdue is not None:
        out.append(Complaint.ever_overdue.is_(filters.ever_overdue))
    if (
        filters.received_from
        and filters.received_to
        and filters.received_from > filters.received_to
    ):
        out.append(false())
    if filters.statistic is not None:
        from effdesk.services.statistics.definitions import complaint_conditions

        out.extend(complaint_conditions(filters.statistic))
    return out


def _order(sort: ComplaintSort) -> list[Any]:
    if sort == ComplaintSort.RECEIVED_ASC:
        return [Complaint.received_date.asc(), Complaint.id.asc()]
    if sort == ComplaintSort.DUE_ASC:
        due = _running_due()
        return [due.is_(None), due.asc(), Complaint.id.asc()]
    if sort == ComplaintSort.NUMBER_DESC:
        return [Complaint.number.desc()]
    return [Complaint.received_date.desc(), Complaint.id.desc()]


def _context(session: Session, today: date | None) -> tuple[date, WorkCalendar, date]:
    today = today or now().date()
    calendar = load_calendar(session)
    near_days = settings.get(session, settings.NEAR_DAYS)
    return today, calendar, near_limit(calendar, today, near_days)


def _capped_count(session: Session, stmt: Any, cap: int) -> int:
    """How many rows ``stmt`` yields, counting no further than ``cap`` (cheap estimates)."""
    return int(session.scalar(select(func.count()).select_from(stmt.limit(cap).subquery())) or 0)


def _page_ids(
    session: Session,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
) -> list[int]:
    stmt = select(Complaint.id).where(*conditions).order_by(*_order(sort))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


_RECEIVED_SORTS = (ComplaintSort.RECEIVED_DESC, ComplaintSort.RECEIVED_ASC)
Condition = Callable[[Any], ColumnElement[bool]]


def _cheap_first(conditions: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """The conditions with the ORs (due statuses, text) last: SQLite tests them in the order
    written, and an equality rejects most entries for a fraction of an OR's price (a walk of
    RUNNING_INDEX for one unit's overdue cases: 25 ms with the OR first, 3 ms last)."""

    def is_or(c: ColumnElement[bool]) -> bool:
        return isinstance(c, BooleanClauseList) and c.operator is operators.or_

    return sorted(conditions, key=is_or)


def _hinted(stmt: Any, entity: Any, index: str) -> Any:
    """``stmt`` reading ``entity`` through ``index`` on SQLite (ignored elsewhere)."""
    return stmt.with_hint(entity, indexed_by(index), "sqlite")


def _received_order(entity: Any, sort: ComplaintSort) -> list[Any]:
    if sort == ComplaintSort.RECEIVED_ASC:
        return [entity.received_date.asc(), entity.id.asc()]
    return [entity.received_date.desc(), entity.id.desc()]


def _span(entity: Any, filters: ComplaintFilter) -> list[ColumnElement[bool]]:
    """The date range on ``entity``: every driver index holds received_date after its key."""
    out: list[ColumnElement[bool]] = []
    if filters.received_from is not None:
        out.append(entity.received_date >= filters.received_from)
    if filters.received_to is not None:
        out.append(entity.received_date <= filters.received_to)
    return out


@dataclass(frozen=True)
class _Driver:
    """An indexed filter that can drive a plan: its size (counted up to DRIVER_CAP), its
    index, the condition (on any alias of Complaint) and whether the index gives list order."""

    size: int
    index: str
    condition: Condition
    ordered: bool


def _drivers(
    session: Session, filters: ComplaintFilter, today: date, near_before: date
) -> list[_Driver]:
    """The filters an index can drive, smallest first (each counted in its index only)."""

    def size(index: str, condition: Condition) -> int:
        stmt = _hinted(select(Complaint.id), Complaint, index).where(condition(Complaint))
        return _capped_count(session, stmt, DRIVER_CAP)

    out: list[_Driver] = []
    for name, index in ORDERED_DRIVERS.items():
        value = getattr(filters, name)
        if value is not None:

            def equal(e: Any, name: str = name, value: Any = value) -> ColumnElement[bool]:
                # With the date range, which the (column, received_date) index also answers.
                return and_(getattr(e, name) == value, *_span(e, filters))

            out.append(_Driver(size(index, equal), index, equal, True))
    if _runs(filters):
        # RUNNING_INDEX answers states and due statuses better than STATE_INDEX could.
        return sorted(out, key=lambda d: d.size)
    if filters.states:
        states = sorted(filters.states)

        def in_states(e: Any) -> ColumnElement[bool]:
            return and_(e.state.in_(states), *_span(e, filters))

        # One state: its (state, received_date) entries are in list order.
        one = len(states) == 1
        index = STATE_ORDER_INDEX if one else STATE_INDEX
        out.append(_Driver(size(index, in_states), index, in_states, one))
    if filters.due_statuses:
        statuses = sorted(filters.due_statuses)

        def due(e: Any) -> ColumnElement[bool]:
            def on(c: Any) -> Any:
                return getattr(e, c.key)

            return or_(*[due_condition(s, today, near_before, on) for s in statuses])

        out.append(_Driver(size(STATE_INDEX, due), STATE_INDEX, due, False))
    return sorted(out, key=lambda d: d.size)


def _driven_ids(
    session: Session,
    driver: _Driver,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
) -> list[int]:
    """A page driven by one indexed filter; the other filters are checked in BY_ID_INDEX.
    An ordered driver is walked in list order and stops at the page."""
    drv = aliased(Complaint, name="drv")
    stmt = (
        select(Complaint.id)
        .select_from(drv)
        .join(Complaint, Complaint.id == drv.id)
        .where(driver.condition(drv), *conditions)
    )
    stmt = _hinted(_hinted(stmt, drv, driver.index), Complaint, BY_ID_INDEX)
    if driver.ordered and sort in _RECEIVED_SORTS:
        stmt = stmt.order_by(*_received_order(drv, sort))
    else:
        stmt = stmt.order_by(*_order(sort))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _runs(filters: ComplaintFilter) -> bool:
    """Do the filters select only cases running against a deadline (RUNNING_INDEX)?"""
    return bool(filters.due_statuses) or bool(filters.states and filters.states <= RUNNING_STATES)


def _walk_index(filters: ComplaintFilter) -> tuple[str, list[ColumnElement[bool]]]:
    """The index the list walks in order, and the term that lets SQLite use it."""
    if _runs(filters):
        # The partial index's own WHERE, word for word: SQLite matches it literally.
        return RUNNING_INDEX, [cast(ColumnElement[bool], text_sql(RUNNING_STATES_SQL))]
    return LIST_INDEX, []


@dataclass(frozen=True)
class _Walk:
    """The start of a walk in list order: the first matches (at most a page's depth) among
    the entries up to ``edge``; None when the walk reached the end of its range."""

    ids: list[int]
    edge: date | None


def _walk_start(
    session: Session,
    filters: ComplaintFilter,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    need: int,
    budget: int | None,
) -> _Walk:
    """Walk LIST_INDEX (RUNNING_INDEX) in list order, every filter checked in the index, over
    about ``budget`` entries of the date range (None: all of it), for the first ``need``
    matches."""
    index, extra = _walk_index(filters)
    edge: date | None = None
    if budget is not None:
        span = _span(Complaint, filters)
        probe = _hinted(select(Complaint.received_date), Complaint, index).where(*span, *extra)
        edge = session.scalar(
            probe.order_by(*_received_order(Complaint, sort)).offset(budget).limit(1)
        )
    stmt = _hinted(select(Complaint.id), Complaint, index).where(*conditions, *extra)
    if edge is not None:  # whole days: the edge day is inside
        desc = sort == ComplaintSort.RECEIVED_DESC
        stmt = stmt.where(
            Complaint.received_date >= edge if desc else Complaint.received_date <= edge
        )
    ids = list(session.scalars(stmt.order_by(*_received_order(Complaint, sort)).limit(need)))
    return _Walk(ids, None if len(ids) == need else edge)


def _walk_on(
    session: Session,
    filters: ComplaintFilter,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    start: _Walk,
    need: int,
) -> list[int]:
    """Continue a walk past its edge to the first ``need`` matches."""
    if start.edge is None:
        return start.ids
    index, extra = _walk_index(filters)
    desc = sort == ComplaintSort.RECEIVED_DESC
    beyond = Complaint.received_date < start.edge if desc else Complaint.received_date > start.edge
    stmt = _hinted(select(Complaint.id), Complaint, index).where(*conditions, *extra, beyond)
    more = session.scalars(
        stmt.order_by(*_received_order(Complaint, sort)).limit(need - len(start.ids))
    )
    return [*start.ids, *more]


def _fts_driven_ids(
    session: Session,
    fts_query: str,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
) -> list[int]:
    """A page of a text search read from its matches, each checked in BY_ID_INDEX."""
    stmt = _hinted(select(Complaint.id), Complaint, BY_ID_INDEX).where(
        Complaint.id.in_(_fts_ids(fts_query)), *conditions
    )
    return list(session.scalars(stmt.order_by(*_order(sort)).offset(offset).limit(limit)))


def _like_walk_ids(
    session: Session,
    driver: _Driver,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
) -> list[int]:
    """A page of a text search driven by an indexed filter: its cases' rows LIKE-tested."""
    drv = aliased(Complaint, name="drv")
    stmt = (
        select(Complaint.id)
        .select_from(drv)
        .join(Complaint, Complaint.id == drv.id)
        .where(driver.condition(drv), *conditions)
    )
    stmt = _hinted(stmt, drv, driver.index)
    if driver.ordered and sort in _RECEIVED_SORTS:
        stmt = stmt.order_by(*_received_order(drv, sort))
    else:
        stmt = stmt.order_by(*_order(sort))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _case_span(session: Session) -> int:
    """About how many cases there are (ids are dense): the largest id, read from the key."""
    return int(session.scalar(select(func.max(Complaint.id))) or 0)


def _list_ids(
    session: Session,
    actor: Actor,
    filters: ComplaintFilter,
    sort: ComplaintSort,
    offset: int,
    limit: int,
    today: date,
    near_before: date,
) -> list[int]:
    """The ids of one page, choosing the plan (see the constants above)."""
    fts_query, short, fts_as_like = _text_parts(session, filters.text, may_see_identity(actor))
    conditions = _cheap_first([*_conditions(filters, today, near_before), *short])
    if not _is_sqlite(session):
        if fts_query is not None:
            conditions.append(Complaint.id.in_(_fts_ids(fts_query)))
        return _page_ids(session, conditions, sort, offset, limit)
    if fts_query is None:
        return _filter_page(session, filters, conditions, sort, offset, limit, today, near_before)
    need = offset + limit
    matches = _capped_count(session, _fts_ids(fts_query), FTS_SMALL)
    if matches < FTS_SMALL or sort not in _RECEIVED_SORTS:
        return _fts_driven_ids(session, fts_query, conditions, sort, offset, limit)
    if not conditions and need <= WINDOW_MAX:
        # Nothing to check: the newest matches are the page (counting them would cost more).
        return _fts_window(session, fts_query, conditions, sort, offset, limit)
    matches = _capped_count(session, _fts_ids(fts_query), FTS_CAP)
    # Both sides are large: weigh (in BY_ID_INDEX checks) walking the smallest indexed filter
    # with LIKE, walking the matches newest first, and reading every match.
    drivers = _drivers(session, filters, today, near_before)
    cases = max(_case_span(session), 1)
    selected = drivers[0].size if drivers else cases
    like_rows = (
        min(selected, need * cases // matches) if drivers and drivers[0].ordered else selected
    )
    costs = {
        "like": LIKE_ROW_COST * like_rows if drivers else float("inf"),
        "window": float(min(matches, need * cases // max(selected, 1)))
        if need <= WINDOW_MAX
        else float("inf"),
        "matches": float(matches),
    }
    plan = min(costs, key=lambda k: costs[k])
    if plan == "like":
        return _like_walk_ids(session, drivers[0], [*conditions, *fts_as_like], sort, offset, limit)
    if plan == "window":
        return _fts_window(
            session, fts_query, conditions, sort, offset, limit, drivers[0] if drivers else None
        )
    return _fts_driven_ids(session, fts_query, conditions, sort, offset, limit)


def _filter_page(
    session: Session,
    filters: ComplaintFilter,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
    today: date,
    near_before: date,
) -> list[int]:
    """A page without text (SQLite).

    Cases running against a deadline (due statuses, open states) are few: RUNNING_INDEX is
    walked, unless a smaller ordered filter (unit, category, handler) drives. Otherwise the
    walk of LIST_INDEX is tried over WALK_BUDGET entries; when they hold no page, the smallest
    indexed filter drives, or, when every one is big, the walk goes on."""
    need = offset + limit
    received = sort in _RECEIVED_SORTS
    if _runs(filters):
        drivers = _drivers(session, filters, today, near_before)
        if drivers and drivers[0].size < WALK_BUDGET:
            return _driven_ids(session, drivers[0], conditions, sort, offset, limit)
        if received:
            return _walk_start(session, filters, conditions, sort, need, None).ids[offset:]
        index, extra = _walk_index(filters)
        stmt = _hinted(select(Complaint.id), Complaint, index).where(*conditions, *extra)
        return list(session.scalars(stmt.order_by(*_order(sort)).offset(offset).limit(limit)))
    start: _Walk | None = None
    if received:
        start = _walk_start(session, filters, conditions, sort, need, WALK_BUDGET)
        if start.edge is None:
            return start.ids[offset:]
    drivers = _drivers(session, filters, today, near_before)
    if drivers and drivers[0].size < DRIVER_CAP:
        return _driven_ids(session, drivers[0], conditions, sort, offset, limit)
    if start is not None:
        return _walk_on(session, filters, conditions, sort, start, need)[offset:]
    return _page_ids(session, conditions, sort, offset, limit)


def _fts_window(
    session: Session,
    fts_query: str,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
    driver: _Driver | None = None,
) -> list[int]:
    """A page of a text search by received date, read from the FTS index in id order.

    Cases are numbered as they are registered, so id order is nearly received order. The
    first ``offset + limit`` matches in id order are read; then every other match that could
    still outrank them is fetched — only cases received after (before, ascending) the last of
    them, which the received-date index bounds to an id range. The result is exact, whatever
    the correlation; only the work grows when cases were registered far out of order.
    With an ordered ``driver`` (unit, category, handler), only its cases are looked at for
    that bound: its index holds far fewer entries than the received-date index.
    """
    desc = sort == ComplaintSort.RECEIVED_DESC
    need = offset + limit

    def bound(agg: Any, after: ColumnElement[bool]) -> int | None:
        if driver is None or not driver.ordered:
            # id + 0: the aggregate over the date range via the date index, not a key walk.
            stmt = select(agg(Complaint.id + 0)).where(after)
        else:
            stmt = _hinted(select(agg(Complaint.id)), Complaint, driver.index)
            stmt = stmt.where(driver.condition(Complaint), after)
        value = session.scalar(stmt)
        return None if value is None else int(value)

    def matches(*extra: ColumnElement[bool]) -> Any:
        stmt = (
            select(Complaint.id, Complaint.received_date)
            .select_from(_fts)
            .join(Complaint, Complaint.id == _fts.c.rowid)
            .where(_fts_match(fts_query), *conditions, *extra)
        )
        return _hinted(stmt, Complaint, BY_ID_INDEX)

    order = _fts.c.rowid.desc() if desc else _fts.c.rowid.asc()
    found = {r.id: r.received_date for r in session.execute(matches().order_by(order).limit(need))}
    if len(found) >= need:
        if desc:
            bound_date, edge = min(found.values()), min(found)
            first = bound(func.min, Complaint.received_date > bound_date)
            if first is not None and first < edge:
                extra = matches(
                    _fts.c.rowid >= first,
                    _fts.c.rowid < edge,
                    Complaint.received_date > bound_date,
                )
                found.update({r.id: r.received_date for r in session.execute(extra)})
        else:
            bound_date, edge = max(found.values()), max(found)
            last = bound(func.max, Complaint.received_date < bound_date)
            if last is not None and last > edge:
                extra = matches(
                    _fts.c.rowid > edge,
                    _fts.c.rowid <= last,
                    Complaint.received_date < bound_date,
                )
                found.update({r.id: r.received_date for r in session.execute(extra)})
    ranked = sorted(found.items(), key=lambda kv: (kv[1], kv[0]), reverse=desc)
    return [cid for cid, _d in ranked[offset : offset + limit]]


def search_complaints(
    session: Session,
    actor: Actor,
    filters: ComplaintFilter | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: ComplaintSort = ComplaintSort.RECEIVED_DESC,
    *,
    today: date | None = None,
    with_total: bool = False,
) -> ComplaintPage:
    """One page of the complaint list, complainant fields masked as the actor's role requires.

    ``with_total`` also counts every match exactly (slow on very large filtered sets: prefer
    :func:`count_complaints` in a background task). ``today`` fixes the day the due statuses
    are judged on.
    """
    require(actor, Permission.VIEW_COMPLAINTS)
    filters = filters or ComplaintFilter()
    check_search_text(filters.text)
    today, calendar, near_before = _context(session, today)
    ids = _list_ids(session, actor, filters, sort, offset, limit + 1, today, near_before)
    has_more = len(ids) > limit
    ids = ids[:limit]
    rows = _rows(session, actor, ids, today, calendar, near_before)
    if with_total:
        total = _count(session, actor, filters, today, near_before)
    else:
        total = offset + len(rows) + (1 if has_more else 0)
    return ComplaintPage(
        rows=rows, total=total, offset=offset, has_more=has_more, total_exact=with_total
    )


def count_complaints(
    session: Session,
    actor: Actor,
    filters: ComplaintFilter | None = None,
    *,
    today: date | None = None,
) -> int:
    """Exactly how many cases match ``filters`` (run it off the GUI thread on big offices)."""
    require(actor, Permission.VIEW_COMPLAINTS)
    filters = filters or ComplaintFilter()
    check_search_text(filters.text)
    today, _calendar, near_before = _context(session, today)
    return _count(session, actor, filters, today, near_before)


def _count(
    session: Session, actor: Actor, filters: ComplaintFilter, today: date, near_before: date
) -> int:
    fts_query, short, fts_as_like = _text_parts(session, filters.text, may_see_identity(actor))
    conditions = _cheap_first([*_conditions(filters, today, near_before), *short])
    if not _is_sqlite(session):
        if fts_query is not None:
            conditions.append(Complaint.id.in_(_fts_ids(fts_query)))
        return int(session.scalar(select(func.count(Complaint.id)).where(*conditions)) or 0)
    drivers = _drivers(session, filters, today, near_before)
    small = drivers[0] if drivers and drivers[0].size < DRIVER_CAP else None
    if fts_query is not None:
        matches = _capped_count(session, _fts_ids(fts_query), FTS_CAP)
        if small is not None and LIKE_ROW_COST * small.size < matches:
            stmt = _count_driven(small, [*conditions, *fts_as_like], hint=False)
        else:
            stmt = _hinted(
                select(func.count()).select_from(Complaint), Complaint, BY_ID_INDEX
            ).where(Complaint.id.in_(_fts_ids(fts_query)), *conditions)
    elif small is not None and (not _runs(filters) or (small.ordered and small.size < WALK_BUDGET)):
        stmt = _count_driven(small, conditions, hint=True)
    else:
        index, extra = _walk_index(filters)
        stmt = _hinted(select(func.count()).select_from(Complaint), Complaint, index).where(
            *conditions, *extra
        )
    return int(session.scalar(stmt) or 0)


def _count_driven(driver: _Driver, conditions: Sequence[ColumnElement[bool]], hint: bool) -> Any:
    """Count the cases of one indexed filter meeting the others (checked in BY_ID_INDEX, or in
    the rows themselves when ``hint`` is false, for LIKE)."""
    drv = aliased(Complaint, name="drv")
    stmt = (
        select(func.count())
        .select_from(drv)
        .join(Complaint, Complaint.id == drv.id)
        .where(driver.condition(drv), *conditions)
    )
    stmt = _hinted(stmt, drv, driver.index)
    return _hinted(stmt, Complaint, BY_ID_INDEX) if hint else stmt


@dataclass(frozen=True)
class CountEstimate:
    """How many cases match: exact, or an estimate (rounded to two significant figures)."""

    value: int
    exact: bool


def estimate_complaints(
    session: Session,
    actor: Actor,
    filters: ComplaintFilter | None = None,
    *,
    today: date | None = None,
) -> CountEstimate:
    """How many cases match ``filters``, within a few milliseconds: exact when the count is
    cheap (a small indexed filter or few text matches), else an estimate to show as "约 N 件"
    while :func:`count_complaints` runs."""
    require(actor, Permission.VIEW_COMPLAINTS)
    filters = filters or ComplaintFilter()
    today, _calendar, near_before = _context(session, today)
    if not _is_sqlite(session):
        return _estimate_postgres(session, actor, filters, today, near_before)
    if _case_span(session) <= EXACT_CHEAP:
        return CountEstimate(_count(session, actor, filters, today, near_before), True)
    fts_query, short, _like_all = _text_parts(session, filters.text, may_see_identity(actor))
    conditions = [*_conditions(filters, today, near_before)]
    matches = None
    if fts_query is not None:
        matches = _capped_count(session, _fts_ids(fts_query), ESTIMATE_FTS_CAP)
        if matches < EXACT_CHEAP:
            return CountEstimate(_count(session, actor, filters, today, near_before), True)
    drivers = _drivers(session, filters, today, near_before)
    if matches is None and not short and _runs(filters):
        return CountEstimate(_count(session, actor, filters, today, near_before), True)
    if (drivers and drivers[0].size < EXACT_CHEAP) or not (conditions or matches):
        if not conditions and matches is None and not short:
            return CountEstimate(_case_count(session), True)
        return CountEstimate(_count(session, actor, filters, today, near_before), True)
    # Sample runs of ids spread over the table in BY_ID_INDEX; text is taken as independent
    # of the other filters (its matches are counted, up to FTS_CAP).
    share = _sampled_share(session, conditions)
    base = matches if matches is not None else _case_span(session)
    return CountEstimate(_round2(share * base), False)


def _case_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Complaint.id))) or 0)


def _sampled_share(session: Session, conditions: Sequence[ColumnElement[bool]]) -> float:
    top = _case_span(session)
    if top <= ESTIMATE_BLOCKS * ESTIMATE_BLOCK or not conditions:
        return 1.0 if not conditions else _exact_share(session, conditions)
    step = top // ESTIMATE_BLOCKS
    runs = or_(
        *[
            Complaint.id.between(i * step + 1, i * step + ESTIMATE_BLOCK)
            for i in range(ESTIMATE_BLOCKS)
        ]
    )
    stmt = _hinted(
        select(func.count(), func.count(case((and_(*conditions), 1)))), Complaint, BY_ID_INDEX
    ).where(runs)
    seen, hit = session.execute(stmt).one()
    return hit / seen if seen else 0.0


def _exact_share(session: Session, conditions: Sequence[ColumnElement[bool]]) -> float:
    total = _case_count(session)
    hit = int(session.scalar(select(func.count()).select_from(Complaint).where(*conditions)) or 0)
    return hit / total if total else 0.0


def _round2(n: float) -> int:
    """Two significant figures: 12,345 -> 12,000."""
    value = int(n + 0.5)
    if value < 100:
        return value
    scale = int(10 ** (len(str(value)) - 2))
    return (value + scale // 2) // scale * scale


def _estimate_postgres(
    session: Session, actor: Actor, filters: ComplaintFilter, today: date, near_before: date
) -> CountEstimate:
    """PostgreSQL: the planner's row estimate (EXPLAIN), exact when that is small."""
    _query, short, _like_all = _text_parts(session, filters.text, may_see_identity(actor))
    conditions = [*_conditions(filters, today, near_before), *short]
    stmt = select(Complaint.id).where(*conditions)
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(text_sql(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
    rows = int(plan[0]["Plan"]["Plan Rows"]) if plan else 0
    if rows < EXACT_CHEAP:
        return CountEstimate(_count(session, actor, filters, today, near_before), True)
    return CountEstimate(_round2(rows), False)


def _rows(
    session: Session,
    actor: Actor,
    ids: list[int],
    today: date,
    calendar: WorkCalendar,
    near_before: date,
) -> list[ComplaintRow]:
    if not ids:
        return []
    handler_unit = aliased(Unit)
    stmt = (
        select(
            Complaint.id,
            Complaint.uuid,
            Complaint.number,
            Complaint.received_date,
            Complaint.channel,
            Complaint.state,
            Complaint.anonymous,
            Complaint.complainant_name,
            Complaint.complainant_phone,
            Complaint.complainant_company,
            Complaint.complainant_address,
            Complaint.unit_id,
            Unit.name,
            Complaint.subject_description,
            Complaint.category_id,
            ProblemCategory.name,
            Complaint.summary,
            Complaint.handling_mode,
            handler_unit.name,
            Complaint.handler_user_id,
            User.display_name,
            Complaint.acceptance_due,
            Complaint.due_date,
            Complaint.reply_due,
            Complaint.deadline_provisional,
            Complaint.ever_overdue,
            Complaint.concluded_date,
            Complaint.satisfaction,
            Complaint.version,
        )
        .outerjoin(Unit, Unit.id == Complaint.unit_id)
        .outerjoin(ProblemCategory, ProblemCategory.id == Complaint.category_id)
        .outerjoin(handler_unit, handler_unit.id == Complaint.handler_unit_id)
        .outerjoin(User, User.id == Complaint.handler_user_id)
        .where(Complaint.id.in_(ids))
    )
    visible = may_see_identity(actor)
    by_id: dict[int, ComplaintRow] = {}
    for r in session.execute(stmt):
        mask = (
            keep
            if visible
            else masker_from_values(
                r.complainant_name,
                r.complainant_phone,
                r.complainant_company,
                r.complainant_address,
            )
        )
        deadline = _deadline_of(r.state, r.acceptance_due, r.due_date, r.reply_due)
        running = None
        status = None
        if deadline is not None:
            provisional = r.deadline_provisional and not calendar.knows(deadline[1].year)
            running = RunningDeadline(deadline[0], deadline[1], provisional)
            status = status_for(deadline[1], today, near_before)
        by_id[r.id] = ComplaintRow(
            id=r.id,
            uuid=r.uuid,
            number=r.number,
            received_date=r.received_date,
            channel=r.channel,
            state=r.state,
            anonymous=r.anonymous,
            complainant_name=_masked_name(r.anonymous, r.complainant_name, visible),
            complainant_phone=_masked(r.complainant_phone, visible),
            complainant_company=("" if r.anonymous else _masked(r.complainant_company, visible)),
            unit_id=r.unit_id,
            unit_name=r[12] or "",
            subject_description=mask(r.subject_description),
            category_id=r.category_id,
            category_name=r[15] or "",
            summary=mask(r.summary),
            handling_mode=r.handling_mode,
            handler_unit_name=r[18] or "",
            handler_user_id=r.handler_user_id,
            handler_user_name=r.display_name or "",
            deadline=running,
            due_status=status,
            ever_overdue=r.ever_overdue,
            concluded_date=r.concluded_date,
            satisfaction=r.satisfaction,
            version=r.version,
        )
    return [by_id[i] for i in ids if i in by_id]


def _deadline_of(
    state: ComplaintState, acceptance: date | None, due: date | None, reply: date | None
) -> tuple[Any, date] | None:
    from effdesk.enums import DeadlineKind

    if state in ACCEPTANCE_STATES and acceptance is not None:
        return (DeadlineKind.ACCEPTANCE, acceptance)
    if state in CONCLUSION_STATES and due is not None:
        return (DeadlineKind.CONCLUSION, due)
    if state in REPLY_STATES and reply is not None:
        return (DeadlineKind.REPLY, reply)
    return None


def _masked(value: str, visible: bool) -> str:
    return value if visible or not value else MASK


def _masked_name(anonymous: bool, name: str, visible: bool) -> str:
    if anonymous:
        return ANONYMOUS
    return name if visible else MASK


# --------------------------------------------------------------------------- case view


def find_by_number(session: Session, actor: Actor, number: str) -> int:
    """The id of the case numbered ``number`` (e.g. "效投2026-0012"); NotFound otherwise."""
    require(actor, Permission.VIEW_COMPLAINTS)
    found = session.scalar(select(Complaint.id).where(Complaint.number == number.strip()))
    if found is None:
        raise NotFound(f"找不到编号为「{number.strip()}」的投诉件。")
    return int(found)


def get_complaint_detail(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    with_identity: bool = True,
    for_units: bool = False,
    today: date | None = None,
) -> ComplaintDetail:
    """The whole case for the case view, with its history.

    The complainant's identity is filled in only when the actor may see it and
    ``with_identity`` is true; reading it writes a READ_IDENTITY audit entry. Anonymous
    complainants are never named (their phone, kept for the reply, is identity like any other).

    ``for_units``: the case as it may be shown to a unit (交办单, 转办函, 催办/督办通知书):
    no identity, and the complainant's name, phone, company and address blotted out of every
    free text (summary, content, instruction, results, history) in case a clerk typed them there.
    """
    require(actor, Permission.VIEW_COMPLAINTS)
    case_ = load_case(session, complaint_id)
    today, calendar, near_before = _context(session, today)
    visible = with_identity and not for_units and may_see_identity(actor)
    # Free text is masked for everybody who is not shown the identity (privacy module).
    blot = keep if visible else identity_masker(case_)
    anonymous = case_.anonymous
    name = None if anonymous or not visible else case_.complainant_name
    phone = case_.complainant_phone if visible else None
    company = None if anonymous or not visible else case_.complainant_company
    address = None if anonymous or not visible else case_.complainant_address
    if visible and any((name, phone, company, address)):
        audit.record(
            session,
            actor,
            AuditAction.READ_IDENTITY,
            "complaint",
            case_.uuid,
            f"查看投诉件 {case_.number} 的投诉人身份信息",
        )
    users = _user_names(session, case_)
    units = {u.id: u.name for u in _units(session, case_)}
    category = session.get(ProblemCategory, case_.category_id) if case_.category_id else None
    merged_into = session.get(Complaint, case_.merged_into_id) if case_.merged_into_id else None
    merged_from = [
        (cid, number)
        for cid, number in session.execute(
            select(Complaint.id, Complaint.number)
            .where(Complaint.merged_into_id == case_.id)
            .order_by(Complaint.id)
        )
    ]
    running = running_deadline(case_, calendar)
    status = status_for(running.due, today, near_before) if running else None
    return ComplaintDetail(
        id=case_.id,
        uuid=case_.uuid,
        number=case_.number,
        version=case_.version,
        state=case_.state,
        received_at=case_.received_at,
        received_date=case_.received_date,
        channel=case_.channel,
        registered_by=users.get(case_.registered_by_id, ""),
        identity_visible=visible,
        anonymous=anonymous,
        complainant_kind=case_.complainant_kind,
        complainant_name=name,
        complainant_phone=phone,
        complainant_company=company,
        complainant_address=address,
        unit_id=case_.unit_id,
        unit_name=units.get(case_.unit_id or -1, ""),
        subject_description=blot(case_.subject_description),
        persons=_persons(session, case_),
        category_id=case_.category_id,
        category_name=category.name if category else "",
        summary=blot(case_.summary),
        content=blot(case_.content),
        complexity=case_.complexity,
        leader_instruction=blot(case_.leader_instruction),
        instructed_by=users.get(case_.instructed_by_id, ""),
        instructed_at=case_.instructed_at,
        handling_mode=case_.handling_mode,
        handler_unit_id=case_.handler_unit_id,
        handler_unit_name=units.get(case_.handler_unit_id or -1, ""),
        handler_user_id=case_.handler_user_id,
        handler_user_name=users.get(case_.handler_user_id, ""),
        forwarded_to=case_.forwarded_to,
        routed_at=case_.routed_at,
        rejection_reason=blot(case_.rejection_reason),
        acceptance_due=case_.acceptance_due,
        limit_days=case_.limit_days,
        due_date=case_.due_date,
        extension_days=case_.extension_days,
        reply_due=case_.reply_due,
        deadline_provisional=case_.deadline_provisional,
        deadline=running,
        due_status=status,
        ever_overdue=case_.ever_overdue,
        verification=case_.verification,
        handling_result=blot(case_.handling_result),
        concluded_date=case_.concluded_date,
        reply_date=case_.reply_date,
        reply_method=case_.reply_method,
        reply_text=blot(case_.reply_text),
        return_visit_date=case_.return_visit_date,
        return_visit_notes=blot(case_.return_visit_notes),
        satisfaction=case_.satisfaction,
        archived_at=case_.archived_at,
        merged_into_id=case_.merged_into_id,
        merged_into_number=merged_into.number if merged_into else "",
        merged_from=merged_from,
        reopen_count=case_.reopen_count,
        remarks=blot(case_.remarks),
        pending_extension=pending_extension(case_),
        events=event_rows(session, actor, case_, with_identity=visible, mask=blot),
        allowed_actions=allowed_actions(actor, case_.state),
        facts=CaseFacts.of(case_),
    )


def _user_names(session: Session, case_: Complaint) -> dict[int | None, str]:
    ids = {case_.registered_by_id, case_.instructed_by_id, case_.handler_user_id}
    ids |= {e.actor_id for e in case_.events}
    ids.discard(None)
    names: dict[int | None, str] = {None: ""}
    if ids:
        for uid, display in session.execute(
            select(User.id, User.display_name).where(User.id.in_(ids))
        ):
            names[uid] = display
    return names


def _units(session: Session, case_: Complaint) -> list[Unit]:
    ids = {i for i in (case_.unit_id, case_.handler_unit_id) if i is not None}
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)))) if ids else []


def _persons(session: Session, case_: Complaint) -> list[PersonRef]:
    links = session.scalars(
        select(ComplaintPerson)
        .where(ComplaintPerson.complaint_id == case_.id)
        .options(selectinload(ComplaintPerson.person))
        .order_by(ComplaintPerson.id)
    )
    out = []
    for link in links:
        person = link.person
        unit = session.get(Unit, person.unit_id) if person is not None else None
        out.append(
            PersonRef(
                person_id=link.person_id,
                name=person.name if person is not None else "",
                description=link.description or (person.description if person else ""),
                unit_name=unit.name if unit else "",
                post=person.post if person is not None else "",
            )
        )
    return out


def event_rows(
    session: Session,
    actor: Actor,
    case_: Complaint,
    *,
    with_identity: bool = True,
    mask: Callable[[str], str] | None = None,
) -> list[EventRow]:
    """The case history, oldest first, identity values masked unless the actor may see them
    (and, for anonymous cases, names never shown to anybody). For such readers the identity
    is also masked in every free text (event text, changed summaries …), see the privacy
    module; ``mask`` passes a masker already built for the case."""
    require(actor, Permission.VIEW_COMPLAINTS)
    visible = with_identity and may_see_identity(actor)
    if mask is None:
        mask = keep if visible else identity_masker(case_)
    events = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == case_.id)
        .options(selectinload(ComplaintEvent.actor))
        .order_by(ComplaintEvent.id)
    )
    out = []
    for e in events:
        raw = dict(e.changes or {})
        masked = mask_changes(raw, visible)
        if case_.anonymous:
            masked = {
                k: (
                    ["***" if v[0] else v[0], "***" if v[1] else v[1]]
                    if k in NOT_KEPT_WHEN_ANONYMOUS and isinstance(v, list)
                    else v
                )
                for k, v in masked.items()
            }
        changes = {
            k: (v[0], v[1])
            for k, v in masked.items()
            if isinstance(v, list) and len(v) == 2 and k != BASIS_KEY
        }
        facts = {k: v for k, v in masked.items() if k not in changes}
        out.append(
            EventRow(
                id=e.id,
                at=e.at,
                actor_name=e.actor.display_name if e.actor else "系统",
                kind=e.kind,
                from_state=e.from_state,
                to_state=e.to_state,
                text=mask(e.text),
                changes={
                    k: (_mask_value(mask, a), _mask_value(mask, b)) for k, (a, b) in changes.items()
                },
                facts={k: _mask_value(mask, v) for k, v in facts.items()},
            )
        )
    return out


def _mask_value(mask: Callable[[str], str], value: Any) -> Any:
    return mask(value) if isinstance(value, str) else value
