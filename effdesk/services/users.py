"""Users and roles: first-run bootstrap, login with lockout, passwords, administration.

Passwords are stored only as scrypt hashes (:mod:`effdesk.security.passwords`). An admin can
reset a password (the user gets a one-time password and must change it) but never read one.
Login failures say the same thing whether or not the user exists; the audit trail records the
real reason for the admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from effdesk import audit, settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.base import now
from effdesk.db.models import User, UserRole
from effdesk.enums import AuditAction, Role
from effdesk.errors import (
    EffDeskError,
    FieldProblem,
    NotFound,
    ValidationError,
    ValidationErrors,
)
from effdesk.permissions import Permission, require
from effdesk.security.passwords import (
    dummy_verify,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from effdesk.services.common import check_version, get_or_404

BOOTSTRAP_USERNAME = "admin"
MIN_PASSWORD_LENGTH = 8
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")
# What the audit log keeps of a user: never the password hash.
USER_FIELDS = ["username", "display_name", "phone", "active", "must_change_password"]


_NO_ROLES = "账户未分配任何角色"


class LoginFailed(EffDeskError):
    """Wrong user, wrong password, locked or deactivated: one message for all of them."""


@dataclass(frozen=True)
class UserRow:
    id: int
    uuid: str
    username: str
    display_name: str
    phone: str
    roles: frozenset[Role]
    active: bool
    must_change_password: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    version: int

    @property
    def roles_label(self) -> str:
        return "、".join(r.label for r in Role if r in self.roles)

    def locked(self, at: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (at or now())


@dataclass
class UserInput:
    username: str
    display_name: str
    roles: set[Role] = field(default_factory=set)
    phone: str = ""
    active: bool = True


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=user.role_set,
        display_name=user.display_name,
    )


def _snapshot(user: User) -> dict[str, Any]:
    snap = audit.snapshot(user, USER_FIELDS)
    snap["roles"] = sorted(r.value for r in user.role_set)
    return snap


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case, trimmed."""
    return username.strip().lower()


def _find(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalize_username(username)))


# --------------------------------------------------------------------------- first run


def has_users(session: Session) -> bool:
    return (session.scalar(select(func.count(User.id))) or 0) > 0


def bootstrap_admin(session: Session) -> str | None:
    """On an empty user table create ``admin`` with a random one-time password and return it.

    The caller shows the password once (CLI prints it, GUI shows it); the admin must change it
    at first login. Returns ``None`` when users already exist.
    """
    if has_users(session):
        return None
    password = generate_password()
    user = User(
        username=BOOTSTRAP_USERNAME,
        display_name="系统管理员",
        password_hash=hash_password(password),
        must_change_password=True,
    )
    user.roles = [UserRole(role=Role.ADMIN)]
    session.add(user)
    session.flush()
    audit.record(
        session,
        SYSTEM,
        AuditAction.CREATE,
        "user",
        user.uuid,
        "首次运行：创建系统管理员账户 admin（一次性密码，首次登录须修改）",
        None,
        _snapshot(user),
    )
    return password


# --------------------------------------------------------------------------- login


def _failure_message(session: Session) -> str:
    minutes = settings.get(session, settings.LOCKOUT_MINUTES)
    limit = settings.get(session, settings.MAX_FAILED_LOGINS)
    return (
        f"用户名或密码不正确，或账户已停用、已被暂时锁定。连续输错{limit}次密码，"
        f"账户将锁定{minutes}分钟。忘记密码请联系系统管理员重置。"
    )


def _record_failure(session: Session, username: str, user: User | None, reason: str) -> None:
    who = Actor(
        user_id=user.id if user else None,
        username=(user.username if user else username.strip())[:40],
        roles=frozenset(),
    )
    audit.record(
        session,
        who,
        AuditAction.LOGIN_FAILED,
        "user",
        user.uuid if user else "",
        f"登录失败：{reason}",
    )


def authenticate(session: Session, username: str, password: str) -> Actor:
    """Check a login; return the :class:`Actor` or raise :class:`LoginFailed`.

    On failure this COMMITS the session before raising: the failure count, the lockout and the
    LOGIN_FAILED audit entry must survive the rollback a raised error would otherwise cause.
    Call it in a session of its own.
    """
    at = now()
    user = _find(session, username)
    reason = ""
    if user is None:
        dummy_verify(password)  # same time as a real check: timing does not reveal the user
        reason = "用户名不存在"
    elif not user.active:
        dummy_verify(password)
        reason = "账户已停用"
    elif user.locked_until is not None and user.locked_until > at:
        dummy_verify(password)
        reason = f"账户锁定中（至 {user.locked_until:%H:%M:%S}）"
    elif not verify_password(password, user.password_hash):
        limit = max(1, settings.get(session, settings.MAX_FAILED_LOGINS))
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= limit:
            minutes = settings.get(session, settings.LOCKOUT_MINUTES)
            user.locked_until = at + timedelta(minutes=minutes)
            user.failed_logins = 0
            reason = f"密码错误，连续{limit}次，账户锁定{minutes}分钟"
        else:
            reason = f"密码错误（连续第{user.failed_logins}次）"
    elif not user.role_set:
        reason = _NO_ROLES
    if reason:
        message = _failure_message(session)
        if reason == _NO_ROLES:
            # The password was right: telling the user about the missing roles leaks nothing.
            message = "该账户尚未分配角色，无法登录。请联系系统管理员。"
        _record_failure(session, username, user, reason)
        session.commit()
        raise LoginFailed(message)
    assert user is not None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = at
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    actor = actor_of(user)
    audit.record(session, actor, AuditAction.LOGIN, "user", user.uuid, f"{user.username} 登录")
    return actor


def logout(session: Session, actor: Actor) -> None:
    if actor.user_id is None:
        return
    user = session.get(User, actor.user_id)
    audit.record(
        session,
        actor,
        AuditAction.LOGOUT,
        "user",
        user.uuid if user else "",
        f"{actor.username} 退出",
    )


def must_change_password(session: Session, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    user = session.get(User, actor.user_id)
    return bool(user and user.must_change_password)


def confirm_password(session: Session, actor: Actor, password: str) -> bool:
    """Re-check the logged-in user's password before a sensitive step (showing a key)."""
    if actor.user_id is None:
        return False
    user = session.get(User, actor.user_id)
    return bool(user and user.active and verify_password(password, user.password_hash))


# --------------------------------------------------------------------------- passwords


def password_problems(username: str, password: str) -> list[str]:
    """The policy: at least 8 characters, not the username, not all one character."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符。")
    if password.strip().lower() == normalize_username(username):
        problems.append("密码不能与用户名相同。")
    if password and len(set(password)) == 1:
        problems.append("密码不能由同一个字符重复组成。")
    return problems


def change_password(
    session: Session, actor: Actor, old_password: str, new_password: str, confirm: str | None = None
) -> None:
    """The logged-in user changes their own password (clears the forced-change flag)."""
    if actor.user_id is None:
        raise ValidationError("old_password", "系统账户没有密码。")
    user = get_or_404(session.get(User, actor.user_id), "该用户")
    problems: list[FieldProblem] = []
    if not verify_password(old_password, user.password_hash):
        problems.append(FieldProblem("old_password", "原密码不正确。"))
    for msg in password_problems(user.username, new_password):
        problems.append(FieldProblem("new_password", msg))
    if confirm is not None and confirm != new_password:
        problems.append(FieldProblem("confirm", "两次输入的新密码不一致。"))
    if not problems and new_password == old_password:
        problems.append(FieldProblem("new_password", "新密码不能与原密码相同。"))
    if problems:
        raise ValidationErrors(problems)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.failed_logins = 0
    session.flush()
    audit.record(
        session, actor, AuditAction.UPDATE, "user", user.uuid, f"{user.username} 修改了自己的密码"
    )


def reset_password(session: Session, actor: Actor, user_id: int) -> str:
    """Admin: give the user a new one-time password (returned once), unlock, force a change."""
    require(actor, Permission.MANAGE_USERS)
    user = get_or_404(session.get(User, user_id), "该用户")
    temp = generate_password()
    user.password_hash = hash_password(temp)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "user",
        user.uuid,
        f"重置用户 {user.username} 的密码（一次性密码，须在登录时修改）",
    )
    return temp


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    require(actor, Permission.MANAGE_USERS)
    user = get_or_404(session.get(User, user_id), "该用户")
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(session, actor, AuditAction.UPDATE, "user", user.uuid, f"解锁用户 {user.username}")


# --------------------------------------------------------------------------- administration


def list_users(session: Session, actor: Actor, include_inactive: bool = True) -> list[UserRow]:
    require(actor, Permission.MANAGE_USERS)
    stmt = select(User).order_by(User.active.desc(), User.username)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return [
        UserRow(
            id=u.id,
            uuid=u.uuid,
            username=u.username,
            display_name=u.display_name,
            phone=u.phone,
            roles=u.role_set,
            active=u.active,
            must_change_password=u.must_change_password,
            locked_until=u.locked_until,
            last_login_at=u.last_login_at,
            version=u.version,
        )
        for u in session.scalars(stmt)
    ]


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, Permission.MANAGE_USERS)
    return get_or_404(session.get(User, user_id), "该用户")


def find_user(session: Session, actor: Actor, username: str) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = _find(session, username)
    if user is None:
        raise NotFound(f"没有用户名为「{username.strip()}」的用户。")
    return user


def _validate(session: Session, data: UserInput, user_id: int | None) -> None:
    problems: list[FieldProblem] = []
    username = normalize_username(data.username)
    if not _USERNAME_RE.match(username):
        problems.append(
            FieldProblem(
                "username", "用户名须为2至40个字符，只能包含字母、数字、汉字、下划线、点或连字符。"
            )
        )
    else:
        clash = session.scalar(
            select(User.id).where(User.username == username, User.id != (user_id or -1))
        )
        if clash is not None:
            problems.append(FieldProblem("username", f"用户名「{username}」已被使用。"))
    name = data.display_name.strip()
    if not name:
        problems.append(FieldProblem("display_name", "请填写姓名。"))
    elif len(name) > 40:
        problems.append(FieldProblem("display_name", "姓名不能超过40个字。"))
    if not data.roles:
        problems.append(FieldProblem("roles", "请至少选择一个角色。"))
    if len(data.phone.strip()) > 40:
        problems.append(FieldProblem("phone", "电话不能超过40个字符。"))
    if problems:
        raise ValidationErrors(problems)


def _active_admin_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == Role.ADMIN)
        )
    )


def create_user(
    session: Session, actor: Actor, data: UserInput, password: str | None = None
) -> tuple[User, str]:
    """Create a user; returns it and its one-time password (generated unless given)."""
    require(actor, Permission.MANAGE_USERS)
    _validate(session, data, None)
    username = normalize_username(data.username)
    if password is not None:
        problems = password_problems(username, password)
        if problems:
            raise ValidationErrors([FieldProblem("password", m) for m in problems])
    plain = password if password is not None else generate_password()
    user = User(
        username=username,
        display_name=data.display_name.strip(),
        phone=data.phone.strip(),
        active=data.active,
        password_hash=hash_password(plain),
        must_change_password=True,
    )
    user.roles = [UserRole(role=r) for r in Role if r in data.roles]
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "user",
        user.uuid,
        f"新增用户 {user.username}（{'、'.join(r.label for r in Role if r in data.roles)}）",
        None,
        _snapshot(user),
    )
    return user, plain


def update_user(
    session: Session, actor: Actor, user_id: int, data: UserInput, expected_version: int | None
) -> User:
    """Edit name, phone, roles and active flag. The username itself cannot change."""
    require(actor, Permission.MANAGE_USERS)
    user = get_or_404(session.get(User, user_id), "该用户")
    check_version(user, expected_version, f"用户「{user.username}」")
    data.username = user.username
    _validate(session, data, user_id)
    removes_admin = Role.ADMIN in user.role_set and (
        Role.ADMIN not in data.roles or not data.active
    )
    if removes_admin and _active_admin_ids(session) <= {user.id}:
        raise ValidationError(
            "roles", "不能取消最后一个有效系统管理员的管理员角色或停用该账户，否则无人能管理系统。"
        )
    if user.id == actor.user_id and not data.active:
        raise ValidationError("active", "不能停用自己正在使用的账户。")
    before = _snapshot(user)
    user.display_name = data.display_name.strip()
    user.phone = data.phone.strip()
    user.active = data.active
    current = {r.role: r for r in user.roles}
    user.roles = [current.get(r) or UserRole(role=r) for r in Role if r in data.roles]
    # Role rows are not versioned themselves: bump the user so a concurrent edit is refused.
    user.updated_at = now()
    flag_modified(user, "updated_at")
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "user",
        user.uuid,
        f"修改用户 {user.username}",
        before,
        _snapshot(user),
    )
    return user


def set_active(
    session: Session, actor: Actor, user_id: int, active: bool, expected_version: int | None = None
) -> User:
    """Deactivate (or reactivate) a user; a deactivated user cannot log in, history stays."""
    require(actor, Permission.MANAGE_USERS)
    user = get_or_404(session.get(User, user_id), "该用户")
    data = UserInput(
        username=user.username,
        display_name=user.display_name,
        roles=set(user.role_set),
        phone=user.phone,
        active=active,
    )
    return update_user(session, actor, user_id, data, expected_version)
