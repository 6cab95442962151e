"""Drafting circulars (通报) from spot-check findings or from complaints.

The draft follows the structure of the county circulars an office already writes: a background
paragraph (which round of checks, when, by whom, which units) ending "现将有关情况通报如下：",
then 一、基本情况 / 二、发现的问题 (（一）per unit, 1. per finding) / 三、处理意见 / 四、工作要求.
The leader edits it afterwards; nothing here is final wording.

Complainant identities never enter a draft: complaint texts are scrubbed of the complainant's
name, phone, company and address (and of any mobile or ID-card number), complaint files are
never attached, and issuing checks the final text again (see :mod:`effdesk.services.documents`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from effdesk import settings
from effdesk.auth import Actor
from effdesk.calendar import compute_deadline
from effdesk.chinese_dates import cn_date, cn_date_range, cn_month_day
from effdesk.db.models import (
    AccountabilityMeasure,
    Attachment,
    Campaign,
    CampaignTarget,
    Complaint,
    Document,
    Finding,
    FindingPerson,
    Rectification,
    StoredFile,
    Unit,
)
from effdesk.enums import (
    CircularTone,
    ComplainantKind,
    ComplaintState,
    DocumentType,
    FindingStatus,
    MeasureType,
    MediaKind,
    SubjectKind,
    TargetStatus,
    Verification,
)
from effdesk.errors import ValidationError
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, require
from effdesk.services.documents import (
    AttachmentSpec,
    DocumentInput,
    SourceRef,
    create_draft,
    identity_terms,
    scrub_identity,
)

DEFAULT_RECIPIENTS = "各乡镇人民政府，县直各部门："
DEFAULT_COPY_TO = "县委办，县人大办，县政府办，县政协办，县纪委监委。"
PHOTO_ATTACHMENT_TITLE = "明察暗访发现问题照片"

# How a measure reads after "对××": lightest first, as in MeasureType.
MEASURE_PHRASES: dict[MeasureType, str] = {
    MeasureType.CRITICISM_EDUCATION: "进行批评教育",
    MeasureType.WRITTEN_SELF_CRITICISM: "责令作出书面检查",
    MeasureType.EFFICIENCY_WARNING: "给予效能告诫",
    MeasureType.CIRCULATED_CRITICISM: "予以通报批评",
    MeasureType.ADMONITION_TALK: "进行诫勉谈话",
    MeasureType.ORDERED_RECTIFICATION: "责令限期整改",
    MeasureType.POST_ADJUSTMENT: "予以岗位调整",
    MeasureType.PAY_DEDUCTION: "扣发绩效奖金",
    MeasureType.PUBLIC_EXPOSURE: "予以公开曝光",
    MeasureType.YELLOW_CARD: "给予黄牌警告",
    MeasureType.SUSPENSION: "予以停职检查",
    MeasureType.DISMISSAL_FROM_POST: "予以免职",
    MeasureType.DISCHARGE: "予以辞退",
    MeasureType.REFERRAL: "移送纪检监察机关处理",
}

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (enough for section and unit counts)."""
    if n <= 0:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _time_of_day(t: datetime) -> str:
    if t.hour < 6:
        part = "凌晨"
    elif t.hour < 12:
        part = "上午"
    elif t.hour < 13:
        part = "中午"
    elif t.hour < 18:
        part = "下午"
    else:
        part = "晚上"
    hour = t.hour if t.hour <= 12 else t.hour - 12
    return f"{cn_month_day(t)}{part}{hour}:{t.minute:02d}"


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    if not text:
        return ""
    return text if text[-1] in "。！？；…" else text + "。"


def _join_names(names: Sequence[str], limit: int = 6) -> str:
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + "等"


def _problem_kinds(names: Sequence[str], limit: int = 4) -> str:
    """ "办事拖拉、效率低下，服务态度差等问题": the kinds of problem found, ending in one 等.

    Names that hold a 、 themselves are set apart with ， so the list stays readable; "其他" is
    no kind of problem and is left out (the caller passes the rest).
    """
    shown = list(names[:limit])
    sep = "，" if any("、" in n for n in shown) else "、"
    return f"{sep.join(shown)}等问题"


def _overlap(left: str, right: str) -> int:
    """Length of the longest end of ``left`` that ``right`` starts with ("…窗口" + "窗口工作人员")."""
    for n in range(min(len(left), len(right)), 0, -1):
        if left.endswith(right[:n]):
            return n
    return 0


def unit_and_person(unit_name: str, person: str) -> str:
    """The unit followed by the person, without saying a shared word twice: "青石镇便民服务
    中心窗口" + "窗口工作人员王某" → "青石镇便民服务中心窗口工作人员王某"."""
    return unit_name + person[_overlap(unit_name, person) :]


# --------------------------------------------------------------------------- choices for the UI


@dataclass(frozen=True)
class CampaignChoice:
    id: int
    name: str
    start_date: date
    end_date: date
    finding_count: int
    usable_count: int


@dataclass(frozen=True)
class FindingChoice:
    id: int
    unit_id: int
    unit_name: str
    observed_at: datetime
    place: str
    category: str
    description: str
    status: FindingStatus
    persons: str
    measures: str
    photo_count: int

    @property
    def usable(self) -> bool:
        return self.status in USABLE_STATUSES


@dataclass(frozen=True)
class ComplaintChoice:
    """A complaint offered for a 典型案例通报 — without any complainant identity."""

    id: int
    number: str
    received_date: date
    unit_name: str
    category: str
    summary: str
    verification: Verification | None
    state: ComplaintState


USABLE_STATUSES = (FindingStatus.VERIFIED, FindingStatus.HANDLED)
_CASE_STATES = (ComplaintState.CONCLUDED, ComplaintState.ANSWERED, ComplaintState.ARCHIVED)


def campaign_choices(session: Session, actor: Actor) -> list[CampaignChoice]:
    """Campaigns with findings, newest first, with how many findings may go in a circular."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    total = func.count(Finding.id)
    usable = func.count(Finding.id).filter(Finding.status.in_(USABLE_STATUSES))
    rows = session.execute(
        select(Campaign, total, usable)
        .join(Finding, Finding.campaign_id == Campaign.id)
        .group_by(Campaign.id)
        .order_by(Campaign.start_date.desc(), Campaign.id.desc())
    ).all()
    return [
        CampaignChoice(c.id, c.name, c.start_date, c.end_date, int(t or 0), int(u or 0))
        for c, t, u in rows
    ]


def finding_choices(session: Session, actor: Actor, campaign_id: int) -> list[FindingChoice]:
    """The findings of a campaign, grouped by unit (directory order), then by time."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    findings = _load_findings(
        session,
        select(Finding.id).where(Finding.campaign_id == campaign_id),
    )
    measures = _decided_measures(session, [f.id for f in findings])
    photos = _photo_ids(session, [f.id for f in findings])
    out: list[FindingChoice] = []
    for f in findings:
        ms = measures.get(f.id) or []
        if ms:
            measure_text = "、".join(dict.fromkeys(m.measure.label for m in ms))
        elif f.proposed_measure is not None:
            measure_text = f"拟{f.proposed_measure.label}"
        else:
            measure_text = ""
        out.append(
            FindingChoice(
                id=f.id,
                unit_id=f.unit_id,
                unit_name=f.unit.name,
                observed_at=f.observed_at,
                place=f.place,
                category=f.category.name if f.category else "",
                description=f.description,
                status=f.status,
                persons="、".join(_person_label(p) for p in f.persons),
                measures=measure_text,
                photo_count=len(photos.get(f.id, [])),
            )
        )
    return out


def complaint_choices(
    session: Session, actor: Actor, query: str = "", limit: int = 500
) -> list[ComplaintChoice]:
    """Concluded complaints found substantiated (in whole or part): typical-case material."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    stmt = (
        select(Complaint)
        .options(selectinload(Complaint.unit), selectinload(Complaint.category))
        .where(
            Complaint.state.in_(_CASE_STATES),
            Complaint.verification.in_([Verification.SUBSTANTIATED, Verification.PARTLY]),
        )
        .order_by(Complaint.received_date.desc(), Complaint.id.desc())
        .limit(limit)
    )
    if query.strip():
        stmt = stmt.where(Complaint.search_text.contains(query.strip()))
    rows = session.scalars(stmt).all()
    out = []
    for c in rows:
        terms = identity_terms(session, [c.id])
        out.append(
            ComplaintChoice(
                id=c.id,
                number=c.number,
                received_date=c.received_date,
                unit_name=c.unit.name if c.unit else c.subject_description,
                category=c.category.name if c.category else "",
                summary=scrub_identity(c.summary, terms),
                verification=c.verification,
                state=c.state,
            )
        )
    return out


# --------------------------------------------------------------------------- loading


def _load_findings(session: Session, ids_stmt: Select[Any]) -> list[Finding]:
    stmt = (
        select(Finding)
        .join(Unit, Unit.id == Finding.unit_id)
        .options(
            selectinload(Finding.unit),
            selectinload(Finding.category),
            selectinload(Finding.persons).selectinload(FindingPerson.person),
        )
        .where(Finding.id.in_(ids_stmt))
        .order_by(Unit.category, Unit.sort_order, Unit.name, Finding.observed_at, Finding.id)
    )
    return list(session.scalars(stmt))


def _decided_measures(
    session: Session, finding_ids: Sequence[int]
) -> dict[int, list[AccountabilityMeasure]]:
    out: dict[int, list[AccountabilityMeasure]] = {}
    if not finding_ids:
        return out
    rows = session.scalars(
        select(AccountabilityMeasure)
        .options(
            selectinload(AccountabilityMeasure.person), selectinload(AccountabilityMeasure.unit)
        )
        .where(
            AccountabilityMeasure.finding_id.in_(finding_ids),
            AccountabilityMeasure.voided.is_(False),
        )
        .order_by(AccountabilityMeasure.decided_date, AccountabilityMeasure.id)
    )
    for m in rows:
        assert m.finding_id is not None
        out.setdefault(m.finding_id, []).append(m)
    return out


def _photo_ids(session: Session, finding_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if not finding_ids:
        return out
    rows = session.execute(
        select(Attachment.finding_id, Attachment.id)
        .join(StoredFile, StoredFile.id == Attachment.file_id)
        .where(Attachment.finding_id.in_(finding_ids), StoredFile.media_kind == MediaKind.PHOTO)
        .order_by(Attachment.finding_id, Attachment.sort_order, Attachment.id)
    ).all()
    for fid, aid in rows:
        if fid is not None:
            out.setdefault(fid, []).append(aid)
    return out


def _person_label(p: FindingPerson) -> str:
    if p.person is not None:
        who = p.person.name or p.person.description
        return f"{p.person.post}{who}" if p.person.post and p.person.name else who
    return p.description


def _unit_short(u: Unit) -> str:
    return u.short_name or u.name


def _rectification_deadline(
    session: Session, finding_ids: Sequence[int], complaint_ids: Sequence[int], today: date
) -> date:
    """The latest deadline of rectifications already ordered, else the default limit."""
    conds = []
    if finding_ids:
        conds.append(Rectification.finding_id.in_(finding_ids))
    if complaint_ids:
        conds.append(Rectification.complaint_id.in_(complaint_ids))
    latest: date | None = None
    for cond in conds:
        d = session.scalar(
            select(func.max(Rectification.deadline)).where(cond, Rectification.voided.is_(False))
        )
        if d is not None and (latest is None or d > latest):
            latest = d
    if latest is not None and latest >= today:
        return latest
    days = settings.get(session, settings.RECTIFICATION_DAYS)
    return compute_deadline(load_calendar(session), today, days).due


# --------------------------------------------------------------------------- measures text


@dataclass(frozen=True)
class _MeasureLine:
    subject: str
    measure: MeasureType
    amount: Decimal | None = None

    def text(self) -> str:
        phrase = MEASURE_PHRASES[self.measure]
        if self.measure is MeasureType.PAY_DEDUCTION and self.amount:
            phrase = f"扣发绩效奖金{self.amount.normalize():f}元"
        return f"对{self.subject}{phrase}"


def _measure_lines_for_findings(
    findings: Sequence[Finding], decided: dict[int, list[AccountabilityMeasure]]
) -> list[_MeasureLine]:
    lines: OrderedDict[tuple[str, MeasureType], _MeasureLine] = OrderedDict()
    for f in findings:
        ms = decided.get(f.id) or []
        if ms:
            for m in ms:
                subject = _measure_subject(m)
                lines.setdefault((subject, m.measure), _MeasureLine(subject, m.measure, m.amount))
        elif f.proposed_measure is not None:
            people = [_person_label(p) for p in f.persons if _person_label(p)]
            if people and f.proposed_measure is not MeasureType.CIRCULATED_CRITICISM:
                subject = unit_and_person(f.unit.name, "、".join(people))
            else:
                subject = f.unit.name
            lines.setdefault(
                (subject, f.proposed_measure), _MeasureLine(subject, f.proposed_measure)
            )
    # Heavier measures first, as a circular lists them.
    return sorted(lines.values(), key=lambda ln: -ln.measure.severity)


def _measure_subject(m: AccountabilityMeasure) -> str:
    if m.subject_kind is SubjectKind.PERSON and m.person is not None:
        who = m.person.name or m.person.description
        post = m.person.post if m.person.name else ""
        return unit_and_person(m.unit.name, f"{post}{who}")
    return m.unit.name


# --------------------------------------------------------------------------- findings circular


@dataclass
class Composition:
    """A composed draft and what it came from (passed to ``documents.create_draft``)."""

    data: DocumentInput
    sources: list[SourceRef] = field(default_factory=list)


def _office(session: Session) -> tuple[str, str]:
    name = settings.get(session, settings.OFFICE_NAME)
    short = settings.get(session, settings.OFFICE_SHORT_NAME) or name
    return name, short


def _printing_office(session: Session) -> str:
    """印发机关 chosen in the setup wizard (the office name unless set otherwise)."""
    from effdesk.services.setup import printing_office

    return printing_office(session)


def _requirements(short: str, deadline: date, rectify: bool) -> list[str]:
    paras = [
        "（一）提高思想认识。各单位要认真对照本通报，举一反三，深入查找本单位在工作纪律、"
        "服务作风等方面存在的问题，以案为鉴、警钟长鸣，切实增强纪律意识和服务意识。",
    ]
    if rectify:
        paras.append(
            "（二）抓好问题整改。被通报单位要高度重视，认真剖析原因，明确整改措施和责任人，"
            f"于{cn_date(deadline)}前将整改落实情况书面报送{short}。"
        )
    else:
        paras.append(
            "（二）抓好问题整改。被通报单位要高度重视，认真剖析原因，立行立改，"
            "确保问题整改到位、不再发生。"
        )
    paras += [
        "（三）严格日常管理。各单位主要负责同志要切实履行第一责任人职责，健全完善考勤、"
        "请销假、窗口服务等管理制度，加强日常监督检查，防止类似问题反复发生。",
        f"（四）持续督查问责。{short}将持续开展明察暗访，对整改不力、问题反复出现的单位和个人，"
        "将依规依纪从严追究责任，并在全县范围内通报。",
    ]
    return paras


def compose_from_findings(
    session: Session,
    actor: Actor,
    finding_ids: Sequence[int],
    *,
    tone: CircularTone = CircularTone.CRITICISM,
    photo_finding_ids: Sequence[int] | None = None,
    today: date | None = None,
) -> Composition:
    """Draft a circular on selected findings (grouped by unit, with measures and rectification).

    ``photo_finding_ids`` chooses whose photos go on the attachment pages (default: all the
    selected findings that have photos; an empty list: no photo attachment).
    """
    require(actor, Permission.DRAFT_DOCUMENTS)
    require(actor, Permission.VIEW_INSPECTIONS)
    ids = list(dict.fromkeys(finding_ids))
    if not ids:
        raise ValidationError("findings", "请至少选择一个督查发现的问题。")
    today = today or date.today()
    findings = _load_findings(session, select(Finding.id).where(Finding.id.in_(ids)))
    if len(findings) != len(ids):
        raise ValidationError("findings", "所选问题中有的已不存在，请刷新后重新选择。")
    unusable = [f for f in findings if f.status not in USABLE_STATUSES]
    if unusable:
        f = unusable[0]
        raise ValidationError(
            "findings",
            f"「{f.unit.name}」{cn_month_day(f.observed_at.date())}的问题状态为"
            f"「{f.status.label}」，只有已核实或已处理的问题才能写入通报"
            f"（共{len(unusable)}个不符合）。",
        )
    campaign_ids = {f.campaign_id for f in findings if f.campaign_id is not None}
    campaign = session.get(Campaign, next(iter(campaign_ids))) if len(campaign_ids) == 1 else None
    office_name, short = _office(session)
    decided = _decided_measures(session, ids)
    measure_lines = _measure_lines_for_findings(findings, decided)
    rectify_units = list(dict.fromkeys(f.unit.name for f in findings if f.rectification_required))
    deadline = _rectification_deadline(session, ids, [], today)

    by_unit: OrderedDict[int, list[Finding]] = OrderedDict()
    for f in findings:
        by_unit.setdefault(f.unit_id, []).append(f)
    person_count = sum(max(len(f.persons), 0) for f in findings)

    body: list[str] = []
    # ---- background
    if campaign is not None:
        targets = list(
            session.scalars(
                select(CampaignTarget)
                .options(selectinload(CampaignTarget.unit))
                .where(CampaignTarget.campaign_id == campaign.id)
            )
        )
        checked_units = [t.unit for t in targets] or [f.unit for f in findings]
        checked_units = list({u.id: u for u in checked_units}.values())
        theme = f"{campaign.theme}" if campaign.theme else "机关作风和工作纪律"
        body.append(
            "为进一步加强机关作风建设，严明工作纪律，持续优化发展环境，"
            f"{cn_date_range(campaign.start_date, campaign.end_date)}，{short}采取"
            f"{campaign.kind.label}方式，对{_join_names([_unit_short(u) for u in checked_units])}"
            f"共{len(checked_units)}个单位的"
            f"{theme}情况进行了督查。现将有关情况通报如下："
        )
        no_issue = sum(1 for t in targets if t.status is TargetStatus.NO_ISSUE)
        round_name = campaign.name
    else:
        checked_units = list({f.unit.id: f.unit for f in findings}.values())
        first = min(f.observed_at.date() for f in findings)
        last = max(f.observed_at.date() for f in findings)
        body.append(
            "为进一步加强机关作风建设，严明工作纪律，持续优化发展环境，"
            f"{cn_date_range(first, last)}，{short}采取明察暗访方式，对部分单位的机关作风和"
            "工作纪律情况进行了督查。现将有关情况通报如下："
        )
        no_issue = 0
        round_name = "机关作风明察暗访"

    sections: list[tuple[str, list[str]]] = []
    # ---- 基本情况
    categories = list(
        dict.fromkeys(
            f.category.name
            for f in findings
            if f.category is not None and f.category.code != "other" and f.category.name != "其他"
        )
    )
    basic = f"此次督查共检查单位{len(checked_units)}个"
    if no_issue:
        basic += f"，其中{no_issue}个单位未发现问题"
    basic += f"；发现问题{len(findings)}个，涉及{len(by_unit)}个单位"
    basic += f"、{person_count}人次。" if person_count else "。"
    basic += (
        "从督查情况看，大部分单位领导重视、管理规范，工作人员能够按时到岗、坚守岗位、"
        "热情服务，机关作风总体向好。但仍有少数单位和个别干部职工纪律意识淡薄、作风不严不实"
    )
    basic += f"，主要表现为{_problem_kinds(categories)}。" if categories else "。"
    sections.append(("基本情况", [basic]))

    # ---- 发现的问题
    problems: list[str] = []
    for n, (_unit_id, group) in enumerate(by_unit.items(), start=1):
        problems.append(f"（{cn_number(n)}）{group[0].unit.name}")
        for k, f in enumerate(group, start=1):
            people = [_person_label(p) for p in f.persons if _person_label(p)]
            who = "、".join(people)
            place = f.place.strip()
            desc = f.description.strip()
            # An inspector often writes the subject (the person or the unit) or the time into
            # the description already; neither is said twice.
            subjects = [*people, f.unit.name, f.unit.short_name]
            names = [p.person.name for p in f.persons if p.person is not None and p.person.name]
            if who and (
                any(x and desc.startswith(x) for x in subjects) or any(n in desc for n in names)
            ):
                who = ""
            when = _time_of_day(f.observed_at)
            seen = f.observed_at
            if cn_month_day(seen) in desc or f"{seen.hour}:{seen.minute:02d}" in desc:
                when = ""
            if len(group) == 1:
                lead = "，".join(x for x in (when, place) if x)
                text = f"{lead}，{who}{desc}" if lead else f"{who}{desc}"
                problems.append(_sentence(text))
            else:
                # "1.10月9日" would read as the number 1.10 (and not as a heading): numbered
                # items lead with the place instead.
                if not place:
                    lead = "督查发现："
                elif place[0].isdigit():  # "1楼服务窗口": "2.1楼" would read as 2.1 too
                    lead = f"{f.unit.short_name or f.unit.name}{place}："
                else:
                    lead = f"{place}："
                timed = f"{when}，" if when else ""
                problems.append(f"{k}.{_sentence(f'{lead}{timed}{who}{desc}')}")
    sections.append(("发现的问题", problems))

    # ---- 处理意见
    handling: list[str] = []
    if measure_lines or rectify_units:
        handling.append("根据机关效能建设有关规定，经研究，决定作如下处理：")
        items = [ln.text() for ln in measure_lines]
        if rectify_units:
            items.append(
                f"责令{'、'.join(rectify_units)}立即整改，并于{cn_date(deadline)}前"
                f"将整改落实情况书面报送{short}"
            )
        if len(items) == 1:
            handling.append(items[0] + "。")
        else:
            handling += [
                f"{k}.{t}{'。' if k == len(items) else '；'}" for k, t in enumerate(items, 1)
            ]
    if handling and tone is not CircularTone.INFORMATION:
        sections.append(("处理意见", handling))
    elif handling:
        sections.append(("处理情况", handling))

    # ---- 工作要求
    sections.append(("工作要求", _requirements(short, deadline, bool(rectify_units))))

    for n, (heading, paras) in enumerate(sections, start=1):
        body.append(f"{cn_number(n)}、{heading}")
        body.extend(paras)

    # ---- photo attachment
    photos = _photo_ids(session, ids)
    chosen = ids if photo_finding_ids is None else [i for i in photo_finding_ids if i in ids]
    photo_ids = [aid for f in findings if f.id in chosen for aid in photos.get(f.id, [])]
    attachments = (
        [AttachmentSpec(PHOTO_ATTACHMENT_TITLE, "photos", "", photo_ids)] if photo_ids else []
    )

    title_round = round_name.removeprefix("关于").removesuffix("情况")
    data = DocumentInput(
        doc_type=DocumentType.CIRCULAR,
        tone=tone,
        title=f"关于{title_round}情况的通报",
        main_recipients=DEFAULT_RECIPIENTS,
        body="\n".join(body),
        attachments=attachments,
        issuer=office_name,
        doc_date=today,
        copy_to=DEFAULT_COPY_TO,
        printing_office=_printing_office(session),
        print_date=today,
    )
    sources = [SourceRef(finding_id=f.id) for f in findings]
    if campaign is not None:
        sources.insert(0, SourceRef(campaign_id=campaign.id))
    return Composition(data, sources)


# --------------------------------------------------------------------------- complaints circular


def _complainant_word(c: Complaint) -> str:
    return "企业" if c.complainant_kind is ComplainantKind.ENTERPRISE else "群众"


def compose_from_complaints(
    session: Session,
    actor: Actor,
    complaint_ids: Sequence[int],
    *,
    today: date | None = None,
) -> Composition:
    """Draft a 典型案例通报 from concluded complaints; no complainant identity is carried over."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    ids = list(dict.fromkeys(complaint_ids))
    if not ids:
        raise ValidationError("complaints", "请至少选择一件投诉件。")
    today = today or date.today()
    complaints = list(
        session.scalars(
            select(Complaint)
            .options(
                selectinload(Complaint.unit),
                selectinload(Complaint.category),
                selectinload(Complaint.persons),
            )
            .where(Complaint.id.in_(ids))
            .order_by(Complaint.received_date, Complaint.id)
        )
    )
    if len(complaints) != len(ids):
        raise ValidationError("complaints", "所选投诉件中有的已不存在，请刷新后重新选择。")
    open_ones = [c for c in complaints if c.state not in _CASE_STATES]
    if open_ones:
        raise ValidationError(
            "complaints",
            f"投诉件 {open_ones[0].number} 尚未办结（{open_ones[0].state.label}），"
            "只有已办结的投诉件才能作为典型案例通报。",
        )
    terms = identity_terms(session, ids)
    office_name, short = _office(session)
    measures = list(
        session.scalars(
            select(AccountabilityMeasure)
            .options(
                selectinload(AccountabilityMeasure.person),
                selectinload(AccountabilityMeasure.unit),
            )
            .where(
                AccountabilityMeasure.complaint_id.in_(ids),
                AccountabilityMeasure.voided.is_(False),
            )
            .order_by(AccountabilityMeasure.decided_date, AccountabilityMeasure.id)
        )
    )
    by_complaint: dict[int, list[AccountabilityMeasure]] = {}
    for m in measures:
        assert m.complaint_id is not None
        by_complaint.setdefault(m.complaint_id, []).append(m)

    first = complaints[0].received_date
    last = complaints[-1].received_date
    n = len(complaints)
    body = [
        "为进一步转变机关作风，提升服务效能，持续优化发展环境，"
        f"{short}对近期受理查处的效能投诉件进行了梳理。现将{n}起典型案例通报如下："
    ]
    body.append("一、基本情况")
    substantiated = sum(1 for c in complaints if c.verification is Verification.SUBSTANTIATED)
    period = cn_date_range(first, last) if first != last else "近期"
    parts = []
    if substantiated:
        parts.append(f"反映问题属实的{substantiated}起")
    if n - substantiated:
        parts.append(f"部分属实的{n - substantiated}起")
    basic = (
        f"{period}，{short}受理并查处了一批企业和群众反映强烈的效能问题。"
        f"本次通报的{n}起案例均已调查办结，其中{'、'.join(parts)}，"
        "相关单位和责任人员已依规依纪作出处理。"
    )
    body.append(basic)
    body.append("二、典型案例")
    for k, c in enumerate(complaints, start=1):
        unit = c.unit.name if c.unit else scrub_identity(c.subject_description, terms)
        cat = c.category.name if c.category else "效能"
        body.append(f"（{cn_number(k)}）{unit}{cat}问题")
        summary = scrub_identity(c.summary, terms).rstrip("。")
        # "某某公司办理……" scrubbed reads "投诉人办理……": the sentence names who reported it.
        summary = summary.removeprefix("投诉人").lstrip("，：:、")
        text = f"{cn_month_day(c.received_date)}，有{_complainant_word(c)}反映：{summary}。"
        verdict = c.verification.label if c.verification else "属实"
        text += f"经调查核实，反映问题{verdict}。"
        result = scrub_identity(c.handling_result, terms).strip()
        if result:
            text += _sentence(result)
        ms = by_complaint.get(c.id) or []
        if ms and not result:
            text += (
                "经研究，"
                + "；".join(
                    _MeasureLine(_measure_subject(m), m.measure, m.amount).text() for m in ms
                )
                + "。"
            )
        body.append(text)
    body.append("三、工作要求")
    body += [
        "（一）强化宗旨意识。各单位要以典型案例为镜鉴，教育引导干部职工牢固树立服务意识，"
        "坚决纠治门难进、脸难看、事难办和推诿扯皮、吃拿卡要等问题。",
        "（二）抓好自查自纠。各单位要对照案例举一反三，全面排查本单位在服务群众、"
        "服务企业中存在的突出问题，建立问题清单，逐项整改到位。",
        f"（三）严肃追责问责。{short}将持续畅通效能投诉渠道，坚持有诉必理、有案必查、"
        "有查必果、有违必纠，对损害发展环境的人和事，发现一起、查处一起、通报一起。",
    ]
    # Scrub the whole draft once more: a summary may quote the complainant in passing.
    body = [scrub_identity(p, terms) for p in body]
    data = DocumentInput(
        doc_type=DocumentType.CIRCULAR,
        tone=CircularTone.CRITICISM,
        title=f"关于{cn_number(n)}起机关效能问题典型案例的通报",
        main_recipients=DEFAULT_RECIPIENTS,
        body="\n".join(body),
        attachments=[],
        issuer=office_name,
        doc_date=today,
        copy_to=DEFAULT_COPY_TO,
        printing_office=_printing_office(session),
        print_date=today,
    )
    return Composition(data, [SourceRef(complaint_id=c.id) for c in complaints])


# --------------------------------------------------------------------------- one-step starts


def start_circular_from_findings(
    session: Session,
    actor: Actor,
    finding_ids: Sequence[int],
    *,
    tone: CircularTone = CircularTone.CRITICISM,
    photo_finding_ids: Sequence[int] | None = None,
    today: date | None = None,
) -> Document:
    """Compose a circular from findings and save it as a new draft."""
    comp = compose_from_findings(
        session, actor, finding_ids, tone=tone, photo_finding_ids=photo_finding_ids, today=today
    )
    return create_draft(session, actor, comp.data, comp.sources)


def start_circular_from_complaints(
    session: Session, actor: Actor, complaint_ids: Sequence[int], *, today: date | None = None
) -> Document:
    """Compose a typical-case circular from complaints and save it as a new draft."""
    comp = compose_from_complaints(session, actor, complaint_ids, today=today)
    return create_draft(session, actor, comp.data, comp.sources)


def campaign_with_most_findings(session: Session) -> int | None:
    """The campaign with the most usable findings (for the sample circular), or None."""
    row = session.execute(
        select(Finding.campaign_id, func.count(Finding.id).label("n"))
        .where(Finding.campaign_id.is_not(None), Finding.status.in_(USABLE_STATUSES))
        .group_by(Finding.campaign_id)
        .order_by(func.count(Finding.id).desc(), Finding.campaign_id.desc())
        .limit(1)
    ).first()
    return row[0] if row is not None else None


def usable_finding_ids(session: Session, campaign_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Finding.id)
            .where(Finding.campaign_id == campaign_id, Finding.status.in_(USABLE_STATUSES))
            .order_by(Finding.id)
        )
    )
