"""Committed users, one per role, for tests that open their own sessions (CLI, GUI)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import User, UserRole
from effdesk.enums import Role


def users(session: Session) -> dict[str, Actor]:
    out = {}
    for name, role in (
        ("clerk", Role.CLERK),
        ("inspector", Role.INSPECTOR),
        ("leader", Role.LEADER),
        ("admin", Role.ADMIN),
    ):
        user = User(username=name, display_name=name, must_change_password=False)
        user.roles = [UserRole(role=role)]
        session.add(user)
        session.flush()
        out[name] = Actor(
            user_id=user.id, username=name, roles=frozenset({role}), display_name=name
        )
    return out
