"""What the inspection screens' pickers offer: problem categories and the users who may be on
a campaign team.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import ProblemCategory, User
from effdesk.permissions import Permission, require
from effdesk.services.inspections.schema import CategoryRow, MemberRow


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
