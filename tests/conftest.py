"""Shared fixtures. Databases are built through migrations, exactly as the app builds them.

Set ``EFFDESK_TEST_PG_URL`` (an empty PostgreSQL database the tests may wipe) to run the
database tests against PostgreSQL as well as SQLite.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import shutil
import sqlite3
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from effdesk.auth import Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Base, User, UserRole
from effdesk.enums import Role

# A test stuck below Python (a deadlock holding the GIL, a modal loop nobody closes) defeats
# pytest-timeout, which needs the interpreter to run. faulthandler's watchdog is a C thread:
# past this limit it prints every thread's stack and ends the run with exit code 1.
HARD_LIMIT_S = int(os.environ.get("EFFDESK_TEST_HARD_LIMIT_S", "420"))
_watchdog_fd: int | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _watchdog_fd
    # A copy of the real stderr, taken outside output capture, for the watchdog's report.
    capman = config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        _watchdog_fd = os.dup(2)
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): a test about the SQLite file itself (locks, WAL, PRAGMA, the file "
        "swapped by a restore): its PostgreSQL variant is not collected",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the PostgreSQL variant of tests marked ``sqlite_only`` (they must give a reason)."""
    keep, dropped = [], []
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is not None:
            assert mark.args or mark.kwargs.get("reason"), f"{item.nodeid}: sqlite_only(reason)"
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("db_url") if callspec is not None else None
        (dropped if mark is not None and backend == "postgresql" else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    if _watchdog_fd is not None:
        faulthandler.dump_traceback_later(HARD_LIMIT_S, exit=True, file=_watchdog_fd)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


PG_URL = os.environ.get("EFFDESK_TEST_PG_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test may touch the real user data folder."""
    monkeypatch.setenv("EFFDESK_DATA_DIR", str(tmp_path_factory.mktemp("data")))


def _wipe_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head through Alembic, copied for each test (fast setup)."""
    path = tmp_path_factory.mktemp("template") / "effdesk.sqlite"
    open_database(f"sqlite:///{path}", create=True).dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


class PostgresDatabases:
    """Fresh PostgreSQL databases for tests, from one migrated template.

    Migrating takes seconds on PostgreSQL. The template ``<db>_template`` is migrated once per
    run through Alembic, exactly as the app migrates; the database of ``EFFDESK_TEST_PG_URL``
    is copied from it (``CREATE DATABASE … TEMPLATE``) and then, between tests, emptied:
    ``TRUNCATE`` of every table but alembic_version, ``RESTART IDENTITY`` (about half the time
    of a copy here). A test that changed the schema or the revision gets a new copy. The
    server's user needs the CREATEDB right.
    """

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.url = make_url(url)
        assert self.url.database, "EFFDESK_TEST_PG_URL needs a database name"
        self.name = self.url.database
        self.template = f"{self.name}_template"
        admin_url = self.url.set(database="postgres")
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._recreate(self.template, template="template0")
        open_database(self._url(self.template)).dispose()
        self.head = _revision(self._url(self.template))
        self.tables = _tables(self._url(self.template))
        self._recreate(self.name, template=self.template)
        self.engine = create_engine(self._url(self.name), poolclass=NullPool)

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _recreate(self, name: str, *, template: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\''))

    def fresh(self, name: str | None = None) -> str:
        """The URL of a migrated, empty database (``name``: another than the default one)."""
        if name is not None and name != self.name:
            self._recreate(name, template=self.template)
            return self._url(name)
        with self.engine.connect() as conn:
            # Connections a test left open (a Database not disposed) would block TRUNCATE.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            tables = _tables_on(conn)
            version = _revision_on(conn) if "alembic_version" in tables else None
            if tables == self.tables and version == self.head:
                data = ", ".join(f'"{t}"' for t in sorted(tables - {"alembic_version"}))
                conn.execute(text(f"TRUNCATE {data} RESTART IDENTITY CASCADE"))
                conn.commit()
                return self._url(self.name)
        self._recreate(self.name, template=self.template)
        return self._url(self.name)

    def empty(self, name: str) -> str:
        """The URL of an empty database without any schema (for the demo, db copy …)."""
        self._recreate(name, template="template0")
        return self._url(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _tables_on(conn: Connection) -> frozenset[str]:
    rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return frozenset(r[0] for r in rows)


def _revision_on(conn: Connection) -> str | None:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _tables(url: str) -> frozenset[str]:
    from sqlalchemy import create_engine

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        found = _tables_on(conn)
    engine.dispose()
    return found


def _revision(url: str) -> str | None:
    from sqlalchemy import create_engine

    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        found = _revision_on(conn)
    engine.dispose()
    return found


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    if not PG_URL:
        pytest.skip("EFFDESK_TEST_PG_URL not set")
    try:
        databases = PostgresDatabases(PG_URL)
    except Exception as exc:
        pytest.fail(
            f"EFFDESK_TEST_PG_URL: cannot make the test databases ({exc}). The server's user "
            "needs the CREATEDB right (see README: the tests on PostgreSQL).",
            pytrace=False,
        )
    yield databases
    databases.engine.dispose()
    databases.drop(databases.template)
    databases.admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path) -> str:
    """The URL of a migrated, empty EffDesk database on each configured backend."""
    if request.param == "sqlite":
        target = tmp_path / "effdesk.sqlite"
        shutil.copy(migrated_sqlite_template, target)
        return f"sqlite:///{target}"
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.fresh()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated, empty EffDesk database on each configured backend."""
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


def make_user(session: Session, username: str, *roles: Role) -> Actor:
    user = User(username=username, display_name=username, must_change_password=False)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return Actor(user_id=user.id, username=username, roles=frozenset(roles), display_name=username)


@pytest.fixture
def actors(session: Session) -> dict[str, Actor]:
    """One real user per role: clerk, inspector, leader, admin."""
    return {
        "clerk": make_user(session, "clerk", Role.CLERK),
        "inspector": make_user(session, "inspector", Role.INSPECTOR),
        "leader": make_user(session, "leader", Role.LEADER),
        "admin": make_user(session, "admin", Role.ADMIN),
    }


__all__ = ["Base", "make_user"]
