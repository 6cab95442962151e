"""Working-day limits around National Day 2025 and Spring Festival 2026 (make-up days), the
category and complexity rules, 正常/临期/超期, extensions, provisional 2027 deadlines and their
recompute, and the overdue record (once per deadline, kept after closing)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from complaint_helpers import (
    World,
    instructed,
    to_answered,
    to_archived,
    to_awaiting,
    to_concluded,
    to_investigating,
    to_review,
    to_routed,
)
from sqlalchemy import select

from effdesk import settings
from effdesk.calendar import WorkCalendar
from effdesk.db.models import Complaint, ComplaintEvent
from effdesk.enums import (
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DeadlineKind,
    DueStatus,
    HandlingMode,
)
from effdesk.errors import PermissionDenied, TransitionNotAllowed, ValidationErrors
from effdesk.office_calendar import load_calendar
from effdesk.services import complaints as svc
from effdesk.services.calendar_admin import HolidayDay, save_year

CAL = WorkCalendar()


def events(w: World, case_id: int, kind: ComplaintEventKind) -> list[ComplaintEvent]:
    return list(
        w.session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == case_id, ComplaintEvent.kind == kind)
            .order_by(ComplaintEvent.id)
        )
    )


# --------------------------------------------------------------------------- holidays


def test_national_day_2025_limits(world: World) -> None:
    # Fri 2025-09-26; Sun 09-28 and Sat 10-11 are make-up working days, 10-01..10-08 off.
    case = world.register(at=datetime(2025, 9, 26, 10, 0))
    assert case.acceptance_due == date(2025, 9, 30)  # 09-28 (Sun), 09-29, 09-30
    assert case.limit_days == 15
    assert case.due_date == date(2025, 10, 23)
    assert not case.deadline_provisional
    simple = world.register(at=datetime(2025, 9, 26, 10, 0), complexity=Complexity.SIMPLE)
    assert simple.due_date == date(2025, 10, 10)  # 09-28, 09-29, 09-30, 10-09, 10-10


def test_received_on_a_holiday_counts_from_the_next_working_day(world: World) -> None:
    case = world.register(at=datetime(2025, 10, 3, 11, 0))
    assert case.acceptance_due == date(2025, 10, 11)  # 10-09, 10-10, 10-11 (Sat, make-up)


def test_spring_festival_2026_limits(world: World) -> None:
    # Thu 2026-02-12; Sat 02-14 and Sat 02-28 are make-up days, 02-15..02-23 off.
    at = datetime(2026, 2, 12, 15, 0)
    case = world.register(at=at, complexity=Complexity.SIMPLE)
    assert case.acceptance_due == date(2026, 2, 24)  # 02-13, 02-14, 02-24
    assert case.due_date == date(2026, 2, 26)
    category = world.register(at=at, category_id=world.discipline)  # its own 10 days
    assert category.limit_days == 10
    assert category.due_date == date(2026, 3, 4)  # ... 02-27, 02-28 (Sat), 03-02, 03-03, 03-04
    # Marking a case complex is a decision about the case: the office's 30 days win.
    complex_ = world.register(at=at, category_id=world.discipline, complexity=Complexity.COMPLEX)
    assert complex_.limit_days == 30
    assert complex_.due_date == date(2026, 4, 1)


def test_reply_limit_starts_at_sign_off(world: World) -> None:
    case = world.register(at=datetime(2026, 2, 9, 9, 0))
    at = datetime(2026, 2, 10, 9, 0)
    for drive in (to_awaiting, instructed, to_routed, to_investigating, to_review):
        drive(world, case, at)
    svc.sign_off(
        world.session,
        world.leader,
        case.id,
        expected_version=case.version,
        at=datetime(2026, 2, 13, 17, 0),
    )
    assert case.concluded_date == date(2026, 2, 13)
    assert case.reply_due == date(2026, 2, 27)  # 02-14 (Sat), 02-24 .. 02-27


def test_settings_change_the_limits(world: World) -> None:
    settings.put(
        world.session,
        world.admin,
        "deadline.conclusion_days",
        {"simple": 3, "normal": 10, "complex": 20},
    )
    settings.put(world.session, world.admin, "deadline.acceptance_days", 1)
    case = world.register(at=datetime(2026, 3, 2, 9, 0))
    assert case.acceptance_due == date(2026, 3, 3)
    assert case.due_date == date(2026, 3, 16)


def test_explicit_due_date_from_the_hotline_is_kept(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 0), due_date=date(2026, 3, 10))
    assert case.due_date == date(2026, 3, 10)
    reg = events(world, case.id, ComplaintEventKind.REGISTERED)[0]
    assert reg.changes["basis"]["due_date"] is None


# --------------------------------------------------------------------------- due status


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 9, 26), DueStatus.NORMAL),  # 5 working days left (09-28 counts)
        (date(2025, 9, 28), DueStatus.NORMAL),  # 4 left: 09-29, 09-30, 10-09, 10-10
        (date(2025, 9, 29), DueStatus.NEAR),  # 3 left
        (date(2025, 10, 5), DueStatus.NEAR),  # holiday: 2 left
        (date(2025, 10, 10), DueStatus.NEAR),  # due today
        (date(2025, 10, 11), DueStatus.OVERDUE),  # the make-up Saturday after it
    ],
)
def test_due_status_around_national_day(world: World, today: date, expected: DueStatus) -> None:
    case = world.register(at=datetime(2025, 9, 26, 10, 0), complexity=Complexity.SIMPLE)
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, case, datetime(2025, 9, 26, 11, 0))
    assert case.due_date == date(2025, 10, 10)
    assert svc.due_status(case, today, CAL, near_days=3) == expected
    row = svc.search_complaints(world.session, world.clerk, today=today).rows[0]
    assert row.due_status == expected
    assert row.deadline == svc.RunningDeadline(DeadlineKind.CONCLUSION, date(2025, 10, 10), False)


def test_due_status_follows_the_running_deadline(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 0))
    assert svc.running_deadline(case).kind == DeadlineKind.ACCEPTANCE  # type: ignore[union-attr]
    assert svc.due_status(case, date(2026, 3, 6), CAL) == DueStatus.OVERDUE
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, case, datetime(2026, 3, 3, 9, 0))
    assert svc.due_status(case, date(2026, 3, 6), CAL) == DueStatus.NORMAL
    for drive in (to_investigating, to_review, to_concluded, to_answered):
        drive(world, case, datetime(2026, 3, 4, 9, 0))
    assert svc.running_deadline(case) is None
    assert svc.due_status(case, date(2027, 1, 1), CAL) is None


# --------------------------------------------------------------------------- extension


def routed_case(w: World, at: datetime) -> Complaint:
    case = w.register(at=at)
    for drive in (to_awaiting, instructed, to_routed):
        drive(w, case, at + timedelta(hours=1))
    return case


def test_extension_requested_before_deadline_and_approved_by_leader(world: World) -> None:
    case = routed_case(world, datetime(2025, 9, 26, 10, 0))
    assert case.due_date == date(2025, 10, 23)
    day = datetime(2025, 10, 22, 9, 0)
    svc.request_extension(
        world.session,
        world.clerk,
        case.id,
        5,
        "需调取监控",
        expected_version=case.version,
        at=day,
    )
    detail = svc.get_complaint_detail(world.session, world.leader, case.id)
    assert detail.pending_extension is not None and detail.pending_extension.days == 5
    with pytest.raises(PermissionDenied):
        svc.approve_extension(world.session, world.clerk, case.id, expected_version=None, at=day)
    svc.approve_extension(world.session, world.leader, case.id, expected_version=None, at=day)
    assert case.due_date == date(2025, 10, 30)
    assert case.extension_days == 5
    approved = events(world, case.id, ComplaintEventKind.EXTENSION_APPROVED)[0]
    assert approved.changes["due_date"] == ["2025-10-23", "2025-10-30"]
    assert approved.changes["basis"]["due_date"] == ["2025-09-26", 20]
    with pytest.raises(TransitionNotAllowed, match="没有待审批"):
        svc.approve_extension(world.session, world.leader, case.id, expected_version=None, at=day)


def test_extension_refused_after_deadline_and_beyond_maximum(world: World) -> None:
    case = routed_case(world, datetime(2026, 3, 2, 9, 0))
    cid = case.id
    with pytest.raises(ValidationErrors) as info:
        svc.request_extension(
            world.session,
            world.clerk,
            cid,
            16,
            "复杂",
            expected_version=None,
            at=datetime(2026, 3, 20, 9, 0),
        )
    assert info.value.problems[0].field == "days"
    assert "15" in info.value.problems[0].message
    svc.request_extension(
        world.session,
        world.clerk,
        cid,
        10,
        "复杂",
        expected_version=None,
        at=datetime(2026, 3, 20, 9, 0),
    )
    with pytest.raises(TransitionNotAllowed, match="待审批"):
        svc.request_extension(
            world.session,
            world.clerk,
            cid,
            1,
            "再延",
            expected_version=None,
            at=datetime(2026, 3, 20, 10, 0),
        )
    svc.approve_extension(
        world.session,
        world.leader,
        cid,
        days=8,
        expected_version=None,
        at=datetime(2026, 3, 20, 11, 0),
    )
    assert case.extension_days == 8
    with pytest.raises(ValidationErrors, match="最多还可延7个"):
        svc.request_extension(
            world.session,
            world.clerk,
            cid,
            8,
            "再延",
            expected_version=None,
            at=datetime(2026, 3, 21, 9, 0),
        )
    late = case.due_date + timedelta(days=1)
    with pytest.raises(TransitionNotAllowed, match="已过"):
        svc.request_extension(
            world.session,
            world.clerk,
            cid,
            2,
            "再延",
            expected_version=None,
            at=datetime.combine(late, datetime.min.time()),
        )


def test_extension_denied(world: World) -> None:
    case = routed_case(world, datetime(2026, 3, 2, 9, 0))
    cid = case.id
    svc.request_extension(
        world.session,
        world.clerk,
        cid,
        3,
        "等待材料",
        expected_version=None,
        at=datetime(2026, 3, 10, 9, 0),
    )
    with pytest.raises(ValidationErrors):
        svc.deny_extension(world.session, world.leader, cid, " ", expected_version=None)
    svc.deny_extension(
        world.session,
        world.leader,
        cid,
        "时限内能办结",
        expected_version=None,
        at=datetime(2026, 3, 10, 10, 0),
    )
    assert case.due_date == date(2026, 3, 23)
    assert svc.pending_extension(case) is None


# --------------------------------------------------------------------------- overdue


def test_overdue_scan_is_idempotent_and_kept_after_closing(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 0))
    assert case.acceptance_due == date(2026, 3, 5)
    first = svc.scan_overdue(world.session, today=date(2026, 3, 6))
    assert (first.events, first.cases) == (1, 1)
    assert svc.scan_overdue(world.session, today=date(2026, 3, 6)).events == 0
    assert svc.scan_overdue(world.session, today=date(2026, 3, 9)).events == 0
    world.session.refresh(case)
    assert case.ever_overdue
    late = events(world, case.id, ComplaintEventKind.OVERDUE)
    assert len(late) == 1 and late[0].changes == {"deadline": "acceptance", "due": "2026-03-05"}
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, case, datetime(2026, 3, 9, 9, 0))
    assert len(events(world, case.id, ComplaintEventKind.OVERDUE)) == 1  # not recorded twice
    assert case.due_date == date(2026, 3, 23)
    assert svc.scan_overdue(world.session, today=date(2026, 3, 23)).events == 0  # due today
    assert svc.scan_overdue(world.session, today=date(2026, 3, 24)).events == 1
    for drive in (to_investigating, to_review, to_concluded, to_answered, to_archived):
        drive(world, case, datetime(2026, 3, 25, 9, 0))
    assert case.state == ComplaintState.ARCHIVED
    kept = events(world, case.id, ComplaintEventKind.OVERDUE)
    assert [e.changes["deadline"] for e in kept] == ["acceptance", "conclusion"]
    assert svc.scan_overdue(world.session, today=date(2026, 6, 1)).events == 0
    assert case.ever_overdue
    rows = svc.search_complaints(
        world.session, world.clerk, svc.ComplaintFilter(ever_overdue=True), today=date(2026, 6, 1)
    ).rows
    assert [r.id for r in rows] == [case.id]


def test_a_step_that_ends_a_deadline_late_records_it_without_a_scan(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 0))
    for drive in (to_awaiting, instructed, to_routed, to_investigating, to_review):
        drive(world, case, datetime(2026, 3, 3, 9, 0))
    svc.sign_off(
        world.session,
        world.leader,
        case.id,
        expected_version=case.version,
        at=datetime(2026, 3, 25, 9, 0),
    )
    late = events(world, case.id, ComplaintEventKind.OVERDUE)
    assert [(e.changes["deadline"], e.changes["due"]) for e in late] == [
        ("conclusion", "2026-03-23")
    ]
    assert case.ever_overdue
    # The overdue fact comes before the sign-off in the history.
    concluded = events(world, case.id, ComplaintEventKind.CONCLUDED)[0]
    assert late[0].id < concluded.id


def test_a_new_deadline_after_extension_is_a_new_overdue_fact(world: World) -> None:
    case = routed_case(world, datetime(2026, 3, 2, 9, 0))
    cid = case.id
    svc.request_extension(
        world.session,
        world.clerk,
        cid,
        2,
        "等待材料",
        expected_version=None,
        at=datetime(2026, 3, 20, 9, 0),
    )
    svc.scan_overdue(world.session, today=date(2026, 3, 24))  # the old limit passed
    svc.approve_extension(
        world.session, world.leader, cid, expected_version=None, at=datetime(2026, 3, 24, 9, 0)
    )
    assert case.due_date == date(2026, 3, 25)
    assert svc.scan_overdue(world.session, today=date(2026, 3, 26)).events == 1
    dues = [e.changes["due"] for e in events(world, cid, ComplaintEventKind.OVERDUE)]
    assert dues == ["2026-03-23", "2026-03-25"]


# --------------------------------------------------------------------------- provisional


def test_provisional_2027_deadlines_and_their_recompute(world: World) -> None:
    assert not CAL.knows(2027)
    # Mon 2026-12-21: 15 working days reach into 2027, which nobody has published yet.
    crossing = world.register(at=datetime(2026, 12, 21, 9, 0))
    assert crossing.acceptance_due == date(2026, 12, 24)
    # Provisional: weekends and 01-01 only → 12-22..12-31 (8), 01-04..01-08 (13), 01-12 (15).
    assert crossing.due_date == date(2027, 1, 12)
    assert crossing.deadline_provisional
    new_year = world.register(at=datetime(2027, 1, 4, 9, 0))
    assert new_year.acceptance_due == date(2027, 1, 7)
    typed = world.register(at=datetime(2026, 12, 21, 9, 0), due_date=date(2027, 1, 20))
    assert typed.due_date == date(2027, 1, 20)
    assert not typed.deadline_provisional  # typed by hand, acceptance limit in a known year
    row = svc.search_complaints(world.session, world.clerk, today=date(2026, 12, 22)).rows
    by_id = {r.id: r for r in row}
    assert by_id[new_year.id].deadline.provisional  # type: ignore[union-attr]
    assert not by_id[typed.id].deadline.provisional  # type: ignore[union-attr]

    # The admin enters 2027 (an invented notice: 01-01..01-05 off, no make-up day).
    days = [HolidayDay(date(2027, 1, d), False, "元旦") for d in range(1, 6)]
    days += [HolidayDay(date(2027, 2, d), False, "春节") for d in range(5, 12)]
    changed = save_year(world.session, world.admin, 2027, days)
    assert changed == 2  # crossing and new_year
    world.session.refresh(crossing)
    world.session.refresh(new_year)
    world.session.refresh(typed)
    assert crossing.due_date == date(2027, 1, 14)
    assert crossing.acceptance_due == date(2026, 12, 24)
    assert not crossing.deadline_provisional
    assert new_year.acceptance_due == date(2027, 1, 8)
    assert typed.due_date == date(2027, 1, 20)  # typed by hand: never recounted
    event = events(world, crossing.id, ComplaintEventKind.DEADLINE_RECOMPUTED)
    assert len(event) == 1
    assert event[0].changes == {
        "due_date": ["2027-01-12", "2027-01-14"],
        "deadline_provisional": [True, False],
    }
    assert "2027-01-12→2027-01-14" in event[0].text
    # Recomputing again changes nothing.
    assert (
        svc.recompute_provisional_deadlines(
            world.session, world.admin, load_calendar(world.session)
        )
        == 0
    )


def test_recompute_keeps_the_extension_and_needs_the_calendar_right(world: World) -> None:
    case = routed_case(world, datetime(2026, 12, 21, 9, 0))
    cid = case.id
    svc.request_extension(
        world.session,
        world.clerk,
        cid,
        3,
        "跨年",
        expected_version=None,
        at=datetime(2026, 12, 30, 9, 0),
    )
    svc.approve_extension(
        world.session, world.leader, cid, expected_version=None, at=datetime(2026, 12, 30, 10, 0)
    )
    assert case.due_date == date(2027, 1, 15)
    with pytest.raises(PermissionDenied):
        svc.recompute_provisional_deadlines(
            world.session, world.clerk, load_calendar(world.session)
        )
    days = [HolidayDay(date(2027, 1, d), False, "元旦") for d in range(1, 6)]
    save_year(world.session, world.admin, 2027, days)
    world.session.refresh(case)
    # 18 working days from 12-21: 12-22..12-31 (8), 01-06..01-08 (11), 01-11..01-15 (16),
    # 01-18, 01-19 (18).
    assert case.due_date == date(2027, 1, 19)
    assert not case.deadline_provisional


def test_route_with_explicit_deadline(world: World) -> None:
    case = world.register(at=datetime(2026, 3, 2, 9, 0))
    to_awaiting(world, case, datetime(2026, 3, 2, 10, 0))
    instructed(world, case, datetime(2026, 3, 2, 11, 0))
    with pytest.raises(ValidationErrors) as info:
        svc.route(
            world.session,
            world.clerk,
            case.id,
            mode=HandlingMode.ASSIGNED,
            handler_unit_id=world.market,
            due_date=date(2026, 3, 1),
            expected_version=case.version,
            at=datetime(2026, 3, 2, 12, 0),
        )
    assert info.value.problems[0].field == "due_date"
    svc.route(
        world.session,
        world.clerk,
        case.id,
        mode=HandlingMode.ASSIGNED,
        handler_unit_id=world.market,
        due_date=date(2026, 3, 13),
        expected_version=case.version,
        at=datetime(2026, 3, 2, 12, 0),
    )
    assert case.due_date == date(2026, 3, 13)
    assert case.handler_unit_id == world.market
