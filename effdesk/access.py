"""The actor's CURRENT access, read from the database: a login is not a licence for the day.

An :class:`~effdesk.auth.Actor` is built once, at login. An admin may later deactivate the
user, take a role away or reset the password; a window left open must not go on writing with
the rights of the morning. Every write of EffDesk records an audit entry in the same
transaction (:func:`effdesk.audit.record`), so that is where :func:`check_current` runs: one
place, every write, and a refusal rolls the whole unit of work back (nothing half-written).

Allowed whatever the state: LOGIN / LOGIN_FAILED / LOGOUT entries, and steps on one's own user
record (changing the one-time password is what a must-change-password user has to do). The
system actor (command line, demo, scheduled scans) has no user row and is not checked.

The GUI asks :func:`access_problem` periodically and before actions, to end the session of a
deactivated user with a message (see ``effdesk/ui/session_guard.py``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import User
from effdesk.enums import AuditAction
from effdesk.errors import PermissionDenied

# Entries written whatever the user's state (the login machinery itself).
_ALWAYS = frozenset({AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT})


class AccessRevoked(PermissionDenied):
    """The logged-in user was deactivated, lost a role, or must change the password first.

    ``ends_session``: True when the user may not go on at all (deactivated, deleted, a role
    taken away): the GUI returns to the login dialog.
    """

    def __init__(self, message: str, *, ends_session: bool) -> None:
        super().__init__(message)
        self.ends_session = ends_session


def access_problem(session: Session, actor: Actor) -> AccessRevoked | None:
    """Why ``actor`` may no longer write (an AccessRevoked to raise or show), or None."""
    if actor.user_id is None:
        return None
    row = session.execute(
        select(User.active, User.must_change_password).where(User.id == actor.user_id)
    ).first()
    if row is None:
        return AccessRevoked("您的账户已被删除，请联系系统管理员。", ends_session=True)
    if not row.active:
        return AccessRevoked("您的账户已被系统管理员停用，请联系系统管理员。", ends_session=True)
    user = session.get(User, actor.user_id)
    assert user is not None
    lost = actor.roles - actor.lent - user.role_set
    if lost:
        from effdesk.enums import Role

        now_held = "、".join(r.label for r in Role if r in user.role_set) or "无"
        gone = "、".join(r.label for r in Role if r in lost)
        return AccessRevoked(
            f"您的角色已被调整（已取消：{gone}；现有：{now_held}），请重新登录后再操作。",
            ends_session=True,
        )
    if row.must_change_password:
        return AccessRevoked(
            "您的密码已被重置，须先修改密码才能继续操作：请重新登录并修改密码。",
            ends_session=True,
        )
    return None


def check_current(
    session: Session,
    actor: Actor,
    action: AuditAction,
    object_type: str = "",
    object_uuid: str = "",
) -> None:
    """Refuse a write by an actor whose account changed since login (see the module doc)."""
    if actor.user_id is None or action in _ALWAYS:
        return
    if object_type == "user":
        own = session.scalar(select(User.uuid).where(User.id == actor.user_id))
        if own is not None and own == object_uuid:
            return
    problem = access_problem(session, actor)
    if problem is not None:
        raise AccessRevoked(f"{problem}（本次操作未保存。）", ends_session=problem.ends_session)
