"""Build a large demo database for benchmarks and print how long each part took.

    .venv/bin/python benchmarks/build_large_db.py /tmp/effdesk-1m.sqlite --complaints 1000000

Other benchmarks reuse it: ``build_large_db(path, complaints=...)`` returns the DemoSummary,
and an existing database built with the same arguments is reused (``--force`` rebuilds).
A PostgreSQL URL may be given instead of a path (the database must be empty).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from effdesk.db.engine import Database, open_database, wipe_sqlite
from effdesk.demo.generator import DemoSummary, build_demo, existing_data
from effdesk.paths import evidence_dir_for

DEFAULT_TODAY = date(2026, 11, 23)


def _url(target: str) -> str:
    return target if "://" in target else f"sqlite:///{Path(target).resolve()}"


def _marker(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///") + ".demo.json")


def build_large_db(
    target: str | Path,
    complaints: int = 1_000_000,
    seed: int = 2026,
    today: date = DEFAULT_TODAY,
    force: bool = False,
    verbose: bool = True,
) -> DemoSummary | None:
    """Build (or reuse) a demo database at ``target``; None when an existing one was reused."""
    url = _url(str(target))
    marker = _marker(url)
    wanted = {"complaints": complaints, "seed": seed, "today": today.isoformat()}
    if marker is not None:
        path = Path(url.removeprefix("sqlite:///"))
        reusable = marker.exists() and path.exists() and not force
        if reusable and json.loads(marker.read_text(encoding="utf-8")) == wanted:
            if verbose:
                print(f"复用已有的数据库 {path}（{complaints} 件投诉）")
            return None
        if path.exists():
            wipe_sqlite(path)
            marker.unlink(missing_ok=True)
            files = evidence_dir_for(url)
            if files.exists():
                shutil.rmtree(files)
    db = open_database(url, create=True)
    try:
        if existing_data(db):
            raise SystemExit(f"{url} 不是空数据库")
        last = [time.perf_counter(), ""]

        def progress(done: int, total: int, what: str) -> None:
            if not verbose:
                return
            if what != last[1]:
                last[1] = what
                print(f"[{time.perf_counter() - started:7.1f}s] {what}", flush=True)
            elif total >= 100_000 and done % 100_000 == 0:
                print(f"[{time.perf_counter() - started:7.1f}s]   {done}/{total}", flush=True)

        started = time.perf_counter()
        summary = build_demo(db, seed=seed, complaints=complaints, today=today, progress=progress)
        if verbose:
            _report(db, summary, url)
        if marker is not None:
            marker.write_text(json.dumps(wanted), encoding="utf-8")
        return summary
    finally:
        db.dispose()


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _report(db: Database, summary: DemoSummary, url: str) -> None:
    print()
    for line in summary.lines():
        print(line)
    print()
    print("各阶段用时：")
    for stage, seconds in summary.timings.items():
        print(f"  {stage:<16} {seconds:8.1f} s")
    print(f"  {'total':<16} {summary.elapsed_seconds:8.1f} s")
    big = sorted(summary.table_counts.items(), key=lambda kv: -kv[1])[:6]
    print("行数最多的表：" + "，".join(f"{k} {v}" for k, v in big))
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(_size(Path(str(path) + s)) for s in ("", "-wal") if Path(str(path) + s).exists())
        print(f"数据库文件：{path}，{size / 1024 / 1024:.0f} MB")
        print(f"证据文件夹：{_size(evidence_dir_for(url)) / 1024 / 1024:.1f} MB")
        with db.engine.connect() as conn:
            t = time.perf_counter()
            hits = conn.execute(
                text("SELECT count(*) FROM complaints_fts WHERE complaints_fts MATCH :q"),
                {"q": '"推诿扯皮"'},
            ).scalar_one()
            print(f"全文检索「推诿扯皮」：{hits} 件，{(time.perf_counter() - t) * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成大规模演示数据库并报告用时")
    parser.add_argument("target", help="SQLite 文件路径，或 PostgreSQL 地址（须为空库）")
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--force", action="store_true", help="即使已有同参数的数据库也重建")
    args = parser.parse_args(argv)
    build_large_db(args.target, args.complaints, args.seed, args.today, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
