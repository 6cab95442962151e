"""Every transition through the real service functions: each legal step reaches the state the
table says, each illegal step is refused with TransitionNotAllowed, each role without the
permission with PermissionDenied — and nothing is written by a refused step."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from complaint_helpers import (
    T0,
    World,
    case_in,
    to_review,
)
from sqlalchemy import func, select

from effdesk.auth import Actor
from effdesk.db.models import AuditEntry, Complaint, ComplaintEvent
from effdesk.enums import (
    ComplaintState,
    HandlingMode,
    ReplyMethod,
    Role,
    Satisfaction,
    Verification,
)
from effdesk.errors import PermissionDenied, TransitionNotAllowed
from effdesk.services import complaints as svc
from effdesk.services.complaints.policy import TRANSITIONS, ComplaintAction

A = ComplaintAction
S = ComplaintState

Invoke = Callable[[World, Complaint, Actor, datetime], object]


def _merge(w: World, c: Complaint, who: Actor, at: datetime) -> object:
    other = w.session.scalars(
        select(Complaint).where(Complaint.id != c.id, Complaint.state != S.MERGED)
    ).first() or w.register(at=T0)
    return svc.merge_complaint(w.session, who, c.id, other.id, expected_version=c.version, at=at)


# One call per action, with valid arguments: only the table (and the role) can refuse it.
INVOKE: dict[ComplaintAction, Invoke] = {
    A.EDIT: lambda w, c, who, at: svc.update_complaint(
        w.session,
        who,
        c.id,
        w.input(summary="摘要已更正：窗口人员推诿", received_at=c.received_at),
        expected_version=c.version,
        at=at,
    ),
    A.SUBMIT: lambda w, c, who, at: svc.submit_for_instruction(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.INSTRUCT: lambda w, c, who, at: svc.instruct(
        w.session, who, c.id, "请认真核查。", expected_version=c.version, at=at
    ),
    A.ROUTE: lambda w, c, who, at: svc.route(
        w.session, who, c.id, mode=HandlingMode.SELF, expected_version=c.version, at=at
    ),
    A.REJECT: lambda w, c, who, at: svc.reject(
        w.session, who, c.id, "不属于受理范围", expected_version=c.version, at=at
    ),
    A.START: lambda w, c, who, at: svc.start_investigation(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.NOTE: lambda w, c, who, at: svc.add_note(
        w.session, who, c.id, "电话联系承办单位", expected_version=c.version, at=at
    ),
    A.REMIND: lambda w, c, who, at: svc.remind(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.SUPERVISE: lambda w, c, who, at: svc.supervise(
        w.session, who, c.id, "请于3日内报送办理情况。", expected_version=c.version, at=at
    ),
    A.REQUEST_EXTENSION: lambda w, c, who, at: svc.request_extension(
        w.session, who, c.id, 5, "需调取监控录像", expected_version=c.version, at=at
    ),
    A.APPROVE_EXTENSION: lambda w, c, who, at: svc.approve_extension(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.DENY_EXTENSION: lambda w, c, who, at: svc.deny_extension(
        w.session, who, c.id, "时限内可以办结", expected_version=c.version, at=at
    ),
    A.DRAFT_CONCLUSION: lambda w, c, who, at: svc.draft_conclusion(
        w.session,
        who,
        c.id,
        verification=Verification.PARTLY,
        handling_result="责令整改",
        expected_version=c.version,
        at=at,
    ),
    A.SIGN_OFF: lambda w, c, who, at: svc.sign_off(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.SEND_BACK: lambda w, c, who, at: svc.send_back(
        w.session, who, c.id, "核查不够深入", expected_version=c.version, at=at
    ),
    A.REPLY: lambda w, c, who, at: svc.reply(
        w.session,
        who,
        c.id,
        reply_date=at.date(),
        method=ReplyMethod.PHONE,
        text="已电话告知办理结果",
        expected_version=c.version,
        at=at,
    ),
    A.RETURN_VISIT: lambda w, c, who, at: svc.record_return_visit(
        w.session,
        who,
        c.id,
        visit_date=at.date(),
        satisfaction=Satisfaction.SATISFIED,
        expected_version=c.version,
        at=at,
    ),
    A.REOPEN: lambda w, c, who, at: svc.reopen(
        w.session, who, c.id, "领导要求重新核查", expected_version=c.version, at=at
    ),
    A.ARCHIVE: lambda w, c, who, at: svc.archive(
        w.session, who, c.id, expected_version=c.version, at=at
    ),
    A.MERGE: _merge,
}


def _request(w: World, c: Complaint, at: datetime) -> None:
    INVOKE[A.REQUEST_EXTENSION](w, c, w.clerk, at)


def _visit_unsatisfied(w: World, c: Complaint, at: datetime) -> None:
    svc.record_return_visit(
        w.session,
        w.clerk,
        c.id,
        visit_date=at.date(),
        satisfaction=Satisfaction.UNSATISFIED,
        expected_version=c.version,
        at=at,
    )


def _prepared_case(w: World, state: ComplaintState, action: ComplaintAction) -> Complaint:
    """A case in ``state`` that also meets the case conditions of ``action``."""
    if state == S.AWAITING_REVIEW and action in (A.APPROVE_EXTENSION, A.DENY_EXTENSION):
        case = case_in(w, S.INVESTIGATING)
        at = T0 + timedelta(hours=10)
        _request(w, case, at)
        to_review(w, case, at + timedelta(minutes=5))
        return case
    if action == A.MERGE:
        w.register(at=T0)  # the case to merge into
    case = case_in(w, state)
    at = T0 + timedelta(hours=10)
    if action in (A.APPROVE_EXTENSION, A.DENY_EXTENSION):
        _request(w, case, at)
    if state == S.ANSWERED and action == A.REOPEN:
        _visit_unsatisfied(w, case, at)
    return case


def _actor_for(w: World, state: ComplaintState, action: ComplaintAction) -> Actor:
    rule = TRANSITIONS[(state, action)]
    return w.clerk if Role.CLERK in rule.permission.roles else w.leader


LEGAL = sorted(
    ((s, a) for (s, a) in TRANSITIONS if s is not None),
    key=lambda p: (list(S).index(p[0]), list(A).index(p[1])),
)
ILLEGAL_BY_STATE = {
    s: [a for a in A if a != A.REGISTER and (s, a) not in TRANSITIONS] for s in ComplaintState
}


def _id(pair: tuple[ComplaintState, ComplaintAction]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def _counts(w: World, case_id: int) -> tuple[int, int]:
    events = w.session.scalar(
        select(func.count())
        .select_from(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == case_id)
    )
    audits = w.session.scalar(select(func.count()).select_from(AuditEntry))
    return int(events or 0), int(audits or 0)


@pytest.mark.parametrize("pair", LEGAL, ids=[_id(p) for p in LEGAL])
def test_legal_step_refuses_other_roles_then_reaches_its_state(
    world: World, pair: tuple[ComplaintState, ComplaintAction]
) -> None:
    state, action = pair
    rule = TRANSITIONS[pair]
    case = _prepared_case(world, state, action)
    assert case.state == state
    at = T0 + timedelta(hours=11)
    for role, who in (
        (Role.CLERK, world.clerk),
        (Role.INSPECTOR, world.inspector),
        (Role.LEADER, world.leader),
        (Role.ADMIN, world.admin),
    ):
        if role in rule.permission.roles:
            continue
        before = _counts(world, case.id)
        with pytest.raises(PermissionDenied):
            INVOKE[action](world, case, who, at)
        assert _counts(world, case.id) == before, role
        assert case.state == state

    version = case.version
    events_before, audits_before = _counts(world, case.id)
    INVOKE[action](world, case, _actor_for(world, state, action), at)
    world.session.refresh(case)
    assert case.state == rule.target()
    assert case.version > version
    events_after, audits_after = _counts(world, case.id)
    assert events_after > events_before
    assert audits_after > audits_before
    last = world.session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == case.id)
        .order_by(ComplaintEvent.id.desc())
    ).first()
    assert last is not None
    assert last.kind == rule.event
    assert last.from_state == state
    assert last.to_state == case.state


@pytest.mark.parametrize("state", list(ComplaintState), ids=[s.value for s in ComplaintState])
def test_every_illegal_step_is_refused_naming_state_and_action(
    world: World, state: ComplaintState
) -> None:
    assert ILLEGAL_BY_STATE[state], "each state refuses something"
    world.register(at=T0)  # a case to merge into, should a merge get through
    # One case for all attempts: a refused step must leave it exactly as it was.
    case = case_in(world, state)
    for action in ILLEGAL_BY_STATE[state]:
        before = _counts(world, case.id)
        version = case.version
        with pytest.raises(TransitionNotAllowed) as info:
            INVOKE[action](world, case, world.leader, T0 + timedelta(hours=11))
        assert f"「{state.label}」" in str(info.value), action
        assert action.label in str(info.value), action
        assert case.state == state and case.version == version
        assert _counts(world, case.id) == before


def test_register_needs_the_register_permission(world: World) -> None:
    for who in (world.inspector, world.admin):
        with pytest.raises(PermissionDenied):
            svc.register_complaint(world.session, who, world.input(), at=T0)
    assert svc.register_complaint(world.session, world.leader, world.input(), at=T0).state == (
        S.REGISTERED
    )


def test_table_covers_every_action_somewhere() -> None:
    used = {a for (_s, a) in TRANSITIONS}
    assert used == set(A)
    assert set(INVOKE) | {A.REGISTER} == set(A)
    assert list(itertools.chain.from_iterable(ILLEGAL_BY_STATE.values()))
