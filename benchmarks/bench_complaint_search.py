"""Complaint search on a million cases: FTS5 trigram vs a LIKE scan, and the list's first screen.

    .venv/bin/python benchmarks/bench_complaint_search.py [/tmp/effdesk-1m.sqlite]
        [--complaints 1000000] [--runs 20]
    .venv/bin/python benchmarks/bench_complaint_search.py postgresql+psycopg://…/effdesk_bench
        --complaints 200000          # PostgreSQL: an empty database is filled first

Builds the demo database with ``benchmarks/build_large_db.py`` (in a child process, so this
process's memory is the search's alone) or reuses one built with the same arguments, then
prints p50/p95 of:

1. a search for a 3-character Chinese phrase (first page of 50 rows, as the list shows it),
   through ``complaints.search_complaints`` (FTS5), beside a LIKE scan of the same columns;
2. the first screen (50 rows) of filtered lists (state, due status, unit, category, channel,
   date range), beside the naive way of filling a list (exact COUNT(*) first, then the page);
3. a filtered list with a 3-character phrase, FTS vs LIKE;
4. one row per filter combination a clerk uses (issue 21): unit + phrase, state + due status,
   date range + category, handler + overdue, unit + state + due status, channel + state, each
   beside the naive list (exact COUNT first, then the page) or a LIKE scan;
5. the list's total: ``estimate_complaints`` (exact when cheap, else "约 N 件") beside the
   exact count it stands in for;

and the process's peak RSS. Targets (issues 3 and 21): every search and first screen p95
< 50 ms, RSS < 300 MB. On PostgreSQL the text is an ILIKE served by pg_trgm, and the "LIKE"
baseline is the same ILIKE without the page's plan (a plain COUNT and sort).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from effdesk.auth import Actor
from effdesk.db.engine import open_database
from effdesk.enums import Channel, ComplaintState, DueStatus, Role
from effdesk.services import complaints as svc

HERE = Path(__file__).resolve().parent
DEFAULT_DB = Path("/tmp/effdesk-1m.sqlite")
BENCH_TODAY = date(2026, 11, 23)  # build_large_db's default "today"
SEARCH_P95_MS = 50.0
RSS_MB = 300.0

CLERK = Actor(user_id=None, username="bench-clerk", roles=frozenset({Role.CLERK}))
INSPECTOR = Actor(user_id=None, username="bench-inspector", roles=frozenset({Role.INSPECTOR}))


@dataclass
class Timing:
    label: str
    samples: list[float]
    rows: int

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = fn()
    return (time.perf_counter() - started) * 1000, rows


def measure(label: str, calls: list[Callable[[], int]], runs: int) -> Timing:
    """Each call once to warm up, then ``runs`` rounds over all calls."""
    for call in calls:
        call()
    samples: list[float] = []
    rows = 0
    for _ in range(runs):
        for call in calls:
            ms, n = timed(call)
            samples.append(ms)
            rows = max(rows, n)
    return Timing(label, samples, rows)


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build(db_path: str, complaints: int) -> None:
    """Build or reuse the demo database in a child process."""
    cmd = [
        sys.executable,
        str(HERE / "build_large_db.py"),
        db_path,
        "--complaints",
        str(complaints),
    ]
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"数据库准备用时 {time.perf_counter() - started:.1f} 秒")


def pick_phrases(session: Any, count: int, seed: int = 7) -> list[str]:
    """3-character Chinese phrases taken from real summaries and contents: some common, some
    rare, as a clerk would type them."""
    rng = random.Random(seed)
    top = int(session.execute(text("SELECT max(id) FROM complaints")).scalar() or 0)
    phrases: list[str] = []
    seen: set[str] = set()
    while len(phrases) < count:
        cid = rng.randint(1, top)
        row = session.execute(
            text("SELECT summary || content FROM complaints WHERE id = :i"), {"i": cid}
        ).scalar()
        runs = re.findall(r"[\u4e00-\u9fff]{3,}", row or "")
        if not runs:
            continue
        run = rng.choice(runs)
        start = rng.randint(0, len(run) - 3)
        phrase = run[start : start + 3]
        if phrase not in seen:
            seen.add(phrase)
            phrases.append(phrase)
    return phrases


def pick_names(session: Any, count: int, identity: bool, seed: int = 13) -> list[str]:
    """3-character names: persons complained about (searchable by everybody) or complainants
    (identity, for the clerk). Each matches only a few hundred cases or fewer — the searches a
    LIKE scan is slowest at."""
    rng = random.Random(seed)
    sql = (
        "SELECT DISTINCT complainant_name FROM complaints WHERE length(complainant_name) = 3 "
        "AND id % 997 = 0"
        if identity
        else "SELECT name FROM persons WHERE length(name) = 3"
    )
    names = sorted(str(n) for n in session.execute(text(sql)).scalars())
    rng.shuffle(names)
    return names[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "db", nargs="?", default=str(DEFAULT_DB), help="SQLite file or PostgreSQL URL"
    )
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="rounds over all queries")
    parser.add_argument("--phrases", type=int, default=40)
    parser.add_argument("--no-build", action="store_true", help="use the file as it is")
    args = parser.parse_args(argv)

    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    sqlite = url.startswith("sqlite")
    if not args.no_build:
        build(args.db, args.complaints)
    rss_before = peak_rss_mb()
    db = open_database(url)
    results: list[tuple[Timing, Timing | None]] = []
    with db.session() as session:
        total = int(session.execute(text("SELECT count(*) FROM complaints")).scalar() or 0)
        version = "select sqlite_version()" if sqlite else "show server_version"
        engine_name = "SQLite" if sqlite else "PostgreSQL"
        print(f"投诉件 {total:,} 件；{engine_name} {session.execute(text(version)).scalar()}")
        phrases = pick_phrases(session, args.phrases)
        if sqlite:
            counts = [
                int(
                    session.execute(
                        text("SELECT count(*) FROM complaints_fts WHERE complaints_fts MATCH :q"),
                        {"q": f'search_text : "{p}"'},
                    ).scalar()
                    or 0
                )
                for p in phrases
            ]
            print(
                f"检索词 {len(phrases)} 个（如 {'、'.join(phrases[:6])}），"
                f"命中件数 中位 {int(statistics.median(counts)):,}，最多 {max(counts):,}"
            )

        def fts(
            actor: Actor, phrase: str, filters: dict[str, Any] | None = None
        ) -> Callable[[], int]:
            f = svc.ComplaintFilter(text=phrase, **(filters or {}))

            def call() -> int:
                page = svc.search_complaints(session, actor, f, 0, 50, today=BENCH_TODAY)
                return len(page.rows)

            return call

        op = "LIKE" if sqlite else "ILIKE"

        def like(
            phrase: str, identity: bool, where: str = "", params: dict[str, Any] | None = None
        ) -> Callable[[], int]:
            cols = f"(search_text {op} :p" + (f" OR search_identity {op} :p)" if identity else ")")
            sql = (
                f"SELECT id FROM complaints WHERE {cols} {where} "
                "ORDER BY received_date DESC, id DESC LIMIT 51"
            )

            def call() -> int:
                rows = session.execute(text(sql), {"p": f"%{phrase}%", **(params or {})}).all()
                return min(50, len(rows))

            return call

        # 1. search for a 3-character phrase: common ones from the texts, rare ones (names)
        people = pick_names(session, args.phrases // 2, identity=False)
        callers = pick_names(session, args.phrases // 4, identity=True)
        rare = people + callers
        print(f"少见短语（人名）{len(rare)} 个，如 {'、'.join(rare[:4])}")
        few = max(1, args.runs // 5)
        results.append(
            (
                measure(
                    "检索 常见3字短语（受理员）FTS5", [fts(CLERK, p) for p in phrases], args.runs
                ),
                measure("　　同上 LIKE 扫描", [like(p, True) for p in phrases], few),
            )
        )
        results.append(
            (
                measure("检索 少见3字短语（受理员）FTS5", [fts(CLERK, p) for p in rare], args.runs),
                measure("　　同上 LIKE 扫描", [like(p, True) for p in rare], 1),
            )
        )
        results.append(
            (
                measure(
                    "检索 3字短语（督查员：不含身份列）FTS5",
                    [fts(INSPECTOR, p) for p in phrases + people],
                    args.runs,
                ),
                measure(
                    "　　同上 LIKE 扫描", [like(p, False) for p in phrases[:10] + people[:5]], 1
                ),
            )
        )

        # 2. first screen of filtered lists
        units = [
            int(u) for u in session.execute(text("SELECT id FROM units ORDER BY id")).scalars()
        ]
        cats = [
            int(c) for c in session.execute(text("SELECT id FROM problem_categories")).scalars()
        ]
        rng = random.Random(11)
        filter_sets: list[svc.ComplaintFilter] = []
        for i in range(24):
            kind = i % 6
            if kind == 0:
                filter_sets.append(
                    svc.ComplaintFilter(
                        states=frozenset({ComplaintState.INVESTIGATING, ComplaintState.ROUTED})
                    )
                )
            elif kind == 1:
                filter_sets.append(svc.ComplaintFilter(due_statuses=frozenset({DueStatus.OVERDUE})))
            elif kind == 2:
                filter_sets.append(svc.ComplaintFilter(unit_id=rng.choice(units)))
            elif kind == 3:
                start = BENCH_TODAY - timedelta(days=rng.randint(30, 300))
                filter_sets.append(
                    svc.ComplaintFilter(
                        category_id=rng.choice(cats),
                        received_from=start,
                        received_to=start + timedelta(days=30),
                    )
                )
            elif kind == 4:
                filter_sets.append(
                    svc.ComplaintFilter(
                        channels=frozenset({rng.choice(list(Channel))}),
                        states=frozenset({ComplaintState.ARCHIVED}),
                    )
                )
            else:
                filter_sets.append(
                    svc.ComplaintFilter(
                        unit_id=rng.choice(units),
                        states=frozenset({ComplaintState.INVESTIGATING}),
                        due_statuses=frozenset({DueStatus.NEAR, DueStatus.OVERDUE}),
                    )
                )

        def screen(f: svc.ComplaintFilter) -> Callable[[], int]:
            def call() -> int:
                return len(svc.search_complaints(session, CLERK, f, 0, 50, today=BENCH_TODAY).rows)

            return call

        def naive(f: svc.ComplaintFilter) -> Callable[[], int]:
            def call() -> int:
                svc.count_complaints(session, CLERK, f, today=BENCH_TODAY)
                return len(svc.search_complaints(session, CLERK, f, 0, 50, today=BENCH_TODAY).rows)

            return call

        results.append(
            (
                measure(
                    "筛选列表首屏（50行，不计总数）", [screen(f) for f in filter_sets], args.runs
                ),
                measure(
                    "　　同上 先精确计数再取首屏",
                    [naive(f) for f in filter_sets],
                    max(1, args.runs // 5),
                ),
            )
        )

        # 3. filtered list with a phrase
        unit_phrases = [(rng.choice(units), p) for p in phrases[:15] + people[:5]]
        results.append(
            (
                measure(
                    "单位筛选＋3字短语 FTS5",
                    [fts(CLERK, p, {"unit_id": u}) for u, p in unit_phrases],
                    args.runs,
                ),
                measure(
                    "　　同上 LIKE 扫描",
                    [like(p, True, "AND unit_id = :u", {"u": u}) for u, p in unit_phrases],
                    max(1, args.runs // 5),
                ),
            )
        )

        # 4. the clerk's filter combinations (issue 21), each beside the naive list
        handlers = [
            int(h)
            for h in session.execute(
                text("SELECT DISTINCT handler_user_id FROM complaints WHERE handler_user_id > 0")
            ).scalars()
        ]

        def month(i: int) -> tuple[date, date]:
            start = BENCH_TODAY - timedelta(days=30 + (i * 37) % 300)
            return start, start + timedelta(days=30)

        late = frozenset({DueStatus.NEAR, DueStatus.OVERDUE})
        combos: list[tuple[str, list[svc.ComplaintFilter]]] = [
            (
                "组合 单位＋3字短语",
                [
                    svc.ComplaintFilter(unit_id=rng.choice(units), text=p)
                    for p in phrases[:16] + people[:4]
                ],
            ),
            (
                "组合 状态＋时限状态",
                [
                    svc.ComplaintFilter(states=frozenset({s}), due_statuses=frozenset({d}))
                    for s in (
                        ComplaintState.INVESTIGATING,
                        ComplaintState.ROUTED,
                        ComplaintState.REGISTERED,
                        ComplaintState.AWAITING_REVIEW,
                    )
                    for d in (DueStatus.OVERDUE, DueStatus.NEAR, DueStatus.NORMAL)
                ],
            ),
            (
                "组合 受理日期范围＋问题类别",
                [
                    svc.ComplaintFilter(
                        category_id=rng.choice(cats),
                        received_from=month(i)[0],
                        received_to=month(i)[1],
                    )
                    for i in range(16)
                ],
            ),
            (
                "组合 承办人＋超期",
                [
                    svc.ComplaintFilter(
                        handler_user_id=h, due_statuses=frozenset({DueStatus.OVERDUE})
                    )
                    for h in handlers
                ]
                + [
                    svc.ComplaintFilter(
                        handler_user_id=h,
                        due_statuses=frozenset({DueStatus.OVERDUE}),
                        received_from=month(i)[0],
                        received_to=month(i)[1],
                    )
                    for i, h in enumerate(handlers)
                ],
            ),
            (
                "组合 单位＋状态＋临期/超期",
                [
                    svc.ComplaintFilter(
                        unit_id=rng.choice(units),
                        states=frozenset({ComplaintState.INVESTIGATING}),
                        due_statuses=late,
                    )
                    for _ in range(16)
                ],
            ),
            (
                "组合 渠道＋状态",
                [
                    svc.ComplaintFilter(channels=frozenset({c}), states=frozenset({s}))
                    for c in (Channel.MEDIA, Channel.OTHER, Channel.LETTER, Channel.PHONE)
                    for s in (ComplaintState.ARCHIVED, ComplaintState.REJECTED)
                ],
            ),
            (
                "组合 状态＋3字短语",
                [
                    svc.ComplaintFilter(
                        states=frozenset({ComplaintState.INVESTIGATING}),
                        due_statuses=frozenset({DueStatus.OVERDUE}) if i % 2 else frozenset(),
                        text=p,
                    )
                    for i, p in enumerate(phrases[:12] + people[:4])
                ],
            ),
        ]
        for label, fs in combos:
            results.append(
                (
                    measure(label, [screen(f) for f in fs], args.runs),
                    measure("　　同上 先精确计数再取首屏", [naive(f) for f in fs], 1),
                )
            )

        # 5. the list's total: estimate (exact when cheap) beside the exact count
        totals = filter_sets + [f for _l, fs in combos for f in fs[:4]]

        def estimate(f: svc.ComplaintFilter) -> Callable[[], int]:
            def call() -> int:
                return svc.estimate_complaints(session, CLERK, f, today=BENCH_TODAY).value

            return call

        def exact(f: svc.ComplaintFilter) -> Callable[[], int]:
            def call() -> int:
                return svc.count_complaints(session, CLERK, f, today=BENCH_TODAY)

            return call

        est = measure("总数 估计（便宜时即精确）", [estimate(f) for f in totals], args.runs)
        exact_t = measure("　　精确计数（后台线程）", [exact(f) for f in totals], 1)
        shown_exact = sum(
            svc.estimate_complaints(session, CLERK, f, today=BENCH_TODAY).exact for f in totals
        )
        print(f"总数：{len(totals)} 个筛选中 {shown_exact} 个估计即精确，其余显示「约 N 件」")
        results.append((est, exact_t))
    db.dispose()

    print()
    print(f"{'测量项':<34}{'p50 ms':>10}{'p95 ms':>10}{'次数':>7}")
    for main_t, base in results:
        for t in (main_t, base):
            if t is None:
                continue
            print(f"{t.label:<34}{t.p50:>10.1f}{t.p95:>10.1f}{len(t.samples):>7}")
    rss = peak_rss_mb()
    print(f"\n进程峰值内存 RSS：{rss:.0f} MB（打开数据库前 {rss_before:.0f} MB）")
    verdict = [
        (f"{t.label.strip('　')} p95 < 50 ms", t.p95 < SEARCH_P95_MS, f"{t.p95:.1f} ms")
        for t, _base in results[:-1]
    ]
    verdict.append(("RSS < 300 MB", rss < RSS_MB, f"{rss:.0f} MB"))
    for name, ok, value in verdict:
        print(f"{'达标' if ok else '未达标'}：{name}（实测 {value}）")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"机器负载（1分钟平均）：{load:.2f}，CPU {os.cpu_count()} 核")
    return 0 if all(ok for _n, ok, _v in verdict) else 1


if __name__ == "__main__":
    raise SystemExit(main())
