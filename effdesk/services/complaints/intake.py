"""Intake (登记): validation, numbering, registration, edits, drafts and duplicate hints.

Anonymity (DOMAIN.md: "a complainant who asks for anonymity is never named"): an anonymous
case stores no name, company or address — the service refuses them rather than dropping what
the clerk typed. A phone number may be kept so the office can answer and call back; like every
identity field it is shown only to roles with ``VIEW_COMPLAINANT_IDENTITY``, and no printed form
or row ever names an anonymous complainant (they read "匿名").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Complaint,
    ComplaintDraft,
    ComplaintPerson,
    Person,
    ProblemCategory,
    Unit,
)
from effdesk.enums import Channel, ComplainantKind, ComplaintState, Complexity
from effdesk.errors import EffDeskError, FieldProblem, NotFound, ValidationErrors
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, require
from effdesk.services.complaints._core import (
    ACCEPTANCE_STATES,
    CONCLUSION_STATES,
    Step,
    clock,
    conflicts_reported,
    load_case,
)
from effdesk.services.complaints.deadlines import (
    conclusion_limit,
    deadline_bases,
    load_policy,
    set_computed,
    set_explicit,
)
from effdesk.services.complaints.policy import (
    NOT_KEPT_WHEN_ANONYMOUS,
    OPEN_STATES,
    ComplaintAction,
    may_see_identity,
)
from effdesk.services.complaints.privacy import (
    mentions_identity,
    search_columns,
    text_masker_for,
)
from effdesk.services.complaints.schema import ComplaintInput, DraftInfo, DuplicateHint
from effdesk.services.numbering import allocate_number
from effdesk.textutil import is_valid_phone, normalise_phone

NUMBER_SERIES_KEY = "complaint"
# PCs of one office may disagree by a few minutes; a receipt time this far ahead is accepted.
CLOCK_TOLERANCE = timedelta(minutes=10)
DUPLICATE_WINDOW_DAYS = 30

_MAX_LEN = {
    "summary": (300, "内容摘要"),
    "subject_description": (200, "被投诉对象描述"),
    "complainant_name": (60, "投诉人姓名"),
    "complainant_company": (120, "投诉人单位"),
    "complainant_address": (200, "投诉人地址"),
}


def format_complaint_number(prefix: str, year: int, serial: int) -> str:
    """ "效投2026-0001": ``{prefix}{year}-{serial:04d}``."""
    return f"{prefix}{year}-{serial:04d}"


# --------------------------------------------------------------------------- validation


# How the intake form names the fields an anonymous case does not keep.
_ANONYMOUS_LABELS = {
    "complainant_name": "姓名",
    "complainant_company": "单位",
    "complainant_address": "地址",
}


def check_input(
    session: Session, data: ComplaintInput, *, at: datetime | None = None
) -> list[FieldProblem]:
    """Every problem of the intake form, each naming its field (empty list: all good).

    The UI may call this while the clerk types; registration raises them as ValidationErrors.
    """
    at = clock(at)
    problems: list[FieldProblem] = []

    def bad(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    if data.received_at is None:
        bad("received_at", "请填写受理时间。")
    elif data.received_at > at + CLOCK_TOLERANCE:
        bad("received_at", f"受理时间不能晚于现在（{at:%Y-%m-%d %H:%M}）。")
    if data.channel is None:
        bad("channel", "请选择来源渠道。")
    if not data.summary.strip():
        bad("summary", "请填写内容摘要。")
    if data.category_id is None:
        bad("category_id", "请选择问题类别。")
    elif session.get(ProblemCategory, data.category_id) is None:
        bad("category_id", "所选问题类别不存在，请重新选择。")
    if data.unit_id is None and not data.subject_description.strip():
        bad("unit_id", "请选择被投诉单位；不清楚是哪个单位时，请填写被投诉对象的描述。")
    elif data.unit_id is not None and session.get(Unit, data.unit_id) is None:
        bad("unit_id", "所选被投诉单位不存在，请重新选择。")
    for pid in data.person_ids:
        if session.get(Person, pid) is None:
            bad("person_ids", "所选被投诉人员不存在，请重新选择。")
            break
    for field, (limit, label) in _MAX_LEN.items():
        if len(str(getattr(data, field)).strip()) > limit:
            bad(field, f"{label}不能超过{limit}个字。")
    phone = data.complainant_phone.strip()
    if phone and not is_valid_phone(phone):
        bad(
            "complainant_phone",
            "联系电话格式不正确：请填写手机号或带区号的座机号（可含空格、短横线）。",
        )
    if data.anonymous:
        for field in NOT_KEPT_WHEN_ANONYMOUS:
            label = _ANONYMOUS_LABELS[field]
            if str(getattr(data, field)).strip():
                bad(field, f"匿名投诉不记录投诉人{label}：请清空{label}，或取消「匿名」。")
    if (
        data.due_date is not None
        and data.received_at is not None
        and data.due_date < data.received_at.date()
    ):
        bad("due_date", f"办理时限不能早于受理日期（{data.received_at:%Y-%m-%d}）。")
    return problems


def identity_warnings(data: ComplaintInput) -> list[str]:
    """Warnings (not refusals) for the clerk: the summary or the content repeats the
    complainant's own name, phone, company or address. Roles without the identity right will
    read ××× there; the clerk may prefer to word it without them."""
    out = []
    for text, label in ((data.summary, "内容摘要"), (data.content, "详细内容")):
        found = mentions_identity(
            text,
            "" if data.anonymous else data.complainant_name,
            data.complainant_phone,
            "" if data.anonymous else data.complainant_company,
            "" if data.anonymous else data.complainant_address,
        )
        if found:
            out.append(
                f"{label}中写有投诉人的{'、'.join(found)}：投诉人身份须保密，"
                "无权查看身份的人员看到的是「×××」。如非必要，请删去。"
            )
    return out


def _require_valid(session: Session, data: ComplaintInput, at: datetime) -> None:
    problems = check_input(session, data, at=at)
    if problems:
        raise ValidationErrors(problems)


# --------------------------------------------------------------------------- search text


def refresh_search_text(session: Session, case: Complaint) -> None:
    """Rebuild the denormalised text the list search matches (FTS5 / pg_trgm).

    ``search_text`` holds what every role may search; the complainant's identity lives in
    ``search_identity`` so that roles without identity rights never match on it — also where
    a clerk typed it into the summary or the content: it is masked out of ``search_text``.
    """
    unit = session.get(Unit, case.unit_id) if case.unit_id else None
    handler = session.get(Unit, case.handler_unit_id) if case.handler_unit_id else None
    persons = []
    for link in case.persons:
        person = session.get(Person, link.person_id) if link.person_id else None
        persons.append(person.display_name if person is not None else "")
        persons.append(link.description)
    parts = [
        case.number,
        case.summary,
        case.content,
        unit.name if unit else "",
        unit.short_name if unit else "",
        case.subject_description,
        *persons,
        handler.name if handler else "",
        case.forwarded_to,
    ]
    case.search_text, case.search_identity = search_columns(
        parts,
        anonymous=case.anonymous,
        name=case.complainant_name,
        phone=case.complainant_phone,
        company=case.complainant_company,
        address=case.complainant_address,
    )


# --------------------------------------------------------------------------- registration


def register_complaint(
    session: Session, actor: Actor, data: ComplaintInput, *, at: datetime | None = None
) -> Complaint:
    """Register a complaint (登记): validate, number it, compute its deadlines, record it.

    The clerk who registers becomes the case's handler until it is routed to somebody else.
    Raises ValidationErrors naming each bad field, PermissionDenied for roles that may not
    register.
    """
    at = clock(at)
    case = Complaint(
        extension_days=0, reopen_count=0, deadline_provisional=False, ever_overdue=False
    )
    step = Step(session, actor, case, ComplaintAction.REGISTER, None, at)
    _require_valid(session, data, at)
    assert data.received_at is not None and data.channel is not None  # checked above
    received_at = data.received_at.replace(microsecond=0)
    prefix = settings.get(session, settings.COMPLAINT_NUMBER_PREFIX)
    step.set("received_at", received_at)
    step.set("received_date", received_at.date())
    step.set("channel", data.channel)
    step.set("registered_by_id", actor.user_id)
    step.set("handler_user_id", actor.user_id)
    _apply_input(step, data)
    _set_persons(session, step, data)
    _set_intake_deadlines(session, step, data, recompute_all=True)
    # Numbers are taken last: the allocation holds the series lock until the commit.
    serial = allocate_number(session, NUMBER_SERIES_KEY, received_at.year, prefix)
    step.set("number", format_complaint_number(prefix, received_at.year, serial))
    refresh_search_text(session, case)
    step.commit(text=f"登记投诉：{case.summary}")
    return case


def update_complaint(
    session: Session,
    actor: Actor,
    complaint_id: int,
    data: ComplaintInput,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """Correct the registered facts of a case (修改登记信息); each change goes to the history.

    ``data.due_date``: None keeps the computed limit (recounted if the receipt date, category
    or complexity changed); a date different from the stored one fixes the limit by hand.
    """
    at = clock(at)
    case = load_case(session, complaint_id)
    step = Step(session, actor, case, ComplaintAction.EDIT, expected_version, at)
    _require_valid(session, data, at)
    assert data.received_at is not None and data.channel is not None
    received_at = data.received_at.replace(microsecond=0)
    inputs_before = (case.received_date, case.category_id, case.complexity)
    # The lookups below autoflush the edited case: a save from another PC surfaces there.
    with conflicts_reported(case, actor):
        step.set("received_at", received_at)
        step.set("received_date", received_at.date())
        step.set("channel", data.channel)
        _apply_input(step, data)
        _set_persons(session, step, data)
        recount = inputs_before != (case.received_date, case.category_id, case.complexity)
        _set_intake_deadlines(
            session, step, data, recompute_all=recount, old_start=inputs_before[0]
        )
        refresh_search_text(session, case)
        if not step.changes:
            return case  # nothing changed: no event, no version bump
        step.commit(text="修改登记信息")
    return case


def _apply_input(step: Step, data: ComplaintInput) -> None:
    step.set("summary", data.summary.strip())
    step.set("content", data.content.strip())
    step.set("category_id", data.category_id)
    step.set("unit_id", data.unit_id)
    step.set("subject_description", data.subject_description.strip())
    step.set("complexity", data.complexity)
    step.set("anonymous", data.anonymous)
    step.set("complainant_kind", data.complainant_kind)
    phone = data.complainant_phone.strip()
    step.set("complainant_phone", normalise_phone(phone) if phone else "")
    step.set("complainant_name", "" if data.anonymous else data.complainant_name.strip())
    step.set("complainant_company", "" if data.anonymous else data.complainant_company.strip())
    step.set("complainant_address", "" if data.anonymous else data.complainant_address.strip())
    step.set("remarks", data.remarks.strip())


def _set_persons(session: Session, step: Step, data: ComplaintInput) -> None:
    case = step.case
    wanted: list[tuple[int | None, str]] = [(pid, "") for pid in dict.fromkeys(data.person_ids)] + [
        (None, d.strip()) for d in dict.fromkeys(data.person_descriptions) if d.strip()
    ]
    current: list[tuple[int | None, str]] = [(p.person_id, p.description) for p in case.persons]
    if current == wanted:
        return

    def names(items: list[tuple[int | None, str]]) -> list[str]:
        out = []
        for pid, desc in items:
            person = session.get(Person, pid) if pid is not None else None
            out.append(person.display_name if person is not None else desc)
        return out

    step.changes["persons"] = [names(current), names(wanted)]
    case.persons = [ComplaintPerson(person_id=pid, description=desc) for pid, desc in wanted]


def _set_intake_deadlines(
    session: Session,
    step: Step,
    data: ComplaintInput,
    *,
    recompute_all: bool,
    old_start: date | None = None,
) -> None:
    case = step.case
    policy = load_policy(session)
    calendar = load_calendar(session)
    category = session.get(ProblemCategory, case.category_id) if case.category_id else None
    limit = conclusion_limit(policy, case.complexity, category)
    start = case.received_date
    bases = deadline_bases(case)
    is_new = case.state is None
    if is_new or case.state in ACCEPTANCE_STATES or case.state in CONCLUSION_STATES:
        step.set("limit_days", limit)
    if is_new or (recompute_all and case.state in ACCEPTANCE_STATES):
        basis = bases.get("acceptance_due")
        if is_new or (basis is not None and basis[0] == old_start):
            set_computed(step, "acceptance_due", start, policy.acceptance_days, calendar)
    if not (is_new or case.state in ACCEPTANCE_STATES or case.state in CONCLUSION_STATES):
        return
    if data.due_date is not None and data.due_date != case.due_date:
        set_explicit(step, "due_date", data.due_date, calendar)
        return
    basis = bases.get("due_date", (start, 0))
    typed_before = "due_date" in bases and basis is None
    if (
        is_new
        or (data.due_date is None and typed_before)
        or (recompute_all and basis is not None and basis[0] == old_start)
    ):
        set_computed(step, "due_date", start, limit + case.extension_days, calendar)


# --------------------------------------------------------------------------- drafts


def _draft_owner(actor: Actor) -> int:
    require(actor, Permission.REGISTER_COMPLAINT)
    if actor.user_id is None:
        raise EffDeskError("草稿属于登录用户，系统操作不能保存草稿。")
    return actor.user_id


def input_to_draft(data: ComplaintInput) -> dict[str, Any]:
    """The form as JSON-safe values, for :func:`save_draft`."""
    out = asdict(data)
    for key, value in list(out.items()):
        if isinstance(value, datetime):
            out[key] = value.isoformat(timespec="seconds")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif hasattr(value, "value"):
            out[key] = value.value
    return out


def input_from_draft(values: Mapping[str, Any]) -> ComplaintInput:
    """Rebuild a form from draft values; unreadable values are left at their default so a
    draft saved by an older version still opens."""
    data = ComplaintInput()
    converters: dict[str, Any] = {
        "received_at": datetime.fromisoformat,
        "due_date": date.fromisoformat,
        "channel": Channel,
        "complexity": Complexity,
        "complainant_kind": ComplainantKind,
    }
    known = {f.name for f in fields(ComplaintInput)}
    for key, value in values.items():
        if key not in known or value is None:
            continue
        try:
            if key in converters:
                value = converters[key](value)
            elif key in ("person_ids",):
                value = [int(v) for v in value]
            elif key in ("person_descriptions",):
                value = [str(v) for v in value]
            elif key == "anonymous":
                value = bool(value)
            elif key in ("unit_id", "category_id"):
                value = int(value)
            else:
                value = str(value)
        except (TypeError, ValueError):
            continue
        setattr(data, key, value)
    return data


def save_draft(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    draft_id: int | None = None,
) -> DraftInfo:
    """Save the intake form being typed (call it on every pause in typing and on close).

    ``values`` is any JSON-safe mapping (e.g. :func:`input_to_draft`); ``draft_id`` updates an
    existing draft of this user. Drafts are private scratch, not records: not audited.
    """
    owner = _draft_owner(actor)
    if draft_id is None:
        draft = ComplaintDraft(user_id=owner, data=dict(values))
        session.add(draft)
    else:
        draft = _own_draft(session, owner, draft_id)
        draft.data = dict(values)
    draft.updated_at = now()
    session.flush()
    return _draft_info(draft)


def list_drafts(session: Session, actor: Actor) -> list[DraftInfo]:
    """This user's unfinished intake forms, newest first (offer them after a crash)."""
    owner = _draft_owner(actor)
    drafts = session.scalars(
        select(ComplaintDraft)
        .where(ComplaintDraft.user_id == owner)
        .order_by(ComplaintDraft.updated_at.desc(), ComplaintDraft.id.desc())
    )
    return [_draft_info(d) for d in drafts]


def load_draft(session: Session, actor: Actor, draft_id: int) -> dict[str, Any]:
    owner = _draft_owner(actor)
    return dict(_own_draft(session, owner, draft_id).data)


def discard_draft(session: Session, actor: Actor, draft_id: int) -> None:
    """Delete a draft (after registering it, or when the clerk throws it away)."""
    owner = _draft_owner(actor)
    session.delete(_own_draft(session, owner, draft_id))
    session.flush()


def _own_draft(session: Session, owner: int, draft_id: int) -> ComplaintDraft:
    draft = session.get(ComplaintDraft, draft_id)
    if draft is None or draft.user_id != owner:
        raise NotFound("找不到该草稿，它可能已被登记或删除。")
    return draft


def _draft_info(draft: ComplaintDraft) -> DraftInfo:
    summary = str(draft.data.get("summary") or "").strip() or "（未填写摘要）"
    return DraftInfo(id=draft.id, saved_at=draft.updated_at, summary=summary, version=draft.version)


# --------------------------------------------------------------------------- duplicates


def find_possible_duplicates(
    session: Session,
    actor: Actor,
    *,
    phone: str = "",
    unit_id: int | None = None,
    category_id: int | None = None,
    received: date | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateHint]:
    """Cases that may be the same matter as the one being typed (shown as a hint at intake).

    Same phone: a case received within 30 days before ``received`` or still open (matching on
    the phone only for roles that may see identities). Same unit and category: received within
    those 30 days. Merged cases are left out.
    """
    require(actor, Permission.VIEW_COMPLAINTS)
    ref = received or now().date()
    window_start = ref - timedelta(days=DUPLICATE_WINDOW_DAYS)
    in_window = and_(Complaint.received_date >= window_start, Complaint.received_date <= ref)
    criteria = []
    normalised = normalise_phone(phone) if phone.strip() else ""
    phone_ok = bool(normalised) and is_valid_phone(normalised) and may_see_identity(actor)
    if phone_ok:
        criteria.append(
            and_(
                Complaint.complainant_phone == normalised,
                or_(in_window, Complaint.state.in_(OPEN_STATES)),
            )
        )
    if unit_id is not None and category_id is not None:
        criteria.append(
            and_(Complaint.unit_id == unit_id, Complaint.category_id == category_id, in_window)
        )
    if not criteria:
        return []
    stmt = (
        select(Complaint, Unit.name, ProblemCategory.name)
        .outerjoin(Unit, Unit.id == Complaint.unit_id)
        .outerjoin(ProblemCategory, ProblemCategory.id == Complaint.category_id)
        .where(or_(*criteria), Complaint.state != ComplaintState.MERGED)
        .order_by(Complaint.received_date.desc(), Complaint.id.desc())
        .limit(limit)
    )
    if exclude_id is not None:
        stmt = stmt.where(Complaint.id != exclude_id)
    hints = []
    for case, unit_name, category_name in session.execute(stmt):
        same_phone = phone_ok and case.complainant_phone == normalised
        reason = (
            "同一联系电话" if same_phone else f"同一单位、同类问题（{DUPLICATE_WINDOW_DAYS}日内）"
        )
        hints.append(
            DuplicateHint(
                id=case.id,
                number=case.number,
                received_date=case.received_date,
                state=case.state,
                summary=text_masker_for(actor, case)(case.summary),
                unit_name=unit_name or case.subject_description,
                category_name=category_name or "",
                reason=reason,
                version=case.version,
            )
        )
    return hints
