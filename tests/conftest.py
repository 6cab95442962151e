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

from sqlalchemy import text
from sqlalchemy.orm import Session

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    if _watchdog_fd is not None:
        faulthandler.dump_traceback_later(HARD_LIMIT_S, exit=True, file=_watchdog_fd)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("EFFDESK_TEST_PG_URL") else [])


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


@pytest.fixture(params=BACKENDS)
def db(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path
) -> Iterator[Database]:
    """A migrated, empty EffDesk database on each configured backend."""
    if request.param == "sqlite":
        target = tmp_path / "effdesk.sqlite"
        shutil.copy(migrated_sqlite_template, target)
        url = f"sqlite:///{target}"
    else:
        url = os.environ["EFFDESK_TEST_PG_URL"]
        _wipe_postgres(url)
    database = open_database(url)
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
