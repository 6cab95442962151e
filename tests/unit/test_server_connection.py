"""Connecting to a PostgreSQL server: each way it fails has its own Chinese message, and a
server database keeps its evidence in the configured shared folder, marked with the office.

Needs ``EFFDESK_TEST_PG_URL`` (a database the tests may wipe, on a TCP server); the wrong-
password case also needs a server that asks for passwords on that connection (not ``trust``)
and a user allowed to create roles.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from effdesk.db import profile as profiles
from effdesk.db.connection_errors import (
    ExtensionMissing,
    LoginFailed,
    ServerDatabaseMissing,
    ServerUnreachable,
    server_errors,
)
from effdesk.db.engine import open_database
from effdesk.db.evidence_folder import MARKER_NAME, OFFICE_ID_KEY
from effdesk.db.models import Setting
from effdesk.db.profile import ConnectionProfile
from effdesk.db.server_probe import probe
from effdesk.errors import DatabaseTooNew, EvidenceFolderUnavailable, WrongEvidenceFolder

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("EFFDESK_TEST_PG_URL", "")
if not PG_URL:
    pytest.skip("needs EFFDESK_TEST_PG_URL", allow_module_level=True)


def _wipe() -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _with(**parts: object) -> str:
    return make_url(PG_URL).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _profile(folder: Path, url: str = PG_URL) -> ConnectionProfile:
    u = make_url(url)
    return ConnectionProfile(
        host=u.host or "localhost",
        port=int(u.port or 5432),
        database=u.database or "",
        user=u.username or "",
        evidence_dir=str(folder),
    )


@pytest.fixture
def wiped() -> Iterator[None]:
    _wipe()
    yield


def test_server_down_says_so(wiped: None) -> None:
    url = _with(host="127.0.0.1", port=_free_port())
    with pytest.raises(ServerUnreachable) as caught:
        open_database(url)
    message = str(caught.value)
    assert f"127.0.0.1:{make_url(url).port}" in message
    assert "服务器没有响应" in message and "PostgreSQL 服务是否已启动" in message


def test_missing_database_is_named(wiped: None) -> None:
    name = f"effdesk_missing_{uuid.uuid4().hex[:8]}"
    with pytest.raises(ServerDatabaseMissing) as caught:
        open_database(_with(database=name))
    assert f"没有名为「{name}」的数据库" in str(caught.value)


@pytest.fixture
def password_user() -> Iterator[tuple[str, str]]:
    """A role with a password, on a server that checks it (else the test is skipped)."""
    role, password = "effdesk_pgconn_probe", "right-密码-1"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).first()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(text(f"{verb} ROLE {role} LOGIN PASSWORD '{password}'"))
    except Exception as exc:  # no CREATEROLE right on this server
        admin.dispose()
        pytest.skip(f"cannot create a test role: {exc}")
    wrong = _with(username=role, password="wrong-password")
    try:
        create_engine(wrong).connect().close()
    except Exception:
        pass
    else:
        admin.dispose()
        pytest.skip("the test server does not ask for passwords (trust)")
    yield role, password
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


def test_wrong_password_says_so(wiped: None, password_user: tuple[str, str]) -> None:
    role, _password = password_user
    with pytest.raises(LoginFailed) as caught:
        open_database(_with(username=role, password="wrong-password"))
    message = str(caught.value)
    assert f"用户名「{role}」或密码不正确" in message
    assert "wrong-password" not in message  # never the password itself


def test_newer_schema_is_refused_at_open_and_by_the_test_button(
    wiped: None, tmp_path: Path
) -> None:
    open_database(PG_URL).dispose()
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(DatabaseTooNew, match="9999_future"):
        open_database(PG_URL)
    folder = tmp_path / "shared"
    folder.mkdir()
    u = make_url(PG_URL)
    with pytest.raises(DatabaseTooNew, match="更新版本的 EffDesk"):
        probe(_profile(folder), u.password)


def test_probe_reports_each_check(wiped: None, tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    password = make_url(PG_URL).password
    empty = probe(_profile(folder), password)
    assert empty.empty and any("还没有 EffDesk 数据表" in line for line in empty.lines)
    open_database(PG_URL).dispose()
    ready = probe(_profile(folder), password)
    assert not ready.empty and not ready.upgrade_needed
    assert any("与本程序一致" in line for line in ready.lines)
    assert any("可以访问" in line for line in ready.lines)
    (folder / "objects").mkdir()  # somebody's evidence, no marker: not ours to use
    with pytest.raises(WrongEvidenceFolder, match="没有标明所属数据库"):
        probe(_profile(folder), password)


def test_pg_trgm_problem_becomes_its_message() -> None:
    engine = create_engine(PG_URL)
    try:
        # The same statement migration 0002 runs, for an extension the server lacks.
        with (
            pytest.raises(ExtensionMissing) as caught,
            server_errors(PG_URL),
            engine.begin() as conn,
        ):
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS effdesk_absent_extension"))
    finally:
        engine.dispose()
    assert "pg_trgm" in str(caught.value) and "postgresql-contrib" in str(caught.value)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "share"
    folder.mkdir()
    profiles.save(_profile(folder))
    yield folder
    profiles.clear()


def test_server_database_uses_the_shared_folder_with_a_marker(wiped: None, shared: Path) -> None:
    db = open_database(PG_URL)
    try:
        assert db.files_dir == shared and db.shared_evidence
        with db.session() as s:
            office = s.scalar(select(Setting.value).where(Setting.key == OFFICE_ID_KEY))
        marker = json.loads((shared / MARKER_NAME).read_text(encoding="utf-8"))
        assert marker["office_id"] == office
        blob = db.evidence.put_bytes(b"%PDF-1.4 shared")
        assert blob.path.parent.parent == shared / "objects"
    finally:
        db.dispose()
    # The same folder with another office's database (wiped: a new id) is refused.
    _wipe()
    with pytest.raises(WrongEvidenceFolder, match="属于另一个数据库"):
        open_database(PG_URL)


def test_unreachable_shared_folder_at_open(wiped: None, shared: Path) -> None:
    shared.rmdir()  # the share is offline
    with pytest.raises(EvidenceFolderUnavailable) as caught:
        open_database(PG_URL)
    assert str(shared) in str(caught.value) and "网络共享" in str(caught.value)
    assert not shared.exists()  # never created in its place


def test_password_never_in_the_profile_file(shared: Path) -> None:
    text_on_disk = profiles.profile_path().read_text(encoding="utf-8")
    password = make_url(PG_URL).password
    if password:
        assert password not in text_on_disk
    stored = json.loads(text_on_disk)
    assert set(stored) == {"backend", "host", "port", "database", "user", "evidence_dir"}


def test_cli_uses_this_pcs_server_profile(
    wiped: None, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from effdesk.cli import main

    password = make_url(PG_URL).password
    if password:
        monkeypatch.setenv("PGPASSWORD", password)  # libpq's own way, as on a script's PC
    assert main(["db", "upgrade"]) == 0  # the server database was migrated …
    assert main(["stats", "--from", "2026-01-01", "--to", "2026-01-31", "--json"]) == 0
    assert (shared / MARKER_NAME).is_file()  # … and opened with its shared folder
    profiles.clear()
    assert main(["db", "status"]) == 2  # no profile: the local SQLite file, which is missing
