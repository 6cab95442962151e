"""The list's query plans (chosen by match and filter sizes, see search.py) all give the same,
exact page — here with cases registered far out of received order, the worst case for the
FTS window — by forcing each plan with tiny thresholds and comparing to a plain sort."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from complaint_helpers import World, to_awaiting

from effdesk.enums import ComplaintState
from effdesk.services import complaints as svc
from effdesk.services.complaints import search

PLANS: dict[str, dict[str, float]] = {
    # name: the planning constants of search.py that force the plan
    "fts-small-set": {"FTS_SMALL": 10**9},
    "like-walk": {"FTS_SMALL": 1, "LIKE_ROW_COST": 0},
    "fts-window": {"FTS_SMALL": 1, "LIKE_ROW_COST": 10**9},
    "all-matches": {"FTS_SMALL": 1, "LIKE_ROW_COST": 10**9, "WINDOW_MAX": 0},
    "list-walk": {"WALK_BUDGET": 10**9},
    "driven": {"WALK_BUDGET": 1, "DRIVER_CAP": 10**9},
    "list-walk-unbounded": {"WALK_BUDGET": 1, "DRIVER_CAP": 0},
}


@pytest.fixture
def shuffled(world: World) -> list[tuple[int, datetime, bool, int, bool]]:
    rng = random.Random(5)
    made = []
    for i in range(40):
        received = datetime(2026, 2, 1, 9, 0) + timedelta(days=rng.randint(0, 50), minutes=i)
        meal = rng.random() < 0.6
        unit = world.police if rng.random() < 0.5 else world.market
        case = world.register(
            at=datetime(2026, 4, 1, 9, 0),
            received_at=received,
            unit_id=unit,
            summary="上班时间吃早餐" if meal else "窗口推诿扯皮",
        )
        submitted = rng.random() < 0.5
        if submitted:
            to_awaiting(world, case, datetime(2026, 4, 1, 10, 0))
        made.append((case.id, received, meal, unit, submitted))
    return made


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("sort", [svc.ComplaintSort.RECEIVED_DESC, svc.ComplaintSort.RECEIVED_ASC])
def test_every_plan_gives_the_exact_page(
    world: World,
    shuffled: list[tuple[int, datetime, bool, int, bool]],
    plan: str,
    sort: svc.ComplaintSort,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if world.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite query plans")
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(search, name, value)
    windows: list[int] = []
    real_window = search._fts_window

    def spy(*args: object, **kw: object) -> list[int]:
        windows.append(1)
        return real_window(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "_fts_window", spy)
    desc = sort == svc.ComplaintSort.RECEIVED_DESC
    lo, hi = datetime(2026, 2, 5).date(), datetime(2026, 3, 10).date()
    cases = {
        "text": (svc.ComplaintFilter(text="吃早餐"), lambda c: c[2]),
        "text+unit": (
            svc.ComplaintFilter(text="吃早餐", unit_id=world.market),
            lambda c: c[2] and c[3] == world.market,
        ),
        "text+state": (
            svc.ComplaintFilter(
                text="吃早餐", states=frozenset({ComplaintState.AWAITING_INSTRUCTION})
            ),
            lambda c: c[2] and c[4],
        ),
        "state": (
            svc.ComplaintFilter(states=frozenset({ComplaintState.REGISTERED})),
            lambda c: not c[4],
        ),
        "text+short": (svc.ComplaintFilter(text="吃早餐 上班"), lambda c: c[2]),
        "unit+dates": (
            svc.ComplaintFilter(unit_id=world.police, received_from=lo, received_to=hi),
            lambda c: c[3] == world.police and lo <= c[1].date() <= hi,
        ),
        "text+dates+open": (
            svc.ComplaintFilter(
                text="吃早餐",
                received_from=lo,
                states=frozenset({ComplaintState.REGISTERED, ComplaintState.AWAITING_INSTRUCTION}),
            ),
            lambda c: c[2] and lo <= c[1].date(),
        ),
    }
    for name, (filters, keep) in cases.items():
        wanted = sorted(
            (c for c in shuffled if keep(c)), key=lambda c: (c[1].date(), c[0]), reverse=desc
        )
        expected = [c[0] for c in wanted]
        assert len(expected) > 7, name
        for offset in (0, 5, 17):
            page = svc.search_complaints(world.session, world.clerk, filters, offset, 7, sort)
            assert [r.id for r in page.rows] == expected[offset : offset + 7], (name, offset)
            assert page.has_more == (len(expected) > offset + 7), (name, offset)
        assert svc.count_complaints(world.session, world.clerk, filters) == len(expected)
    # The window plan is really taken when forced, never while the match set is small.
    if plan == "fts-window":
        assert windows
    if plan == "fts-small-set":
        assert not windows
