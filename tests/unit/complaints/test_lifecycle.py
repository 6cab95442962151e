"""Steps of the lifecycle beyond the table: their conditions, what they record, merging,
reopening, and optimistic locking (a stale screen and a lost update race)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from complaint_helpers import (
    T0,
    World,
    case_in,
    instructed,
    to_answered,
    to_awaiting,
    to_concluded,
    to_investigating,
    to_review,
    to_routed,
    visit_unsatisfied,
)
from sqlalchemy import select

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import Complaint, ComplaintEvent, User, UserRole
from effdesk.enums import (
    ComplaintEventKind,
    ComplaintState,
    HandlingMode,
    ReplyMethod,
    Role,
    Satisfaction,
    Verification,
)
from effdesk.errors import (
    ConcurrentEditError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationErrors,
)
from effdesk.services import complaints as svc

S = ComplaintState


def kinds(w: World, case_id: int) -> list[str]:
    return [
        e.kind.value
        for e in w.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case_id)
            .order_by(ComplaintEvent.id)
        )
    ]


def test_a_call_from_registration_to_archive(world: World) -> None:
    case = case_in(world, S.ARCHIVED)
    assert kinds(world, case.id) == [
        "registered",
        "submitted",
        "instructed",
        "routed",
        "started",
        "conclusion_drafted",
        "concluded",
        "replied",
        "archived",
    ]
    detail = svc.get_complaint_detail(world.session, world.leader, case.id)
    assert detail.leader_instruction == "请县公安局调查核实，限期反馈。"
    assert detail.instructed_by == "leader"
    assert detail.handling_mode == HandlingMode.ASSIGNED
    assert detail.handler_unit_name == "县公安局"
    assert detail.verification == Verification.SUBSTANTIATED
    assert detail.concluded_date == T0.date()
    assert detail.reply_method == ReplyMethod.PHONE
    assert detail.archived_at is not None
    assert detail.allowed_actions == [svc.ComplaintAction.NOTE, svc.ComplaintAction.REOPEN]
    timeline = [(e.kind.value, e.from_state, e.to_state, e.actor_name) for e in detail.events]
    assert timeline[0] == ("registered", None, S.REGISTERED, "clerk")
    assert timeline[2] == ("instructed", S.AWAITING_INSTRUCTION, S.INSTRUCTED, "leader")
    assert timeline[6] == ("concluded", S.AWAITING_REVIEW, S.CONCLUDED, "leader")


def test_route_needs_an_instruction_and_its_details(world: World) -> None:
    case = case_in(world, S.AWAITING_INSTRUCTION)
    at = T0 + timedelta(hours=3)
    with pytest.raises(TransitionNotAllowed, match="尚无领导批示"):
        svc.route(
            world.session,
            world.clerk,
            case.id,
            mode=HandlingMode.SELF,
            expected_version=case.version,
            at=at,
        )
    with pytest.raises(TransitionNotAllowed, match="尚无领导批示"):
        svc.reject(world.session, world.clerk, case.id, "不属实", expected_version=None, at=at)
    with pytest.raises(ValidationErrors) as info:
        svc.instruct(world.session, world.leader, case.id, "  ", expected_version=None, at=at)
    assert info.value.problems[0].field == "instruction"
    instructed(world, case, at)
    with pytest.raises(ValidationErrors) as info:
        svc.route(
            world.session,
            world.clerk,
            case.id,
            mode=HandlingMode.ASSIGNED,
            expected_version=case.version,
            at=at,
        )
    assert [p.field for p in info.value.problems] == ["handler_unit_id"]
    with pytest.raises(ValidationErrors) as info:
        svc.route(
            world.session,
            world.clerk,
            case.id,
            mode=HandlingMode.FORWARDED,
            expected_version=case.version,
            at=at,
        )
    assert [p.field for p in info.value.problems] == ["forwarded_to"]
    svc.route(
        world.session,
        world.clerk,
        case.id,
        mode=HandlingMode.FORWARDED,
        forwarded_to="市税务局",
        letter_text="现将群众反映的涉税问题转你局处理。",
        expected_version=case.version,
        at=at,
    )
    assert case.state == S.ROUTED and case.forwarded_to == "市税务局"
    event = world.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == ComplaintEventKind.ROUTED)
    ).one()
    assert event.text == "转办至市税务局"
    assert event.changes["letter"] == "现将群众反映的涉税问题转你局处理。"
    assert "市税务局" in case.search_text


def test_self_handling_with_a_handler(world: World) -> None:
    case = case_in(world, S.AWAITING_INSTRUCTION)
    instructed(world, case, T0 + timedelta(hours=2))
    svc.route(
        world.session,
        world.leader,
        case.id,
        mode=HandlingMode.SELF,
        handler_user_id=world.leader.user_id,
        expected_version=case.version,
        at=T0 + timedelta(hours=3),
    )
    assert case.handler_user_id == world.leader.user_id
    assert case.handler_unit_id is None


def test_reject_with_reason_and_answer(world: World) -> None:
    case = case_in(world, S.REJECTED)
    assert case.rejection_reason == "不属于效能投诉受理范围。"
    svc.reply(
        world.session,
        world.clerk,
        case.id,
        reply_date=T0.date(),
        method=ReplyMethod.SMS,
        text="已短信告知不予受理的理由",
        expected_version=case.version,
        at=T0 + timedelta(hours=5),
    )
    assert case.state == S.REJECTED and case.reply_method == ReplyMethod.SMS
    svc.archive(
        world.session,
        world.clerk,
        case.id,
        expected_version=case.version,
        at=T0 + timedelta(hours=6),
    )
    assert case.state == S.ARCHIVED


def test_send_back_and_conclude_again(world: World) -> None:
    case = case_in(world, S.AWAITING_REVIEW)
    at = T0 + timedelta(days=1)
    with pytest.raises(ValidationErrors):
        svc.send_back(world.session, world.leader, case.id, "", expected_version=None, at=at)
    svc.send_back(
        world.session,
        world.leader,
        case.id,
        "请补充当事人笔录",
        expected_version=case.version,
        at=at,
    )
    assert case.state == S.INVESTIGATING
    to_review(world, case, at + timedelta(hours=1))
    to_concluded(world, case, at + timedelta(hours=2))
    assert case.state == S.CONCLUDED
    assert kinds(world, case.id).count("conclusion_drafted") == 2


def test_reply_and_visit_dates_are_checked(world: World) -> None:
    case = case_in(world, S.CONCLUDED)
    at = T0 + timedelta(days=1)
    with pytest.raises(ValidationErrors) as info:
        svc.reply(
            world.session,
            world.clerk,
            case.id,
            reply_date=date(2026, 3, 5),
            method=ReplyMethod.PHONE,
            text="",
            expected_version=None,
            at=at,
        )
    assert {p.field for p in info.value.problems} == {"reply_date", "text"}
    with pytest.raises(ValidationErrors, match="不能早于"):
        svc.reply(
            world.session,
            world.clerk,
            case.id,
            reply_date=date(2026, 3, 1),
            method=ReplyMethod.PHONE,
            text="已答复",
            expected_version=None,
            at=at,
        )
    to_answered(world, case, at)
    with pytest.raises(ValidationErrors) as info:
        svc.record_return_visit(
            world.session,
            world.clerk,
            case.id,
            visit_date=date(2026, 3, 1),
            satisfaction=Satisfaction.SATISFIED,
            reopen_case=True,
            expected_version=None,
            at=at,
        )
    assert {p.field for p in info.value.problems} == {"visit_date", "satisfaction"}


def test_unsatisfied_return_visit_reopens_for_rework(world: World) -> None:
    case = case_in(world, S.ANSWERED)
    day = date(2026, 3, 9)
    svc.record_return_visit(
        world.session,
        world.clerk,
        case.id,
        visit_date=day,
        satisfaction=Satisfaction.UNSATISFIED,
        notes="认为处理太轻",
        reopen_case=True,
        expected_version=case.version,
        at=datetime(2026, 3, 9, 15, 0),
    )
    assert case.state == S.INVESTIGATING
    assert case.reopen_count == 1
    assert case.concluded_date is None and case.reply_date is None and case.satisfaction is None
    assert case.due_date == date(2026, 3, 30)  # 15 working days from 03-09
    assert kinds(world, case.id)[-2:] == ["return_visit", "reopened"]
    reopened = world.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == ComplaintEventKind.REOPENED)
    ).one()
    assert reopened.changes["satisfaction"] == ["unsatisfied", None]
    assert reopened.changes["reopen_count"] == [0, 1]


def test_reopening_a_satisfied_case_is_the_leaders_decision(world: World) -> None:
    case = case_in(world, S.ANSWERED)
    at = T0 + timedelta(days=1)
    svc.record_return_visit(
        world.session,
        world.clerk,
        case.id,
        visit_date=at.date(),
        satisfaction=Satisfaction.SATISFIED,
        expected_version=None,
        at=at,
    )
    with pytest.raises(PermissionDenied, match="领导决定"):
        svc.reopen(world.session, world.clerk, case.id, "再查", expected_version=None, at=at)
    svc.reopen(world.session, world.leader, case.id, "领导要求复查", expected_version=None, at=at)
    assert case.state == S.INVESTIGATING
    other = case_in(world, S.ANSWERED)
    visit_unsatisfied(world, other, at.date())
    svc.reopen(world.session, world.clerk, other.id, "回访不满意", expected_version=None, at=at)
    assert other.reopen_count == 1


def test_merge_into_another_case(world: World) -> None:
    main = case_in(world, S.INVESTIGATING)
    dup = world.register(at=T0 + timedelta(hours=2))
    at = T0 + timedelta(hours=3)
    with pytest.raises(ValidationErrors, match="合并到它自己"):
        svc.merge_complaint(
            world.session, world.clerk, dup.id, dup.id, expected_version=None, at=at
        )
    svc.merge_complaint(
        world.session,
        world.clerk,
        dup.id,
        main.id,
        reason="同一来电人重复反映",
        expected_version=dup.version,
        at=at,
    )
    assert dup.state == S.MERGED and dup.merged_into_id == main.id
    target = svc.get_complaint_detail(world.session, world.clerk, main.id)
    assert target.merged_from == [(dup.id, dup.number)]
    assert target.events[-1].kind == ComplaintEventKind.MERGED
    assert dup.number in target.events[-1].text
    merged = svc.get_complaint_detail(world.session, world.clerk, dup.id)
    assert merged.merged_into_number == main.number
    third = world.register(at=at)
    with pytest.raises(ValidationErrors, match="本身已合并"):
        svc.merge_complaint(
            world.session, world.clerk, third.id, dup.id, expected_version=None, at=at
        )


def test_notes_reminders_and_supervision(world: World) -> None:
    case = case_in(world, S.ROUTED)
    at = T0 + timedelta(days=1)
    with pytest.raises(ValidationErrors):
        svc.add_note(world.session, world.clerk, case.id, " ", at=at)
    svc.add_note(world.session, world.clerk, case.id, "已电话联系县公安局督察大队", at=at)
    svc.remind(world.session, world.clerk, case.id, at=at)
    with pytest.raises(ValidationErrors) as info:
        svc.supervise(
            world.session, world.clerk, case.id, "请报告", report_by=date(2026, 3, 1), at=at
        )
    assert info.value.problems[0].field == "report_by"
    svc.supervise(
        world.session,
        world.leader,
        case.id,
        "请主要负责同志过问",
        report_by=date(2026, 3, 6),
        at=at,
    )
    detail = svc.get_complaint_detail(world.session, world.clerk, case.id)
    remind, supervise = detail.events[-2], detail.events[-1]
    assert remind.kind == ComplaintEventKind.REMINDER
    assert remind.facts["to"] == "县公安局" and remind.text.startswith("请抓紧办理")
    assert supervise.facts == {"to": "县公安局", "report_by": "2026-03-06"}


def test_stale_screen_is_refused(world: World) -> None:
    case = world.register()
    stale = case.version
    to_awaiting(world, case, T0 + timedelta(hours=1))
    with pytest.raises(ConcurrentEditError) as info:
        svc.instruct(
            world.session,
            world.leader,
            case.id,
            "请核查",
            expected_version=stale,
            at=T0 + timedelta(hours=2),
        )
    assert "已被其他人修改" in str(info.value)
    assert case.leader_instruction == ""


def test_lost_update_race_becomes_concurrent_edit_error(db: Database) -> None:
    with db.session() as s:
        people = {}
        for name, role in (
            ("clerk", Role.CLERK),
            ("inspector", Role.INSPECTOR),
            ("leader", Role.LEADER),
            ("admin", Role.ADMIN),
        ):
            user = User(username=name, display_name=name, must_change_password=False)
            user.roles = [UserRole(role=role)]
            s.add(user)
            s.flush()
            people[name] = Actor(user.id, name, frozenset({role}), name)
        from complaint_helpers import make_world

        w = make_world(s, people)
        case_id = w.register().id
        clerk, leader = people["clerk"], people["leader"]
    first, second = db.sessions(), db.sessions()
    try:
        mine = first.get(Complaint, case_id)
        assert mine is not None and first.get(Complaint, case_id) is mine
        svc.add_note(second, clerk, case_id, "另一台电脑上的记录", at=T0 + timedelta(hours=1))
        second.commit()
        with pytest.raises(ConcurrentEditError, match="刚被其他人修改"):
            # No version check asked for: the database itself catches the stale row.
            svc.submit_for_instruction(
                first, clerk, case_id, expected_version=None, at=T0 + timedelta(hours=2)
            )
        first.rollback()
        svc.submit_for_instruction(
            first, clerk, case_id, expected_version=None, at=T0 + timedelta(hours=2)
        )
        first.commit()
        assert first.get(Complaint, case_id).state == S.AWAITING_INSTRUCTION  # type: ignore[union-attr]
        assert leader.roles == frozenset({Role.LEADER})
    finally:
        first.close()
        second.close()


def test_handling_steps_on_a_routed_case(world: World) -> None:
    case = case_in(world, S.ROUTED)
    to_investigating(world, case, T0 + timedelta(days=1))
    assert case.state == S.INVESTIGATING
    routed_again = case_in(world, S.AWAITING_INSTRUCTION)
    instructed(world, routed_again, T0 + timedelta(hours=2))
    to_routed(world, routed_again, T0 + timedelta(hours=3))
    # A conclusion may be drafted straight from 已交办 (e.g. a forwarded case's result came back).
    to_review(world, routed_again, T0 + timedelta(hours=4))
    assert routed_again.state == S.AWAITING_REVIEW
