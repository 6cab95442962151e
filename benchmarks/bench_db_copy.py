"""``effdesk db copy`` and backup/restore on PostgreSQL beside SQLite, for the demo office.

    EFFDESK_BENCH_PG_URL=postgresql+psycopg://user:pw@host/empty_db \\
        .venv/bin/python benchmarks/bench_db_copy.py [--complaints 500]

The PostgreSQL database is wiped (DROP SCHEMA public CASCADE). One run builds the demo office
in SQLite and times, each beside its baseline measured in the same run:

- copy SQLite → PostgreSQL and PostgreSQL → SQLite, beside a plain SQLite online-backup file
  copy of the same database (the cheapest way to duplicate it) and a SQLite → SQLite copy;
- the encrypted backup and the restore on PostgreSQL, beside the same on SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path


def _wipe(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--complaints", type=int, default=500)
    args = p.parse_args()
    pg = os.environ.get("EFFDESK_BENCH_PG_URL") or os.environ.get("EFFDESK_TEST_PG_URL")
    if not pg:
        print("set EFFDESK_BENCH_PG_URL to an empty PostgreSQL database", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="effdesk-bench-copy-") as tmp:
        work = Path(tmp)
        os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
        from effdesk.db import copy as dbcopy
        from effdesk.db.engine import copy_sqlite_file, open_database
        from effdesk.demo.generator import build_demo
        from effdesk.security import backup, keys

        src = work / "office" / "effdesk.sqlite"
        src_url = f"sqlite:///{src}"
        db = open_database(src_url, create=True)
        build_demo(db, complaints=args.complaints, today=date(2026, 11, 30))
        db.dispose()
        times: dict[str, float] = {}

        @contextlib.contextmanager
        def timed(name: str) -> Iterator[None]:
            t = time.monotonic()
            yield
            times[name] = time.monotonic() - t

        with timed("sqlite file copy (online backup API)"):
            copy_sqlite_file(src, work / "c.sqlite")
        with timed("db copy SQLite → SQLite"):
            report = dbcopy.copy_database(src_url, f"sqlite:///{work / 's2' / 'e.sqlite'}")
        _wipe(pg)
        with timed("db copy SQLite → PostgreSQL"):
            dbcopy.copy_database(src_url, pg)
        with timed("db copy PostgreSQL → SQLite"):
            dbcopy.copy_database(pg, f"sqlite:///{work / 'back' / 'e.sqlite'}")

        key = keys.generate_key()
        sizes: dict[str, float] = {}
        for label, url in (("SQLite", src_url), ("PostgreSQL", pg)):
            db = open_database(url)
            with timed(f"backup on {label}"):
                result = backup.create_backup(db, work / label, key)
            db.dispose()
            sizes[label] = result.size / 1024 / 1024
            with timed(f"restore on {label}"):
                backup.restore_backup(result.path, key, url)
        shutil.rmtree(work / "data", ignore_errors=True)

    mb = report.file_bytes / 1024 / 1024
    print(
        f"demo office: {args.complaints} complaints, {report.rows} rows, "
        f"{report.files} evidence files ({mb:.1f} MB)"
    )
    for name, seconds in times.items():
        print(f"{name:40s} {seconds:6.2f} s")
    print("archive size: " + ", ".join(f"{k} {v:.1f} MB" for k, v in sizes.items()))
    print(f"machine load (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
