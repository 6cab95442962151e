"""Plumbing shared by the complaint modules: loading a case for a step, recording the step.

Every change goes through :class:`Step`: it asks the policy (the transition table, then the
optimistic lock, then the policy's guards over the case facts), collects ``{field: [before, after]}`` as attributes are set, and on :meth:`Step.commit`
writes one ComplaintEvent and one audit entry and flushes, turning a lost update race
(StaleDataError) into ConcurrentEditError.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.db.base import now
from effdesk.db.models import Complaint, ComplaintEvent
from effdesk.enums import AuditAction, ComplaintEventKind, ComplaintState, DeadlineKind
from effdesk.errors import ConcurrentEditError
from effdesk.security.concurrency import describe_other_change
from effdesk.services.common import check_version, get_or_404
from effdesk.services.complaints.policy import (
    GUARDED_ACTIONS,
    IDENTITY_FIELDS,
    CaseFacts,
    ComplaintAction,
    Transition,
    check_guards,
    check_transition,
    redaction_for,
)

# Facts that are not field changes are kept in ``changes`` under these keys.
BASIS_KEY = "basis"


def clock(at: datetime | None) -> datetime:
    """The time a step happens: ``at`` (tests, imports) or now, to the second."""
    return at.replace(microsecond=0) if at is not None else now()


def plain(value: Any) -> Any:
    """A JSON-safe picture of a column value for event changes and audit entries."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def load_case(session: Session, complaint_id: int) -> Complaint:
    return get_or_404(session.get(Complaint, complaint_id), "该投诉件")


def case_label(case: Complaint) -> str:
    return f"投诉件 {case.number}"


def _other_change(case_uuid: str, session: Session | None, actor: Actor | None, exc: Any) -> str:
    """Who changed the case meanwhile, and what (from the audit trail, identity masked for
    ``actor``); without an actor to mask for, only the bare fact."""
    if actor is None or session is None or not case_uuid:
        return str(exc)
    redact = redaction_for(actor)
    return describe_other_change(session.get_bind(), case_uuid, redact) or str(exc)


def flush(session: Session, case: Complaint, actor: Actor | None = None) -> None:
    """Flush, reporting a concurrent save of the same case as ConcurrentEditError."""
    label = case_label(case)  # read now: after a failed flush the row cannot be loaded
    case_uuid = case.uuid
    try:
        session.flush()
    except StaleDataError as exc:
        # The caller's unit of work rolls back on this error; nothing half-done is kept.
        raise ConcurrentEditError(
            f"{label}刚被其他人修改，您的操作未保存。请刷新后重试。",
            other_change=_other_change(case_uuid, session, actor, exc),
        ) from exc


@contextmanager
def conflicts_reported(case: Complaint, actor: Actor | None = None) -> Iterator[None]:
    """Any flush inside (autoflush of a query too) that finds the case saved by somebody else
    meanwhile becomes the ConcurrentEditError naming the case, not a raw StaleDataError."""
    label = case_label(case)
    case_uuid, session = case.uuid, object_session(case)
    try:
        yield
    except StaleDataError as exc:
        raise ConcurrentEditError(
            f"{label}刚被其他人修改，您的操作未保存。请刷新后重试。",
            other_change=_other_change(case_uuid, session, actor, exc),
        ) from exc


class Step:
    """One recorded change of one case (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        case: Complaint,
        action: ComplaintAction,
        expected_version: int | None,
        at: datetime | None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.case = case
        self.at = clock(at)
        self.rule: Transition = check_transition(actor, case.state, action)
        try:
            check_version(case, expected_version, case_label(case))
        except ConcurrentEditError as exc:  # say who changed what, as a stale flush does
            other = _other_change(case.uuid, session, actor, exc.other_change)
            raise ConcurrentEditError(exc.message, other_change=other) from exc
        if action in GUARDED_ACTIONS:
            check_guards(actor, CaseFacts.of(case), action, self.today, case_label(case))
        self.from_state: ComplaintState = case.state
        self.changes: dict[str, Any] = {}
        self.facts: dict[str, Any] = {}
        # Before anything changes: a deadline this step ends late is recorded as passed.
        note_overdue_before_step(self)

    @property
    def today(self) -> date:
        return self.at.date()

    def set(self, field: str, value: Any) -> None:
        """Set a column, remembering before → after when it really changes."""
        before = getattr(self.case, field)
        if before == value:
            return
        setattr(self.case, field, value)
        if field in self.changes:  # set twice in one step: keep the first "before"
            self.changes[field][1] = plain(value)
        else:
            self.changes[field] = [plain(before), plain(value)]

    def commit(self, text: str = "", kind: ComplaintEventKind | None = None) -> ComplaintEvent:
        """Apply the state change, write the event and the audit entry, flush."""
        to_state = self.rule.target()
        if to_state is not None and to_state != self.case.state:
            self.set("state", to_state)
        # Every step bumps the version (even a note), so a stale view is always detected.
        self.case.updated_at = now()
        flag_modified(self.case, "updated_at")
        self.session.add(self.case)
        # The case row first: a lost update race surfaces here, before anything else is written.
        flush(self.session, self.case, self.actor)
        event = add_event(
            self.session,
            self.actor,
            self.case,
            kind or self.rule.event,
            at=self.at,
            from_state=self.from_state,
            to_state=self.case.state,
            text=text,
            changes={**self.changes, **self.facts},
        )
        return event


def add_event(
    session: Session,
    actor: Actor,
    case: Complaint,
    kind: ComplaintEventKind,
    *,
    at: datetime,
    from_state: ComplaintState | None,
    to_state: ComplaintState | None,
    text: str = "",
    changes: dict[str, Any] | None = None,
) -> ComplaintEvent:
    """Append one history event to ``case`` and the matching audit entry."""
    changes = changes or {}
    event = ComplaintEvent(
        complaint=case,
        at=at,
        actor_id=actor.user_id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        text=text,
        changes=changes,
    )
    session.add(event)
    session.flush()
    pairs = {k: v for k, v in changes.items() if _is_pair(v)}
    state_note = (
        f"（{from_state.label}→{to_state.label}）"
        if from_state is not None and to_state is not None and from_state != to_state
        else ""
    )
    audit.record(
        session,
        actor,
        AuditAction.CREATE if kind == ComplaintEventKind.REGISTERED else AuditAction.UPDATE,
        "complaint",
        case.uuid,
        f"{case_label(case)}：{kind.label}{state_note}",
        None
        if kind == ComplaintEventKind.REGISTERED
        else ({k: v[0] for k, v in pairs.items()} or None),
        {k: v[1] for k, v in pairs.items()} | {k: v for k, v in changes.items() if not _is_pair(v)},
    )
    return event


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def mask_changes(changes: dict[str, Any], identity_visible: bool) -> dict[str, Any]:
    if identity_visible:
        return changes
    return {
        k: (["***" if v[0] else v[0], "***" if v[1] else v[1]] if k in IDENTITY_FIELDS else v)
        for k, v in changes.items()
    }


# --------------------------------------------------------------------------- deadlines

# Which stored deadline a case works against in each state.
ACCEPTANCE_STATES = frozenset(
    {ComplaintState.REGISTERED, ComplaintState.AWAITING_INSTRUCTION, ComplaintState.INSTRUCTED}
)
CONCLUSION_STATES = frozenset(
    {ComplaintState.ROUTED, ComplaintState.INVESTIGATING, ComplaintState.AWAITING_REVIEW}
)
REPLY_STATES = frozenset({ComplaintState.CONCLUDED})
DEADLINE_FIELDS = {
    DeadlineKind.ACCEPTANCE: "acceptance_due",
    DeadlineKind.CONCLUSION: "due_date",
    DeadlineKind.REPLY: "reply_due",
}


def running_deadline_of(case: Complaint) -> tuple[DeadlineKind, date] | None:
    """The kind and due date of the deadline running in the case's state, if any."""
    if case.state in ACCEPTANCE_STATES:
        kind, due = DeadlineKind.ACCEPTANCE, case.acceptance_due
    elif case.state in CONCLUSION_STATES:
        kind, due = DeadlineKind.CONCLUSION, case.due_date
    elif case.state in REPLY_STATES:
        kind, due = DeadlineKind.REPLY, case.reply_due
    else:
        return None
    return (kind, due) if due is not None else None


def overdue_key(kind: DeadlineKind, due: date) -> tuple[str, str]:
    return (kind.value, due.isoformat())


def recorded_overdue(case: Complaint) -> set[tuple[str, str]]:
    """(deadline kind, due) pairs already recorded as OVERDUE events on the case."""
    return {
        (str(e.changes.get("deadline", "")), str(e.changes.get("due", "")))
        for e in case.events
        if e.kind == ComplaintEventKind.OVERDUE
    }


def overdue_event(
    session: Session, case: Complaint, kind: DeadlineKind, due: date, today: date, at: datetime
) -> ComplaintEvent:
    """Record that ``case`` passed its ``kind`` deadline (the caller checked it is new)."""
    case.ever_overdue = True
    return add_event(
        session,
        SYSTEM,
        case,
        ComplaintEventKind.OVERDUE,
        at=at,
        from_state=case.state,
        to_state=case.state,
        text=f"{kind.label}{due:%Y-%m-%d}已过，{today:%Y-%m-%d}时仍未完成。",
        changes={"deadline": kind.value, "due": due.isoformat()},
    )


def note_overdue_before_step(step: Step) -> None:
    """A step that ends a running deadline late leaves the OVERDUE fact behind first, so
    the history keeps it even if no daily scan ran while the case was late."""
    running = running_deadline_of(step.case)
    if running is None:
        return
    kind, due = running
    if due < step.today and overdue_key(kind, due) not in recorded_overdue(step.case):
        overdue_event(step.session, step.case, kind, due, step.today, step.at)
