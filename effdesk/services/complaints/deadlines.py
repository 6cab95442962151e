"""Working-day time limits of a complaint: computing, judging (正常/临期/超期), recording overdue.

Limits come from the office settings (``deadline.*``) and a category's own conclusion limit;
they are counted by :func:`effdesk.calendar.compute_deadline` and stored on the case. When the
calendar lacks a year, the deadline is provisional (暂定) and ``deadline_provisional`` is set.

Every computed deadline leaves its basis — start date and number of working days — in the
event that set it (``changes["basis"][field] = [start, days]``; ``None`` for a date typed by a
user), so that :func:`recompute_provisional_deadlines` can count again once the admin enters the
year, without guessing which dates were computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from effdesk import audit, settings
from effdesk.auth import SYSTEM, Actor
from effdesk.calendar import Deadline, WorkCalendar, compute_deadline
from effdesk.db.models import Complaint, ComplaintEvent, ProblemCategory
from effdesk.enums import AuditAction, ComplaintEventKind, Complexity, DeadlineKind, DueStatus
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, require
from effdesk.services.complaints._core import (
    ACCEPTANCE_STATES,
    BASIS_KEY,
    CONCLUSION_STATES,
    DEADLINE_FIELDS,
    REPLY_STATES,
    Step,
    add_event,
    clock,
    flush,
    overdue_key,
    recorded_overdue,
    running_deadline_of,
)
from effdesk.services.complaints.schema import OverdueScanResult, RunningDeadline

__all__ = [
    "DeadlinePolicy",
    "conclusion_limit",
    "deadline_bases",
    "due_status",
    "load_calendar",
    "load_policy",
    "near_limit",
    "recompute_provisional_deadlines",
    "running_deadline",
    "scan_overdue",
    "status_for",
]


@dataclass(frozen=True)
class DeadlinePolicy:
    """The office's limits in working days (settings ``deadline.*``)."""

    acceptance_days: int
    conclusion_days: Mapping[Complexity, int]
    extension_max_days: int
    reply_days: int
    near_days: int


def load_policy(session: Session) -> DeadlinePolicy:
    # As stored: a value is read (as int) only for the complexities there are.
    conclusion = settings.get(session, settings.CONCLUSION_DAYS.key)
    defaults = settings.CONCLUSION_DAYS.default
    return DeadlinePolicy(
        acceptance_days=settings.get(session, settings.ACCEPTANCE_DAYS),
        conclusion_days={c: int(conclusion.get(c.value, defaults[c.value])) for c in Complexity},
        extension_max_days=settings.get(session, settings.EXTENSION_MAX_DAYS),
        reply_days=settings.get(session, settings.REPLY_DAYS),
        near_days=settings.get(session, settings.NEAR_DAYS),
    )


def conclusion_limit(
    policy: DeadlinePolicy, complexity: Complexity, category: ProblemCategory | None
) -> int:
    """Working days to conclude: a category's own limit applies to ordinary (一般) cases; a case
    marked simple or complex takes the office's limit for that complexity, because marking it
    is a decision about this very case."""
    if complexity == Complexity.NORMAL and category is not None and category.conclusion_days:
        return int(category.conclusion_days)
    return int(policy.conclusion_days[complexity])


# --------------------------------------------------------------------------- judging


def near_limit(calendar: WorkCalendar, today: date, near_days: int) -> date:
    """The first due date that is *not* 临期 today: a deadline is 临期 while at most
    ``near_days`` working days are left, i.e. while it falls before this date."""
    return compute_deadline(calendar, today, near_days + 1).due


def status_for(due: date, today: date, near_before: date) -> DueStatus:
    if due < today:
        return DueStatus.OVERDUE
    if due < near_before:
        return DueStatus.NEAR
    return DueStatus.NORMAL


def running_deadline(
    case: Complaint, calendar: WorkCalendar | None = None
) -> RunningDeadline | None:
    """The deadline the case works against now (acceptance, conclusion or reply), if any.

    ``provisional`` is true when the case carries provisional deadlines and this one falls in
    a year the calendar does not know (without a calendar: whenever the case is flagged).
    """
    found = running_deadline_of(case)
    if found is None:
        return None
    kind, due = found
    provisional = case.deadline_provisional and (calendar is None or not calendar.knows(due.year))
    return RunningDeadline(kind, due, provisional)


def due_status(
    case: Complaint, today: date, calendar: WorkCalendar, near_days: int = 3
) -> DueStatus | None:
    """正常 / 临期 (≤ ``near_days`` working days left, the due day itself included) / 超期
    for the running deadline; None when no deadline runs (closed, rejected, merged …)."""
    found = running_deadline_of(case)
    if found is None:
        return None
    return status_for(found[1], today, near_limit(calendar, today, near_days))


# --------------------------------------------------------------------------- setting


def deadline_bases(case: Complaint) -> dict[str, tuple[date, int] | None]:
    """For each deadline field, the (start, working days) it was last computed from, or
    None when a user typed the date. Fields never set are absent."""
    bases: dict[str, tuple[date, int] | None] = {}
    for event in case.events:
        recorded = event.changes.get(BASIS_KEY) if event.changes else None
        if isinstance(recorded, dict):
            for field, basis in recorded.items():
                bases[field] = (
                    (date.fromisoformat(basis[0]), int(basis[1])) if basis is not None else None
                )
    return bases


def set_computed(
    step: Step, field: str, start: date, days: int, calendar: WorkCalendar
) -> Deadline:
    """Set deadline ``field`` to ``days`` working days after ``start`` and note the basis."""
    deadline = compute_deadline(calendar, start, days)
    step.set(field, deadline.due)
    step.facts.setdefault(BASIS_KEY, {})[field] = [start.isoformat(), days]
    refresh_provisional(step, calendar)
    return deadline


def set_explicit(step: Step, field: str, due: date | None, calendar: WorkCalendar) -> None:
    """Set deadline ``field`` to a date a user chose (never provisional, never recomputed)."""
    step.set(field, due)
    step.facts.setdefault(BASIS_KEY, {})[field] = None
    refresh_provisional(step, calendar)


def refresh_provisional(step: Step, calendar: WorkCalendar) -> None:
    bases = deadline_bases(step.case)
    for field, basis in step.facts.get(BASIS_KEY, {}).items():
        bases[field] = basis
    provisional = any(
        basis is not None
        and (due := getattr(step.case, field)) is not None
        and not calendar.knows(due.year)
        for field, basis in bases.items()
    )
    step.set("deadline_provisional", provisional)


# --------------------------------------------------------------------------- overdue


def _overdue_condition(today: date) -> object:
    return or_(
        and_(Complaint.state.in_(ACCEPTANCE_STATES), Complaint.acceptance_due < today),
        and_(Complaint.state.in_(CONCLUSION_STATES), Complaint.due_date < today),
        and_(Complaint.state.in_(REPLY_STATES), Complaint.reply_due < today),
    )


def scan_overdue(
    session: Session,
    actor: Actor = SYSTEM,
    today: date | None = None,
    *,
    at: datetime | None = None,
    batch: int = 500,
) -> OverdueScanResult:
    """Record an OVERDUE event for every running deadline that has passed, once per case and
    deadline (kind + due date), and set ``ever_overdue``. Idempotent: run at startup and daily.

    Events stay when the case later closes. One audit entry per batch lists the cases.
    """
    at = clock(at)
    today = today or at.date()
    last_id = 0
    events = cases = 0
    condition = _overdue_condition(today)
    while True:
        ids = list(
            session.scalars(
                select(Complaint.id)
                .where(condition, Complaint.id > last_id)  # type: ignore[arg-type]
                .order_by(Complaint.id)
                .limit(batch)
            )
        )
        if not ids:
            break
        last_id = ids[-1]
        batch_cases = session.scalars(
            select(Complaint).where(Complaint.id.in_(ids)).options(selectinload(Complaint.events))
        ).all()
        flagged: list[str] = []
        for case in batch_cases:
            found = running_deadline_of(case)
            if found is None:  # pragma: no cover - the query selected running deadlines only
                continue
            kind, due = found
            if overdue_key(kind, due) in recorded_overdue(case):
                continue
            _system_overdue_event(session, case, kind, due, today, at)
            events += 1
            flagged.append(case.number)
        if flagged:
            cases += len(flagged)
            # The flag is derived by the system: set it without bumping the version, so a
            # user editing the case at this moment does not get a spurious conflict.
            session.execute(
                update(Complaint)
                .where(Complaint.id.in_(ids), Complaint.ever_overdue.is_(False))
                .values(ever_overdue=True)
                .execution_options(synchronize_session=False)
            )
            audit.record(
                session,
                actor,
                AuditAction.UPDATE,
                "complaint",
                "",
                f"超期检查（{today:%Y-%m-%d}）：{len(flagged)}件投诉记录超期",
                None,
                {"numbers": flagged},
            )
        session.flush()
        for case in batch_cases:
            session.expire(case)
    return OverdueScanResult(events=events, cases=cases)


def _system_overdue_event(
    session: Session, case: Complaint, kind: DeadlineKind, due: date, today: date, at: datetime
) -> None:
    # Written without its own audit entry (the batch has one) and without a version bump.
    session.add(
        ComplaintEvent(
            complaint_id=case.id,
            at=at,
            actor_id=None,
            kind=ComplaintEventKind.OVERDUE,
            from_state=case.state,
            to_state=case.state,
            text=f"{kind.label}{due:%Y-%m-%d}已过，{today:%Y-%m-%d}时仍未完成。",
            changes={"deadline": kind.value, "due": due.isoformat()},
        )
    )


# --------------------------------------------------------------------------- recompute


def recompute_provisional_deadlines(
    session: Session, actor: Actor, calendar: WorkCalendar, *, at: datetime | None = None
) -> int:
    """Count every provisional deadline again with ``calendar`` (after the admin entered a
    year); each case whose dates or 暂定 mark change gets a DEADLINE_RECOMPUTED event with
    before → after. Returns the number of cases changed."""
    require(actor, Permission.MANAGE_CALENDAR)
    at = clock(at)
    changed = 0
    cases = session.scalars(
        select(Complaint)
        .where(Complaint.deadline_provisional.is_(True))
        .options(selectinload(Complaint.events))
        .order_by(Complaint.id)
    ).all()
    for case in cases:
        before = {f: getattr(case, f) for f in (*DEADLINE_FIELDS.values(), "deadline_provisional")}
        bases = deadline_bases(case)
        changes: dict[str, list[Any]] = {}
        provisional = False
        for field, basis in bases.items():
            if basis is None:
                continue
            result = compute_deadline(calendar, basis[0], basis[1])
            provisional = provisional or result.provisional
            if result.due != before[field]:
                setattr(case, field, result.due)
                changes[field] = [_iso(before[field]), result.due.isoformat()]
        if provisional != case.deadline_provisional:
            case.deadline_provisional = provisional
            changes["deadline_provisional"] = [True, provisional]
        if not changes:
            continue
        flush(session, case)
        lines = [
            f"{_FIELD_LABELS[f]}{v[0]}→{v[1]}" for f, v in changes.items() if f in _FIELD_LABELS
        ]
        text = "录入节假日安排后重新计算办理时限" + (
            "：" + "；".join(lines) if lines else "：日期不变，不再是暂定"
        )
        add_event(
            session,
            actor,
            case,
            ComplaintEventKind.DEADLINE_RECOMPUTED,
            at=at,
            from_state=case.state,
            to_state=case.state,
            text=text,
            changes=changes,
        )
        changed += 1
    return changed


_FIELD_LABELS = {
    "acceptance_due": "受理决定时限",
    "due_date": "办理时限",
    "reply_due": "反馈时限",
}


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None
