"""督查发现问题: the list and the view, recording (in the office, on a field laptop, or
imported from a field package — one body, :func:`_record_finding`), corrections, and the status
moves of :data:`FINDING_TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Attachment,
    Campaign,
    Finding,
    FindingPerson,
    Person,
    ProblemCategory,
    Unit,
    User,
)
from effdesk.enums import AuditAction, CampaignStatus, FindingOrigin, FindingStatus
from effdesk.errors import (
    FieldProblem,
    NotFound,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.permissions import Permission, require
from effdesk.services.common import Page, check_version, get_or_404
from effdesk.services.inspections._core import (
    CLOCK_SKEW,
    FINDING_FIELDS,
    FINDING_TRANSITIONS,
    LOCKED_FINDING_STATES,
    MAX_DESCRIPTION,
    campaign_window,
    field_mode,
    start_if_planned,
    sync_children,
    text_filter,
)
from effdesk.services.inspections.schema import (
    FindingInput,
    FindingPersonRow,
    FindingRow,
    FindingView,
    ImportedFinding,
    format_dates,
)
from effdesk.services.inspections.targets import refresh_target


def _persons_text(persons: Iterable[FindingPersonRow]) -> str:
    return "、".join(p.label for p in persons if p.label)


def person_rows(session: Session, finding_ids: Sequence[int]) -> dict[int, list[FindingPersonRow]]:
    out: dict[int, list[FindingPersonRow]] = {fid: [] for fid in finding_ids}
    if not finding_ids:
        return out
    rows = session.execute(
        select(FindingPerson, Person)
        .outerjoin(Person, Person.id == FindingPerson.person_id)
        .where(FindingPerson.finding_id.in_(finding_ids))
        .order_by(FindingPerson.id)
    ).all()
    for fp, p in rows:
        out[fp.finding_id].append(
            FindingPersonRow(
                id=fp.id,
                uuid=fp.uuid,
                person_id=fp.person_id,
                person_uuid=p.uuid if p else None,
                name=(p.name or p.description) if p else "",
                post=p.post if p else "",
                description=fp.description,
            )
        )
    return out


def finding_rows(session: Session, results: Sequence[Any]) -> list[FindingRow]:
    ids = [f.id for f, *_ in results]
    persons = person_rows(session, ids)
    counts: dict[int, int] = {}
    if ids:
        for fid, n in session.execute(
            select(Attachment.finding_id, func.count(Attachment.id))
            .where(Attachment.finding_id.in_(ids))
            .group_by(Attachment.finding_id)
        ).all():
            if fid is not None:
                counts[fid] = n
    return [
        FindingRow(
            id=f.id,
            uuid=f.uuid,
            campaign_id=f.campaign_id,
            campaign_name=cname or "",
            unit_id=f.unit_id,
            unit_name=uname,
            place=f.place,
            observed_at=f.observed_at,
            category_id=f.category_id,
            category_name=catname or "",
            description=f.description,
            status=f.status,
            persons_text=_persons_text(persons.get(f.id, [])),
            attachment_count=counts.get(f.id, 0),
            proposed_measure=f.proposed_measure,
            rectification_required=f.rectification_required,
            origin=f.origin,
            version=f.version,
        )
        for f, uname, cname, catname in results
    ]


def finding_select() -> Any:
    return (
        select(Finding, Unit.name, Campaign.name, ProblemCategory.name)
        .join(Unit, Unit.id == Finding.unit_id)
        .outerjoin(Campaign, Campaign.id == Finding.campaign_id)
        .outerjoin(ProblemCategory, ProblemCategory.id == Finding.category_id)
    )


def list_findings(
    session: Session,
    actor: Actor,
    campaign_id: int | None = None,
    unit_id: int | None = None,
    status: FindingStatus | None = None,
    query: str = "",
    offset: int = 0,
    limit: int = 200,
) -> Page[FindingRow]:
    """Findings, newest observation first, filtered by campaign, unit, status or text."""
    require(actor, Permission.VIEW_INSPECTIONS)
    stmt = finding_select()
    if campaign_id is not None:
        stmt = stmt.where(Finding.campaign_id == campaign_id)
    if unit_id is not None:
        stmt = stmt.where(Finding.unit_id == unit_id)
    if status is not None:
        stmt = stmt.where(Finding.status == status)
    if (match := text_filter(query, Finding.description, Finding.place, Unit.name)) is not None:
        stmt = stmt.where(match)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    results = session.execute(
        stmt.order_by(Finding.observed_at.desc(), Finding.id.desc()).offset(offset).limit(limit)
    ).all()
    return Page(rows=finding_rows(session, results), total=total, offset=offset)


def get_finding(session: Session, actor: Actor, finding_id: int) -> FindingView:
    require(actor, Permission.VIEW_INSPECTIONS)
    result = session.execute(finding_select().where(Finding.id == finding_id)).first()
    if result is None:
        raise NotFound("找不到该问题记录，它可能已被删除。")
    f = result[0]
    row = finding_rows(session, [result])[0]
    recorder = session.get(User, f.recorded_by_id) if f.recorded_by_id else None
    return FindingView(
        row=row,
        persons=tuple(person_rows(session, [f.id])[f.id]),
        verification_note=f.verification_note,
        recorded_by_name=recorder.display_name if recorder else "",
        package_uuid=f.package_uuid,
    )


def _validate_finding(session: Session, data: FindingInput) -> Campaign | None:
    problems: list[FieldProblem] = []
    campaign: Campaign | None = None
    if data.campaign_id is not None:
        campaign = session.get(Campaign, data.campaign_id)
        if campaign is None:
            problems.append(FieldProblem("campaign_id", "所选督查活动不存在。"))
        elif campaign.status is CampaignStatus.CANCELLED:
            problems.append(
                FieldProblem("campaign_id", f"督查活动「{campaign.name}」已取消，不能再记录问题。")
            )
    unit: Unit | None = None
    if data.unit_id is None:
        problems.append(FieldProblem("unit_id", "请选择被检查单位。"))
    else:
        unit = session.get(Unit, data.unit_id)
        if unit is None:
            problems.append(FieldProblem("unit_id", "所选被检查单位不存在。"))
    description = data.description.strip()
    if not description:
        problems.append(FieldProblem("description", "请填写问题描述。"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(FieldProblem("description", f"问题描述不能超过{MAX_DESCRIPTION}个字。"))
    if len(data.place.strip()) > 200:
        problems.append(FieldProblem("place", "检查地点不能超过200个字。"))
    if data.observed_at is None:
        problems.append(FieldProblem("observed_at", "请填写发现时间。"))
    else:
        if data.observed_at > now() + CLOCK_SKEW:
            problems.append(FieldProblem("observed_at", "发现时间不能晚于当前时间。"))
        if campaign is not None:
            start, end = campaign_window(campaign)
            if not start <= data.observed_at <= end:
                problems.append(
                    FieldProblem(
                        "observed_at",
                        f"发现时间（{data.observed_at:%Y-%m-%d %H:%M}）不在督查活动"
                        f"「{campaign.name}」的日期（{format_dates(campaign.start_date, campaign.end_date)}）"
                        "前后一天内，请核对。",
                    )
                )
    if data.category_id is not None and session.get(ProblemCategory, data.category_id) is None:
        problems.append(FieldProblem("category_id", "所选问题类别不存在。"))
    seen: set[int] = set()
    for i, p in enumerate(data.persons, start=1):
        desc = p.description.strip()
        if p.person_id is None:
            if not desc:
                problems.append(
                    FieldProblem("persons", f"第{i}位涉及人员：请从名录中选择，或描述此人特征。")
                )
            continue
        person = session.get(Person, p.person_id)
        if person is None:
            problems.append(FieldProblem("persons", f"第{i}位涉及人员在名录中不存在。"))
        elif unit is not None and person.unit_id != unit.id:
            problems.append(
                FieldProblem("persons", f"涉及人员「{person.display_name}」不属于「{unit.name}」。")
            )
        elif p.person_id in seen:
            problems.append(FieldProblem("persons", f"涉及人员「{person.display_name}」重复填写。"))
        seen.add(p.person_id)
        if len(desc) > 200:
            problems.append(FieldProblem("persons", f"第{i}位涉及人员的描述不能超过200个字。"))
    if problems:
        raise ValidationErrors(problems)
    return campaign


def _finding_snapshot(f: Finding) -> dict[str, Any]:
    snap = audit.snapshot(f, FINDING_FIELDS)
    snap["persons"] = [{"person_id": p.person_id, "description": p.description} for p in f.persons]
    return snap


def _apply_finding(f: Finding, data: FindingInput) -> None:
    assert data.unit_id is not None and data.observed_at is not None
    f.campaign_id = data.campaign_id
    f.unit_id = data.unit_id
    f.place = data.place.strip()
    f.observed_at = data.observed_at.replace(microsecond=0)
    f.category_id = data.category_id
    f.description = data.description.strip()
    f.proposed_measure = data.proposed_measure
    f.rectification_required = data.rectification_required
    sync_children(
        f.persons,
        lambda p: (p.person_id, p.description),
        [(p.person_id, p.description.strip()) for p in data.persons],
        lambda k: FindingPerson(person_id=k[0], description=k[1]),
    )


def create_finding(
    session: Session, actor: Actor, data: FindingInput, *, uuid: str | None = None
) -> Finding:
    """Record a finding (status 待核实). On a field laptop it is marked as recorded in the field.

    ``uuid`` keeps the identity a finding was given elsewhere (a field package import).
    """
    require(actor, Permission.RECORD_FINDINGS)

    def shell() -> Finding:
        f = Finding(
            status=FindingStatus.PENDING,
            recorded_by_id=actor.user_id,
            origin=FindingOrigin.FIELD if field_mode(session) else FindingOrigin.OFFICE,
        )
        if uuid is not None:
            f.uuid = uuid
        return f

    return _record_finding(session, actor, data, shell, AuditAction.CREATE, "记录督查发现问题")


def _record_finding(
    session: Session,
    actor: Actor,
    data: FindingInput,
    shell: Callable[[], Finding],
    action: AuditAction,
    what: str,
) -> Finding:
    """The one way a new finding is written, whoever recorded it and wherever.

    Validates ``data``, fills the finding ``shell()`` makes (its status, author, origin and
    identity: what differs between the office, the field laptop and a field package) and
    writes it with its audit entry (``what``: the entry's words); then the campaign starts if it
    was only planned and the unit's target shows the finding (added if it was not planned).
    """
    campaign = _validate_finding(session, data)
    f = shell()
    _apply_finding(f, data)
    session.add(f)
    _finding_saved(session, actor, action, f, what, None)
    if campaign is not None:
        start_if_planned(session, actor, campaign)
        refresh_target(session, actor, campaign, f.unit_id, add_missing=True)
    return f


def _finding_saved(
    session: Session,
    actor: Actor,
    action: AuditAction,
    f: Finding,
    what: str,
    before: dict[str, Any] | None,
) -> None:
    """Save the finding and its audit entry: ``what`` and the unit, then the time for a new
    finding (``before`` None)."""
    session.flush()
    text = f"{what}：{_unit_name(session, f.unit_id)}"
    if before is None:
        text += f" {f.observed_at:%Y-%m-%d %H:%M}"
    audit.record(session, actor, action, "finding", f.uuid, text, before, _finding_snapshot(f))


def _unit_name(session: Session, unit_id: int) -> str:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""


def update_finding(
    session: Session,
    actor: Actor,
    finding_id: int,
    data: FindingInput,
    expected_version: int | None,
) -> Finding:
    """Correct a finding. A handled (已处理) finding is locked."""
    require(actor, Permission.RECORD_FINDINGS)
    f = get_or_404(session.get(Finding, finding_id), "该问题记录")
    check_version(f, expected_version, "该问题记录")
    if f.status in LOCKED_FINDING_STATES:
        raise TransitionNotAllowed(f"该问题已{f.status.label}，不能再修改。")
    if data.campaign_id != f.campaign_id:
        raise ValidationError("campaign_id", "问题记录不能改到其他督查活动。")
    campaign = _validate_finding(session, data)
    before = _finding_snapshot(f)
    old_unit = f.unit_id
    _apply_finding(f, data)
    f.updated_at = now()
    _finding_saved(session, actor, AuditAction.UPDATE, f, "修改督查发现问题", before)
    if campaign is not None:
        refresh_target(session, actor, campaign, f.unit_id, add_missing=True)
        if old_unit != f.unit_id:
            refresh_target(session, actor, campaign, old_unit, add_missing=False)
    return f


def check_finding(session: Session, data: FindingInput) -> None:
    """Validate a finding without saving it (a field package is checked whole first)."""
    _validate_finding(session, data)


def import_finding(
    session: Session, actor: Actor, data: FindingInput, meta: ImportedFinding
) -> Finding:
    """Create a finding recorded on a field laptop, keeping its UUID, status and author."""
    require(actor, Permission.IMPORT_FIELD_PACKAGE)

    def shell() -> Finding:
        return Finding(
            uuid=meta.uuid,
            status=meta.status,
            verification_note=meta.verification_note,
            recorded_by_id=meta.recorded_by_id,
            origin=FindingOrigin.FIELD,
            package_uuid=meta.package_uuid,
            created_at=meta.recorded_at,
        )

    return _record_finding(session, actor, data, shell, AuditAction.IMPORT, "导入现场记录的问题")


def allowed_transitions(status: FindingStatus, actor: Actor) -> list[FindingStatus]:
    """The statuses ``actor`` may move a finding to from ``status`` (for menus)."""
    return [
        to
        for (frm, to), perm in FINDING_TRANSITIONS.items()
        if frm is status and bool(actor.roles & perm.roles)
    ]


def change_finding_status(
    session: Session,
    actor: Actor,
    finding_id: int,
    status: FindingStatus,
    note: str = "",
    expected_version: int | None = None,
) -> Finding:
    """Move a finding along 待核实 → 已核实 → 已处理 (or 不予认定, with a reason)."""
    f = get_or_404(session.get(Finding, finding_id), "该问题记录")
    perm = FINDING_TRANSITIONS.get((f.status, status))
    if perm is None:
        raise TransitionNotAllowed(
            f"该问题当前为「{f.status.label}」，不能改为「{status.label}」。"
        )
    require(actor, perm)
    check_version(f, expected_version, "该问题记录")
    note = note.strip()
    if status is FindingStatus.DISMISSED and not note:
        raise ValidationError("verification_note", "不予认定时请填写理由。")
    before = audit.snapshot(f, ["status", "verification_note"])
    old = f.status
    f.status = status
    if note:
        stamp = f"{now():%Y-%m-%d %H:%M} {actor.label}：{status.label}。{note}"
        f.verification_note = f"{f.verification_note}\n{stamp}".strip()
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "finding",
        f.uuid,
        f"督查发现问题：{old.label}→{status.label}",
        before,
        audit.snapshot(f, ["status", "verification_note"]),
    )
    if f.campaign_id is not None:
        campaign = session.get(Campaign, f.campaign_id)
        assert campaign is not None
        refresh_target(session, actor, campaign, f.unit_id, add_missing=False)
    return f
