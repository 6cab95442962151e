"""待办: what a user has to do today, most urgent first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar
from effdesk.db.base import now
from effdesk.db.models import Complaint, ComplaintEvent
from effdesk.enums import ComplaintEventKind, ComplaintState, DueStatus
from effdesk.errors import CalendarUnknown
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, allowed, require
from effdesk.services.complaints._core import CONCLUSION_STATES
from effdesk.services.complaints.deadlines import near_limit, running_deadline
from effdesk.services.complaints.privacy import text_masker_for
from effdesk.services.complaints.schema import RunningDeadline, TodoItem, TodoKind
from effdesk.services.complaints.search import due_condition

_EXTENSION_KINDS = (
    ComplaintEventKind.EXTENSION_REQUESTED,
    ComplaintEventKind.EXTENSION_APPROVED,
    ComplaintEventKind.EXTENSION_DENIED,
)


def todo_for(
    session: Session, actor: Actor, today: date | None = None, *, limit: int = 300
) -> list[TodoItem]:
    """The actor's 待办: cases they handle that are late, due today or near their limit, cases
    instructed and waiting to be routed by them; for leaders also cases awaiting instruction,
    sign-off or an extension decision. At most ``limit`` items, most urgent first."""
    require(actor, Permission.VIEW_COMPLAINTS)
    today = today or now().date()
    calendar = load_calendar(session)
    near_days = settings.get(session, settings.NEAR_DAYS)
    near_before = near_limit(calendar, today, near_days)
    # One entry per case, in its most urgent group; its line says everything that is due
    # (a late case waiting to be routed is listed once, as late, and says both).
    items: dict[int, TodoItem] = {}
    reasons: dict[int, list[tuple[int, str]]] = {}

    def add(case: Complaint, kind: TodoKind, text: str) -> None:
        mine = reasons.setdefault(case.id, [])
        if any(t == text for _, t in mine):
            return
        mine.append((kind.rank, text))
        mine.sort()
        held = items.get(case.id)
        items[case.id] = TodoItem(
            complaint_id=case.id,
            number=case.number,
            summary=text_masker_for(actor, case)(case.summary),
            state=case.state,
            kind=kind if held is None or kind.rank < held.kind.rank else held.kind,
            deadline=running_deadline(case, calendar),
            text=f"{case.number} " + "；".join(t for _, t in mine),
        )

    if actor.user_id is not None and allowed(actor, Permission.HANDLE_COMPLAINT):
        mine = Complaint.handler_user_id == actor.user_id
        late_or_near = or_(
            due_condition(DueStatus.OVERDUE, today, near_before),
            due_condition(DueStatus.NEAR, today, near_before),
        )
        for case in session.scalars(
            select(Complaint).where(mine, late_or_near).order_by(Complaint.id).limit(limit)
        ):
            running = running_deadline(case, calendar)
            if running is not None:
                kind, text = _due_line(running, today, calendar)
                add(case, kind, text)
        for case in session.scalars(
            select(Complaint)
            .where(mine, Complaint.state == ComplaintState.INSTRUCTED)
            .order_by(Complaint.id)
            .limit(limit)
        ):
            add(case, TodoKind.AWAIT_ROUTING, "领导已批示，待交办/转办")

    if allowed(actor, Permission.INSTRUCT_COMPLAINT):
        for case in session.scalars(
            select(Complaint)
            .where(Complaint.state == ComplaintState.AWAITING_INSTRUCTION)
            .order_by(Complaint.id)
            .limit(limit)
        ):
            add(case, TodoKind.AWAIT_INSTRUCTION, "待领导批示")
    if allowed(actor, Permission.SIGN_OFF_CONCLUSION):
        for case in session.scalars(
            select(Complaint)
            .where(Complaint.state == ComplaintState.AWAITING_REVIEW)
            .order_by(Complaint.id)
            .limit(limit)
        ):
            add(case, TodoKind.AWAIT_SIGN_OFF, "办理结果待审核")
    if allowed(actor, Permission.APPROVE_EXTENSION):
        for case in _pending_extension_cases(session, limit):
            add(case, TodoKind.AWAIT_EXTENSION, "延期申请待审批")

    def urgency(item: TodoItem) -> tuple[int, date, str]:
        due = item.deadline.due if item.deadline else date.max
        return (item.kind.rank, due, item.number)

    return sorted(items.values(), key=urgency)[:limit]


def _pending_extension_cases(session: Session, limit: int) -> list[Complaint]:
    # The newest extension event of each handling case; pending when it is a request (the
    # policy's open_extension_request, asked of the database for the whole list at once).
    latest = (
        select(ComplaintEvent.complaint_id, func.max(ComplaintEvent.id).label("last_id"))
        .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
        .where(
            ComplaintEvent.kind.in_(_EXTENSION_KINDS),
            Complaint.state.in_(CONCLUSION_STATES),
        )
        .group_by(ComplaintEvent.complaint_id)
        .subquery()
    )
    stmt = (
        select(Complaint)
        .join(latest, latest.c.complaint_id == Complaint.id)
        .join(
            ComplaintEvent,
            and_(
                ComplaintEvent.id == latest.c.last_id,
                ComplaintEvent.kind == ComplaintEventKind.EXTENSION_REQUESTED,
            ),
        )
        .order_by(Complaint.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _due_line(
    running: RunningDeadline, today: date, calendar: WorkCalendar
) -> tuple[TodoKind, str]:
    label = f"{running.kind.label}{running.due:%Y-%m-%d}" + (
        "（暂定）" if running.provisional else ""
    )
    if running.due < today:
        return (
            TodoKind.OVERDUE,
            f"{label}，已超期{_working_days(calendar, running.due, today)}个工作日",
        )
    if running.due == today:
        return TodoKind.DUE_TODAY, f"{label}，今日到期"
    return TodoKind.NEAR, f"{label}，还剩{_working_days(calendar, today, running.due)}个工作日"


def _working_days(calendar: WorkCalendar, start: date, end: date) -> int:
    try:
        return calendar.working_days_between(start, end)
    except CalendarUnknown:
        # A year not yet entered: count weekdays, like a provisional deadline does.
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if date.fromordinal(start.toordinal() + n).weekday() < 5
        )
