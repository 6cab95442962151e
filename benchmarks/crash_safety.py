"""Crash safety: kill a child process with SIGKILL at random points of three operations.

Operations (each in a child process, killed after a random delay within its measured length):

* ``import``  — a 10,000-person import in ONE transaction (what the Excel importer does: one
  unit, 10,000 persons, one IMPORT audit entry);
* ``backup``  — an encrypted backup of the database and its evidence files;
* ``issue``   — issuing a document (number allocation, PDF render and store, state change)
  through ``effdesk.services.documents.issue_document``;
* ``restore`` — restoring a backup over a database that changed since (a unit added, a file
  added); the first trials kill the restore deterministically right after each step of its
  swap (``EFFDESK_CRASH_AT``, see effdesk/db/restore_journal.py), the rest at random moments.
  After each kill the next start must find the complete old (the unit and file still there)
  or the complete new data (neither, the restore recorded), with the evidence matching, no
  journal and no decrypted staging folder left.

After every kill the parent checks: ``PRAGMA integrity_check`` is ``ok``; each operation is all
or nothing (the batch has 0 or 10,000 persons and its audit entry iff present; a backup folder
holds no archive or one that decrypts and verifies completely; a document is a draft without
number or issued with number and a stored PDF, and the number series has no gap); the audit
chain verifies; the database opens normally. Prints the counts; exit status 1 on any violation.

    .venv/bin/python benchmarks/crash_safety.py            # 50 kills per operation
    .venv/bin/python benchmarks/crash_safety.py -n 5 --ops import,issue

POSIX only (SIGKILL).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

IMPORT_ROWS = 10_000
OPS = ("import", "backup", "issue", "restore")
RESTORE_MARK = "备份后新增（崩溃测试）"
KEY_ENV = "EFFDESK_CRASH_TEST_KEY"
CRASH_ENV = "EFFDESK_CRASH_AT"


# --------------------------------------------------------------------------- child side


def _child(op: str, url: str, iteration: int, dest: str) -> None:
    from effdesk import audit
    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.db.models import Person, Unit
    from effdesk.enums import AssessmentCategory, AuditAction, UnitKind

    if op == "restore":  # the restore needs the database to itself: not opened here
        from effdesk.security import backup

        print("READY", flush=True)
        backup.restore_backup(
            Path(dest), bytes.fromhex(os.environ[KEY_ENV]), url, remember_key=False
        )
        print("DONE", flush=True)
        return
    db = open_database(url)
    if op == "issue":
        from effdesk.reports import documents as _warm  # noqa: F401  (import cost before READY)
        from effdesk.services import documents
    if op == "backup":
        from effdesk.security import backup
    print("READY", flush=True)
    if op == "import":
        with db.session() as s:
            unit = Unit(
                name=f"导入批次{iteration}",
                kind=UnitKind.DEPARTMENT,
                category=AssessmentCategory.FIRST,
            )
            s.add(unit)
            s.flush()
            s.add_all(
                Person(unit_id=unit.id, name=f"导入{iteration}-{k}", post="科员")
                for k in range(IMPORT_ROWS)
            )
            s.flush()
            audit.record(
                s,
                SYSTEM,
                AuditAction.IMPORT,
                "unit",
                unit.uuid,
                f"导入人员 {IMPORT_ROWS} 人（批次{iteration}）",
            )
    elif op == "backup":
        key = bytes.fromhex(os.environ[KEY_ENV])
        backup.create_backup(db, Path(dest), key)
    elif op == "issue":
        from sqlalchemy import select

        from effdesk.db.models import Document
        from effdesk.reports.documents import render_document_bytes

        with db.session() as s:
            doc_id = s.scalar(select(Document.id).where(Document.title == f"崩溃测试{iteration}"))
            assert doc_id is not None
            documents.issue_document(
                s, SYSTEM, doc_id, None, db.files_dir, renderer=render_document_bytes
            )
    db.dispose()
    print("DONE", flush=True)


# --------------------------------------------------------------------------- parent side


@dataclass
class Tally:
    completed: int = 0  # finished before the kill
    killed_applied: int = 0  # killed, but the operation had committed
    killed_none: int = 0  # killed, nothing of the operation remained
    violations: list[str] = field(default_factory=list)
    extra: Counter[str] = field(default_factory=Counter)


def _setup(work: Path, iterations: int) -> tuple[str, bytes]:
    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.enums import DocumentType
    from effdesk.security import keys
    from effdesk.services import documents

    url = f"sqlite:///{work / 'effdesk.sqlite'}"
    db = open_database(url, create=True)
    with db.session() as s:
        for i in range(iterations + 1):
            documents.create_draft(
                s,
                SYSTEM,
                documents.DocumentInput(
                    doc_type=DocumentType.NOTICE,
                    title=f"崩溃测试{i}",
                    main_recipients="各乡镇人民政府，县直各单位",
                    body="为进一步加强机关效能建设，现将有关事项通知如下。\n一、提高认识。\n二、狠抓落实。",
                    issuer="××县机关效能建设领导小组办公室",
                ),
            )
    # Some evidence so that backups carry files too.

    store = db.evidence
    for i in range(20):
        store.put_bytes(os.urandom(200_000 + i))
    db.dispose()
    return url, keys.generate_key()


def _run_child(
    op: str,
    url: str,
    i: int,
    dest: Path,
    key: bytes,
    kill_after: float | None,
    crash_at: str = "",
) -> tuple[bool, float]:
    """Run one child; kill it ``kill_after`` seconds after READY, or let it kill itself right
    after step ``crash_at``. Returns (finished, seconds)."""
    env = dict(os.environ, **{KEY_ENV: key.hex()})
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            op,
            "--db",
            url,
            "--iter",
            str(i),
            "--dest",
            str(dest),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "READY":
        err = proc.stderr.read() if proc.stderr else ""
        proc.wait()
        raise RuntimeError(f"child {op} #{i} did not start: {line!r} {err}")
    t0 = time.monotonic()
    if kill_after is None:
        _out, err = proc.communicate()
        if crash_at and proc.returncode == -signal.SIGKILL:
            return False, time.monotonic() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"child {op} #{i} failed: {err}")
        return True, time.monotonic() - t0
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.communicate()
        return False, time.monotonic() - t0
    _out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"child {op} #{i} failed: {err}")
    return True, time.monotonic() - t0


def _check_common(url: str, tally: Tally, label: str) -> None:
    from effdesk import audit
    from effdesk.db.engine import open_database

    path = url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    finally:
        con.close()
    if rows != ["ok"]:
        tally.violations.append(f"{label}: integrity_check {rows[:3]}")
    try:
        db = open_database(url)
    except Exception as exc:
        tally.violations.append(f"{label}: does not open: {exc}")
        return
    try:
        with db.session() as s:
            problems = audit.verify_chain(s)
        if problems:
            tally.violations.append(f"{label}: audit chain {[str(p) for p in problems[:3]]}")
    finally:
        db.dispose()


def _check_import(url: str, i: int) -> bool | str:
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        unit = con.execute(
            "SELECT id, uuid FROM units WHERE name = ?", (f"导入批次{i}",)
        ).fetchone()
        if unit is None:
            orphans = con.execute(
                "SELECT count(*) FROM persons WHERE name LIKE ?", (f"导入{i}-%",)
            ).fetchone()[0]
            return "orphan persons" if orphans else False
        n = con.execute("SELECT count(*) FROM persons WHERE unit_id = ?", (unit[0],)).fetchone()[0]
        logged = con.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'import' AND object_uuid = ?",
            (unit[1],),
        ).fetchone()[0]
    finally:
        con.close()
    if n != IMPORT_ROWS or logged != 1:
        return f"partial import: {n} persons, {logged} audit entries"
    return True


def _check_backup(dest: Path, key: bytes, tally: Tally) -> bool | str:
    from effdesk.errors import PackageRejected
    from effdesk.security import backup

    archives = sorted(dest.glob(f"*{backup.SUFFIX}")) if dest.exists() else []
    partials = list(dest.glob(".effdesk-backup-*")) if dest.exists() else []
    if partials:
        tally.extra["backup: half-written temp files left (removed by the next backup)"] += 1
    if not archives:
        return False
    if len(archives) > 1:
        return f"{len(archives)} archives"
    try:
        backup.verify_archive(archives[0], key)
    except PackageRejected as exc:
        return f"archive under final name does not verify: {exc}"
    return True


def _check_issue(url: str, i: int, files_dir: Path, tally: Tally) -> bool | str:
    import hashlib

    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        row = con.execute(
            "SELECT d.state, d.number, d.serial, f.sha256 FROM documents d "
            "LEFT JOIN stored_files f ON f.id = d.pdf_file_id WHERE d.title = ?",
            (f"崩溃测试{i}",),
        ).fetchone()
        issued = con.execute(
            "SELECT count(*), coalesce(max(serial), 0) FROM documents WHERE state = 'issued'"
        ).fetchone()
        last = con.execute("SELECT coalesce(sum(last_number), 0) FROM number_series").fetchone()[0]
    finally:
        con.close()
    if row is None:
        return "document row missing"
    state, number, serial, sha = row
    if issued[0] != last or issued[1] != last:
        return f"number series {last} but {issued[0]} issued (max serial {issued[1]}): gap"
    if state == "draft":
        if number or serial or sha:
            return f"draft with number {number!r} / pdf {sha!r}"
        return False
    if state != "issued" or not number or not sha:
        return f"half-issued: state={state} number={number!r} pdf={sha!r}"
    blob = files_dir / "objects" / sha[:2] / sha
    if not blob.is_file() or hashlib.sha256(blob.read_bytes()).hexdigest() != sha:
        return "issued but its PDF is missing or damaged"
    return True


@dataclass
class RestoreOffice:
    """A database with a backup, changed since: the template every restore trial starts from."""

    folder: Path
    archive: Path
    blobs_at_backup: set[str]
    blobs_after: set[str]


def _blobs(files_dir: Path) -> set[str]:
    objects = files_dir / "objects"
    return {p.name for p in objects.rglob("*") if p.is_file()} if objects.is_dir() else set()


def _setup_restore(work: Path, url: str, key: bytes) -> RestoreOffice:
    import shutil

    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.db.models import StoredFile
    from effdesk.enums import AssessmentCategory, MediaKind, UnitKind
    from effdesk.security import backup
    from effdesk.security.housekeeping import gc_orphans
    from effdesk.services import directory

    folder = work / "restore-template"
    folder.mkdir()
    src = Path(url.removeprefix("sqlite:///"))
    con, out = sqlite3.connect(src), sqlite3.connect(folder / "effdesk.sqlite")
    con.backup(out)
    con.close()
    out.close()
    shutil.copytree(src.with_name(src.stem + "-files"), folder / "effdesk-files")
    t_url = f"sqlite:///{folder / 'effdesk.sqlite'}"
    db = open_database(t_url)
    try:
        with db.session() as s:  # the setup's loose files: not part of either state
            gc_orphans(s, db.evidence, min_age_s=0)
        archive = backup.create_backup(db, work / "restore-archive", key).path
        before = _blobs(db.files_dir)
        with db.session() as s:
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(RESTORE_MARK, UnitKind.TOWN, AssessmentCategory.SECOND),
            )
            # A file stored after the backup, with its row (an unreferenced one is an orphan).
            blob = db.evidence.put_bytes(os.urandom(300_000))
            s.add(
                StoredFile(
                    sha256=blob.sha256,
                    size=blob.size,
                    mime="application/pdf",
                    media_kind=MediaKind.DOCUMENT,
                )
            )
    finally:
        db.dispose()
    return RestoreOffice(folder, archive, before, _blobs(folder / "effdesk-files"))


WAL_WRITER = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE units SET notes = 'wal' WHERE name = ?", (sys.argv[2],))
con.commit()
os._exit(0)
"""


def _restore_copy(template: RestoreOffice, target: Path) -> str:
    """A copy of the template whose last write lives only in its -wal (as after a crash), so
    the swap has a WAL to carry along with the old database."""
    import shutil

    shutil.copytree(template.folder, target)
    db_file = target / "effdesk.sqlite"
    subprocess.run([sys.executable, "-c", WAL_WRITER, str(db_file), RESTORE_MARK], check=True)
    return f"sqlite:///{db_file}"


def _check_restore(url: str, template: RestoreOffice, tally: Tally) -> bool | str:
    """Next start: the complete old or the complete new data. True: new, False: old."""
    from sqlalchemy import select

    from effdesk import audit
    from effdesk.commands import CommandContext
    from effdesk.db.models import AuditEntry
    from effdesk.db.restore_journal import journal_path
    from effdesk.services.evidence import verify_files

    path = Path(url.removeprefix("sqlite:///"))
    ctx = CommandContext(url)
    try:
        db = ctx.database()
        with db.session() as s:
            chain = audit.verify_chain(s)
            files = verify_files(s, db.evidence)
            last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        with db.engine.connect() as conn:
            ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            marked = conn.exec_driver_sql(
                "SELECT notes FROM units WHERE name = ?", (RESTORE_MARK,)
            ).scalar()
    except Exception as exc:
        return f"next start fails: {exc}"
    finally:
        ctx.close()
    if ok != "ok" or chain or files:
        return f"integrity {ok}, chain {chain[:2]}, files {[str(f) for f in files[:2]]}"
    if journal_path(path).exists():
        return "journal left after the next start"
    if list(path.parent.glob(".effdesk-restore-*")):
        return "decrypted staging folder left after the next start"
    on_disk = _blobs(path.with_name(path.stem + "-files"))
    if marked is not None:
        if marked != "wal":
            return "old database without its last write (its -wal was lost)"
        if on_disk != template.blobs_after:
            return "old database with other evidence files"
        return False
    if on_disk != template.blobs_at_backup:
        return "restored database with other evidence files"
    if last is None or last.action.value != "restore":
        return "restored database without its restore entry"
    return True


def run(iterations: int, ops: list[str], seed: int, work: Path | None = None) -> dict[str, Tally]:
    """Run the experiment; returns the tallies (the test calls this with few iterations)."""
    rng = random.Random(seed)
    own_tmp = None
    if work is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="effdesk-crash-")
        work = Path(own_tmp.name)
    try:
        url, key = _setup(work, iterations)
        files_dir = work / "effdesk-files"
        results: dict[str, Tally] = {}
        for op in ops:
            tally = Tally()
            if op == "restore":
                results[op] = _run_restore(work, url, key, iterations, rng)
                continue
            # Calibrate: one full run tells how long the operation takes.
            cal_dest = work / "bk" / f"{op}-cal"
            _, duration = _run_child(op, url, iterations, cal_dest, key, None)
            tally.extra[f"duration of one full run (s): {duration:.2f}"] += 1
            for i in range(iterations):
                dest = work / "bk" / f"{op}-{i}"
                delay = rng.uniform(0, duration * 1.1)
                finished, _ = _run_child(op, url, i, dest, key, delay)
                label = f"{op} #{i} (kill after {delay:.2f}s)"
                if op == "import":
                    outcome = _check_import(url, i)
                elif op == "backup":
                    outcome = _check_backup(dest, key, tally)
                else:
                    outcome = _check_issue(url, i, files_dir, tally)
                if isinstance(outcome, str):
                    tally.violations.append(f"{label}: {outcome}")
                elif finished:
                    tally.completed += 1
                    if not outcome:
                        tally.violations.append(f"{label}: finished but nothing applied")
                elif outcome:
                    tally.killed_applied += 1
                else:
                    tally.killed_none += 1
                _check_common(url, tally, label)
            results[op] = tally
        return results
    finally:
        if own_tmp is not None:
            own_tmp.cleanup()


def _run_restore(work: Path, url: str, key: bytes, iterations: int, rng: random.Random) -> Tally:
    """Restore trials: a kill right after each step of the swap, then random kills."""
    from effdesk.db.restore_journal import SWAP_STEPS

    tally = Tally()
    template = _setup_restore(work, url, key)
    cal_url = _restore_copy(template, work / "restore-cal")
    _, duration = _run_child("restore", cal_url, 0, template.archive, key, None)
    tally.extra[f"duration of one full run (s): {duration:.2f}"] += 1
    steps = [s for s in SWAP_STEPS if s != "old-journal"]  # no rollback journal beside WAL
    for i in range(max(iterations, len(steps))):
        trial_url = _restore_copy(template, work / f"restore-{i}")
        if i < len(steps):
            step, delay = steps[i], None
            label = f"restore #{i} (killed after step {step})"
        else:
            step, delay = "", rng.uniform(0, duration * 1.1)
            label = f"restore #{i} (kill after {delay:.2f}s)"
        finished, _ = _run_child("restore", trial_url, i, template.archive, key, delay, step)
        if step and finished:
            tally.violations.append(f"{label}: the process was not killed at its step")
        outcome = _check_restore(trial_url, template, tally)
        if isinstance(outcome, str):
            tally.violations.append(f"{label}: {outcome}")
        elif finished:
            tally.completed += 1
            if not outcome:
                tally.violations.append(f"{label}: finished but the old data is still there")
        elif outcome:
            tally.killed_applied += 1
        else:
            tally.killed_none += 1
        import shutil

        shutil.rmtree(work / f"restore-{i}", ignore_errors=True)
    return tally


def report(results: dict[str, Tally]) -> str:
    lines = [
        f"{'operation':<8} {'finished':>8} {'killed: all':>12} {'killed: none':>13} "
        f"{'violations':>10}"
    ]
    for op, t in results.items():
        lines.append(
            f"{op:<8} {t.completed:>8} {t.killed_applied:>12} {t.killed_none:>13} "
            f"{len(t.violations):>10}"
        )
    for op, t in results.items():
        for note, n in sorted(t.extra.items()):
            lines.append(f"  {op}: {note}" + (f" ×{n}" if n > 1 else ""))
        for v in t.violations[:20]:
            lines.append(f"  VIOLATION {v}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--iterations", type=int, default=50)
    p.add_argument("--ops", default=",".join(OPS))
    p.add_argument("--seed", type=int, default=20260305)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--child", choices=OPS, help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--iter", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--dest", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.db, args.iter, args.dest)
        return 0
    if os.name != "posix":
        print("crash_safety needs POSIX signals (SIGKILL).", file=sys.stderr)
        return 2
    ops = [o for o in args.ops.split(",") if o]
    started = time.monotonic()
    results = run(args.iterations, ops, args.seed, args.workdir)
    print(report(results))
    print(f"total time {time.monotonic() - started:.0f} s")
    bad = sum(len(t.violations) for t in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
