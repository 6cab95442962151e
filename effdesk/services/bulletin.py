"""The monthly bulletin (月度通报/简报) for a leaders' meeting: its data and its draft document.

:func:`bulletin_data` gathers what the bulletin prints — the month's figures, cases per
category / unit / channel, the unit ranking with the bottom three, and two or three typical
cases with the complainant's identity removed. Nothing here draws; the PDF is
:mod:`effdesk.reports.bulletin`.

The bulletin is a document of the register like any other (type 简报): :func:`compose_bulletin`
writes a draft whose title names the month ("2026年10月…"); it is previewed, numbered and issued
through :mod:`effdesk.services.documents`, and the renderer recognises it by its type and the
month in its title (:func:`bulletin_period`). An issued bulletin keeps the PDF of the moment it
was issued: its figures do not move afterwards.

- :func:`bulletin_figures` takes the figures table from the statistics service (one definition
  with 统计台账 and ``effdesk stats``).
- :func:`mask_identity` removes the complainant's name, phone, company and address (and any
  mobile or ID-card number) from free text, through :mod:`effdesk.services.complaints.privacy`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.models import (
    AccountabilityMeasure,
    Complaint,
    Document,
    Finding,
    ProblemCategory,
    Unit,
)
from effdesk.enums import (
    Channel,
    ComplaintState,
    DocumentType,
    FindingStatus,
    Verification,
)
from effdesk.permissions import Permission, require
from effdesk.services import assessment, statistics
from effdesk.services.assessment import MonthResult, check_period, month_bounds, period_label
from effdesk.services.complaints.privacy import identity_masker
from effdesk.services.documents import (
    DocumentInput,
    SourceRef,
    create_draft,
    scrub_identity,
)

TYPICAL_CASES = 3
TOP_UNITS = 10
_TITLE_PERIOD = re.compile(r"(\d{4})年(\d{1,2})月")


# --------------------------------------------------------------------------- seams


def mask_identity(case_: Complaint, text: str) -> str:
    """``text`` without the complainant's identity (×××) or any mobile / ID-card number."""
    return scrub_identity(identity_masker(case_)(text or ""), [], "×××")


@dataclass(frozen=True)
class Figures:
    """The month's key figures (rates are fractions, None when there is nothing to divide)."""

    received: int
    concluded: int
    conclusion_rate: float | None
    on_time_rate: float | None
    overdue: int
    substantiated: int
    substantiated_rate: float | None
    feedback_rate: float | None
    satisfaction_rate: float | None
    measures_persons: int
    measures_units: int
    findings: int


def bulletin_figures(session: Session, actor: Actor, month: str) -> Figures:
    """The figures table of the bulletin for ``month`` ("2026-10"), as of the month's end.

    The same figures as 统计台账 and ``effdesk stats`` for that month (one definition:
    :mod:`effdesk.services.statistics`), counted from the month's cases themselves rather
    than the statistics cache, so a bulletin is exact whatever the cache holds. 督查问题:
    findings observed in the month and not dismissed (不予认定), as the statistics count them.
    """
    first, last = month_bounds(check_period(month))
    report = statistics.compute(
        session, actor, statistics.StatsQuery(first, last, as_of=last), use_cache=False
    )
    t = report.total
    findings = t.findings
    if findings is None:
        findings = int(
            session.scalar(
                select(func.count())
                .select_from(Finding)
                .where(
                    Finding.observed_at >= first,
                    Finding.observed_at < date.fromordinal(last.toordinal() + 1),
                    Finding.status.in_([FindingStatus.VERIFIED, FindingStatus.HANDLED]),
                )
            )
            or 0
        )
    return Figures(
        received=t.received,
        concluded=t.concluded,
        conclusion_rate=t.conclusion_rate,
        on_time_rate=t.on_time_rate,
        overdue=t.overdue,
        substantiated=t.substantiated,
        substantiated_rate=t.substantiated_rate,
        feedback_rate=t.feedback_rate,
        satisfaction_rate=t.satisfaction_rate,
        measures_persons=t.measures_persons or 0,
        measures_units=t.measures_units or 0,
        findings=findings,
    )


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class TypicalCase:
    complaint_id: int
    number: str
    unit_name: str
    category_name: str
    text: str  # masked: the complaint, the finding, the handling


@dataclass(frozen=True)
class BulletinData:
    month: str
    month_label: str  # 2026年10月
    office_name: str
    office_short: str
    figures: Figures
    by_category: tuple[tuple[str, int], ...]
    by_unit: tuple[tuple[str, int], ...]  # the units with most cases (TOP_UNITS)
    by_channel: tuple[tuple[str, int], ...]
    ranking: MonthResult
    typical: tuple[TypicalCase, ...]


def _received(month: str) -> list[ColumnElement[bool]]:
    first, last = month_bounds(month)
    return [
        Complaint.received_date >= first,
        Complaint.received_date <= last,
        Complaint.state != ComplaintState.MERGED,
    ]


def _typical_cases(session: Session, month: str, limit: int) -> list[TypicalCase]:
    """Substantiated cases concluded in the month, those with the heaviest measures first."""
    first, last = month_bounds(month)
    c = Complaint
    cases = list(
        session.scalars(
            select(c)
            .where(
                c.concluded_date >= first,
                c.concluded_date <= last,
                c.verification.in_([Verification.SUBSTANTIATED, Verification.PARTLY]),
                c.unit_id.is_not(None),
            )
            .order_by(c.concluded_date, c.id)
        )
    )
    if not cases:
        return []
    severity: dict[int, int] = {}
    for cid, measure in session.execute(  # complaint_id is set: filtered by it below
        select(AccountabilityMeasure.complaint_id, AccountabilityMeasure.measure).where(
            AccountabilityMeasure.complaint_id.in_([x.id for x in cases]),
            AccountabilityMeasure.voided.is_(False),
        )
    ):
        if cid is not None:
            severity[cid] = max(severity.get(cid, -1), measure.severity)
    ranked = sorted(
        cases,
        key=lambda x: (
            -severity.get(x.id, -1),
            x.verification is not Verification.SUBSTANTIATED,
            x.id,
        ),
    )
    chosen: list[Complaint] = []
    units: set[int | None] = set()
    for x in ranked:  # one case per unit, so the examples are not all one office's
        if x.unit_id not in units:
            chosen.append(x)
            units.add(x.unit_id)
        if len(chosen) == limit:
            break
    out = []
    for x in chosen:
        unit = session.get(Unit, x.unit_id) if x.unit_id else None
        cat = session.get(ProblemCategory, x.category_id) if x.category_id else None
        story = (x.content or x.summary).strip().rstrip("。") + "。"
        result = x.handling_result.strip()
        verdict = f"经核查，反映问题{x.verification.label if x.verification else ''}。"
        if "经核查" in story or "经核查" in result:
            verdict = ""
        text = mask_identity(x, story + verdict + result)
        out.append(
            TypicalCase(
                x.id,
                x.number,
                unit.name if unit else "",
                cat.name if cat else "其他",
                text,
            )
        )
    return out


def bulletin_data(
    session: Session, actor: Actor, month: str, *, today: date | None = None
) -> BulletinData:
    """Everything the bulletin of ``month`` prints (no complainant identity anywhere)."""
    require(actor, Permission.VIEW_STATISTICS)
    month = check_period(month)
    where = _received(month)
    by_category = [
        (name or "未分类", int(n))
        for name, n in session.execute(
            select(ProblemCategory.name, func.count(Complaint.id))
            .select_from(Complaint)
            .outerjoin(ProblemCategory, ProblemCategory.id == Complaint.category_id)
            .where(*where)
            .group_by(ProblemCategory.name)
            .order_by(func.count(Complaint.id).desc(), ProblemCategory.name)
        )
    ]
    by_unit = [
        (name, int(n))
        for name, n in session.execute(
            select(Unit.name, func.count(Complaint.id))
            .join(Unit, Unit.id == Complaint.unit_id)
            .where(*where)
            .group_by(Unit.name)
            .order_by(func.count(Complaint.id).desc(), Unit.name)
            .limit(TOP_UNITS)
        )
    ]
    channels = Counter(
        {
            ch: int(n)
            for ch, n in session.execute(
                select(Complaint.channel, func.count()).where(*where).group_by(Complaint.channel)
            )
        }
    )
    by_channel = [(ch.label, channels[ch]) for ch in Channel if channels.get(ch)]
    return BulletinData(
        month=month,
        month_label=period_label(month),
        office_name=settings.get(session, settings.OFFICE_NAME),
        office_short=settings.get(session, settings.OFFICE_SHORT_NAME),
        figures=bulletin_figures(session, actor, month),
        by_category=tuple(by_category),
        by_unit=tuple(by_unit),
        by_channel=tuple(by_channel),
        ranking=assessment.month_result(session, actor, month, today),
        typical=tuple(_typical_cases(session, month, TYPICAL_CASES)),
    )


# --------------------------------------------------------------------------- the document


def pct(value: float | None) -> str:
    return "—" if value is None else f"{Decimal(str(value * 100)).quantize(Decimal('0.1'))}%"


def bulletin_title(month: str) -> str:
    return f"{period_label(month)}全县机关效能建设情况通报"


def bulletin_period(doc: Document) -> str | None:
    """The month a 简报 document reports on (from its title), or None for another document."""
    if doc.doc_type is not DocumentType.BULLETIN:
        return None
    m = _TITLE_PERIOD.search(doc.title or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def summary_paragraphs(data: BulletinData) -> list[str]:
    """The bulletin's opening text (the leader edits it in the draft)."""
    f = data.figures
    month = int(data.month[5:])
    top = "、".join(name for name, _ in data.by_category[:3])
    warned = [r.unit_name for r in data.ranking.flagged]
    flagged = "、".join(warned[:6]) + (f"等{len(warned)}个单位" if len(warned) > 6 else "")
    paras = [
        f"{month}月份，全县效能投诉中心共受理效能投诉{f.received}件，办结{f.concluded}件，"
        f"办结率{pct(f.conclusion_rate)}，按期办结率{pct(f.on_time_rate)}；"
        f"经核查属实（含部分属实）{f.substantiated}件，属实率{pct(f.substantiated_rate)}。"
        f"明察暗访发现并核实问题{f.findings}个；给予效能问责{f.measures_persons}人次，"
        f"问责单位{f.measures_units}个。",
    ]
    if top:
        paras.append(f"从反映的问题看，主要集中在{top}等方面。")
    if flagged:
        paras.append(
            f"本月作风监测指数排名靠后（扣分预警）的单位为：{flagged}。"
            "请上述单位认真查找问题根源，切实抓好整改。"
        )
    paras.append(
        "各单位要对照通报的问题举一反三，严格落实首问负责、限时办结、责任追究等制度，"
        "切实改进机关作风，不断提升服务效能。"
    )
    return paras


def compose_bulletin(
    session: Session, actor: Actor, month: str, *, today: date | None = None
) -> Document:
    """A draft 简报 of ``month`` in the document register (numbered and issued from there)."""
    data = bulletin_data(session, actor, month, today=today)
    doc = create_draft(
        session,
        actor,
        DocumentInput(
            doc_type=DocumentType.BULLETIN,
            title=bulletin_title(month),
            red_header=True,
            main_recipients="",
            body="\n".join(summary_paragraphs(data)),
            issuer=data.office_name,
            copy_to="县委、县人大、县政府、县政协领导，县纪委监委。",
        ),
        [SourceRef(complaint_id=t.complaint_id) for t in data.typical],
    )
    return doc
