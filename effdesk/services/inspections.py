"""Spot checks (明察暗访): campaigns, their target units, and the findings recorded on visits.

A campaign (督查活动) plans a round of checks of some units by a team. Each target unit shows
its progress (未检查 / 已检查·未发现问题 / 已检查·发现问题), derived from the visits and
findings recorded. A finding (督查发现问题) moves 待核实 → 已核实 → 已处理, or 待核实 → 不予认定;
the allowed moves and the permission each needs are one table, :data:`FINDING_TRANSITIONS`.

The same functions run in the office and on an inspector's field laptop ("field mode", see
effdesk/field): there, findings are marked as recorded in the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Attachment,
    Campaign,
    CampaignMember,
    CampaignTarget,
    Finding,
    FindingPerson,
    Person,
    ProblemCategory,
    Setting,
    StoredFile,
    Unit,
    User,
)
from effdesk.enums import (
    AuditAction,
    CampaignKind,
    CampaignStatus,
    FindingOrigin,
    FindingStatus,
    MeasureType,
    MediaKind,
    TargetStatus,
)
from effdesk.errors import (
    FieldProblem,
    NotFound,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.permissions import Permission, require
from effdesk.services.common import Page, check_version, get_or_404, like_escape

CAMPAIGN_FIELDS = [
    "name",
    "kind",
    "theme",
    "start_date",
    "end_date",
    "status",
    "description",
    "leader_id",
]
FINDING_FIELDS = [
    "campaign_id",
    "unit_id",
    "place",
    "observed_at",
    "category_id",
    "description",
    "status",
    "proposed_measure",
    "rectification_required",
    "verification_note",
]
TARGET_FIELDS = ["unit_id", "status", "visited_at", "notes"]

# A finding may be observed a day before or after the campaign's dates (a check starting at
# 8:30 on the eve of a holiday, a visit logged just after midnight) without being refused.
OBSERVED_SLACK = timedelta(days=1)
# Clocks of laptops and office PCs drift; a few minutes "in the future" is not an error.
CLOCK_SKEW = timedelta(minutes=10)

# The setting that marks a database as an inspector's field laptop database.
FIELD_MODE_KEY = "field.mode"

MAX_DESCRIPTION = 4000

# Allowed finding status moves → the permission each needs.
FINDING_TRANSITIONS: dict[tuple[FindingStatus, FindingStatus], Permission] = {
    (FindingStatus.PENDING, FindingStatus.VERIFIED): Permission.VERIFY_FINDINGS,
    (FindingStatus.PENDING, FindingStatus.DISMISSED): Permission.VERIFY_FINDINGS,
    (FindingStatus.VERIFIED, FindingStatus.HANDLED): Permission.VERIFY_FINDINGS,
    # Second thoughts: a verification withdrawn, a dismissed finding looked at again.
    (FindingStatus.VERIFIED, FindingStatus.PENDING): Permission.VERIFY_FINDINGS,
    (FindingStatus.DISMISSED, FindingStatus.PENDING): Permission.VERIFY_FINDINGS,
}

# Campaign status moves (all need MANAGE_CAMPAIGNS).
CAMPAIGN_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.PLANNED: frozenset({CampaignStatus.IN_PROGRESS, CampaignStatus.CANCELLED}),
    CampaignStatus.IN_PROGRESS: frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED}),
    CampaignStatus.COMPLETED: frozenset({CampaignStatus.IN_PROGRESS}),
    CampaignStatus.CANCELLED: frozenset({CampaignStatus.PLANNED}),
}

# Findings in these states can no longer be edited (move them back first).
LOCKED_FINDING_STATES = frozenset({FindingStatus.HANDLED})


# --------------------------------------------------------------------------- rows and inputs


@dataclass
class CampaignInput:
    name: str
    kind: CampaignKind
    start_date: date | None
    end_date: date | None
    theme: str = ""
    description: str = ""
    leader_id: int | None = None
    member_ids: list[int] = field(default_factory=list)
    target_unit_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignRow:
    id: int
    uuid: str
    name: str
    kind: CampaignKind
    theme: str
    start_date: date
    end_date: date
    status: CampaignStatus
    target_count: int
    visited_count: int
    finding_count: int
    version: int

    @property
    def dates_text(self) -> str:
        return format_dates(self.start_date, self.end_date)


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class TargetRow:
    id: int
    unit_id: int
    unit_uuid: str
    unit_name: str
    status: TargetStatus
    visited_at: datetime | None
    finding_count: int
    notes: str
    version: int


@dataclass(frozen=True)
class CampaignView:
    id: int
    uuid: str
    name: str
    kind: CampaignKind
    theme: str
    start_date: date
    end_date: date
    status: CampaignStatus
    description: str
    leader_id: int | None
    leader_name: str
    members: tuple[MemberRow, ...]
    targets: tuple[TargetRow, ...]
    # 发现问题: findings not dismissed (不予认定); the campaign's findings list shows both kinds,
    # so its total is finding_count + dismissed_count.
    finding_count: int
    version: int
    dismissed_count: int = 0

    @property
    def recorded_count(self) -> int:
        """Every finding recorded in the campaign (what its findings list counts)."""
        return self.finding_count + self.dismissed_count

    @property
    def dates_text(self) -> str:
        return format_dates(self.start_date, self.end_date)

    @property
    def visited_count(self) -> int:
        return sum(1 for t in self.targets if t.status is not TargetStatus.PENDING)

    def to_input(self) -> CampaignInput:
        return CampaignInput(
            name=self.name,
            kind=self.kind,
            start_date=self.start_date,
            end_date=self.end_date,
            theme=self.theme,
            description=self.description,
            leader_id=self.leader_id,
            member_ids=[m.user_id for m in self.members],
            target_unit_ids=[t.unit_id for t in self.targets],
        )


@dataclass
class FindingPersonInput:
    """A person of the directory (``person_id``) or, when unknown, a ``description``."""

    person_id: int | None = None
    description: str = ""


@dataclass
class FindingInput:
    unit_id: int | None
    observed_at: datetime | None
    description: str
    campaign_id: int | None = None
    place: str = ""
    category_id: int | None = None
    persons: list[FindingPersonInput] = field(default_factory=list)
    proposed_measure: MeasureType | None = None
    rectification_required: bool = False


@dataclass(frozen=True)
class FindingPersonRow:
    id: int
    uuid: str
    person_id: int | None
    person_uuid: str | None
    name: str
    post: str
    description: str

    @property
    def label(self) -> str:
        if self.person_id is None:
            return self.description
        base = f"{self.name}（{self.post}）" if self.post and self.name else self.name
        base = base or self.description
        return f"{base}，{self.description}" if self.description and self.name else base


@dataclass(frozen=True)
class FindingRow:
    id: int
    uuid: str
    campaign_id: int | None
    campaign_name: str
    unit_id: int
    unit_name: str
    place: str
    observed_at: datetime
    category_id: int | None
    category_name: str
    description: str
    status: FindingStatus
    persons_text: str
    attachment_count: int
    proposed_measure: MeasureType | None
    rectification_required: bool
    origin: FindingOrigin
    version: int


@dataclass(frozen=True)
class FindingView:
    row: FindingRow
    persons: tuple[FindingPersonRow, ...]
    verification_note: str
    recorded_by_name: str
    package_uuid: str | None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def version(self) -> int:
        return self.row.version

    def to_input(self) -> FindingInput:
        r = self.row
        return FindingInput(
            unit_id=r.unit_id,
            observed_at=r.observed_at,
            description=r.description,
            campaign_id=r.campaign_id,
            place=r.place,
            category_id=r.category_id,
            persons=[FindingPersonInput(p.person_id, p.description) for p in self.persons],
            proposed_measure=r.proposed_measure,
            rectification_required=r.rectification_required,
        )


@dataclass(frozen=True)
class CategoryRow:
    id: int
    uuid: str
    code: str
    name: str


def format_dates(start: date, end: date) -> str:
    if start == end:
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"


# --------------------------------------------------------------------------- field mode


def field_mode(session: Session) -> dict[str, Any] | None:
    """The field-mode marker of this database ({"campaigns": [...]}) or None in the office."""
    value = session.scalar(select(Setting.value).where(Setting.key == FIELD_MODE_KEY))
    return value if isinstance(value, dict) and value.get("campaigns") else None


# --------------------------------------------------------------------------- campaigns


def list_categories(
    session: Session, actor: Actor, include_inactive: bool = False
) -> list[CategoryRow]:
    """Problem categories for pickers, in their configured order."""
    require(actor, Permission.VIEW_INSPECTIONS)
    stmt = select(ProblemCategory).order_by(ProblemCategory.sort_order, ProblemCategory.id)
    if not include_inactive:
        stmt = stmt.where(ProblemCategory.active.is_(True))
    return [CategoryRow(c.id, c.uuid, c.code, c.name) for c in session.scalars(stmt)]


def list_team_candidates(session: Session, actor: Actor) -> list[MemberRow]:
    """Active users who may be on a campaign team (anyone allowed to record findings)."""
    require(actor, Permission.VIEW_INSPECTIONS)
    users = session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    ).all()
    rows = []
    for u in users:
        if u.role_set & Permission.RECORD_FINDINGS.roles:
            rows.append(MemberRow(u.id, u.username, u.display_name))
    return rows


def _finding_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, int]:
    if not campaign_ids:
        return {}
    rows = session.execute(
        select(Finding.campaign_id, func.count(Finding.id))
        .where(Finding.campaign_id.in_(campaign_ids), Finding.status != FindingStatus.DISMISSED)
        .group_by(Finding.campaign_id)
    ).all()
    return {cid: n for cid, n in rows if cid is not None}


def list_campaigns(
    session: Session,
    actor: Actor,
    query: str = "",
    status: CampaignStatus | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[CampaignRow]:
    """Campaigns, newest first, matching ``query`` in name or theme."""
    require(actor, Permission.VIEW_INSPECTIONS)
    target_count = (
        select(func.count(CampaignTarget.id))
        .where(CampaignTarget.campaign_id == Campaign.id)
        .scalar_subquery()
    )
    visited_count = (
        select(func.count(CampaignTarget.id))
        .where(
            CampaignTarget.campaign_id == Campaign.id,
            CampaignTarget.status != TargetStatus.PENDING,
        )
        .scalar_subquery()
    )
    stmt = select(Campaign, target_count, visited_count)
    if query.strip():
        pattern = f"%{like_escape(query.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Campaign.name).like(pattern, escape="\\"),
                func.lower(Campaign.theme).like(pattern, escape="\\"),
            )
        )
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Campaign.start_date.desc(), Campaign.id.desc()).offset(offset).limit(limit)
    ).all()
    counts = _finding_counts(session, [c.id for c, _, _ in rows])
    return Page(
        rows=[
            CampaignRow(
                id=c.id,
                uuid=c.uuid,
                name=c.name,
                kind=c.kind,
                theme=c.theme,
                start_date=c.start_date,
                end_date=c.end_date,
                status=c.status,
                target_count=tc or 0,
                visited_count=vc or 0,
                finding_count=counts.get(c.id, 0),
                version=c.version,
            )
            for c, tc, vc in rows
        ],
        total=total,
        offset=offset,
    )


def find_campaign(session: Session, actor: Actor, ref: str | int) -> Campaign:
    """A campaign by its number (id) or UUID, as typed on the command line."""
    require(actor, Permission.VIEW_INSPECTIONS)
    text = str(ref).strip()
    campaign: Campaign | None = None
    if text.isdigit():
        campaign = session.get(Campaign, int(text))
    if campaign is None:
        campaign = session.scalar(select(Campaign).where(Campaign.uuid == text))
    if campaign is None:
        raise NotFound(f"找不到督查活动「{text}」（请填写活动编号或 UUID）。")
    return campaign


def target_rows(session: Session, campaign_id: int) -> list[TargetRow]:
    counts = dict(
        session.execute(
            select(Finding.unit_id, func.count(Finding.id))
            .where(Finding.campaign_id == campaign_id, Finding.status != FindingStatus.DISMISSED)
            .group_by(Finding.unit_id)
        ).all()
    )
    rows = session.execute(
        select(CampaignTarget, Unit)
        .join(Unit, Unit.id == CampaignTarget.unit_id)
        .where(CampaignTarget.campaign_id == campaign_id)
        .order_by(Unit.category, Unit.sort_order, Unit.name)
    ).all()
    return [
        TargetRow(
            id=t.id,
            unit_id=u.id,
            unit_uuid=u.uuid,
            unit_name=u.name,
            status=t.status,
            visited_at=t.visited_at,
            finding_count=counts.get(u.id, 0),
            notes=t.notes,
            version=t.version,
        )
        for t, u in rows
    ]


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> CampaignView:
    """A campaign with its team, target units and their progress."""
    require(actor, Permission.VIEW_INSPECTIONS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    members = session.execute(
        select(User)
        .join(CampaignMember, CampaignMember.user_id == User.id)
        .where(CampaignMember.campaign_id == c.id)
        .order_by(User.display_name, User.id)
    ).scalars()
    leader = session.get(User, c.leader_id) if c.leader_id is not None else None
    return CampaignView(
        id=c.id,
        uuid=c.uuid,
        name=c.name,
        kind=c.kind,
        theme=c.theme,
        start_date=c.start_date,
        end_date=c.end_date,
        status=c.status,
        description=c.description,
        leader_id=c.leader_id,
        leader_name=leader.display_name if leader else "",
        members=tuple(MemberRow(u.id, u.username, u.display_name) for u in members),
        targets=tuple(target_rows(session, c.id)),
        finding_count=_finding_counts(session, [c.id]).get(c.id, 0),
        version=c.version,
        dismissed_count=int(
            session.scalar(
                select(func.count(Finding.id)).where(
                    Finding.campaign_id == c.id, Finding.status == FindingStatus.DISMISSED
                )
            )
            or 0
        ),
    )


def _validate_campaign(session: Session, data: CampaignInput, campaign: Campaign | None) -> None:
    problems: list[FieldProblem] = []
    name = data.name.strip()
    if not name:
        problems.append(FieldProblem("name", "活动名称不能为空。"))
    elif len(name) > 120:
        problems.append(FieldProblem("name", "活动名称不能超过120个字。"))
    if len(data.theme.strip()) > 120:
        problems.append(FieldProblem("theme", "督查主题不能超过120个字。"))
    if not isinstance(data.kind, CampaignKind):
        problems.append(FieldProblem("kind", "请选择督查方式。"))
    if data.start_date is None:
        problems.append(FieldProblem("start_date", "请填写开始日期。"))
    if data.end_date is None:
        problems.append(FieldProblem("end_date", "请填写结束日期。"))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems.append(FieldProblem("end_date", "结束日期不能早于开始日期。"))
    member_ids = set(data.member_ids)
    if data.leader_id is not None:
        member_ids.add(data.leader_id)
    if member_ids:
        users = {
            u.id: u for u in session.scalars(select(User).where(User.id.in_(member_ids))).all()
        }
        missing = member_ids - users.keys()
        if missing:
            problems.append(FieldProblem("member_ids", "所选督查组成员中有不存在的用户。"))
        inactive = [u.display_name for u in users.values() if not u.active]
        if inactive:
            problems.append(
                FieldProblem("member_ids", f"用户「{'、'.join(inactive)}」已停用，不能加入督查组。")
            )
    target_ids = set(data.target_unit_ids)
    if target_ids:
        found = set(session.scalars(select(Unit.id).where(Unit.id.in_(target_ids))).all())
        if target_ids - found:
            problems.append(FieldProblem("target_unit_ids", "所选检查对象中有不存在的单位。"))
    if campaign is not None:
        # A unit with findings cannot leave the campaign: its findings would lose their place.
        with_findings = session.execute(
            select(Unit.name)
            .join(Finding, Finding.unit_id == Unit.id)
            .where(Finding.campaign_id == campaign.id, Unit.id.not_in(target_ids or {-1}))
            .distinct()
        ).scalars()
        names = sorted(with_findings)
        if names:
            problems.append(
                FieldProblem(
                    "target_unit_ids",
                    f"「{'、'.join(names)}」已有发现问题记录，不能从检查对象中移除。",
                )
            )
    if problems:
        raise ValidationErrors(problems)


def _campaign_snapshot(session: Session, c: Campaign) -> dict[str, Any]:
    snap = audit.snapshot(c, CAMPAIGN_FIELDS)
    snap["member_ids"] = sorted(
        session.scalars(
            select(CampaignMember.user_id).where(CampaignMember.campaign_id == c.id)
        ).all()
    )
    snap["target_unit_ids"] = sorted(
        session.scalars(
            select(CampaignTarget.unit_id).where(CampaignTarget.campaign_id == c.id)
        ).all()
    )
    return snap


def _apply_campaign(session: Session, c: Campaign, data: CampaignInput) -> None:
    assert data.start_date is not None and data.end_date is not None
    c.name = data.name.strip()
    c.kind = data.kind
    c.theme = data.theme.strip()
    c.start_date = data.start_date
    c.end_date = data.end_date
    c.description = data.description
    c.leader_id = data.leader_id
    wanted_members = list(dict.fromkeys(data.member_ids))
    if data.leader_id is not None and data.leader_id not in wanted_members:
        wanted_members.insert(0, data.leader_id)
    current = {m.user_id: m for m in c.members}
    for uid, m in current.items():
        if uid not in wanted_members:
            c.members.remove(m)
    for uid in wanted_members:
        if uid not in current:
            c.members.append(CampaignMember(user_id=uid))
    wanted_units = list(dict.fromkeys(data.target_unit_ids))
    targets = {t.unit_id: t for t in c.targets}
    for uid, t in targets.items():
        if uid not in wanted_units:
            c.targets.remove(t)
    for uid in wanted_units:
        if uid not in targets:
            c.targets.append(CampaignTarget(unit_id=uid, status=TargetStatus.PENDING))


def create_campaign(session: Session, actor: Actor, data: CampaignInput) -> Campaign:
    """Plan a new campaign (status 计划中)."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    _validate_campaign(session, data, None)
    c = Campaign(status=CampaignStatus.PLANNED, created_by_id=actor.user_id)
    _apply_campaign(session, c, data)
    session.add(c)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "campaign",
        c.uuid,
        f"新建督查活动 {c.name}",
        None,
        _campaign_snapshot(session, c),
    )
    return c


def update_campaign(
    session: Session,
    actor: Actor,
    campaign_id: int,
    data: CampaignInput,
    expected_version: int | None,
) -> Campaign:
    """Change a campaign's plan (team, targets, dates...)."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    check_version(c, expected_version, f"督查活动「{c.name}」")
    _validate_campaign(session, data, c)
    before = _campaign_snapshot(session, c)
    _apply_campaign(session, c, data)
    # Membership rows do not bump the campaign's version by themselves; the plan changed.
    c.updated_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "campaign",
        c.uuid,
        f"修改督查活动 {c.name}",
        before,
        _campaign_snapshot(session, c),
    )
    return c


def set_campaign_status(
    session: Session,
    actor: Actor,
    campaign_id: int,
    status: CampaignStatus,
    expected_version: int | None,
) -> Campaign:
    """Start, complete, cancel or reopen a campaign."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    check_version(c, expected_version, f"督查活动「{c.name}」")
    if status == c.status:
        return c
    if status not in CAMPAIGN_TRANSITIONS[c.status]:
        raise TransitionNotAllowed(
            f"督查活动「{c.name}」当前为「{c.status.label}」，不能改为「{status.label}」。"
        )
    old = c.status
    c.status = status
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "campaign",
        c.uuid,
        f"督查活动 {c.name}：{old.label}→{status.label}",
        {"status": old.value},
        {"status": status.value},
    )
    return c


def _start_if_planned(session: Session, actor: Actor, c: Campaign) -> None:
    if c.status is CampaignStatus.PLANNED:
        c.status = CampaignStatus.IN_PROGRESS
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.UPDATE,
            "campaign",
            c.uuid,
            f"督查活动 {c.name}：首次记录检查情况，自动转为「进行中」",
            {"status": CampaignStatus.PLANNED.value},
            {"status": CampaignStatus.IN_PROGRESS.value},
        )


def refresh_target(
    session: Session, actor: Actor, campaign: Campaign, unit_id: int, *, add_missing: bool
) -> CampaignTarget | None:
    """Derive a target's status from its visit and findings; record any change.

    ``add_missing`` adds the unit to the campaign when a finding is made at a unit that was not
    planned (inspectors do walk into the office next door).
    """
    target = session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id, CampaignTarget.unit_id == unit_id
        )
    )
    live = session.scalar(
        select(func.count(Finding.id)).where(
            Finding.campaign_id == campaign.id,
            Finding.unit_id == unit_id,
            Finding.status != FindingStatus.DISMISSED,
        )
    )
    any_finding = session.scalar(
        select(func.min(Finding.observed_at)).where(
            Finding.campaign_id == campaign.id, Finding.unit_id == unit_id
        )
    )
    if target is None:
        if not add_missing or any_finding is None:
            return None
        target = CampaignTarget(
            campaign_id=campaign.id,
            unit_id=unit_id,
            status=TargetStatus.PENDING,
            notes="检查中新增的检查对象",
        )
        session.add(target)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.CREATE,
            "campaign_target",
            target.uuid,
            f"督查活动 {campaign.name}：新增检查对象（单位编号 {unit_id}）",
            None,
            audit.snapshot(target, TARGET_FIELDS),
        )
    before = audit.snapshot(target, TARGET_FIELDS)
    visited = target.visited_at
    if any_finding is not None and (visited is None or any_finding < visited):
        visited = any_finding
    if live:
        status = TargetStatus.ISSUES
    elif visited is not None:
        status = TargetStatus.NO_ISSUE
    else:
        status = TargetStatus.PENDING
    if status != target.status or visited != target.visited_at:
        target.status = status
        target.visited_at = visited
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.UPDATE,
            "campaign_target",
            target.uuid,
            f"督查活动 {campaign.name}：检查对象进度 → {status.label}",
            before,
            audit.snapshot(target, TARGET_FIELDS),
        )
    return target


def record_visit(
    session: Session,
    actor: Actor,
    campaign_id: int,
    unit_id: int,
    visited_at: datetime | None,
    notes: str | None = None,
    expected_version: int | None = None,
) -> TargetRow:
    """Record that a target unit was checked (``None`` clears a visit with no findings)."""
    require(actor, Permission.RECORD_FINDINGS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    target = session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == c.id, CampaignTarget.unit_id == unit_id
        )
    )
    target = get_or_404(target, "该检查对象")
    check_version(target, expected_version, "该检查对象的进度")
    if c.status is CampaignStatus.CANCELLED:
        raise TransitionNotAllowed(f"督查活动「{c.name}」已取消，不能再记录检查情况。")
    if visited_at is not None and visited_at > now() + CLOCK_SKEW:
        raise ValidationError("visited_at", "检查时间不能晚于当前时间。")
    before = audit.snapshot(target, TARGET_FIELDS)
    target.visited_at = visited_at
    if notes is not None:
        target.notes = notes.strip()
    if visited_at is None:
        target.status = TargetStatus.PENDING
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "campaign_target",
        target.uuid,
        f"督查活动 {c.name}：记录检查情况",
        before,
        audit.snapshot(target, TARGET_FIELDS),
    )
    if visited_at is not None:
        _start_if_planned(session, actor, c)
    refresh_target(session, actor, c, unit_id, add_missing=False)
    return next(t for t in target_rows(session, c.id) if t.unit_id == unit_id)


# --------------------------------------------------------------------------- findings


def _persons_text(persons: Iterable[FindingPersonRow]) -> str:
    return "、".join(p.label for p in persons if p.label)


def _person_rows(session: Session, finding_ids: Sequence[int]) -> dict[int, list[FindingPersonRow]]:
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


def _finding_rows(session: Session, results: Sequence[Any]) -> list[FindingRow]:
    ids = [f.id for f, *_ in results]
    persons = _person_rows(session, ids)
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


def _finding_select() -> Any:
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
    stmt = _finding_select()
    if campaign_id is not None:
        stmt = stmt.where(Finding.campaign_id == campaign_id)
    if unit_id is not None:
        stmt = stmt.where(Finding.unit_id == unit_id)
    if status is not None:
        stmt = stmt.where(Finding.status == status)
    if query.strip():
        pattern = f"%{like_escape(query.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Finding.description).like(pattern, escape="\\"),
                func.lower(Finding.place).like(pattern, escape="\\"),
                func.lower(Unit.name).like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    results = session.execute(
        stmt.order_by(Finding.observed_at.desc(), Finding.id.desc()).offset(offset).limit(limit)
    ).all()
    return Page(rows=_finding_rows(session, results), total=total, offset=offset)


def get_finding(session: Session, actor: Actor, finding_id: int) -> FindingView:
    require(actor, Permission.VIEW_INSPECTIONS)
    result = session.execute(_finding_select().where(Finding.id == finding_id)).first()
    if result is None:
        raise NotFound("找不到该问题记录，它可能已被删除。")
    f = result[0]
    row = _finding_rows(session, [result])[0]
    recorder = session.get(User, f.recorded_by_id) if f.recorded_by_id else None
    return FindingView(
        row=row,
        persons=tuple(_person_rows(session, [f.id])[f.id]),
        verification_note=f.verification_note,
        recorded_by_name=recorder.display_name if recorder else "",
        package_uuid=f.package_uuid,
    )


def campaign_window(c: Campaign) -> tuple[datetime, datetime]:
    """The campaign's dates as a time window, widened by :data:`OBSERVED_SLACK`."""
    return (
        datetime.combine(c.start_date, time.min) - OBSERVED_SLACK,
        datetime.combine(c.end_date, time.max) + OBSERVED_SLACK,
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
    wanted = [(p.person_id, p.description.strip()) for p in data.persons]
    existing = {(p.person_id, p.description): p for p in f.persons}
    for key, p in existing.items():
        if key not in wanted:
            f.persons.remove(p)
    for key in wanted:
        if key not in existing:
            f.persons.append(FindingPerson(person_id=key[0], description=key[1]))


def create_finding(
    session: Session, actor: Actor, data: FindingInput, *, uuid: str | None = None
) -> Finding:
    """Record a finding (status 待核实). On a field laptop it is marked as recorded in the field.

    ``uuid`` keeps the identity a finding was given elsewhere (a field package import).
    """
    require(actor, Permission.RECORD_FINDINGS)
    campaign = _validate_finding(session, data)
    f = Finding(
        status=FindingStatus.PENDING,
        recorded_by_id=actor.user_id,
        origin=FindingOrigin.FIELD if field_mode(session) else FindingOrigin.OFFICE,
    )
    if uuid is not None:
        f.uuid = uuid
    _apply_finding(f, data)
    session.add(f)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "finding",
        f.uuid,
        f"记录督查发现问题：{_unit_name(session, f.unit_id)} {f.observed_at:%Y-%m-%d %H:%M}",
        None,
        _finding_snapshot(f),
    )
    if campaign is not None:
        _start_if_planned(session, actor, campaign)
        refresh_target(session, actor, campaign, f.unit_id, add_missing=True)
    return f


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
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "finding",
        f.uuid,
        f"修改督查发现问题：{_unit_name(session, f.unit_id)}",
        before,
        _finding_snapshot(f),
    )
    if campaign is not None:
        refresh_target(session, actor, campaign, f.unit_id, add_missing=True)
        if old_unit != f.unit_id:
            refresh_target(session, actor, campaign, old_unit, add_missing=False)
    return f


def check_finding(session: Session, data: FindingInput) -> None:
    """Validate a finding without saving it (a field package is checked whole first)."""
    _validate_finding(session, data)


@dataclass(frozen=True)
class ImportedFinding:
    """What a field package says about a finding beyond :class:`FindingInput`."""

    uuid: str
    status: FindingStatus
    verification_note: str
    recorded_by_id: int | None
    recorded_at: datetime
    package_uuid: str


def import_finding(
    session: Session, actor: Actor, data: FindingInput, meta: ImportedFinding
) -> Finding:
    """Create a finding recorded on a field laptop, keeping its UUID, status and author."""
    require(actor, Permission.IMPORT_FIELD_PACKAGE)
    campaign = _validate_finding(session, data)
    f = Finding(
        uuid=meta.uuid,
        status=meta.status,
        verification_note=meta.verification_note,
        recorded_by_id=meta.recorded_by_id,
        origin=FindingOrigin.FIELD,
        package_uuid=meta.package_uuid,
        created_at=meta.recorded_at,
    )
    _apply_finding(f, data)
    session.add(f)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.IMPORT,
        "finding",
        f.uuid,
        f"导入现场记录的问题：{_unit_name(session, f.unit_id)} {f.observed_at:%Y-%m-%d %H:%M}",
        None,
        _finding_snapshot(f),
    )
    if campaign is not None:
        _start_if_planned(session, actor, campaign)
        refresh_target(session, actor, campaign, f.unit_id, add_missing=True)
    return f


def merge_field_visit(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    unit_id: int,
    visited_at: datetime | None,
    notes: str,
) -> bool:
    """Fold a visit recorded in the field into the office's target; True if anything changed.

    The earlier visit time wins; office notes are kept, field notes fill an empty field.
    """
    target = session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id, CampaignTarget.unit_id == unit_id
        )
    )
    if target is None:
        return False
    before = audit.snapshot(target, TARGET_FIELDS)
    changed = False
    if visited_at is not None and (target.visited_at is None or visited_at < target.visited_at):
        target.visited_at = visited_at
        changed = True
    if notes.strip() and not target.notes:
        target.notes = notes.strip()
        changed = True
    if changed:
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.IMPORT,
            "campaign_target",
            target.uuid,
            f"督查活动 {campaign.name}：导入现场检查情况",
            before,
            audit.snapshot(target, TARGET_FIELDS),
        )
        _start_if_planned(session, actor, campaign)
    refreshed_before = (target.status, target.visited_at)
    refresh_target(session, actor, campaign, unit_id, add_missing=False)
    return changed or refreshed_before != (target.status, target.visited_at)


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


# --------------------------------------------------------------------------- report data


@dataclass(frozen=True)
class ReportEvidence:
    sha256: str
    media_kind: MediaKind
    mime: str
    original_name: str
    captured_at: datetime | None
    caption: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ReportFinding:
    row: FindingRow
    persons: tuple[FindingPersonRow, ...]
    evidence: tuple[ReportEvidence, ...]


@dataclass(frozen=True)
class ReportUnit:
    unit_id: int
    unit_name: str
    target: TargetRow | None
    findings: tuple[ReportFinding, ...]


@dataclass(frozen=True)
class CampaignReport:
    campaign: CampaignView
    units: tuple[ReportUnit, ...]
    generated_at: datetime

    @property
    def finding_count(self) -> int:
        return sum(len(u.findings) for u in self.units)

    @property
    def evidence_count(self) -> int:
        return sum(len(f.evidence) for u in self.units for f in u.findings)


def report_data(
    session: Session, actor: Actor, campaign_id: int, include_dismissed: bool = False
) -> CampaignReport:
    """Everything the inspection report prints: findings grouped by unit, with evidence."""
    campaign = get_campaign(session, actor, campaign_id)
    stmt = _finding_select().where(Finding.campaign_id == campaign_id)
    if not include_dismissed:
        stmt = stmt.where(Finding.status != FindingStatus.DISMISSED)
    results = session.execute(stmt.order_by(Finding.observed_at, Finding.id)).all()
    rows = _finding_rows(session, results)
    persons = _person_rows(session, [r.id for r in rows])
    evidence: dict[int, list[ReportEvidence]] = {r.id: [] for r in rows}
    if rows:
        att = session.execute(
            select(Attachment, StoredFile)
            .join(StoredFile, StoredFile.id == Attachment.file_id)
            .where(Attachment.finding_id.in_([r.id for r in rows]))
            .order_by(Attachment.sort_order, Attachment.id)
        ).all()
        for a, sf in att:
            assert a.finding_id is not None
            evidence[a.finding_id].append(
                ReportEvidence(
                    sha256=sf.sha256,
                    media_kind=sf.media_kind,
                    mime=sf.mime,
                    original_name=a.original_name,
                    captured_at=sf.captured_at,
                    caption=a.caption,
                    flags=tuple(a.flags or ()),
                )
            )
    targets = {t.unit_id: t for t in campaign.targets}
    by_unit: dict[int, list[ReportFinding]] = {}
    names: dict[int, str] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, []).append(
            ReportFinding(r, tuple(persons[r.id]), tuple(evidence[r.id]))
        )
        names[r.unit_id] = r.unit_name
    # Units in target order (the plan), then any unit outside the plan.
    order = [t.unit_id for t in campaign.targets if t.unit_id in by_unit]
    order += [uid for uid in by_unit if uid not in order]
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "campaign",
        campaign.uuid,
        f"生成督查情况报告：{campaign.name}",
    )
    return CampaignReport(
        campaign=campaign,
        units=tuple(
            ReportUnit(uid, names[uid], targets.get(uid), tuple(by_unit[uid])) for uid in order
        ),
        generated_at=now(),
    )
