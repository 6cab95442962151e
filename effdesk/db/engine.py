"""Opening the database: engine setup per backend, migration to head, safety checks.

SQLite-specific code is marked as such; everything else is portable to PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from effdesk.db.base import now
from effdesk.db.sqlite_hints import HintingSQLiteCompiler
from effdesk.errors import DatabaseCorrupt, DatabaseTooNew, EffDeskError
from effdesk.paths import default_db_url, evidence_dir_for

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
    return create_engine(url, echo=echo, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_integrity(engine: Engine) -> None:
    """SQLite only: refuse to work on a damaged file (PostgreSQL guards itself)."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA quick_check").fetchall()
    except Exception as exc:  # sqlite3 raises DatabaseError "file is not a database"
        raise DatabaseCorrupt(
            f"数据库文件已损坏或不是 EffDesk 数据库（{exc}）。请从备份恢复；当前文件不会被覆盖。"
        ) from exc
    problems = [r[0] for r in rows if r[0] != "ok"]
    if problems:
        raise DatabaseCorrupt(
            "数据库完整性检查未通过："
            + "；".join(problems[:5])
            + "。请从备份恢复；当前文件不会被覆盖。"
        )


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


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except (ResolutionError, CommandError):
        return False


def upgrade_to_head(engine: Engine) -> str | None:
    """Migrate to the newest schema; refuse a database made by a newer EffDesk.

    Returns the path of the pre-migration backup (SQLite) when a migration ran.
    """
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    if current is not None and not _known_revision(script, current):
        raise DatabaseTooNew(
            f"此数据库由更新版本的 EffDesk 创建（架构版本 {current}），"
            "本程序无法打开。请升级 EffDesk 后再试。"
        )
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

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None) -> Engine:
    """An engine on ``url`` (default database) that has passed the integrity check.

    Every way the URL or the file can be wrong becomes an EffDeskError with a Chinese message.
    """
    url = url or default_db_url()
    try:
        engine = make_engine(url)
    except Exception as exc:
        raise EffDeskError(f"无法使用数据库地址「{_safe(url)}」：{exc}") from exc
    check_integrity(engine)
    if engine.dialect.name != "sqlite":
        try:
            ping(engine)
        except Exception as exc:
            engine.dispose()
            raise EffDeskError(f"无法连接数据库「{_safe(url)}」：{exc}") from exc
    return engine


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（无法解析的地址）"


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url`` or the default SQLite file."""
    url = url or default_db_url()
    engine = connect(url)
    if migrate:
        upgrade_to_head(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    files = evidence_dir_for(url)
    files.mkdir(parents=True, exist_ok=True)
    return Database(url=url, engine=engine, sessions=sessions, files_dir=files)


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
