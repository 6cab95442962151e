"""Helpers for the complaint service tests: a small directory, categories, and drivers that
take a case through the real service functions to any state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM, Actor
from effdesk.db.models import Complaint, ProblemCategory
from effdesk.enums import (
    AssessmentCategory,
    Channel,
    ComplaintState,
    HandlingMode,
    ReplyMethod,
    Satisfaction,
    UnitKind,
    Verification,
)
from effdesk.services import complaints as svc
from effdesk.services.directory import PersonInput, UnitInput, create_person, create_unit

# A Monday with ordinary working days around it.
T0 = datetime(2026, 3, 2, 9, 30)


@dataclass
class World:
    session: Session
    clerk: Actor
    inspector: Actor
    leader: Actor
    admin: Actor
    police: int  # unit ids
    market: int
    town: int
    attitude: int  # category ids
    slow: int
    discipline: int  # has its own 10-day conclusion limit
    person: int

    def input(self, **overrides: object) -> svc.ComplaintInput:
        base = svc.ComplaintInput(
            received_at=T0,
            channel=Channel.PHONE,
            summary="窗口工作人员服务态度生硬，推诿不办",
            category_id=self.attitude,
            unit_id=self.police,
            content="来电人称在户籍窗口办理迁移，工作人员态度生硬，推诿扯皮，让其来回跑了三趟。",
            complainant_name="张三丰",
            complainant_phone="138 1234-5678",
            complainant_company="三丰商贸有限公司",
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def register(self, at: datetime = T0, **overrides: object) -> Complaint:
        data = self.input(**({"received_at": at} | overrides))
        return svc.register_complaint(self.session, self.clerk, data, at=at)


def make_world(session: Session, actors: dict[str, Actor]) -> World:
    units = []
    for name, kind in (
        ("县公安局", UnitKind.DEPARTMENT),
        ("县市场监督管理局", UnitKind.DEPARTMENT),
        ("城关镇人民政府", UnitKind.TOWN),
    ):
        units.append(
            create_unit(
                session,
                SYSTEM,
                UnitInput(name=name, kind=kind, category=AssessmentCategory.FIRST),
            ).id
        )
    cats = []
    for code, name, days in (
        ("attitude", "服务态度差", None),
        ("slow", "办事拖拉、效率低下", None),
        ("discipline", "违反工作纪律", 10),
    ):
        cat = ProblemCategory(code=code, name=name, conclusion_days=days)
        session.add(cat)
        session.flush()
        cats.append(cat.id)
    person = create_person(
        session, SYSTEM, PersonInput(unit_id=units[0], name="李四", post="户籍窗口民警")
    )
    return World(
        session,
        actors["clerk"],
        actors["inspector"],
        actors["leader"],
        actors["admin"],
        *units,
        *cats,
        person.id,
    )


Driver = Callable[[World, Complaint, datetime], None]


# Steps that take a case from one state to the next on the happy path, each using the
# role the office uses for it.
def to_awaiting(w: World, c: Complaint, at: datetime) -> None:
    svc.submit_for_instruction(w.session, w.clerk, c.id, expected_version=c.version, at=at)


def instructed(w: World, c: Complaint, at: datetime) -> None:
    svc.instruct(
        w.session,
        w.leader,
        c.id,
        "请县公安局调查核实，限期反馈。",
        expected_version=c.version,
        at=at,
    )


def to_routed(w: World, c: Complaint, at: datetime) -> None:
    svc.route(
        w.session,
        w.clerk,
        c.id,
        mode=HandlingMode.ASSIGNED,
        handler_unit_id=w.police,
        expected_version=c.version,
        at=at,
    )


def to_investigating(w: World, c: Complaint, at: datetime) -> None:
    svc.start_investigation(w.session, w.clerk, c.id, expected_version=c.version, at=at)


def to_review(w: World, c: Complaint, at: datetime) -> None:
    svc.draft_conclusion(
        w.session,
        w.clerk,
        c.id,
        verification=Verification.SUBSTANTIATED,
        handling_result="对当事民警批评教育，责令书面检查。",
        expected_version=c.version,
        at=at,
    )


def to_concluded(w: World, c: Complaint, at: datetime) -> None:
    svc.sign_off(w.session, w.leader, c.id, expected_version=c.version, at=at)


def to_answered(w: World, c: Complaint, at: datetime) -> None:
    svc.reply(
        w.session,
        w.clerk,
        c.id,
        reply_date=at.date(),
        method=ReplyMethod.PHONE,
        text="经核查，反映问题属实，已对当事民警批评教育。",
        expected_version=c.version,
        at=at,
    )


def to_archived(w: World, c: Complaint, at: datetime) -> None:
    svc.archive(w.session, w.clerk, c.id, expected_version=c.version, at=at)


def to_rejected(w: World, c: Complaint, at: datetime) -> None:
    svc.reject(
        w.session, w.clerk, c.id, "不属于效能投诉受理范围。", expected_version=c.version, at=at
    )


PATHS: dict[ComplaintState, list[Driver]] = {
    ComplaintState.REGISTERED: [],
    ComplaintState.AWAITING_INSTRUCTION: [to_awaiting],
    ComplaintState.INSTRUCTED: [to_awaiting, instructed],
    ComplaintState.ROUTED: [to_awaiting, instructed, to_routed],
    ComplaintState.REJECTED: [to_awaiting, instructed, to_rejected],
    ComplaintState.INVESTIGATING: [to_awaiting, instructed, to_routed, to_investigating],
    ComplaintState.AWAITING_REVIEW: [
        to_awaiting,
        instructed,
        to_routed,
        to_investigating,
        to_review,
    ],
    ComplaintState.CONCLUDED: [
        to_awaiting,
        instructed,
        to_routed,
        to_investigating,
        to_review,
        to_concluded,
    ],
    ComplaintState.ANSWERED: [
        to_awaiting,
        instructed,
        to_routed,
        to_investigating,
        to_review,
        to_concluded,
        to_answered,
    ],
    ComplaintState.ARCHIVED: [
        to_awaiting,
        instructed,
        to_routed,
        to_investigating,
        to_review,
        to_concluded,
        to_answered,
        to_archived,
    ],
}


def case_in(w: World, state: ComplaintState, start: datetime = T0) -> Complaint:
    """A case registered at ``start`` and driven to ``state`` one hour per step."""
    if state == ComplaintState.MERGED:
        other = w.register(at=start)
        case = w.register(at=start)
        svc.merge_complaint(
            w.session, w.clerk, case.id, other.id, expected_version=case.version, at=start
        )
        return case
    case = w.register(at=start)
    at = start
    for drive in PATHS[state]:
        at += timedelta(hours=1)
        drive(w, case, at)
    assert case.state == state
    return case


def visit_unsatisfied(w: World, c: Complaint, day: date) -> None:
    svc.record_return_visit(
        w.session,
        w.clerk,
        c.id,
        visit_date=day,
        satisfaction=Satisfaction.UNSATISFIED,
        expected_version=c.version,
        at=datetime.combine(day, datetime.min.time()).replace(hour=16),
    )
