"""The complaint policy as data: its guards, the buttons it offers, its form rules and identity
rules — and that a button greyed by the policy names the very reason the service refuses with."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from complaint_helpers import T0, World, case_in

from effdesk.auth import Actor
from effdesk.db.models import Complaint
from effdesk.enums import ComplaintState, HandlingMode, Role, Satisfaction
from effdesk.errors import EffDeskError
from effdesk.services import complaints as svc
from effdesk.services.complaints import policy
from effdesk.services.complaints.policy import (
    NEED_INSTRUCTION,
    THIS_CASE,
    CaseFacts,
    ComplaintAction,
    ComplaintForm,
)

S = ComplaintState
A = ComplaintAction
DAY = date(2026, 3, 10)


def actor(*roles: Role) -> Actor:
    return Actor(user_id=1, username="u", roles=frozenset(roles))


CLERK, LEADER, INSPECTOR = actor(Role.CLERK), actor(Role.LEADER), actor(Role.INSPECTOR)


def offer(who: Actor, facts: CaseFacts, action: ComplaintAction) -> policy.Offer:
    return next(o for o in policy.offers(who, facts, DAY) if o.action == action)


def test_every_guard_and_waiting_step_belongs_to_the_table() -> None:
    actions_in_table = {a for (_s, a) in policy.TRANSITIONS}
    for guard in policy.GUARDS:
        assert guard.actions <= actions_in_table, guard.name
        assert guard.reason.endswith("。"), guard.name
    for (state, action), (later, why) in policy.WAITING.items():
        assert (state, action) not in policy.TRANSITIONS
        assert (later, action) in policy.TRANSITIONS and why
    assert {r.form for r in policy.FORM_RULES} <= set(ComplaintForm)
    # Every event a step writes maps back to the one action that writes it.
    for transition in policy.TRANSITIONS.values():
        assert policy.ACTION_OF_EVENT[transition.event] == transition.action


def test_route_waits_for_the_instruction_greyed_with_the_reason() -> None:
    waiting = CaseFacts(S.AWAITING_INSTRUCTION)
    assert offer(CLERK, waiting, A.ROUTE) == policy.Offer(A.ROUTE, True, NEED_INSTRUCTION)
    assert offer(CLERK, waiting, A.REJECT).refusal == NEED_INSTRUCTION
    assert not offer(INSPECTOR, waiting, A.ROUTE).shown
    instructed = CaseFacts(S.INSTRUCTED, has_instruction=True)
    assert offer(CLERK, instructed, A.ROUTE) == policy.Offer(A.ROUTE, True)
    # An instructed state without an instruction on record (an imported case): greyed.
    bare = offer(CLERK, CaseFacts(S.INSTRUCTED), A.ROUTE)
    assert bare.shown and "尚无领导批示" in bare.refusal and THIS_CASE in bare.refusal


def test_extension_buttons_follow_the_request() -> None:
    due = DAY + timedelta(days=5)
    none_pending = CaseFacts(S.INVESTIGATING, due_date=due)
    assert offer(CLERK, none_pending, A.REQUEST_EXTENSION) == policy.Offer(
        A.REQUEST_EXTENSION, True
    )
    assert not offer(LEADER, none_pending, A.APPROVE_EXTENSION).shown  # nothing to decide
    pending = CaseFacts(S.INVESTIGATING, due_date=due, extension_pending=True)
    assert "待审批" in offer(CLERK, pending, A.REQUEST_EXTENSION).refusal
    assert offer(LEADER, pending, A.APPROVE_EXTENSION) == policy.Offer(A.APPROVE_EXTENSION, True)
    assert not offer(CLERK, pending, A.APPROVE_EXTENSION).shown  # the leader's step
    late = CaseFacts(S.INVESTIGATING, due_date=DAY - timedelta(days=1))
    refusal = offer(CLERK, late, A.REQUEST_EXTENSION).refusal
    assert "2026-03-09" in refusal and "已过" in refusal
    assert "无需延期" in offer(CLERK, CaseFacts(S.INVESTIGATING), A.REQUEST_EXTENSION).refusal


def test_reopen_after_the_visit() -> None:
    satisfied = CaseFacts(S.ANSWERED, satisfaction=Satisfaction.SATISFIED)
    assert "领导决定" in offer(CLERK, satisfied, A.REOPEN).refusal
    assert offer(LEADER, satisfied, A.REOPEN) == policy.Offer(A.REOPEN, True)
    unsatisfied = CaseFacts(S.ANSWERED, satisfaction=Satisfaction.UNSATISFIED)
    assert offer(CLERK, unsatisfied, A.REOPEN) == policy.Offer(A.REOPEN, True)
    assert policy.visit_allows_reopen(Satisfaction.UNSATISFIED)
    assert not policy.visit_allows_reopen(Satisfaction.BASICALLY)
    assert not policy.visit_allows_reopen(None)


def _refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(EffDeskError) as info:
        call()
    return str(info.value)


def test_the_button_and_the_service_give_the_same_reason(world: World) -> None:
    """One rule, one place: the tooltip of a greyed button is the service's refusal, with the
    case named as the service names it."""
    w = world

    def button(case: Complaint, who: Actor, action: ComplaintAction, day: date) -> str:
        detail = svc.get_complaint_detail(w.session, who, case.id, today=day)
        found = policy.offer(who, detail.facts, action, day)
        assert found.shown and found.refusal, action
        return found.refusal.replace(THIS_CASE, f"投诉件 {case.number}")

    answered = case_in(w, S.ANSWERED)
    at = T0 + timedelta(days=1)
    svc.record_return_visit(
        w.session,
        w.clerk,
        answered.id,
        visit_date=at.date(),
        satisfaction=Satisfaction.SATISFIED,
        expected_version=None,
        at=at,
    )
    refused = _refusal(
        lambda: svc.reopen(w.session, w.clerk, answered.id, "再查", expected_version=None, at=at)
    )
    assert refused == button(answered, w.clerk, A.REOPEN, at.date())

    case = case_in(w, S.INVESTIGATING)
    svc.request_extension(
        w.session, w.clerk, case.id, 3, "需补充调查", expected_version=None, at=at
    )
    refused = _refusal(
        lambda: svc.request_extension(
            w.session, w.clerk, case.id, 2, "再延", expected_version=None, at=at
        )
    )
    assert refused == button(case, w.clerk, A.REQUEST_EXTENSION, at.date())

    late = case_in(w, S.INVESTIGATING)
    assert late.due_date is not None
    after = late.due_date + timedelta(days=3)
    when = T0.replace(year=after.year, month=after.month, day=after.day)
    refused = _refusal(
        lambda: svc.request_extension(
            w.session, w.clerk, late.id, 2, "晚了", expected_version=None, at=when
        )
    )
    assert refused == button(late, w.clerk, A.REQUEST_EXTENSION, after)


def test_forms_available_by_the_facts() -> None:
    routed = CaseFacts(S.ROUTED, handling_mode=HandlingMode.FORWARDED)
    assert policy.form_unavailable(routed, ComplaintForm.FORWARDING) == ""
    assert policy.form_unavailable(routed, ComplaintForm.ASSIGNMENT) == "不是交办件"
    assert policy.form_unavailable(routed, ComplaintForm.REMINDER) == "尚未催办"
    assert policy.form_unavailable(replace(routed, reminded=True), ComplaintForm.REMINDER) == ""
    assert policy.form_unavailable(routed, ComplaintForm.REPLY) != ""
    assert policy.form_unavailable(CaseFacts(S.REJECTED), ComplaintForm.REPLY) == ""
    with pytest.raises(EffDeskError, match="投诉件 X 当前为「已交办」"):
        policy.check_form(routed, ComplaintForm.REPLY, "投诉件 X")
    assert {f for f in ComplaintForm if f.for_units} == policy.UNIT_FORMS


def test_identity_rules() -> None:
    columns = set(Complaint.__table__.columns.keys())
    assert set(policy.IDENTITY_FIELDS) <= columns
    assert set(policy.NOT_KEPT_WHEN_ANONYMOUS) < set(policy.IDENTITY_FIELDS)
    assert "complainant_phone" not in policy.NOT_KEPT_WHEN_ANONYMOUS  # kept for the reply
    for key in (*policy.IDENTITY_FIELDS, "complainant_kind", "search_identity"):
        assert policy.is_identity_key(key), key
    for key in ("summary", "search_text", "unit_id"):
        assert not policy.is_identity_key(key), key
    for role in Role:
        sees = policy.may_see_identity(actor(role))
        assert sees == (role in {Role.CLERK, Role.LEADER, Role.ADMIN}), role
        assert policy.may_export_identity(actor(role)) <= sees
    assert policy.identity_search_values(True, "张三", "138", "公司", "地址") == ["138"]
    assert policy.identity_search_values(False, " 张三 ", "", "公司", "") == ["张三", "公司"]
