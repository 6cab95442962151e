"""Access changes reach users already logged in: every write checks the actor's current state
(active, roles, must-change-password) in the database, not the Actor built at login."""

from __future__ import annotations

import pytest
from complaint_helpers import World, case_in
from sqlalchemy import func, select

from effdesk.access import AccessRevoked, access_problem
from effdesk.db.models import Complaint, User, UserRole
from effdesk.enums import ComplaintState, Role
from effdesk.errors import PermissionDenied
from effdesk.services import complaints as svc
from effdesk.services import users


def _count(world: World) -> int:
    return int(world.session.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_deactivated_clerk_cannot_register(world: World) -> None:
    world.register()
    assert world.clerk.user_id is not None
    users.set_active(world.session, world.admin, world.clerk.user_id, False)
    before = _count(world)
    sp = world.session.begin_nested()
    with pytest.raises(AccessRevoked, match="停用") as err:
        svc.register_complaint(world.session, world.clerk, world.input())
    sp.rollback()
    assert err.value.ends_session
    assert isinstance(err.value, PermissionDenied)
    assert _count(world) == before
    assert access_problem(world.session, world.clerk) is not None


def test_leader_demoted_to_clerk_cannot_instruct(world: World) -> None:
    case = case_in(world, ComplaintState.AWAITING_INSTRUCTION)
    assert world.leader.user_id is not None
    leader = world.session.get(User, world.leader.user_id)
    assert leader is not None
    users.update_user(
        world.session,
        world.admin,
        leader.id,
        users.UserInput(leader.username, leader.display_name, {Role.CLERK}),
        None,
    )
    with pytest.raises(AccessRevoked, match="领导"):
        svc.instruct(
            world.session,
            world.leader,
            case.id,
            "请认真核查",
            expected_version=case.version,
        )


def test_must_change_password_cannot_write(world: World) -> None:
    assert world.clerk.user_id is not None
    users.reset_password(world.session, world.admin, world.clerk.user_id)
    with pytest.raises(AccessRevoked, match="修改密码"):
        svc.register_complaint(world.session, world.clerk, world.input())


def test_unchanged_user_writes_and_added_role_is_harmless(world: World) -> None:
    assert world.clerk.user_id is not None
    clerk = world.session.get(User, world.clerk.user_id)
    assert clerk is not None
    clerk.roles.append(UserRole(role=Role.INSPECTOR))
    world.session.flush()
    world.register()
    assert access_problem(world.session, world.clerk) is None
