"""The measures and findings behind a figure (the complaints behind one are listed by the
complaint list itself, through ``ComplaintFilter.statistic``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from effdesk.auth import Actor
from effdesk.db.models import (
    AccountabilityMeasure,
    Campaign,
    Complaint,
    Finding,
    Person,
    ProblemCategory,
    Unit,
)
from effdesk.enums import FindingStatus, MeasureType, SubjectKind
from effdesk.permissions import Permission, require
from effdesk.services.statistics.definitions import (
    FigureRef,
    finding_conditions,
    measure_conditions,
)


@dataclass(frozen=True)
class MeasureLine:
    id: int
    decided_date: date
    subject_kind: SubjectKind
    subject: str
    unit_name: str
    measure: MeasureType
    basis: str
    document_number: str


@dataclass(frozen=True)
class FindingLine:
    id: int
    observed_at: datetime
    unit_name: str
    campaign_name: str
    category_name: str
    description: str
    status: FindingStatus


def measure_lines(session: Session, actor: Actor, ref: FigureRef) -> list[MeasureLine]:
    """The measures behind 问责人次 / 问责单位 of ``ref``, by decision date then id."""
    require(actor, Permission.VIEW_STATISTICS)
    m = AccountabilityMeasure
    stmt = (
        select(m, Unit.name, Person.name, Person.description, Complaint.number)
        .join(Unit, Unit.id == m.unit_id)
        .outerjoin(Person, Person.id == m.person_id)
        .outerjoin(Complaint, Complaint.id == m.complaint_id)
        .where(*measure_conditions(ref))
        .order_by(m.decided_date, m.id)
    )
    out = []
    for measure, unit_name, person_name, person_desc, number in session.execute(stmt):
        subject = (
            (person_name or person_desc or "")
            if measure.subject_kind == SubjectKind.PERSON
            else unit_name
        )
        if number:
            basis = f"投诉件 {number}"
        elif measure.finding_id is not None:
            basis = f"督查发现问题 #{measure.finding_id}"
        else:
            basis = ""
        out.append(
            MeasureLine(
                id=measure.id,
                decided_date=measure.decided_date,
                subject_kind=measure.subject_kind,
                subject=subject,
                unit_name=unit_name,
                measure=measure.measure,
                basis=basis,
                document_number=measure.document_number,
            )
        )
    return out


def count_measure_units(session: Session, actor: Actor, ref: FigureRef) -> int:
    """Distinct units among the measures of ``ref`` (what 问责单位 shows)."""
    require(actor, Permission.VIEW_STATISTICS)
    m = AccountabilityMeasure
    return int(
        session.scalar(select(func.count(func.distinct(m.unit_id))).where(*measure_conditions(ref)))
        or 0
    )


def finding_lines(session: Session, actor: Actor, ref: FigureRef) -> list[FindingLine]:
    """The findings behind ``ref``, by observation time then id."""
    require(actor, Permission.VIEW_STATISTICS)
    f = Finding
    category = aliased(ProblemCategory)
    stmt = (
        select(f, Unit.name, Campaign.name, category.name)
        .join(Unit, Unit.id == f.unit_id)
        .outerjoin(Campaign, Campaign.id == f.campaign_id)
        .outerjoin(category, category.id == f.category_id)
        .where(*finding_conditions(ref))
        .order_by(f.observed_at, f.id)
    )
    return [
        FindingLine(
            id=finding.id,
            observed_at=finding.observed_at,
            unit_name=unit_name,
            campaign_name=campaign_name or "",
            category_name=category_name or "",
            description=finding.description,
            status=finding.status,
        )
        for finding, unit_name, campaign_name, category_name in session.execute(stmt)
    ]
