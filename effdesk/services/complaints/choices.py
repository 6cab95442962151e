"""What the complaint screens offer to choose from: categories, handlers, and names for ids.

The list filters and the routing dialog need the problem categories and the users who handle
complaints; the case history records ids (``unit_id``, ``handler_user_id`` …) that the
timeline shows as names. All of it is plain values, read under ``VIEW_COMPLAINTS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import ProblemCategory, Unit, User
from effdesk.permissions import Permission, require


@dataclass(frozen=True)
class NamedId:
    id: int
    name: str


@dataclass(frozen=True)
class IdNames:
    """Names of the units, categories and users a case history mentions by id."""

    units: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


def category_choices(
    session: Session, actor: Actor, *, include_inactive: bool = False
) -> list[NamedId]:
    """Problem categories (问题类别) in their configured order."""
    require(actor, Permission.VIEW_COMPLAINTS)
    stmt = select(ProblemCategory.id, ProblemCategory.name).order_by(
        ProblemCategory.sort_order, ProblemCategory.id
    )
    if not include_inactive:
        stmt = stmt.where(ProblemCategory.active.is_(True))
    return [NamedId(i, n) for i, n in session.execute(stmt)]


def handler_choices(session: Session, actor: Actor) -> list[NamedId]:
    """Active users who may handle complaints (承办人), by display name."""
    require(actor, Permission.VIEW_COMPLAINTS)
    users = session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    )
    return [
        NamedId(u.id, u.display_name or u.username)
        for u in users
        if u.role_set & Permission.HANDLE_COMPLAINT.roles
    ]


def names_for(
    session: Session,
    actor: Actor,
    *,
    unit_ids: Iterable[int] = (),
    category_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
) -> IdNames:
    """Display names for ids (unknown ids are left out)."""
    require(actor, Permission.VIEW_COMPLAINTS)
    units, categories, users = set(unit_ids), set(category_ids), set(user_ids)
    out = IdNames()
    if units:
        stmt = select(Unit.id, Unit.name).where(Unit.id.in_(units))
        out.units.update({i: n for i, n in session.execute(stmt)})
    if categories:
        stmt = select(ProblemCategory.id, ProblemCategory.name).where(
            ProblemCategory.id.in_(categories)
        )
        out.categories.update({i: n for i, n in session.execute(stmt)})
    if users:
        stmt = select(User.id, User.display_name).where(User.id.in_(users))
        out.users.update({i: n for i, n in session.execute(stmt)})
    return out
