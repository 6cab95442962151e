"""检查对象 and visits: a target's progress (未检查 / 已检查·未发现问题 / 已检查·发现问题) is
derived from its visit and its findings by :func:`refresh_target`; visits are recorded in the
office (:func:`record_visit`) or folded in from a field package (:func:`merge_field_visit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import Campaign, CampaignTarget, Finding, Unit
from effdesk.enums import AuditAction, CampaignStatus, FindingStatus, TargetStatus
from effdesk.errors import TransitionNotAllowed, ValidationError
from effdesk.permissions import Permission, require
from effdesk.services.common import check_version, get_or_404
from effdesk.services.inspections._core import CLOCK_SKEW, TARGET_FIELDS, start_if_planned
from effdesk.services.inspections.schema import TargetRow


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


def refresh_target(
    session: Session, actor: Actor, campaign: Campaign, unit_id: int, *, add_missing: bool
) -> CampaignTarget | None:
    """Derive a target's status from its visit and findings; record any change.

    ``add_missing`` adds the unit to the campaign when a finding is made at a unit that was not
    planned (inspectors do walk into the office next door).
    """
    target = _target(session, campaign.id, unit_id)
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
        _target_changed(
            session,
            actor,
            AuditAction.CREATE,
            campaign,
            target,
            f"新增检查对象（单位编号 {unit_id}）",
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
        _target_changed(
            session,
            actor,
            AuditAction.UPDATE,
            campaign,
            target,
            f"检查对象进度 → {status.label}",
            before,
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
    target = get_or_404(_target(session, c.id, unit_id), "该检查对象")
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
    _target_changed(session, actor, AuditAction.UPDATE, c, target, "记录检查情况", before)
    if visited_at is not None:
        start_if_planned(session, actor, c)
    refresh_target(session, actor, c, unit_id, add_missing=False)
    return next(t for t in target_rows(session, c.id) if t.unit_id == unit_id)


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
    target = _target(session, campaign.id, unit_id)
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
        _target_changed(
            session, actor, AuditAction.IMPORT, campaign, target, "导入现场检查情况", before
        )
        start_if_planned(session, actor, campaign)
    refreshed_before = (target.status, target.visited_at)
    refresh_target(session, actor, campaign, unit_id, add_missing=False)
    return changed or refreshed_before != (target.status, target.visited_at)


def _target(session: Session, campaign_id: int, unit_id: int) -> CampaignTarget | None:
    return session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign_id, CampaignTarget.unit_id == unit_id
        )
    )


def _target_changed(
    session: Session,
    actor: Actor,
    action: AuditAction,
    campaign: Campaign,
    target: CampaignTarget,
    what: str,
    before: dict[str, Any] | None = None,
) -> None:
    """Save a change of ``target`` and its audit entry (``before``: None for a new target)."""
    session.flush()
    audit.record(
        session,
        actor,
        action,
        "campaign_target",
        target.uuid,
        f"督查活动 {campaign.name}：{what}",
        before,
        audit.snapshot(target, TARGET_FIELDS),
    )
