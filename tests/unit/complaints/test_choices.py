"""What the complaint screens offer to choose from: categories, handlers, names for ids."""

from __future__ import annotations

import pytest
from complaint_helpers import World
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import ProblemCategory, User
from effdesk.enums import Role
from effdesk.errors import PermissionDenied
from effdesk.services import complaints as svc
from effdesk.services.categories import ensure_default_categories


def test_categories_in_order_without_inactive(world: World) -> None:
    names = [c.name for c in svc.category_choices(world.session, world.inspector)]
    assert names == ["服务态度差", "办事拖拉、效率低下", "违反工作纪律"]
    world.session.get(ProblemCategory, world.slow).active = False  # type: ignore[union-attr]
    world.session.flush()
    names = [c.name for c in svc.category_choices(world.session, world.clerk)]
    assert "办事拖拉、效率低下" not in names
    every = svc.category_choices(world.session, world.clerk, include_inactive=True)
    assert {c.id for c in every} >= {world.attitude, world.slow, world.discipline}


def test_handlers_are_active_clerks_and_leaders(world: World, session: Session) -> None:
    gone = session.get(User, world.leader.user_id)
    handlers = svc.handler_choices(session, world.inspector)
    assert [h.id for h in handlers] == sorted(
        [world.clerk.user_id, world.leader.user_id],  # type: ignore[list-item]
        key=lambda i: (session.get(User, i).display_name, i),  # type: ignore[union-attr]
    )
    assert gone is not None
    gone.active = False
    session.flush()
    assert [h.id for h in svc.handler_choices(session, world.clerk)] == [world.clerk.user_id]
    assert world.inspector.user_id not in {h.id for h in handlers}


def test_names_for_ids(world: World) -> None:
    names = svc.names_for(
        world.session,
        world.inspector,
        unit_ids=[world.police, 99999],
        category_ids=[world.discipline],
        user_ids=[world.clerk.user_id or 0],
    )
    assert names.units == {world.police: "县公安局"}
    assert names.categories == {world.discipline: "违反工作纪律"}
    assert names.users == {world.clerk.user_id: "clerk"}


def test_nobody_without_view_right(world: World) -> None:
    stranger = Actor(user_id=None, username="x", roles=frozenset[Role](), display_name="x")
    with pytest.raises(PermissionDenied):
        svc.category_choices(world.session, stranger)
    with pytest.raises(PermissionDenied):
        svc.handler_choices(world.session, stranger)


def test_the_category_is_suggested_from_the_summary(world: World) -> None:
    ensure_default_categories(world.session)
    cats = svc.category_words(world.session, world.clerk)
    names = {c.id: c.name for c in cats}

    def suggested(text: str) -> str | None:
        cid = svc.suggest_category(cats, text)
        return names[cid] if cid is not None else None

    assert suggested("窗口工作人员态度生硬，不耐烦") == "服务态度差"
    assert suggested("上班时间玩手机游戏，群众等了半小时") == "违反工作纪律"
    assert suggested("办证被要求交500元好处费") == "吃拿卡要"
    assert suggested("两个科室互相推，让群众来回跑") == "推诿扯皮"
    assert suggested("营业执照办了三个月迟迟不批") == "办事拖拉、效率低下"
    assert suggested("对这件事很不满意") is None  # nothing to go on: the clerk chooses
