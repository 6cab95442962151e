"""What the dashboard shows an inspector: campaigns in progress and his findings to complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Campaign, CampaignMember, Finding, Unit
from effdesk.enums import CampaignStatus, FindingStatus
from effdesk.permissions import Permission, require


@dataclass(frozen=True)
class CampaignLine:
    id: int
    name: str
    start_date: date
    end_date: date
    mine: bool


@dataclass(frozen=True)
class PendingFinding:
    id: int
    campaign_id: int | None
    unit_name: str
    observed: str
    description: str


@dataclass(frozen=True)
class InspectorOverview:
    campaigns: list[CampaignLine]
    findings: list[PendingFinding]


def inspector_overview(session: Session, actor: Actor, *, limit: int = 50) -> InspectorOverview:
    """Campaigns in progress (the actor's own first: he leads or is in the team), and the
    findings he recorded that still wait to be verified (待核实), oldest first."""
    require(actor, Permission.VIEW_INSPECTIONS)
    member_of = set(
        session.scalars(
            select(CampaignMember.campaign_id).where(CampaignMember.user_id == actor.user_id)
        )
    )
    campaigns = [
        CampaignLine(
            c.id,
            c.name,
            c.start_date,
            c.end_date,
            c.id in member_of or (actor.user_id is not None and c.leader_id == actor.user_id),
        )
        for c in session.scalars(
            select(Campaign)
            .where(Campaign.status == CampaignStatus.IN_PROGRESS)
            .order_by(Campaign.start_date, Campaign.id)
        )
    ]
    campaigns.sort(key=lambda c: (not c.mine, c.start_date, c.id))
    findings = [
        PendingFinding(
            f.id,
            f.campaign_id,
            unit_name,
            f"{f.observed_at:%Y-%m-%d %H:%M}",
            f.description,
        )
        for f, unit_name in session.execute(
            select(Finding, Unit.name)
            .join(Unit, Unit.id == Finding.unit_id)
            .where(
                Finding.status == FindingStatus.PENDING,
                Finding.recorded_by_id == actor.user_id,
            )
            .order_by(Finding.observed_at, Finding.id)
            .limit(limit)
        )
    ]
    return InspectorOverview(campaigns[:limit], findings)
