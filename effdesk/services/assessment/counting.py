"""What counts against a unit in a month: one counter per kind of :data:`rules.KINDS`.

Each counter reads the whole month for every unit in one query and returns the items with
their basis (the record they come from), so every deducted point can be traced and opened.
Counters take ``today`` because "overdue and still open" depends on the day of computation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from effdesk.chinese_dates import cn_month_day
from effdesk.db.models import (
    AccountabilityMeasure,
    Complaint,
    Document,
    DocumentSource,
    Finding,
    ProblemCategory,
    Rectification,
    Unit,
)
from effdesk.enums import (
    CircularTone,
    ComplaintState,
    DocumentState,
    DocumentType,
    FindingStatus,
    HandlingMode,
    MeasureType,
    Verification,
)


@dataclass(frozen=True)
class Item:
    """One thing that counts against a unit (before points and caps are applied)."""

    kind: str
    unit_id: int
    day: date
    ref_type: str  # complaint | finding | measure | document | rectification
    ref_id: int
    ref_uuid: str
    text: str
    partly: bool = False  # a 部分属实 complaint (its own points)

    @property
    def basis(self) -> str:
        return f"{self.ref_type}:{self.ref_uuid}"


Counter = Callable[[Session, date, date, date], list[Item]]


def month_bounds(period: str) -> tuple[date, date]:
    """ "2026-10" → (2026-10-01, 2026-10-31)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(period)
    year, month = int(m.group(1)), int(m.group(2))
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


def substantiated_complaints(session: Session, first: date, last: date, today: date) -> list[Item]:
    c = Complaint
    rows = session.execute(
        select(
            c.id,
            c.uuid,
            c.unit_id,
            c.number,
            c.verification,
            c.concluded_date,
            ProblemCategory.name,
        )
        .outerjoin(ProblemCategory, ProblemCategory.id == c.category_id)
        .where(
            c.concluded_date >= first,
            c.concluded_date <= last,
            c.verification.in_([Verification.SUBSTANTIATED, Verification.PARTLY]),
            c.unit_id.is_not(None),
            c.state != ComplaintState.MERGED,
        )
        .order_by(c.concluded_date, c.id)
    ).all()
    return [
        Item(
            "complaint_substantiated",
            r.unit_id,
            r.concluded_date,
            "complaint",
            r.id,
            r.uuid,
            f"投诉件{r.number}（{r.name or '未分类'}）核查{r.verification.label}，"
            f"{cn_month_day(r.concluded_date)}办结",
            partly=r.verification is Verification.PARTLY,
        )
        for r in rows
    ]


def findings(session: Session, first: date, last: date, today: date) -> list[Item]:
    f = Finding
    rows = session.execute(
        select(f.id, f.uuid, f.unit_id, f.observed_at, f.place, ProblemCategory.name)
        .outerjoin(ProblemCategory, ProblemCategory.id == f.category_id)
        .where(
            f.observed_at >= datetime.combine(first, time.min),
            f.observed_at <= datetime.combine(last, time.max),
            f.status.in_([FindingStatus.VERIFIED, FindingStatus.HANDLED]),
        )
        .order_by(f.observed_at, f.id)
    ).all()
    return [
        Item(
            "finding",
            r.unit_id,
            r.observed_at.date(),
            "finding",
            r.id,
            r.uuid,
            f"{cn_month_day(r.observed_at)}督查发现问题"
            f"（{r.name or '未分类'}{'，' + r.place if r.place else ''}）",
        )
        for r in rows
    ]


def circulars(session: Session, first: date, last: date, today: date) -> list[Item]:
    """通报批评: a measure of that type, or an issued critical circular naming the unit.

    A measure recorded against the circular that announced it (``document_id``) is the same
    criticism: it counts once, as the circular.
    """
    items: list[Item] = []
    docs = session.execute(
        select(
            Document.id,
            Document.uuid,
            Document.number,
            Document.title,
            Document.body,
            Document.doc_date,
        )
        .where(
            Document.doc_type == DocumentType.CIRCULAR,
            Document.tone == CircularTone.CRITICISM,
            Document.state == DocumentState.ISSUED,
            Document.doc_date >= first,
            Document.doc_date <= last,
        )
        .order_by(Document.doc_date, Document.id)
    ).all()
    counted: set[tuple[int, int]] = set()  # (document id, unit id)
    if docs:
        doc_ids = [d.id for d in docs]
        named: dict[int, set[int]] = defaultdict(set)
        s = DocumentSource
        for doc_id, f_unit, c_unit, r_unit in session.execute(
            select(s.document_id, Finding.unit_id, Complaint.unit_id, Rectification.unit_id)
            .outerjoin(Finding, Finding.id == s.finding_id)
            .outerjoin(Complaint, Complaint.id == s.complaint_id)
            .outerjoin(Rectification, Rectification.id == s.rectification_id)
            .where(s.document_id.in_(doc_ids))
        ):
            named[doc_id] |= {u for u in (f_unit, c_unit, r_unit) if u is not None}
        units = session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))).all()
        for d in docs:
            text = f"{d.title}\n{d.body}"
            ids = set(named[d.id]) | {u.id for u in units if len(u.name) >= 3 and u.name in text}
            for unit_id in sorted(ids):
                counted.add((d.id, unit_id))
                items.append(
                    Item(
                        "circular",
                        unit_id,
                        d.doc_date,
                        "document",
                        d.id,
                        d.uuid,
                        f"{cn_month_day(d.doc_date)}批评通报{d.number or ''}「{d.title}」点名",
                    )
                )
    m = AccountabilityMeasure
    for r in session.execute(
        select(
            m.id,
            m.uuid,
            m.unit_id,
            m.decided_date,
            m.document_id,
            m.document_number,
            m.subject_kind,
        )
        .where(
            m.measure == MeasureType.CIRCULATED_CRITICISM,
            m.decided_date >= first,
            m.decided_date <= last,
            m.voided.is_(False),
        )
        .order_by(m.decided_date, m.id)
    ):
        if r.document_id is not None and (r.document_id, r.unit_id) in counted:
            continue
        whom = "对单位" if r.subject_kind.value == "unit" else "对本单位人员"
        doc = f"（{r.document_number}）" if r.document_number else ""
        items.append(
            Item(
                "circular",
                r.unit_id,
                r.decided_date,
                "measure",
                r.id,
                r.uuid,
                f"{cn_month_day(r.decided_date)}{whom}通报批评{doc}",
            )
        )
    return items


def overdue_rectifications(session: Session, first: date, last: date, today: date) -> list[Item]:
    r = Rectification
    rows = session.execute(
        select(r.id, r.uuid, r.unit_id, r.deadline, r.completed_date, r.notice_kind)
        .where(
            r.deadline >= first,
            r.deadline <= last,
            r.voided.is_(False),
            or_(
                r.completed_date > r.deadline,
                and_(r.completed_date.is_(None), r.deadline < today),
            ),
        )
        .order_by(r.deadline, r.id)
    ).all()
    return [
        Item(
            "rectification_overdue",
            x.unit_id,
            x.deadline,
            "rectification",
            x.id,
            x.uuid,
            f"{x.notice_kind.label}整改期限{cn_month_day(x.deadline)}，"
            + (f"{cn_month_day(x.completed_date)}才完成" if x.completed_date else "逾期未完成"),
        )
        for x in rows
    ]


def overdue_complaints(session: Session, first: date, last: date, today: date) -> list[Item]:
    c = Complaint
    rows = session.execute(
        select(c.id, c.uuid, c.handler_unit_id, c.number, c.due_date, c.concluded_date)
        .where(
            c.handling_mode == HandlingMode.ASSIGNED,
            c.handler_unit_id.is_not(None),
            c.due_date >= first,
            c.due_date <= last,
            c.state.not_in([ComplaintState.MERGED, ComplaintState.REJECTED]),
            or_(
                c.concluded_date > c.due_date,
                and_(c.concluded_date.is_(None), c.due_date < today),
            ),
        )
        .order_by(c.due_date, c.id)
    ).all()
    return [
        Item(
            "complaint_overdue",
            x.handler_unit_id,
            x.due_date,
            "complaint",
            x.id,
            x.uuid,
            f"交办投诉件{x.number}办理时限{cn_month_day(x.due_date)}，"
            + (f"{cn_month_day(x.concluded_date)}才办结" if x.concluded_date else "超期未办结"),
        )
        for x in rows
    ]


COUNTERS: dict[str, Counter] = {
    "complaint_substantiated": substantiated_complaints,
    "circular": circulars,
    "finding": findings,
    "rectification_overdue": overdue_rectifications,
    "complaint_overdue": overdue_complaints,
}
