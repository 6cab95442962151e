"""Who has a SQLite database open, so that a restore never swaps it out under somebody.

SQLite only (a PostgreSQL server guards its own files). Two things beside ``effdesk.sqlite``:

* ``effdesk.sqlite.lock`` — an operating-system lock. Every open EffDesk holds it *shared*; a
  restore takes it *exclusively* (and only if nobody holds it), for as long as it moves files.
  The OS drops a lock when its process dies, so a crashed EffDesk never blocks a restore, and
  an EffDesk cannot open the database while a restore is under way.
* ``effdesk.sqlite.open/`` — one small JSON file per open EffDesk: process id, computer, user,
  program and start time. They only *name* the holders in the refusal; an entry of a process
  that no longer runs on this computer is stale and ignored (and removed by the next restore).

POSIX uses ``flock`` (shared/exclusive). Windows has only exclusive byte-range locks, so each
holder locks one random byte of a large range and a restore locks the whole range.

A database file replaced by something that ignored the lock (an older EffDesk, a file copy by
hand) is caught by :class:`FileIdentity`: the engine compares the file's identity before every
transaction and stops with :class:`DatabaseReplaced` instead of writing into a file that is no
longer the database.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from effdesk.errors import EffDeskError

LOCK_SUFFIX = ".lock"
PRESENCE_SUFFIX = ".open"
_STARTED = datetime.now().isoformat(timespec="seconds")


class DatabaseInUse(EffDeskError):
    """Another EffDesk has the database open (or is restoring it)."""

    def __init__(self, message: str, holders: list[Holder] | None = None) -> None:
        super().__init__(message)
        self.holders = holders or []


class DatabaseReplaced(EffDeskError):
    """The file this process opened is no longer the database (restored or moved away)."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def presence_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + PRESENCE_SUFFIX)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    user: str
    program: str
    started: str
    path: Path

    def describe(self) -> str:
        return (
            f"{self.user or '未知用户'}在电脑「{self.host}」上运行的 {self.program}"
            f"（进程号 {self.pid}，{self.started.replace('T', ' ')} 启动）"
        )


def _program() -> str:
    """What this process is, for people: "effdesk 图形界面", "effdesk backup", "Python 程序"."""
    argv = list(sys.argv) or [""]
    first = Path(argv[0]).name.lower()
    if first in ("-c", "", "python", "python3") or first.startswith("python"):
        return "Python 程序"
    if not (first.startswith("effdesk") or first == "__main__.py"):
        return first[:40]
    words: list[str] = []
    skip = False
    for a in argv[1:]:
        if skip:
            skip = False
        elif a == "--db":
            skip = True
        elif not a.startswith("-"):
            words.append(a)
    return "effdesk " + (" ".join(words[:2]) if words else "图形界面")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service accounts, containers)
        return ""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


# --------------------------------------------------------------------------- OS locks

if sys.platform == "win32":
    import msvcrt

    _SLOTS = 1 << 24

    def _lock_shared(fd: int) -> int | None:
        for _ in range(16):
            slot = 1 + secrets.randbelow(_SLOTS)
            os.lseek(fd, slot, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                continue
            return slot
        return None

    def _lock_exclusive(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, _SLOTS + 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int, slot: int | None) -> None:
        os.lseek(fd, slot if slot is not None else 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1 if slot is not None else _SLOTS + 1)

else:
    import fcntl

    def _lock_shared(fd: int) -> int | None:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        return 0

    def _lock_exclusive(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int, slot: int | None) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def _open_lock_file(db_path: Path) -> int:
    return os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)


# Databases this process holds exclusively (a restore in progress): opening them again from
# this process (the restore's own checks) must not wait for the shared lock.
_exclusive: dict[str, int] = {}
_guard = threading.Lock()


def _key(db_path: Path) -> str:
    return str(db_path.resolve())


# --------------------------------------------------------------------------- holders


def holders(db_path: Path) -> list[Holder]:
    """Every presence entry whose process may still run (stale ones of this computer left out)."""
    folder = presence_dir(db_path)
    if not folder.is_dir():
        return []
    here = socket.gethostname()
    found: list[Holder] = []
    for f in sorted(folder.glob("*.json")):
        try:
            data: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
            h = Holder(
                int(data["pid"]),
                str(data.get("host", "")),
                str(data.get("user", "")),
                str(data.get("program", "")),
                str(data.get("started", "")),
                f,
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if h.host == here and not pid_alive(h.pid):
            continue
        found.append(h)
    return found


class Presence:
    """This process's hold on one database file: the shared lock and its presence entry."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._fd: int | None = None
        self._slot: int | None = None
        self.entry: Path | None = None

    @classmethod
    def acquire(cls, db_path: Path) -> Presence:
        """Hold ``db_path`` shared; :class:`DatabaseInUse` while a restore has it exclusively."""
        p = cls(db_path)
        with _guard:
            mine = _key(db_path) in _exclusive
        fd = _open_lock_file(db_path)
        if not mine:
            slot = _lock_shared(fd)
            if slot is None:
                os.close(fd)
                raise DatabaseInUse(
                    f"数据库 {db_path} 正在从备份恢复（{_describe(holders(db_path))}），"
                    "请等恢复完成后再打开。"
                )
            p._slot = slot
        p._fd = fd
        try:
            p.entry = _write_entry(db_path)
        except OSError:
            p.entry = None  # a read-only folder: the lock still protects, only unnamed
        return p

    def release(self) -> None:
        if self.entry is not None:
            with contextlib.suppress(OSError):
                self.entry.unlink()
            self.entry = None
        if self._fd is not None:
            _unlock(self._fd, self._slot)
            os.close(self._fd)
            self._fd = None

    def others(self) -> list[Holder]:
        return [h for h in holders(self.db_path) if h.path != self.entry]


def _write_entry(db_path: Path) -> Path:
    folder = presence_dir(db_path)
    folder.mkdir(mode=0o700, exist_ok=True)
    host = socket.gethostname()
    name = f"{host}-{os.getpid()}-{secrets.token_hex(4)}.json"
    entry = folder / name
    data = {
        "pid": os.getpid(),
        "host": host,
        "user": _user(),
        "program": _program(),
        "started": _STARTED,
    }
    fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    return entry


def _describe(found: list[Holder]) -> str:
    if not found:
        return "另一个程序"
    more = f"等 {len(found)} 个" if len(found) > 3 else ""
    return "；".join(h.describe() for h in found[:3]) + more


@contextlib.contextmanager
def exclusive(db_path: Path, what: str = "恢复") -> Iterator[None]:
    """Hold ``db_path`` alone for ``what``; refuse, naming the holders, if anybody has it open.

    Entries of other computers (a database on a network share, where the lock may not reach)
    count as holders too; stale entries of this computer are removed.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open_lock_file(db_path)
    try:
        here = socket.gethostname()
        remote = [h for h in holders(db_path) if h.host != here]
        if not _lock_exclusive(fd):
            found = holders(db_path)
            raise DatabaseInUse(
                f"无法{what}：数据库 {db_path} 正被其他 EffDesk 使用——{_describe(found)}。"
                f"请先关闭这些 EffDesk 窗口或命令，再{what}。当前数据未做任何改动。",
                found,
            )
        if remote:
            _unlock(fd, None)
            raise DatabaseInUse(
                f"无法{what}：数据库 {db_path} 正被其他电脑上的 EffDesk 使用——"
                f"{_describe(remote)}。请先关闭它们，再{what}。当前数据未做任何改动。",
                remote,
            )
        # The lock is ours: every entry of this computer belongs to a process that is gone.
        folder = presence_dir(db_path)
        if folder.is_dir():
            for f in folder.glob("*.json"):
                with contextlib.suppress(OSError):
                    f.unlink()
        key = _key(db_path)
        with _guard:
            _exclusive[key] = _exclusive.get(key, 0) + 1
        try:
            yield
        finally:
            with _guard:
                _exclusive[key] -= 1
                if not _exclusive[key]:
                    del _exclusive[key]
            _unlock(fd, None)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- file identity


class FileIdentity:
    """The identity (device, inode, creation marker) of the file a Database opened."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.ident = self._read()
        self.replaced = False

    def _read(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.db_path)
        except OSError:
            return None
        if sys.platform == "win32":
            # st_ino is the NTFS file id; the creation time tells a restored file apart too.
            return (st.st_ino, int(st.st_ctime_ns))
        return (st.st_dev, st.st_ino)

    def check(self) -> None:
        """Raise :class:`DatabaseReplaced` if the path no longer names the opened file."""
        if self.replaced or self._read() != self.ident:
            self.replaced = True
            raise DatabaseReplaced(
                f"数据库文件 {self.db_path} 已被替换或移走（可能刚从备份恢复）。"
                "为免把数据写进旧文件，本窗口已停止保存，刚才的操作没有保存。"
                "请关闭 EffDesk 后重新打开。"
            )
