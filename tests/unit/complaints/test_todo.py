"""待办: what is late, due today or near for the handler; instruction, sign-off and extension
decisions for the leader."""

from __future__ import annotations

from datetime import date, datetime

from complaint_helpers import (
    World,
    instructed,
    to_awaiting,
    to_investigating,
    to_review,
    to_routed,
)

from effdesk.enums import DeadlineKind
from effdesk.services import complaints as svc
from effdesk.services.complaints import TodoKind


def test_handler_sees_late_today_and_near(world: World) -> None:
    late = world.register(at=datetime(2026, 3, 2, 9, 0))  # acceptance limit 03-05
    today_ = world.register(at=datetime(2026, 3, 3, 9, 0))  # 03-06
    near = world.register(at=datetime(2026, 3, 5, 9, 0))  # 03-10
    far = world.register(at=datetime(2026, 3, 6, 9, 0))  # 03-11: 3 left on 03-06 → near too
    leader_case = svc.register_complaint(
        world.session,
        world.leader,
        world.input(received_at=datetime(2026, 3, 2, 9, 0)),
        at=datetime(2026, 3, 2, 9, 0),
    )
    items = svc.todo_for(world.session, world.clerk, date(2026, 3, 6))
    assert [(i.complaint_id, i.kind) for i in items] == [
        (late.id, TodoKind.OVERDUE),
        (today_.id, TodoKind.DUE_TODAY),
        (near.id, TodoKind.NEAR),
        (far.id, TodoKind.NEAR),
    ]
    assert items[0].text == f"{late.number} 受理决定时限2026-03-05，已超期1个工作日"
    assert items[2].text == f"{near.number} 受理决定时限2026-03-10，还剩2个工作日"
    assert items[0].deadline is not None
    assert items[0].deadline.kind == DeadlineKind.ACCEPTANCE
    assert leader_case.id not in {i.complaint_id for i in items}
    assert svc.todo_for(world.session, world.inspector, date(2026, 3, 6)) == []


def test_leader_decisions(world: World) -> None:
    at = datetime(2026, 3, 2, 10, 0)
    waiting = world.register(at=at)
    to_awaiting(world, waiting, at)
    to_route = world.register(at=at)
    to_awaiting(world, to_route, at)
    instructed(world, to_route, at)
    review = world.register(at=at)
    for drive in (to_awaiting, instructed, to_routed, to_investigating, to_review):
        drive(world, review, at)
    extension = world.register(at=at)
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, extension, at)
    svc.request_extension(
        world.session, world.clerk, extension.id, 5, "需调取录像", expected_version=None, at=at
    )
    decided = world.register(at=at)
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, decided, at)
    svc.request_extension(
        world.session, world.clerk, decided.id, 5, "需调取录像", expected_version=None, at=at
    )
    svc.deny_extension(
        world.session, world.leader, decided.id, "能按期办结", expected_version=None, at=at
    )
    leader = svc.todo_for(world.session, world.leader, date(2026, 3, 3))
    assert [(i.complaint_id, i.kind) for i in leader] == [
        (waiting.id, TodoKind.AWAIT_INSTRUCTION),
        (extension.id, TodoKind.AWAIT_EXTENSION),
        (review.id, TodoKind.AWAIT_SIGN_OFF),
    ]
    clerk = svc.todo_for(world.session, world.clerk, date(2026, 3, 3))
    # Each case once, in its most urgent group; the line says every reason it is there.
    assert [(i.complaint_id, i.kind) for i in clerk] == [
        (waiting.id, TodoKind.NEAR),
        (to_route.id, TodoKind.NEAR),
    ]
    assert "领导已批示，待交办/转办" in clerk[1].text
    assert "还剩" in clerk[1].text and "待交办" not in clerk[0].text
