"""A hand-built office for the statistics tests, around National Day 2025, every case driven
through the complaint services (no SQL).

The 2025 calendar: 10.1–10.8 off; Sunday 9.28 and Saturday 10.11 are make-up working days.
A simple case (5 working days) received on Friday 9.26 is due 10.10 (9.28, 9.29, 9.30, 10.9,
10.10); one received Tuesday 9.30 is due 10.14 (10.9, 10.10, the make-up 10.11, 10.13, 10.14).

| case | unit | received | limit | what happens | at 10.10 | 10.14 | 10.15 |
|---|---|---|---|---|---|---|---|
| A | 公安 | 9.26 | 10.10 | 属实, concluded 10.10, replied 10.11, visit 10.12 满意 | on time | on time | on time |
| B | 公安 | 9.26 | 10.10 | 部分属实, concluded 10.11 (the make-up Saturday), 无法反馈 | open, due today | late | late |
| C | 市场 | 9.30 | 10.14 | 不属实, concluded 10.13, replied 10.14, visit 10.15 不满意 | open | on time | on time |
| D | 市场 | 9.30 | 10.14 | still investigating | open | open, due today | open overdue |
| E | 公安 | 9.29 | 10.27 | normal (15 days), routed only | open | open | open |
| I | — (described) | 10.9 | 10.30 | web, registered only | open | open | open |
| F | 公安 | 9.29 | — | 不予受理 | | | |
| G | 公安 | 9.29 | — | merged into A | | | |
| H | 公安 | 8.29 | | concluded 9.5: before the period | | | |

Measures (ORM rows — there is no accountability service yet): a person of 公安 on 10.9 twice
(2 人次), 市场 as a unit on 10.10, a voided one (not counted), one on 11.3 (after the period).
Findings: three in the campaign 国庆节后上班纪律暗访 at 公安 (one dismissed: not counted),
one at 市场 outside any campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM, Actor
from effdesk.db.models import AccountabilityMeasure, Complaint, ProblemCategory
from effdesk.enums import (
    AssessmentCategory,
    CampaignKind,
    Channel,
    Complexity,
    FindingStatus,
    HandlingMode,
    MeasureType,
    ReplyMethod,
    Satisfaction,
    SubjectKind,
    UnitKind,
    Verification,
)
from effdesk.services import complaints as svc
from effdesk.services import inspections
from effdesk.services.directory import PersonInput, UnitInput, create_person, create_unit

PERIOD = (date(2025, 9, 1), date(2025, 10, 31))


@dataclass
class StatsOffice:
    police: int
    market: int
    attitude: int
    slow: int
    campaign: int
    cases: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)


def at(month: int, day: int, hour: int = 10, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, 0)


def build_stats_office(session: Session, actors: dict[str, Actor]) -> StatsOffice:
    clerk, leader, inspector = actors["clerk"], actors["leader"], actors["inspector"]
    police = create_unit(
        session,
        SYSTEM,
        UnitInput(name="县公安局", kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST),
    ).id
    market = create_unit(
        session,
        SYSTEM,
        UnitInput(
            name="县市场监督管理局", kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST
        ),
    ).id
    person = create_person(session, SYSTEM, PersonInput(unit_id=police, name="李四", post="民警"))
    cats = []
    for code, name in (("attitude", "服务态度差"), ("slow", "办事拖拉、效率低下")):
        cat = ProblemCategory(code=code, name=name)
        session.add(cat)
        session.flush()
        cats.append(cat.id)
    attitude, slow = cats

    def register(
        key: str,
        when: datetime,
        unit: int | None,
        *,
        complexity: Complexity = Complexity.SIMPLE,
        channel: Channel = Channel.PHONE,
        category: int = attitude,
    ) -> Complaint:
        data = svc.ComplaintInput(
            received_at=when,
            channel=channel,
            summary=f"案例{key}：窗口推诿扯皮",
            category_id=category,
            unit_id=unit,
            subject_description="" if unit is not None else "某窗口工作人员",
            content=f"案例{key}的投诉内容。",
            complexity=complexity,
            complainant_name=f"投诉人{key}",
            complainant_phone="13812345678",
        )
        case = svc.register_complaint(session, clerk, data, at=when)
        office.cases[key] = case.id
        office.numbers[key] = case.number
        return case

    def route(case: Complaint, when: datetime, unit: int | None = None) -> None:
        svc.submit_for_instruction(session, clerk, case.id, expected_version=None, at=when)
        svc.instruct(session, leader, case.id, "请调查核实。", expected_version=None, at=when)
        svc.route(
            session,
            clerk,
            case.id,
            mode=HandlingMode.ASSIGNED if unit else HandlingMode.SELF,
            handler_unit_id=unit,
            expected_version=None,
            at=when,
        )

    def conclude(
        case: Complaint, started: datetime, signed: datetime, verification: Verification
    ) -> None:
        svc.start_investigation(session, clerk, case.id, expected_version=None, at=started)
        svc.draft_conclusion(
            session,
            clerk,
            case.id,
            verification=verification,
            handling_result="已核实处理。",
            expected_version=None,
            at=signed,
        )
        svc.sign_off(session, leader, case.id, expected_version=None, at=signed)

    office = StatsOffice(police, market, attitude, slow, 0)

    a = register("A", at(9, 26), police)
    route(a, at(9, 26, 11), police)
    conclude(a, at(9, 28), at(10, 10), Verification.SUBSTANTIATED)
    svc.reply(
        session,
        clerk,
        a.id,
        reply_date=date(2025, 10, 11),
        method=ReplyMethod.PHONE,
        text="已电话答复。",
        expected_version=None,
        at=at(10, 11),
    )
    svc.record_return_visit(
        session,
        clerk,
        a.id,
        visit_date=date(2025, 10, 12),
        satisfaction=Satisfaction.SATISFIED,
        expected_version=None,
        at=at(10, 12),
    )

    b = register("B", at(9, 26, 15), police, category=slow)
    route(b, at(9, 26, 16), police)
    conclude(b, at(9, 28), at(10, 11), Verification.PARTLY)
    svc.reply(
        session,
        clerk,
        b.id,
        reply_date=date(2025, 10, 13),
        method=ReplyMethod.NONE,
        text="匿名来电，无法联系。",
        expected_version=None,
        at=at(10, 13),
    )

    c = register("C", at(9, 30), market, channel=Channel.WEB)
    route(c, at(9, 30, 11), market)
    conclude(c, at(10, 9), at(10, 13), Verification.UNFOUNDED)
    svc.reply(
        session,
        clerk,
        c.id,
        reply_date=date(2025, 10, 14),
        method=ReplyMethod.LETTER,
        text="经核查不属实。",
        expected_version=None,
        at=at(10, 14),
    )
    svc.record_return_visit(
        session,
        clerk,
        c.id,
        visit_date=date(2025, 10, 15),
        satisfaction=Satisfaction.UNSATISFIED,
        expected_version=None,
        at=at(10, 15),
    )

    d = register("D", at(9, 30, 14), market, category=slow)
    route(d, at(9, 30, 15), market)
    svc.start_investigation(session, clerk, d.id, expected_version=None, at=at(10, 9))

    e = register("E", at(9, 29), police, complexity=Complexity.NORMAL)
    route(e, at(9, 29, 11))

    register("I", at(10, 9), None, complexity=Complexity.NORMAL, channel=Channel.WEB)

    f = register("F", at(9, 29, 14), police)
    svc.submit_for_instruction(session, clerk, f.id, expected_version=None, at=at(9, 29, 15))
    svc.instruct(session, leader, f.id, "不属受理范围。", expected_version=None, at=at(9, 29, 16))
    svc.reject(
        session, clerk, f.id, "不属于效能投诉受理范围。", expected_version=None, at=at(9, 30)
    )

    g = register("G", at(9, 29, 9), police)
    svc.merge_complaint(session, clerk, g.id, a.id, expected_version=None, at=at(9, 29, 10))

    h = register("H", at(8, 29), police)
    route(h, at(8, 29, 11), police)
    conclude(h, at(9, 1), at(9, 5), Verification.SUBSTANTIATED)

    # Measures (no accountability service on this branch: plain ORM rows).
    for decided, kind, unit, voided in (
        (date(2025, 10, 9), SubjectKind.PERSON, police, False),
        (date(2025, 10, 9), SubjectKind.PERSON, police, False),
        (date(2025, 10, 10), SubjectKind.UNIT, market, False),
        (date(2025, 10, 10), SubjectKind.UNIT, police, True),
        (date(2025, 11, 3), SubjectKind.UNIT, police, False),
    ):
        session.add(
            AccountabilityMeasure(
                subject_kind=kind,
                person_id=person.id if kind == SubjectKind.PERSON else None,
                unit_id=unit,
                measure=MeasureType.CIRCULATED_CRITICISM,
                decided_date=decided,
                complaint_id=a.id,
                voided=voided,
            )
        )
    session.flush()

    campaign = inspections.create_campaign(
        session,
        inspector,
        inspections.CampaignInput(
            name="国庆节后上班纪律暗访",
            kind=CampaignKind.UNDERCOVER,
            start_date=date(2025, 10, 9),
            end_date=date(2025, 10, 10),
            target_unit_ids=[police],
        ),
    )
    office.campaign = campaign.id
    for when, text in ((at(10, 9, 9), "上班时间脱岗"), (at(10, 10, 9), "窗口无人值守")):
        inspections.create_finding(
            session,
            inspector,
            inspections.FindingInput(
                unit_id=police, observed_at=when, description=text, campaign_id=campaign.id
            ),
        )
    dismissed = inspections.create_finding(
        session,
        inspector,
        inspections.FindingInput(
            unit_id=police,
            observed_at=at(10, 10, 10),
            description="疑似串岗",
            campaign_id=campaign.id,
        ),
    )
    inspections.change_finding_status(
        session, inspector, dismissed.id, FindingStatus.DISMISSED, "经核实为正常工作交接。"
    )
    inspections.create_finding(
        session,
        inspector,
        inspections.FindingInput(
            unit_id=market, observed_at=at(10, 13, 9), description="收费未公示"
        ),
    )
    session.flush()
    return office
