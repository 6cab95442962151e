"""Statistics for one year over the 1,000,000-case demo database, beside a naive baseline.

    .venv/bin/python benchmarks/build_large_db.py /tmp/effdesk-1m.sqlite --complaints 1000000
    .venv/bin/python benchmarks/bench_statistics.py /tmp/effdesk-1m.sqlite --year 2026

EffDesk: ``statistics.compute`` (overall, by unit, and one breakdown; measures and findings),
as the 统计台账 module and ``effdesk stats`` call it. Baseline, in the same run: load the
year's cases (the columns the figures need) into Python and count there — what a script
over the ledger would do. Both must agree on every figure. Target: < 300 ms.

Also printed: the one-time build of the statistics cache (cache.py), and the same figures
counted by one full scan of the period (``use_cache=False``, the first design: a covering index
on the scanned columns did not speed it up measurably, so none was added).
The database is migrated to this version on opening (run it on a copy of a shared one).
"""

from __future__ import annotations

import argparse
import os
import statistics as pystats
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from effdesk.auth import SYSTEM
from effdesk.db.engine import open_database
from effdesk.db.models import Complaint
from effdesk.enums import ComplaintState, ReplyMethod, Satisfaction, Verification
from effdesk.services import statistics
from effdesk.services.statistics import GroupBy, StatsQuery

TARGET_MS = 300.0


def naive(db_session, date_from: date, end: date, as_of: date) -> dict[str, int]:  # type: ignore[no-untyped-def]
    c = Complaint
    rows = db_session.execute(
        select(
            c.state,
            c.rejection_reason,
            c.concluded_date,
            c.due_date,
            c.verification,
            c.reply_date,
            c.reply_method,
            c.return_visit_date,
            c.satisfaction,
        ).where(c.received_date >= date_from, c.received_date <= end)
    ).all()
    out = dict.fromkeys(("received", "concluded", "on_time", "open_overdue", "substantiated"), 0)
    out |= dict.fromkeys(("replied", "visited", "satisfied"), 0)
    for state, rejected, concluded, due, verification, replied, method, visited, sat in rows:
        if state == ComplaintState.MERGED or rejected:
            continue
        out["received"] += 1
        done = concluded is not None and concluded <= as_of
        if done:
            out["concluded"] += 1
            out["on_time"] += due is None or concluded <= due
            out["substantiated"] += verification in (
                Verification.SUBSTANTIATED,
                Verification.PARTLY,
            )
            out["replied"] += (
                replied is not None and replied <= as_of and method not in (None, ReplyMethod.NONE)
            )
            if visited is not None and visited <= as_of and sat is not None:
                out["visited"] += 1
                out["satisfied"] += sat in (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
        elif due is not None and due < as_of:
            out["open_overdue"] += 1
    return out


CPU: list[float] = []


def timed(fn, runs: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    """Wall-clock ms of each run (the CPU ms of the last call go to CPU, to show the load)."""
    times, result = [], None
    CPU.clear()
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
        CPU.append((time.process_time() - c) * 1000)
    return times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="统计（一年、100万件投诉）的用时")
    parser.add_argument("target", help="SQLite 文件（build_large_db.py 生成）")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=1)
    args = parser.parse_args(argv)
    path = Path(args.target)
    if not path.exists():
        print(f"{path} 不存在：先运行 benchmarks/build_large_db.py")
        return 2
    db = open_database(f"sqlite:///{path.resolve()}")
    date_from, date_to = date(args.year, 1, 1), date(args.year, 12, 31)
    end = min(date_to, args.as_of)
    with db.session() as s:
        total = s.scalar(text("SELECT count(*) FROM complaints"))
        in_year = s.scalar(
            select(text("count(*)"))
            .select_from(Complaint)
            .where(Complaint.received_date >= date_from, Complaint.received_date <= end)
        )
    print(f"数据库 {path}：{total:,} 件投诉，其中 {args.year} 年受理（至 {end}）{in_year:,} 件")

    def effdesk(by: GroupBy):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            with db.session() as s:
                return statistics.compute(s, SYSTEM, StatsQuery(date_from, date_to, args.as_of, by))

        return run

    def baseline():  # type: ignore[no-untyped-def]
        with db.session() as s:
            return naive(s, date_from, end, args.as_of)

    t = time.perf_counter()
    with db.session() as s:
        statistics.rebuild_cache(s)
    print(f"统计缓存（按受理日的单元格）一次性建立：{time.perf_counter() - t:.1f} s")

    base_times, base = timed(baseline, args.baseline_runs)
    print(f"基线（把一年的投诉读入 Python 计数）：中位 {pystats.median(base_times):,.0f} ms")

    def scan(by: GroupBy):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            with db.session() as s:
                query = StatsQuery(date_from, date_to, args.as_of, by)
                return statistics.compute(s, SYSTEM, query, use_cache=False)

        return run

    for by in (GroupBy.UNIT, GroupBy.MONTH):
        scan_times, scanned = timed(scan(by), args.baseline_runs)
        times, report = timed(effdesk(by), args.runs)
        t = report.total  # type: ignore[attr-defined]
        for key, value in base.items():  # type: ignore[union-attr]
            assert getattr(t, key) == value, (key, getattr(t, key), value)
        assert report.to_json() == scanned.to_json()  # type: ignore[attr-defined]
        med = pystats.median(times)
        print(
            f"EffDesk 统计（{args.year}年，按{by.label}）：中位 {med:.0f} ms"
            f"（CPU {pystats.median(CPU):.0f} ms），最慢 {max(times):.0f} ms"
            f"；不用缓存的一次全表统计 {pystats.median(scan_times):,.0f} ms"
            f"；基线 {pystats.median(base_times):,.0f} ms"
            f"　{'PASS' if med < TARGET_MS else 'FAIL'}（目标 < {TARGET_MS:.0f} ms）"
        )
    # A past month judged on its last day (corrections for everything concluded since).
    month_from, month_to = date(args.year, 10, 1), date(args.year, 10, 31)

    def october():  # type: ignore[no-untyped-def]
        with db.session() as s:
            return statistics.compute(
                s, SYSTEM, StatsQuery(month_from, month_to, None, GroupBy.UNIT)
            )

    times, _r = timed(october, args.runs)
    print(
        f"EffDesk 统计（{args.year}年10月，截至10月31日）：中位 {pystats.median(times):.0f} ms"
        f"（CPU {pystats.median(CPU):.0f} ms）"
    )
    print(f"负载：{' '.join(f'{x:.1f}' for x in os.getloadavg())}（{os.cpu_count()} 个 CPU）")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
