"""Backup and restore throughput: a database with 20,000 persons and N MB of evidence.

    .venv/bin/python benchmarks/backup_throughput.py [--mb 500]

Prints the time and MB/s of the encrypted backup, of the full verification, and of the restore,
and the peak memory (RSS) of this process, which stays flat however large the evidence is.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=int, default=500, help="evidence to back up, in MB")
    args = p.parse_args()

    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.db.models import Person, Unit
    from effdesk.enums import AssessmentCategory, UnitKind
    from effdesk.security import backup, keys

    with tempfile.TemporaryDirectory(prefix="effdesk-bench-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'office' / 'effdesk.sqlite'}"
        db = open_database(url, create=True)
        with db.session() as s:
            unit = Unit(name="单位", kind=UnitKind.TOWN, category=AssessmentCategory.FIRST)
            s.add(unit)
            s.flush()
            s.add_all(Person(unit_id=unit.id, name=f"人员{i}") for i in range(20_000))
        store = db.evidence
        chunk = 4 * 1024 * 1024
        for _ in range(max(1, args.mb * 1024 * 1024 // chunk)):
            store.put_bytes(os.urandom(chunk))  # photos do not compress: random bytes are fair
        key = keys.generate_key()
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        t = time.monotonic()
        result = backup.create_backup(db, work / "bk", key, actor=SYSTEM)
        t_backup = time.monotonic() - t
        size_mb = result.size / 1024 / 1024
        t = time.monotonic()
        backup.verify_archive(result.path, key)
        t_verify = time.monotonic() - t
        db.dispose()
        t = time.monotonic()
        backup.restore_backup(result.path, key, url)
        t_restore = time.monotonic() - t
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"archive: {size_mb:.0f} MB ({result.files} evidence files, database {result.database_bytes / 1e6:.1f} MB)"
    )
    print(f"backup : {t_backup:6.1f} s  {size_mb / t_backup:6.0f} MB/s")
    print(f"verify : {t_verify:6.1f} s  {size_mb / t_verify:6.0f} MB/s")
    print(f"restore: {t_restore:6.1f} s  {size_mb / t_restore:6.0f} MB/s (includes verification)")
    print(f"peak RSS before {rss0:.0f} MB, after {rss1:.0f} MB")
    print(f"machine load (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
