"""Leftovers of interrupted work, removed at start and before a backup.

A killed backup, restore, demo or field import leaves files behind: a plaintext database
snapshot in the private temp folder, a decrypted staging folder, an unpacked package under
``effdesk-files/tmp/`` and evidence blobs no row refers to (which would otherwise ride along in
every backup). Names carry the process id of their maker, so only leftovers of processes that
no longer run are touched; evidence orphans are removed at once only when no other EffDesk
has the database open (else after the usual grace period, an ingest may be under way).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.db.engine import Database, sqlite_file
from effdesk.db.models import StoredFile
from effdesk.db.presence import pid_alive
from effdesk.db.restore_journal import journal_path
from effdesk.evidence.store import EvidenceStore

TEMP_DIR_NAME = ".effdesk-tmp"
_PID_RE = re.compile(r"-(\d+)(?:\.[a-z]+)?$")
_GRACE_S = 3600.0

log = logging.getLogger("effdesk")


def private_temp_dir(db_path: Path) -> Path:
    """A folder beside the database readable by this user only, for plaintext intermediates
    (on the database's disk, never in a backup destination)."""
    folder = db_path.parent / TEMP_DIR_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    return folder


def owner_pid(name: str) -> int | None:
    """The process id at the end of a leftover's name (``…-<pid>`` or ``…-<pid>.ext``)."""
    m = _PID_RE.search(name)
    return int(m.group(1)) if m else None


def _dead(path: Path) -> bool:
    pid = owner_pid(path.name)
    return pid is not None and pid != os.getpid() and not pid_alive(pid)


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


@dataclass
class Tidied:
    temp_files: int = 0  # plaintext snapshots, staging folders, unpacked packages
    orphans: int = 0  # evidence blobs no row refers to

    def __bool__(self) -> bool:
        return bool(self.temp_files or self.orphans)


def clean_leftovers(db_path: Path) -> int:
    """Remove what killed EffDesk processes left beside ``db_path``; returns how many."""
    parent = db_path.parent
    removed = 0
    pending = _journal_staging(db_path)
    candidates: list[Path] = []
    tmp = parent / TEMP_DIR_NAME
    if tmp.is_dir():
        candidates += list(tmp.iterdir())
    candidates += [p for p in parent.glob(".effdesk-restore-*") if p.name != pending]
    candidates += list(parent.glob(".effdesk-demo-*"))
    for p in candidates:
        if _dead(p) and _remove(p):
            removed += 1
    return removed


def _journal_staging(db_path: Path) -> str | None:
    # A staging folder named by an unfinished restore's journal is data, not a leftover.
    journal = journal_path(db_path)
    if not journal.exists():
        return None
    import json

    try:
        return str(json.loads(journal.read_text(encoding="utf-8"))["staging"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def gc_orphans(session: Session, store: EvidenceStore, *, min_age_s: float = 3600.0) -> int:
    """Delete blobs that no StoredFile row references; returns how many were deleted.

    ``min_age_s`` spares blobs written (or re-used) recently: an ingest in progress on this or
    another PC may not have committed the row that will reference them yet.
    """
    referenced = set(session.scalars(select(StoredFile.sha256)))
    removed = 0
    for sha in list(store.iter_blobs()):
        if sha in referenced:
            continue
        if store.age_seconds(sha) < min_age_s:
            continue
        if store.remove(sha):
            removed += 1
    store.clean_temp(older_than_s=max(min_age_s, 0.0))
    return removed


def clean_partials(dest_dir: Path) -> int:
    """Remove half-written archives left by a killed backup (never a finished one), and the
    plaintext snapshots older versions wrote beside them; returns how many."""
    removed = 0
    if not dest_dir.is_dir():
        return 0
    for p in [
        *dest_dir.glob(".effdesk-backup-*.partial"),
        *dest_dir.glob(".effdesk-backup-*.sqlite"),
    ]:
        m = re.match(r"\.effdesk-backup-(\d+)-", p.name)
        pid = int(m.group(1)) if m else 0
        alive = False
        if pid and pid != os.getpid():
            alive = pid_alive(pid)
        try:
            if alive and time.time() - p.stat().st_mtime < 3600:
                continue
            p.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def tidy(db: Database, *, at_start: bool = True, spare_since: float | None = None) -> Tidied:
    """Remove leftovers of interrupted work for ``db`` (never raises for a file it cannot
    remove: a read-only folder simply keeps them).

    ``spare_since`` (a ``time.time()``): when tidying runs after the user could start work
    (the GUI tidies once the dashboard is filled), evidence blobs written since then are
    spared even when no other EffDesk has the database open (an ingest of this process may
    not have committed its rows yet)."""
    result = Tidied()
    path = sqlite_file(db.url)
    alone = False
    if path is not None:
        with contextlib.suppress(OSError):
            result.temp_files += clean_leftovers(path)
        alone = at_start and db.hold is not None and not db.hold.others()
    else:
        # A server database: its backup snapshots and restore staging live in the private
        # folder beside its evidence folder (effdesk.security.backup.mark_base).
        tmp = db.files_dir.parent / TEMP_DIR_NAME
        with contextlib.suppress(OSError):
            if tmp.is_dir():
                result.temp_files += sum(1 for p in tmp.iterdir() if _dead(p) and _remove(p))
    with contextlib.suppress(OSError):
        from effdesk.paths import backup_dir

        result.temp_files += clean_partials(backup_dir())
    grace = 0.0 if alone else _GRACE_S
    if alone and spare_since is not None:
        grace = max(0.0, time.time() - spare_since)
    store = db.evidence
    try:
        with db.session() as s:
            result.orphans = gc_orphans(s, store, min_age_s=grace)
    except OSError as exc:
        log.warning("evidence clean-up skipped: %s", exc)
    if result:
        log.info("removed %d leftovers and %d orphan evidence files", *_counts(result))
    return result


def _counts(t: Tidied) -> tuple[int, int]:
    return t.temp_files, t.orphans
