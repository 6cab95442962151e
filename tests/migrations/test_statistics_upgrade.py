"""Migration 0009 (statistics cache and indexes) on saved databases holding data."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect

from effdesk.auth import SYSTEM
from effdesk.db.engine import open_database
from effdesk.services import statistics
from effdesk.services.statistics import GroupBy, StatsQuery

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("rev", ["0001", "0002"])
def test_statistics_on_an_upgraded_database(rev: str, tmp_path: Path) -> None:
    path = tmp_path / f"effdesk-{rev}.sqlite"
    shutil.copy(DATA / f"effdesk-{rev}.sqlite", path)
    db = open_database(f"sqlite:///{path}")
    names = {ix["name"] for ix in inspect(db.engine).get_indexes("complaints")}
    assert {"ix_complaints_reply_date", "ix_complaints_open_stats"} <= names
    with db.session() as s:
        query = StatsQuery(date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), GroupBy.MONTH)
        cached = statistics.compute(s, SYSTEM, query)
        scanned = statistics.compute(s, SYSTEM, query, use_cache=False)
    assert cached.total.received == 2  # the saved database's two cases
    assert cached.to_json() == scanned.to_json()
    db.dispose()
