"""The transition table itself: every (state, action) pair is either a row or refused with a
reason naming the state and the action; every row refuses roles without its permission."""

from __future__ import annotations

import itertools

import pytest

from effdesk.auth import SYSTEM, Actor
from effdesk.enums import ComplaintState, Role
from effdesk.errors import PermissionDenied, TransitionNotAllowed
from effdesk.services.complaints.policy import (
    TRANSITIONS,
    ComplaintAction,
    allowed_actions,
    check_transition,
)

STATES: list[ComplaintState | None] = [None, *ComplaintState]
PAIRS = list(itertools.product(STATES, ComplaintAction))
LEGAL = [p for p in PAIRS if p in TRANSITIONS]
ILLEGAL = [p for p in PAIRS if p not in TRANSITIONS]


def actor(*roles: Role) -> Actor:
    return Actor(user_id=1, username="u", roles=frozenset(roles))


def _id(pair: tuple[ComplaintState | None, ComplaintAction]) -> str:
    state, action = pair
    return f"{state.value if state else 'new'}-{action.value}"


@pytest.mark.parametrize("pair", LEGAL, ids=[_id(p) for p in LEGAL])
def test_legal_transition_passes_for_a_holder_of_its_permission(
    pair: tuple[ComplaintState | None, ComplaintAction],
) -> None:
    state, action = pair
    rule = check_transition(SYSTEM, state, action)
    assert rule.action == action
    holders = [r for r in Role if r in rule.permission.roles]
    assert holders, "every step must be allowed to somebody"
    for role in holders:
        assert check_transition(actor(role), state, action) is rule


@pytest.mark.parametrize("pair", LEGAL, ids=[_id(p) for p in LEGAL])
def test_legal_transition_refuses_roles_without_permission(
    pair: tuple[ComplaintState | None, ComplaintAction],
) -> None:
    state, action = pair
    rule = TRANSITIONS[pair]
    for role in Role:
        if role in rule.permission.roles:
            continue
        with pytest.raises(PermissionDenied) as info:
            check_transition(actor(role), state, action)
        assert rule.permission.label in str(info.value)


@pytest.mark.parametrize("pair", ILLEGAL, ids=[_id(p) for p in ILLEGAL])
def test_illegal_transition_is_refused_with_state_and_action(
    pair: tuple[ComplaintState | None, ComplaintAction],
) -> None:
    state, action = pair
    with pytest.raises(TransitionNotAllowed) as info:
        check_transition(SYSTEM, state, action)
    message = str(info.value)
    assert action.label in message
    if state is not None:
        assert f"「{state.label}」" in message


def test_the_lifecycle_of_domain_md_is_in_the_table() -> None:
    s, a = ComplaintState, ComplaintAction
    path = [
        (None, a.REGISTER, s.REGISTERED),
        (s.REGISTERED, a.SUBMIT, s.AWAITING_INSTRUCTION),
        (s.AWAITING_INSTRUCTION, a.INSTRUCT, s.INSTRUCTED),
        (s.INSTRUCTED, a.INSTRUCT, s.INSTRUCTED),
        (s.INSTRUCTED, a.ROUTE, s.ROUTED),
        (s.ROUTED, a.START, s.INVESTIGATING),
        (s.INVESTIGATING, a.DRAFT_CONCLUSION, s.AWAITING_REVIEW),
        (s.AWAITING_REVIEW, a.SIGN_OFF, s.CONCLUDED),
        (s.CONCLUDED, a.REPLY, s.ANSWERED),
        (s.ANSWERED, a.RETURN_VISIT, s.ANSWERED),
        (s.ANSWERED, a.ARCHIVE, s.ARCHIVED),
        (s.INSTRUCTED, a.REJECT, s.REJECTED),
        (s.AWAITING_REVIEW, a.SEND_BACK, s.INVESTIGATING),
        (s.ANSWERED, a.REOPEN, s.INVESTIGATING),
        (s.INVESTIGATING, a.MERGE, s.MERGED),
    ]
    for state, action, target in path:
        assert TRANSITIONS[(state, action)].target() == target


def test_leader_steps_need_the_leader() -> None:
    clerk = actor(Role.CLERK)
    for state, action in [
        (ComplaintState.AWAITING_INSTRUCTION, ComplaintAction.INSTRUCT),
        (ComplaintState.INVESTIGATING, ComplaintAction.APPROVE_EXTENSION),
        (ComplaintState.INVESTIGATING, ComplaintAction.DENY_EXTENSION),
        (ComplaintState.AWAITING_REVIEW, ComplaintAction.SIGN_OFF),
        (ComplaintState.AWAITING_REVIEW, ComplaintAction.SEND_BACK),
        (ComplaintState.ARCHIVED, ComplaintAction.REOPEN),
    ]:
        with pytest.raises(PermissionDenied):
            check_transition(clerk, state, action)
        check_transition(actor(Role.LEADER), state, action)


def test_allowed_actions_follow_table_and_role() -> None:
    inspector = actor(Role.INSPECTOR)
    assert allowed_actions(inspector, ComplaintState.INVESTIGATING) == []
    clerk_actions = allowed_actions(actor(Role.CLERK), ComplaintState.AWAITING_REVIEW)
    assert ComplaintAction.SIGN_OFF not in clerk_actions
    assert ComplaintAction.NOTE in clerk_actions
    leader_actions = allowed_actions(actor(Role.LEADER), ComplaintState.AWAITING_REVIEW)
    assert {ComplaintAction.SIGN_OFF, ComplaintAction.SEND_BACK} <= set(leader_actions)


def test_refusal_lists_what_is_possible() -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        check_transition(SYSTEM, ComplaintState.ARCHIVED, ComplaintAction.SUBMIT)
    assert str(info.value).startswith("投诉件当前状态为「归档」，不能呈批。")
    assert "重办" in str(info.value)
