"""A small county office for the assessment and bulletin tests, built through the services:
complaints taken to 办结 with a conclusion, findings recorded and verified, measures, and an
issued critical circular."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM, Actor
from effdesk.db.models import AccountabilityMeasure, Complaint, Finding, ProblemCategory
from effdesk.enums import (
    AssessmentCategory,
    Channel,
    CircularTone,
    DocumentType,
    FindingStatus,
    HandlingMode,
    MeasureType,
    SubjectKind,
    UnitKind,
    Verification,
)
from effdesk.reports.documents import render_document_bytes
from effdesk.services import complaints as svc
from effdesk.services import documents as docs
from effdesk.services import inspections
from effdesk.services.directory import UnitInput, create_unit

FIRST = AssessmentCategory.FIRST
SECOND = AssessmentCategory.SECOND

COMPLAINANT = "王小明"
COMPLAINANT_PHONE = "13912345678"
COMPLAINANT_COMPANY = "明达建材有限公司"


@dataclass
class Office:
    session: Session
    clerk: Actor
    inspector: Actor
    leader: Actor
    admin: Actor
    units: dict[str, int] = field(default_factory=dict)
    category: int = 0

    def unit(self, name: str, cat: AssessmentCategory = FIRST) -> int:
        u = create_unit(
            self.session, SYSTEM, UnitInput(name=name, kind=UnitKind.DEPARTMENT, category=cat)
        )
        self.units[name] = u.id
        return u.id

    def complaint(
        self,
        unit: str,
        concluded: datetime,
        verification: Verification = Verification.SUBSTANTIATED,
        channel: Channel = Channel.PHONE,
        content: str = "",
    ) -> Complaint:
        """A complaint registered the same morning and concluded at ``concluded``."""
        s, at = self.session, concluded.replace(hour=8, minute=30)
        c = svc.register_complaint(
            s,
            self.clerk,
            svc.ComplaintInput(
                received_at=at,
                channel=channel,
                summary=f"{unit}窗口办事拖拉",
                category_id=self.category,
                unit_id=self.units[unit],
                content=content
                or f"来电人{COMPLAINANT}（电话{COMPLAINANT_PHONE}）反映在{unit}窗口办事来回跑。",
                complainant_name=COMPLAINANT,
                complainant_phone=COMPLAINANT_PHONE,
                complainant_company=COMPLAINANT_COMPANY,
            ),
            at=at,
        )
        steps = [
            lambda t: svc.submit_for_instruction(s, self.clerk, c.id, expected_version=None, at=t),
            lambda t: svc.instruct(s, self.leader, c.id, "请核查。", expected_version=None, at=t),
            lambda t: svc.route(
                s,
                self.clerk,
                c.id,
                mode=HandlingMode.ASSIGNED,
                handler_unit_id=self.units[unit],
                expected_version=None,
                at=t,
            ),
            lambda t: svc.start_investigation(s, self.clerk, c.id, expected_version=None, at=t),
            lambda t: svc.draft_conclusion(
                s,
                self.clerk,
                c.id,
                verification=verification,
                handling_result=f"经核查，反映问题{verification.label}，已责令{unit}整改。",
                expected_version=None,
                at=t,
            ),
            lambda t: svc.sign_off(s, self.leader, c.id, expected_version=None, at=t),
        ]
        for i, step in enumerate(steps, start=1):
            step(at + timedelta(minutes=20 * i))
        assert c.concluded_date == concluded.date()
        return c

    def finding(
        self, unit: str, observed: datetime, status: FindingStatus = FindingStatus.VERIFIED
    ) -> Finding:
        f = inspections.create_finding(
            self.session,
            self.inspector,
            inspections.FindingInput(
                unit_id=self.units[unit],
                observed_at=observed,
                description="上班时间玩手机游戏",
                place="服务大厅",
                category_id=self.category,
            ),
        )
        if status is not FindingStatus.PENDING:
            note = "认定依据不足" if status is FindingStatus.DISMISSED else ""
            inspections.change_finding_status(self.session, self.inspector, f.id, status, note)
        return f

    def measure(self, unit: str, decided: date, measure: MeasureType) -> AccountabilityMeasure:
        # The accountability service is built on another branch; the register row is what it
        # writes (a unit-subject measure, not voided).
        m = AccountabilityMeasure(
            subject_kind=SubjectKind.UNIT,
            unit_id=self.units[unit],
            measure=measure,
            decided_date=decided,
            deciding_body="县效能办",
        )
        self.session.add(m)
        self.session.flush()
        return m

    def critical_circular(self, unit: str, day: date, files_dir: Path) -> int:
        doc = docs.create_draft(
            self.session,
            self.leader,
            docs.DocumentInput(
                doc_type=DocumentType.CIRCULAR,
                tone=CircularTone.CRITICISM,
                title=f"关于{unit}工作人员上班时间脱岗的通报",
                main_recipients="各乡镇人民政府，县直各部门",
                body=f"{day.month}月{day.day}日，县效能办暗访发现{unit}工作人员脱岗。"
                "现予以通报批评。",
                issuer="县效能办",
                doc_date=day,
            ),
        )
        docs.issue_document(
            self.session, self.leader, doc.id, None, files_dir, renderer=render_document_bytes
        )
        return doc.id


def make_office(session: Session, actors: dict[str, Actor]) -> Office:
    cat = ProblemCategory(code="slow", name="办事拖拉、效率低下")
    session.add(cat)
    session.flush()
    return Office(
        session,
        actors["clerk"],
        actors["inspector"],
        actors["leader"],
        actors["admin"],
        category=cat.id,
    )
