"""Users: bootstrap, login with lockout, password policy, admin reset, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, User
from effdesk.enums import AuditAction, Role
from effdesk.errors import PermissionDenied, ValidationError, ValidationErrors
from effdesk.security.passwords import hash_password, needs_rehash, verify_password
from effdesk.services import users
from effdesk.services.users import LoginFailed, UserInput


def test_password_hash_round_trip_and_format() -> None:
    h = hash_password("正确的密码abc")
    parts = h.split("$")
    assert parts[:4] == ["scrypt", str(2**14), "8", "1"]
    assert verify_password("正确的密码abc", h)
    assert not verify_password("正确的密码abd", h)
    assert not verify_password("x", "garbage")
    assert not verify_password("x", "scrypt$3$8$1$AAAA$AAAA")  # n not a power of two
    assert hash_password("same") != hash_password("same")  # salted
    assert not needs_rehash(h)
    assert needs_rehash("scrypt$1024$8$1$" + parts[4] + "$" + parts[5])


def test_bootstrap_creates_admin_once(db: Database) -> None:
    with db.session() as s:
        pw = users.bootstrap_admin(s)
        assert pw is not None and len(pw) >= 8
        assert users.bootstrap_admin(s) is None
    with db.session() as s:
        actor = users.authenticate(s, "admin", pw)
        assert actor.roles == frozenset({Role.ADMIN})
        assert users.must_change_password(s, actor)
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None and pw not in user.password_hash
    with db.session() as s:
        users.change_password(s, actor, pw, "新的安全密码2026")
    with db.session() as s:
        assert not users.must_change_password(s, actor)
        users.authenticate(s, "ADMIN ", "新的安全密码2026")  # usernames ignore case and spaces


def _login_fails(db: Database, username: str, password: str) -> str:
    with pytest.raises(LoginFailed) as exc, db.session() as s:
        users.authenticate(s, username, password)
    return str(exc.value)


def test_generic_message_and_lockout(db: Database) -> None:
    with db.session() as s:
        admin = users.bootstrap_admin(s)
        assert admin
        actor = users.authenticate(s, "admin", admin)
        # The one-time password must be changed before any other write.
        users.change_password(s, actor, admin, "admin-own-pw1")
        users.create_user(
            s, actor, UserInput("zhang", "张三", {Role.CLERK}), password="zhangsan-pw1"
        )
        settings.put(s, actor, "security.max_failed_logins", 3)
        settings.put(s, actor, "security.lockout_minutes", 10)
    unknown = _login_fails(db, "nobody", "whatever1")
    wrong = _login_fails(db, "zhang", "wrong-password")
    assert unknown == wrong  # the message does not reveal whether the user exists
    _login_fails(db, "zhang", "wrong-password")
    _login_fails(db, "zhang", "wrong-password")  # third failure locks
    locked = _login_fails(db, "zhang", "zhangsan-pw1")  # right password refused while locked
    assert locked == unknown
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "zhang"))
        assert user is not None and user.locked_until is not None
        # Time passes: move the lock into the past.
        user.locked_until = user.locked_until - timedelta(minutes=11)
    with db.session() as s:
        assert users.authenticate(s, "zhang", "zhangsan-pw1").username == "zhang"
    with db.session() as s:
        failed = s.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == AuditAction.LOGIN_FAILED)
        ).all()
        assert any("用户名不存在" in f for f in failed)
        assert any("锁定" in f for f in failed)
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.LOGIN))


def test_deactivated_user_cannot_login(db: Database) -> None:
    with db.session() as s:
        pw = users.bootstrap_admin(s)
        assert pw
        admin = users.authenticate(s, "admin", pw)
        users.change_password(s, admin, pw, "admin-own-pw1")
        u, temp = users.create_user(s, admin, UserInput("li", "李四", {Role.INSPECTOR}))
        users.set_active(s, admin, u.id, False)
    assert "用户名或密码不正确" in _login_fails(db, "li", temp)


def test_password_policy(session: Session, actors: dict[str, Actor]) -> None:
    user = session.get(User, actors["clerk"].user_id)
    assert user is not None
    user.password_hash = hash_password("old-password-1")
    with pytest.raises(ValidationErrors) as exc:
        users.change_password(session, actors["clerk"], "old-password-1", "short")
    assert exc.value.problems[0].field == "new_password"
    with pytest.raises(ValidationErrors) as exc:
        users.change_password(session, actors["clerk"], "old-password-1", "clerk")
    assert any("用户名" in p.message for p in exc.value.problems)
    with pytest.raises(ValidationErrors) as exc:
        users.change_password(session, actors["clerk"], "bad-old-pw", "a-good-password")
    assert exc.value.problems[0].field == "old_password"
    with pytest.raises(ValidationErrors):
        users.change_password(session, actors["clerk"], "old-password-1", "a-good-pass", "other")
    users.change_password(session, actors["clerk"], "old-password-1", "a-good-password")
    assert verify_password("a-good-password", user.password_hash)


def test_admin_reset_never_reveals_old(session: Session, actors: dict[str, Actor]) -> None:
    user = session.get(User, actors["clerk"].user_id)
    assert user is not None
    user.password_hash = hash_password("secret-of-clerk")
    user.locked_until = users.now() + timedelta(minutes=5)
    temp = users.reset_password(session, actors["admin"], user.id)
    assert temp != "secret-of-clerk"
    assert user.must_change_password and user.locked_until is None
    assert verify_password(temp, user.password_hash)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and "secret-of-clerk" not in str(entry.before) + str(entry.after)
    assert temp not in entry.summary
    for role in ("clerk", "inspector", "leader"):
        with pytest.raises(PermissionDenied):
            users.reset_password(session, actors[role], user.id)


def test_user_with_several_roles(session: Session, actors: dict[str, Actor]) -> None:
    u, _ = users.create_user(
        session, actors["admin"], UserInput("wang", "王五", {Role.CLERK, Role.LEADER})
    )
    assert u.role_set == {Role.CLERK, Role.LEADER}
    v = u.version
    users.update_user(
        session, actors["admin"], u.id, UserInput("wang", "王五", {Role.INSPECTOR}), v
    )
    assert u.role_set == {Role.INSPECTOR}
    assert u.version > v
    rows = users.list_users(session, actors["admin"])
    assert {r.username for r in rows} >= {"wang", "admin", "clerk"}
    with pytest.raises(ValidationErrors) as exc:
        users.create_user(session, actors["admin"], UserInput("wang", "重名", {Role.CLERK}))
    assert exc.value.problems[0].field == "username"
    with pytest.raises(ValidationErrors):
        users.create_user(session, actors["admin"], UserInput("x y", "", set()))


def test_last_admin_is_protected(session: Session, actors: dict[str, Actor]) -> None:
    admin_id = actors["admin"].user_id
    assert admin_id is not None
    with pytest.raises(ValidationError):
        users.update_user(
            session, actors["admin"], admin_id, UserInput("admin", "admin", {Role.CLERK}), None
        )
    with pytest.raises(ValidationError):
        users.set_active(session, actors["admin"], admin_id, False)
