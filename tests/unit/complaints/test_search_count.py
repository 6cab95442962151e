"""The list's total: ``estimate_complaints`` is exact when counting is cheap, otherwise an
estimate marked as such (two significant figures) near the exact ``count_complaints``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from complaint_helpers import World
from sqlalchemy import text

from effdesk.enums import Channel
from effdesk.services import complaints as svc
from effdesk.services.complaints import search

F = svc.ComplaintFilter


@pytest.fixture
def sixty(world: World) -> World:
    start = datetime(2026, 3, 2, 9, 0)
    for i in range(60):
        world.register(
            at=start + timedelta(hours=i),
            unit_id=world.police if i % 3 else world.market,
            channel=Channel.LETTER if i % 4 else Channel.PHONE,
        )
    return world


def test_cheap_counts_are_exact(sixty: World) -> None:
    for filters, n in (
        (F(), 60),
        (F(unit_id=sixty.market), 20),
        (F(channels=frozenset({Channel.PHONE})), 15),
        (F(text="推诿扯皮", unit_id=sixty.police), 40),
    ):
        found = svc.estimate_complaints(sixty.session, sixty.clerk, filters)
        assert found == svc.CountEstimate(n, True)
        assert svc.count_complaints(sixty.session, sixty.clerk, filters) == n


def test_an_expensive_count_is_estimated(sixty: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXACT_CHEAP", 0)  # as if sixty cases were a million
    monkeypatch.setattr(search, "ESTIMATE_BLOCKS", 4)
    monkeypatch.setattr(search, "ESTIMATE_BLOCK", 5)
    filters = F(channels=frozenset({Channel.LETTER}))
    if sixty.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL estimates from its statistics, which autovacuum keeps on a live server.
        sixty.session.execute(text("ANALYZE complaints"))
    found = svc.estimate_complaints(sixty.session, sixty.clerk, filters)
    assert not found.exact
    exact = svc.count_complaints(sixty.session, sixty.clerk, filters)
    assert exact == 45
    assert 0.5 * exact <= found.value <= 1.5 * exact


def test_estimates_are_rounded_to_two_figures() -> None:
    assert [search._round2(n) for n in (7, 99, 123, 12_345, 99_960, 1_234_567)] == [
        7,
        99,
        120,
        12_000,
        100_000,
        1_200_000,
    ]
