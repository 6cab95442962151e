"""Opening the database: engine setup per backend, migration to head, safety checks.

SQLite-specific code is marked as such; everything else is portable to PostgreSQL.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from effdesk.db import presence, restore_journal
from effdesk.db.base import now
from effdesk.db.connection_errors import (
    check_search_extension,
    opening_error,
    server_errors,
    working_error,
)
from effdesk.db.sqlite_hints import HintingSQLiteCompiler
from effdesk.errors import (
    ConcurrentEditError,
    DatabaseCorrupt,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseTooNew,
    EffDeskError,
)
from effdesk.paths import default_db_url

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from effdesk.evidence.store import EvidenceStore

# Alembic (with mako and pygments behind it) costs about half a second to import. A start on an
# up-to-date database never needs it: the versions are read from the migration files' headers
# and from the alembic_version table with one query; Alembic is imported only to migrate.

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # SQLite only: foreign keys are off by default; WAL lets readers work during a write;
    # busy_timeout makes a second EffDesk on the same file wait instead of failing at once.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


SERVER_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings EffDesk relies on."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_on_connect)
        engine.dialect.statement_compiler = HintingSQLiteCompiler  # INDEXED BY hints
        return engine
    # A server: pre-ping each pooled connection so the first action after the server or the
    # network came back reconnects; give up connecting after 10 s; TCP keepalives notice a
    # network lost mid-session within about a minute instead of the OS's two hours.
    # application_name: a restore names the computers that still have the database open.
    connect_args = {**SERVER_CONNECT_ARGS, "application_name": application_name()}
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)


def application_name() -> str:
    """How an EffDesk session names itself on a PostgreSQL server (``pg_stat_activity``), so
    that a restore can say which computers still have the database open."""
    import socket

    return f"EffDesk {socket.gethostname()} pid {os.getpid()}".encode()[:63].decode(
        "ascii", "ignore"
    )


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(None|[\"']([^\"']+)[\"'])", re.MULTILINE)


@functools.cache
def _revision_graph() -> dict[str, str | None]:
    """revision → down_revision, read from the migration files' headers (no Alembic import)."""
    graph: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev is None or down is None:  # pragma: no cover - not a migration file
            continue
        graph[rev.group(1)] = down.group(2)
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {d for d in graph.values() if d is not None}
    if len(heads) == 1:
        return heads.pop()
    # Several heads (or headers this reader does not understand): ask Alembic itself.
    head = _script().get_current_head()
    assert head is not None
    return head


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision with one query (None: no schema yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_integrity(engine: Engine, *, readable_only: bool = False) -> None:
    """SQLite only: refuse to work on a damaged file (PostgreSQL guards itself).

    ``readable_only``: only what every start must know at once, that the file is a database
    this program can read (its schema table); the whole-file ``PRAGMA quick_check`` then runs
    later (:class:`IntegrityCheck`)."""
    if engine.dialect.name != "sqlite":
        return
    sql = "SELECT count(*) FROM sqlite_master" if readable_only else "PRAGMA quick_check"
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(sql).fetchall()
    except Exception as exc:  # sqlite3 raises DatabaseError "file is not a database"
        path = sqlite_file(str(engine.url))
        if path is not None and _disk_full(path):
            raise disk_full_error(path) from exc
        if path is not None and _is_access_problem(path, exc):
            raise read_only_error(path) from exc
        raise DatabaseCorrupt(
            f"数据库文件已损坏或不是 EffDesk 数据库（{exc}）。请从备份恢复；当前文件不会被覆盖。"
        ) from exc
    if readable_only:
        return
    problems = [r[0] for r in rows if r[0] != "ok"]
    if problems:
        raise DatabaseCorrupt(
            "数据库完整性检查未通过："
            + "；".join(problems[:5])
            + "。请从备份恢复；当前文件不会被覆盖。"
        )


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
INTEGRITY_FAILED_NOTE = (
    "为保护数据，EffDesk 已停止保存任何修改（数据库文件不会被改写）。"
    "请关闭程序，从备份恢复（系统设置 → 备份与恢复，或 effdesk restore 备份文件）。"
)


class IntegrityCheck:
    """SQLite's whole-file ``PRAGMA quick_check`` off the start path, with the same guarantee:
    nothing is written to a file that has not passed it.

    :func:`open_database` with ``defer_integrity=True`` checks at once only that the file is a
    readable database (and runs the whole check first when a migration is due). The whole
    check then runs on a thread of its own (:meth:`start`: the GUI starts it as soon as the
    database is open, so it runs while the user types the password; SQLite does the work
    without holding Python's GIL), or when :meth:`run` is called, or at the latest in the
    thread of the first write, which waits for it. Once it failed, every write raises
    :class:`DatabaseCorrupt`; reads go on (the user can still look up and print what is there).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._finished = False
        self._thread: threading.Thread | None = None
        self.error: EffDeskError | None = None
        event.listen(engine, "before_cursor_execute", self._before_execute)

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def passed(self) -> bool:
        return self._finished and self.error is None

    def start(self) -> None:
        """Run the check on a background thread now (its result is kept for :meth:`run`)."""
        self._thread = threading.Thread(
            target=self._run_quietly, name="effdesk-integrity", daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        """Wait for a check started by :meth:`start` (its connection closed with it)."""
        if self._thread is not None:
            self._thread.join()

    def _run_quietly(self) -> None:
        with contextlib.suppress(Exception):  # kept in self.error, reported by run()
            self.run()

    def run(self) -> None:
        """Run the check if it has not run yet (once per process); raise its error if failed."""
        with self._lock:
            if not self._finished:
                try:
                    check_integrity(self._engine)
                except EffDeskError as exc:
                    self.error = exc
                self._finished = True
        if self.error is not None:
            raise self.error

    def _before_execute(
        self, _conn: Any, _cursor: Any, statement: str, *_args: Any, **_kw: Any
    ) -> None:
        if self.passed or not _WRITE.match(statement):
            return
        try:
            self.run()
        except DatabaseCorrupt as exc:
            raise DatabaseCorrupt(f"{exc}{INTEGRITY_FAILED_NOTE}") from exc


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for a server or an in-memory database)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def read_only_error(path: Path) -> DatabaseReadOnly:
    where = path.parent if not os.access(path.parent, os.W_OK) else path
    return DatabaseReadOnly(
        f"数据库所在的{'文件夹' if where == path.parent else '文件'} {where} 是只读的"
        "（或没有写入权限、位于只读的U盘或光盘上）。数据库并未损坏，不需要从备份恢复；"
        "请把它复制到可写的位置，或请管理员给予写入权限后再打开。"
    )


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def disk_full_error(path: Path) -> EffDeskError:
    return EffDeskError(
        f"磁盘空间不足：数据库 {path} 所在的磁盘已满，无法打开或写入。数据库并未损坏，"
        "不需要从备份恢复；请腾出磁盘空间后重试。"
    )


def _is_access_problem(path: Path, exc: BaseException) -> bool:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return True
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return False
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return True
    folder_ro = not os.access(path.parent, os.W_OK)
    file_ro = path.exists() and not os.access(path, os.W_OK)
    return folder_ro or file_ro


def check_database_file(path: Path, *, create: bool) -> None:
    """Refuse a missing or empty database file unless ``create`` (never made by accident)."""
    wal = Path(str(path) + "-wal")
    if path.is_dir():
        raise DatabaseMissing(f"数据库路径 {path} 是一个文件夹，不是 EffDesk 数据库文件。")
    empty = path.exists() and path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size)
    if create or (path.exists() and not empty):
        return
    how = (
        "为免误建空库，EffDesk 不会自动新建数据库：新建演示库请运行 effdesk demo，"
        "在此位置新建空库请运行 effdesk --db sqlite:///路径 db upgrade；"
        "若数据库被误删或损坏，请从备份恢复（effdesk restore 备份文件）。"
    )
    if empty:
        raise DatabaseMissing(f"数据库文件 {path} 是空文件（0 字节），不是 EffDesk 数据库。{how}")
    raise DatabaseMissing(f"找不到数据库文件 {path}（数据库地址是否写错？）。{how}")


def _create_private(path: Path) -> None:
    """A new database file readable by this user only (SQLite gives its -wal/-shm the same
    mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def prepare_sqlite_open(path: Path, *, create: bool) -> None:
    """Before opening a SQLite file: finish an interrupted restore, refuse a missing or empty
    file (unless ``create``)."""
    if restore_journal.journal_path(path).exists():
        with presence.exclusive(path, "完成上次中断的恢复"):
            restore_journal.recover(path)
    check_database_file(path, create=create)
    if create and not path.exists():
        try:
            _create_private(path)
        except PermissionError as exc:
            raise read_only_error(path) from exc


def hold_sqlite(path: Path) -> presence.Presence:
    """This process's shared hold on the file (refused while a restore has it)."""
    try:
        return presence.Presence.acquire(path)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise read_only_error(path) from exc
        raise


def _backup_sqlite_before_migration(engine: Engine, revision: str | None) -> Path | None:
    """SQLite only: keep a consistent copy of the file before changing its schema."""
    db = engine.url.database
    if engine.dialect.name != "sqlite" or not db or db == ":memory:" or revision is None:
        return None
    src = Path(db)
    dest = src.with_name(f"{src.stem}.before-{revision}-{now():%Y%m%d%H%M%S}{src.suffix}")
    with sqlite3.connect(src) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return dest


def _known_revision(revision: str) -> bool:
    return revision in _revision_graph()


def is_known_revision(revision: str) -> bool:
    """Is ``revision`` one of this program's migrations (else a newer EffDesk made it)?"""
    return _known_revision(revision)


def upgrade_to_head(engine: Engine) -> str | None:
    """Migrate to the newest schema; refuse a database made by a newer EffDesk.

    Returns the path of the pre-migration backup (SQLite) when a migration ran.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None and not _known_revision(current):
        raise DatabaseTooNew(
            f"此数据库由更新版本的 EffDesk 创建（架构版本 {current}），"
            "本程序无法打开。请升级 EffDesk 后再试。"
        )
    from alembic import command

    backup = _backup_sqlite_before_migration(engine, current)
    command.upgrade(alembic_config(engine), "head")
    return str(backup) if backup else None


@dataclass
class Database:
    """An opened, migrated EffDesk database and its evidence folder."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    files_dir: Path
    # SQLite: this process's hold on the file (released by dispose) and the file's identity.
    hold: presence.Presence | None = None
    identity: presence.FileIdentity | None = None
    # SQLite opened with defer_integrity: the whole-file check still to run (or its result).
    integrity: IntegrityCheck | None = None
    # When this process opened it (time.time()): work of this session is newer than this.
    opened_at: float = field(default_factory=time.time)
    # Server databases: the evidence folder is the office's shared folder (connection profile).
    shared_evidence: bool = False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except DBAPIError as exc:
            # The server connection dropped (server stopped, network lost): a Chinese message,
            # nothing of this unit of work saved; the pool reconnects on the next action.
            with contextlib.suppress(Exception):
                s.rollback()
            lost = working_error(exc, self.url) if self.backend != "sqlite" else None
            if lost is not None:
                raise lost from exc
            raise
        except StaleDataError as exc:
            # A record saved meanwhile by another PC (optimistic lock), wherever the flush
            # happened: services name the record themselves; this is the last safety net.
            s.rollback()
            raise ConcurrentEditError(
                "您要保存的记录刚被其他人修改，您的操作未保存（已保存的内容没有丢失）。"
                "请刷新后重试。",
                other_change=str(exc),
            ) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @functools.cached_property
    def evidence(self) -> EvidenceStore:
        """The office's content-addressed evidence store (the one way to reach it)."""
        from effdesk.evidence.store import EvidenceStore  # Pillow: loaded when first needed

        return EvidenceStore(self.files_dir)

    def dispose(self) -> None:
        if self.integrity is not None:
            # Its connection must be closed too (a restore replaces the file next).
            self.integrity.join()
        self.engine.dispose()
        if self.hold is not None:
            self.hold.release()
            self.hold = None

    def hold_again(self) -> None:
        """Take the shared hold again after :meth:`dispose` (a restore that did not happen)."""
        path = sqlite_file(self.url)
        if self.hold is None and path is not None:
            self.hold = presence.Presence.acquire(path)


def connect(url: str | None = None, *, create: bool = False, readable_only: bool = False) -> Engine:
    """An engine on ``url`` (default database) that has passed the integrity check (with
    ``readable_only``, only its first part: see :func:`check_integrity`).

    Every way the URL or the file can be wrong becomes an EffDeskError with a Chinese message.
    A missing or empty SQLite file is refused unless ``create``.
    """
    url = url or default_db_url()
    path = sqlite_file(url) if _parses(url) else None
    if path is not None:
        check_database_file(path, create=create)
        if create and not path.exists():
            _create_private(path)
    try:
        engine = make_engine(url)
    except Exception as exc:
        raise EffDeskError(f"无法使用数据库地址「{_safe(url)}」：{exc}") from exc
    try:
        check_integrity(engine, readable_only=readable_only)
    except BaseException:
        engine.dispose()
        raise
    if engine.dialect.name != "sqlite":
        try:
            ping(engine)
        except Exception as exc:
            engine.dispose()
            raise opening_error(exc, url) from exc
    return engine


def _parses(url: str) -> bool:
    try:
        make_url(url)
    except Exception:
        return False
    return True


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（无法解析的地址）"


def open_database(
    url: str | None = None,
    *,
    migrate: bool = True,
    create: bool = False,
    defer_integrity: bool = False,
) -> Database:
    """Open (and by default migrate) the database at ``url`` or the default SQLite file.

    A missing or empty SQLite file is refused (:class:`DatabaseMissing`, naming the path)
    unless ``create``: only ``effdesk demo``, ``db upgrade`` on an explicit path and the GUI's
    first start make a database. SQLite: an interrupted restore is finished first; the
    database is held shared (see :mod:`effdesk.db.presence`) until :meth:`Database.dispose`,
    and every transaction first checks that the file has not been replaced meanwhile.

    ``defer_integrity`` (the GUI's start): the whole-file integrity check of a SQLite file is
    left to :attr:`Database.integrity` (see :class:`IntegrityCheck`), unless a migration is due.
    """
    url = url or default_db_url()
    path = sqlite_file(url) if _parses(url) else None
    if path is not None:
        prepare_sqlite_open(path, create=create)
    deferred = defer_integrity and path is not None
    # A damaged file is refused before anything is added.
    engine = connect(url, create=create, readable_only=deferred)
    hold = None
    integrity = None
    try:
        if deferred:
            integrity = IntegrityCheck(engine)
        if path is not None:
            hold = hold_sqlite(path)
        if migrate:
            if integrity is not None:
                try:
                    due = current_revision(engine) != head_revision()
                except Exception:  # unreadable: let the whole check say what is wrong
                    due = True
                if due:
                    integrity.run()  # a schema change only on a file that passed the whole check
            with contextlib.nullcontext() if path is not None else server_errors(url):
                if path is None:
                    check_search_extension(engine, url)  # pg_trgm, before any migration
                upgrade_to_head(engine)
        identity = None
        if path is not None:
            identity = presence.FileIdentity(path)
            guard = identity

            def _check_file(_conn: Any) -> None:
                guard.check()

            event.listen(engine, "begin", _check_file)
        sessions = sessionmaker(engine, expire_on_commit=False)
        from effdesk.db.evidence_folder import folder_for_open

        files, shared = folder_for_open(url, engine, _safe(url))
    except BaseException:
        if hold is not None:
            hold.release()
        engine.dispose()
        raise
    return Database(
        url=url,
        engine=engine,
        sessions=sessions,
        files_dir=files,
        hold=hold,
        identity=identity,
        integrity=integrity,
        shared_evidence=shared,
    )


def copy_sqlite_file(src: Path, dest: Path) -> None:
    """SQLite only: a consistent copy of a possibly live database (online backup API)."""
    with sqlite3.connect(src) as source, sqlite3.connect(dest) as target:
        source.backup(target)


def wipe_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def is_sqlite_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def rmtree_quiet(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
