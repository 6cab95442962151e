"""The crash-safe swap of a restore: a journal of file moves that the next start completes.

A restore puts the current database (with its ``-wal``/``-shm``) and evidence folder aside and
moves the restored ones in: several renames, and a crash between two of them must leave
either the complete old or the complete new data, never a database without its evidence.

Before the first rename the restore writes ``effdesk.sqlite.restore-journal.json`` (fsynced,
then renamed into place) listing every move in order; the staged data it refers to is
already complete, checked and fsynced. Each move is a rename, followed by an fsync of the
folder. After the last one the journal is removed. Whoever next opens the database finds a
left-over journal (:func:`recover`, called by ``open_database`` before anything else) and
replays the moves not yet done (a move is done when its source is gone): the restore rolls
forward. Only if the staged data has vanished are the finished moves undone instead (roll
back) — the old data comes back.

For the tests and ``benchmarks/crash_safety.py``: ``EFFDESK_CRASH_AT=<step>`` kills the process
(SIGKILL) right after that step; :data:`SWAP_STEPS` names them in order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

CRASH_ENV = "EFFDESK_CRASH_AT"
JOURNAL_SUFFIX = ".restore-journal.json"

# Steps of a restore after which the process may be killed (the tests kill it at each one).
# "unpacked": archive checked and unpacked into the staging folder; "staged": the restore's
# audit entry written into the staged database and fsynced; "journal": the journal is durable;
# "old-*"/"new-*": one move done; "done": journal removed.
MOVE_STEPS = ("old-wal", "old-shm", "old-journal", "old-db", "old-files", "new-db", "new-files")
SWAP_STEPS = ("unpacked", "staged", "journal", *MOVE_STEPS, "done")

_STAGED = ("new-db", "new-files")

log = logging.getLogger("effdesk")


def crash_point(step: str) -> None:
    """Kill this process right here if the environment asks for it (crash tests only)."""
    if os.environ.get(CRASH_ENV) == step:
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


def journal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + JOURNAL_SUFFIX)


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Make every file and folder entry under ``root`` durable (the staged data)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def aside_name(path: Path, stamp: str) -> Path:
    return path.with_name(f"{path.name}.before-restore-{stamp}")


def plan_moves(
    db_path: Path, files_dir: Path, staging: Path, stamp: str
) -> list[tuple[str, Path, Path]]:
    """The moves of a swap, in order: old sidecars before the old file (a new database must
    never meet the old one's WAL), old data aside, then the staged data in."""
    moves: list[tuple[str, Path, Path]] = []
    aside = aside_name(db_path, stamp)
    for step, suffix in (("old-wal", "-wal"), ("old-shm", "-shm"), ("old-journal", "-journal")):
        p = Path(str(db_path) + suffix)
        if p.exists():
            moves.append((step, p, Path(str(aside) + suffix)))
    if db_path.exists():
        moves.append(("old-db", db_path, aside))
    if files_dir.exists():
        moves.append(("old-files", files_dir, aside_name(files_dir, stamp)))
    moves.append(("new-db", staging / "database.sqlite", db_path))
    moves.append(("new-files", staging / "files", files_dir))
    return moves


def swap_in(
    db_path: Path,
    files_dir: Path,
    staging: Path,
    stamp: str,
    crash: Callable[[str], None] = crash_point,
) -> list[tuple[str, Path, Path]]:
    """Journal and perform the moves; returns them. ``staging`` holds ``database.sqlite`` and
    ``files/`` (complete and fsynced), in the same folder as the database."""
    parent = db_path.parent
    moves = plan_moves(db_path, files_dir, staging, stamp)
    journal = journal_path(db_path)
    body = {
        "version": 1,
        "staging": staging.name,
        "moves": [[step, src.name, dst.name] for step, src, dst in moves],
    }
    tmp = journal.with_name(journal.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    fsync_dir(parent)
    crash("journal")
    for step, src, dst in moves:
        os.replace(src, dst)
        fsync_dir(parent)
        if src.parent != parent:
            fsync_dir(src.parent)
        crash(step)
    journal.unlink()
    fsync_dir(parent)
    crash("done")
    return moves


def recover(db_path: Path) -> str | None:
    """Finish (or, if the staged data is gone, undo) a restore interrupted during its swap.

    The caller holds the database exclusively. Returns a Chinese note of what was done, or
    None when there was nothing to do.
    """
    journal = journal_path(db_path)
    with contextlib.suppress(OSError):
        journal.with_name(journal.name + ".tmp").unlink()  # never became the journal
    if not journal.exists():
        return None
    parent = db_path.parent
    data = json.loads(journal.read_text(encoding="utf-8"))
    staging = parent / str(data["staging"])
    moves = [
        (str(step), (staging if step in _STAGED else parent) / str(src), parent / str(dst))
        for step, src, dst in data["moves"]
    ]
    # Moving aside is done when the aside (a fresh name) exists. Moving in is done when the
    # staged source is gone and every earlier move is done: the live name alone says nothing
    # (it holds the old data until "old-db" ran, the new after "new-db").
    pending: list[tuple[str, Path, Path]] = []
    for step, src, dst in moves:
        if step in _STAGED:
            done = not pending and not _exists(src) and _exists(dst)
        else:
            done = _exists(dst)
        if not done:
            pending.append((step, src, dst))
    lost = [step for step, src, _dst in pending if not _exists(src)]
    if not lost:
        for _step, src, dst in pending:
            os.replace(src, dst)
            fsync_dir(parent)
        note = "上次从备份恢复在换入数据时中断，本次启动已把恢复完成。"
    else:
        undo = [m for m in moves if m not in pending]
        for _step, src, dst in reversed(undo):
            if _exists(dst) and not _exists(src):
                src.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, src)
                fsync_dir(parent)
        note = (
            "上次从备份恢复在换入数据时中断且暂存数据已丢失，"
            "本次启动已撤销恢复，数据保持恢复前的状态。"
        )
    journal.unlink()
    fsync_dir(parent)
    shutil.rmtree(staging, ignore_errors=True)
    log.warning("%s（%s）", note, db_path)
    return note


def _exists(path: Path) -> bool:
    return os.path.lexists(path)
