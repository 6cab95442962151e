"""Finding cases: the filtered list (one page at a time), counts, and the case view.

Text search: on SQLite the FTS5 table ``complaints_fts`` (trigram tokenizer, external content
on ``complaints``) answers terms of three or more characters; shorter terms fall back to LIKE.
On PostgreSQL every term is an ILIKE, served by the pg_trgm GIN indexes. The complainant's
identity (``search_identity``) is searched only for roles that may see it.

The list never counts its whole result (an exact count over a million filtered rows costs more
than the first screen): it fetches one row more than asked to know whether more follow, and
:func:`count_complaints` gives the exact figure for a status bar, off the GUI thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

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
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from effdesk import audit
from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar
from effdesk.db.base import now
from effdesk.db.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPerson,
    ProblemCategory,
    Unit,
    User,
)
from effdesk.enums import AuditAction, ComplaintState, DueStatus
from effdesk.errors import NotFound, ValidationError
from effdesk.permissions import Permission, allowed, require
from effdesk.services import settings
from effdesk.services.calendar_admin import load_calendar
from effdesk.services.common import like_escape
from effdesk.services.complaint_rules import allowed_actions
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
# Query planning on SQLite (measured on the 1,000,000-case demo database, see
# benchmarks/bench_complaint_search.py). A filter-driven plan sorts every row the filter
# selects; beyond a few thousand rows it is cheaper to walk the received-date index in order
# and stop at the first screen.
SORT_CAP = 3000
# A text search matching fewer cases than this is answered from its matches (key lookups).
FTS_SMALL = 3000
# Below this many matches, a unit or category filter walks its index against the match set.
FTS_MEDIUM = 120_000
# A filter selecting fewer cases than this is answered by LIKE on those cases.
FILTER_SMALL = 2000
# The FTS-ordered window below serves pages up to this depth; deeper pages materialise.
WINDOW_MAX = 2000


def identity_visible(actor: Actor) -> bool:
    """May this actor see complainants' names, phones, companies and addresses?"""
    return allowed(actor, Permission.VIEW_COMPLAINANT_IDENTITY)


def _noidx(col: Any) -> Any:
    """SQLite's unary ``+``: the same value, but the planner may not drive from its index."""
    return UnaryExpression(col, operator=operators.custom_op("+"), type_=col.type)


def _plain(col: Any) -> Any:
    return col


def _running_due() -> ColumnElement[Any]:
    return case(
        (Complaint.state.in_(ACCEPTANCE_STATES), Complaint.acceptance_due),
        (Complaint.state.in_(CONCLUSION_STATES), Complaint.due_date),
        (Complaint.state.in_(REPLY_STATES), Complaint.reply_due),
        else_=None,
    )


def _due_condition(
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
    wrap: Callable[[Any], Any] = _plain,
) -> list[ColumnElement[bool]]:
    """The non-text filters. ``wrap`` = :func:`_noidx` keeps the planner off their indexes."""
    out: list[ColumnElement[bool]] = []
    if filters.states:
        out.append(wrap(Complaint.state).in_(sorted(filters.states)))
    if filters.due_statuses:
        out.append(
            or_(*[_due_condition(s, today, near_before, wrap) for s in filters.due_statuses])
        )
    if filters.unit_id is not None:
        out.append(Complaint.unit_id == filters.unit_id)
    if filters.category_id is not None:
        out.append(Complaint.category_id == filters.category_id)
    if filters.channels:
        out.append(Complaint.channel.in_(sorted(filters.channels)))
    if filters.handler_user_id is not None:
        out.append(wrap(Complaint.handler_user_id) == filters.handler_user_id)
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
    near_days = int(settings.get(session, "deadline.near_days"))
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


def _walk_received_index(
    session: Session, filters: ComplaintFilter, sort: ComplaintSort, today: date, near_before: date
) -> bool:
    """SQLite: should the list walk the received-date index instead of letting an equality
    filter (state, handler, due status) drive and then sorting everything it selects?

    Yes when every such filter selects at least SORT_CAP cases. Unit and category filters and
    date ranges have indexes that give the order themselves, so they are left to the planner.
    """
    if sort not in _RECEIVED_SORTS:
        return False
    if filters.unit_id is not None or filters.category_id is not None:
        return False
    if filters.received_from is not None or filters.received_to is not None:
        return False
    if filters.statistic is not None:  # a received-date range: its index gives the order
        return False
    drivers: list[ColumnElement[bool]] = []
    if filters.states:
        drivers.append(Complaint.state.in_(sorted(filters.states)))
    if filters.handler_user_id is not None:
        drivers.append(Complaint.handler_user_id == filters.handler_user_id)
    if filters.due_statuses:
        drivers.append(or_(*[_due_condition(s, today, near_before) for s in filters.due_statuses]))
    if not drivers:
        return False
    return all(
        _capped_count(session, select(Complaint.id).where(d), SORT_CAP) >= SORT_CAP for d in drivers
    )


def _has_indexed_filter(filters: ComplaintFilter) -> bool:
    return bool(
        filters.states
        or filters.unit_id is not None
        or filters.category_id is not None
        or filters.handler_user_id is not None
        or filters.received_from is not None
        or filters.received_to is not None
        or filters.statistic is not None
    )


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
    fts_query, short, fts_as_like = _text_parts(session, filters.text, identity_visible(actor))
    sqlite = _is_sqlite(session)
    if fts_query is None:
        walk = sqlite and _walk_received_index(session, filters, sort, today, near_before)
        conditions = _conditions(filters, today, near_before, _noidx if walk else _plain)
        return _page_ids(session, [*conditions, *short], sort, offset, limit)

    base = [*_conditions(filters, today, near_before), *short]
    matches = _capped_count(session, _fts_ids(fts_query), FTS_SMALL)
    if matches < FTS_SMALL:
        return _page_ids(
            session, [*base, Complaint.id.in_(_fts_ids(fts_query))], sort, offset, limit
        )
    if _has_indexed_filter(filters):
        selected = _capped_count(session, select(Complaint.id).where(*base), FILTER_SMALL)
        if selected < FILTER_SMALL:
            return _page_ids(session, [*base, *fts_as_like], sort, offset, limit)
    if (filters.unit_id is not None or filters.category_id is not None) and _capped_count(
        session, _fts_ids(fts_query), FTS_MEDIUM
    ) < FTS_MEDIUM:
        # The (unit|category, received_date) index gives filter and order, and holds the id:
        # walking it against the set of matches needs no table access at all.
        return _page_ids(
            session, [*base, (Complaint.id + 0).in_(_fts_ids(fts_query))], sort, offset, limit
        )
    if sort in _RECEIVED_SORTS and offset + limit <= WINDOW_MAX:
        conditions = [*_conditions(filters, today, near_before, _noidx), *short]
        return _fts_window(session, fts_query, conditions, sort, offset, limit)
    return _page_ids(
        session, [*base, (Complaint.id + 0).in_(_fts_ids(fts_query))], sort, offset, limit
    )


def _fts_window(
    session: Session,
    fts_query: str,
    conditions: Sequence[ColumnElement[bool]],
    sort: ComplaintSort,
    offset: int,
    limit: int,
) -> list[int]:
    """A page of a text search by received date, read from the FTS index in id order.

    Cases are numbered as they are registered, so id order is nearly received order. The
    first ``offset + limit`` matches in id order are read; then every other match that could
    still outrank them is fetched — only cases received after (before, ascending) the last of
    them, which the received-date index bounds to an id range. The result is exact, whatever
    the correlation; only the work grows when cases were registered far out of order.
    """
    desc = sort == ComplaintSort.RECEIVED_DESC
    need = offset + limit

    def matches(*extra: ColumnElement[bool]) -> Any:
        return (
            select(Complaint.id, Complaint.received_date)
            .select_from(_fts)
            .join(Complaint, Complaint.id == _fts.c.rowid)
            .where(_fts_match(fts_query), *conditions, *extra)
        )

    order = _fts.c.rowid.desc() if desc else _fts.c.rowid.asc()
    found = {r.id: r.received_date for r in session.execute(matches().order_by(order).limit(need))}
    if len(found) >= need:
        if desc:
            bound_date, edge = min(found.values()), min(found)
            # id + 0: min() over the date range via the date index, not a primary-key walk.
            first = session.scalar(
                select(func.min(Complaint.id + 0)).where(Complaint.received_date > bound_date)
            )
            if first is not None and first < edge:
                extra = matches(
                    _fts.c.rowid >= first,
                    _fts.c.rowid < edge,
                    Complaint.received_date > bound_date,
                )
                found.update({r.id: r.received_date for r in session.execute(extra)})
        else:
            bound_date, edge = max(found.values()), max(found)
            last = session.scalar(
                select(func.max(Complaint.id + 0)).where(Complaint.received_date < bound_date)
            )
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
    fts_query, short, _like_all = _text_parts(session, filters.text, identity_visible(actor))
    conditions = [*_conditions(filters, today, near_before), *short]
    if fts_query is not None:
        conditions.append(Complaint.id.in_(_fts_ids(fts_query)))
    return int(session.scalar(select(func.count(Complaint.id)).where(*conditions)) or 0)


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
    visible = identity_visible(actor)
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
    visible = with_identity and not for_units and identity_visible(actor)
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
    visible = with_identity and identity_visible(actor)
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
                    if k in ("complainant_name", "complainant_company", "complainant_address")
                    and isinstance(v, list)
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
