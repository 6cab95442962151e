"""督查活动: listing, finding by number or UUID, the view with team and targets, planning
(create/update with validation) and the status moves of :data:`CAMPAIGN_TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import Campaign, CampaignMember, CampaignTarget, Finding, Unit, User
from effdesk.enums import AuditAction, CampaignKind, CampaignStatus, FindingStatus, TargetStatus
from effdesk.errors import FieldProblem, NotFound, TransitionNotAllowed, ValidationErrors
from effdesk.permissions import Permission, require
from effdesk.services.common import Page, check_version, get_or_404
from effdesk.services.inspections._core import (
    CAMPAIGN_FIELDS,
    CAMPAIGN_TRANSITIONS,
    move_campaign,
    sync_children,
    text_filter,
)
from effdesk.services.inspections.schema import (
    CampaignHead,
    CampaignInput,
    CampaignRow,
    CampaignView,
    MemberRow,
)
from effdesk.services.inspections.targets import target_rows


def _finding_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, int]:
    if not campaign_ids:
        return {}
    rows = session.execute(
        select(Finding.campaign_id, func.count(Finding.id))
        .where(Finding.campaign_id.in_(campaign_ids), Finding.status != FindingStatus.DISMISSED)
        .group_by(Finding.campaign_id)
    ).all()
    return {cid: n for cid, n in rows if cid is not None}


def _head(c: Campaign) -> dict[str, Any]:
    """The :class:`CampaignHead` fields of ``c``, for a row or a view."""
    return {f.name: getattr(c, f.name) for f in fields(CampaignHead)}


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
    if (match := text_filter(query, Campaign.name, Campaign.theme)) is not None:
        stmt = stmt.where(match)
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
                **_head(c),
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
        **_head(c),
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
    sync_children(
        c.members, lambda m: m.user_id, wanted_members, lambda uid: CampaignMember(user_id=uid)
    )
    sync_children(
        c.targets,
        lambda t: t.unit_id,
        list(dict.fromkeys(data.target_unit_ids)),
        lambda uid: CampaignTarget(unit_id=uid, status=TargetStatus.PENDING),
    )


def create_campaign(session: Session, actor: Actor, data: CampaignInput) -> Campaign:
    """Plan a new campaign (status 计划中)."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    _validate_campaign(session, data, None)
    c = Campaign(status=CampaignStatus.PLANNED, created_by_id=actor.user_id)
    _apply_campaign(session, c, data)
    session.add(c)
    _campaign_saved(session, actor, AuditAction.CREATE, c, f"新建督查活动 {c.name}", None)
    return c


def _campaign_to_change(
    session: Session, actor: Actor, campaign_id: int, expected_version: int | None
) -> Campaign:
    """The campaign a manager changes, as the manager's screen last saw it."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    check_version(c, expected_version, f"督查活动「{c.name}」")
    return c


def update_campaign(
    session: Session,
    actor: Actor,
    campaign_id: int,
    data: CampaignInput,
    expected_version: int | None,
) -> Campaign:
    """Change a campaign's plan (team, targets, dates...)."""
    c = _campaign_to_change(session, actor, campaign_id, expected_version)
    _validate_campaign(session, data, c)
    before = _campaign_snapshot(session, c)
    _apply_campaign(session, c, data)
    # Membership rows do not bump the campaign's version by themselves; the plan changed.
    c.updated_at = now()
    _campaign_saved(session, actor, AuditAction.UPDATE, c, f"修改督查活动 {c.name}", before)
    return c


def _campaign_saved(
    session: Session,
    actor: Actor,
    action: AuditAction,
    c: Campaign,
    text: str,
    before: dict[str, Any] | None,
) -> None:
    """Save the campaign's plan and its audit entry (``before``: None for a new campaign)."""
    session.flush()
    audit.record(
        session, actor, action, "campaign", c.uuid, text, before, _campaign_snapshot(session, c)
    )


def set_campaign_status(
    session: Session,
    actor: Actor,
    campaign_id: int,
    status: CampaignStatus,
    expected_version: int | None,
) -> Campaign:
    """Start, complete, cancel or reopen a campaign."""
    c = _campaign_to_change(session, actor, campaign_id, expected_version)
    if status == c.status:
        return c
    if status not in CAMPAIGN_TRANSITIONS[c.status]:
        raise TransitionNotAllowed(
            f"督查活动「{c.name}」当前为「{c.status.label}」，不能改为「{status.label}」。"
        )
    move_campaign(session, actor, c, status, f"{c.status.label}→{status.label}")
    return c
