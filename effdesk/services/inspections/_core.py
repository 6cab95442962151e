"""Rules and plumbing shared by the inspection modules: the audited fields, the time slack
allowed to a finding, the two status tables, field mode, a campaign's status moves (and starting
a planned campaign on its first recorded check), syncing a child collection to the wanted keys,
and the text filter of the lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.models import Campaign, Setting
from effdesk.enums import AuditAction, CampaignStatus, FindingStatus
from effdesk.permissions import Permission
from effdesk.services.common import like_escape

C = TypeVar("C")
K = TypeVar("K")

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


def field_mode(session: Session) -> dict[str, Any] | None:
    """The field-mode marker of this database ({"campaigns": [...]}) or None in the office."""
    value = session.scalar(select(Setting.value).where(Setting.key == FIELD_MODE_KEY))
    return value if isinstance(value, dict) and value.get("campaigns") else None


def campaign_window(c: Campaign) -> tuple[datetime, datetime]:
    """The campaign's dates as a time window, widened by :data:`OBSERVED_SLACK`."""
    return (
        datetime.combine(c.start_date, time.min) - OBSERVED_SLACK,
        datetime.combine(c.end_date, time.max) + OBSERVED_SLACK,
    )


def start_if_planned(session: Session, actor: Actor, c: Campaign) -> None:
    if c.status is CampaignStatus.PLANNED:
        move_campaign(
            session, actor, c, CampaignStatus.IN_PROGRESS, "首次记录检查情况，自动转为「进行中」"
        )


def move_campaign(
    session: Session, actor: Actor, c: Campaign, status: CampaignStatus, what: str
) -> None:
    """Set the campaign's status and record the move (``what``: the audit entry's words)."""
    old = c.status
    c.status = status
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "campaign",
        c.uuid,
        f"督查活动 {c.name}：{what}",
        {"status": old.value},
        {"status": status.value},
    )


def sync_children(
    children: list[C], key: Callable[[C], K], wanted: Sequence[K], make: Callable[[K], C]
) -> None:
    """Make a one-to-many collection hold a child for each key in ``wanted``.

    Children whose key is not wanted are removed, missing keys get a ``make(key)`` appended in
    ``wanted``'s order; children kept are not touched (their ids, UUIDs and history stay).
    """
    current = {key(child): child for child in children}
    for k, child in current.items():
        if k not in wanted:
            children.remove(child)
    for k in wanted:
        if k not in current:
            children.append(make(k))


def text_filter(query: str, *columns: Any) -> ColumnElement[bool] | None:
    """A case-insensitive "contains ``query``" over any of ``columns``; None for a blank query."""
    if not query.strip():
        return None
    pattern = f"%{like_escape(query.strip().lower())}%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
