"""This PC's connection profile (no password on disk) and the messages for server errors as a
Chinese-locale server words them (no server needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from effdesk.db import profile as profiles
from effdesk.db.connection_errors import (
    ConnectionLost,
    LoginFailed,
    ServerDatabaseMissing,
    ServerUnreachable,
    opening_error,
    working_error,
)
from effdesk.db.profile import ConnectionProfile
from effdesk.errors import EffDeskError, ValidationError

URL = "postgresql+psycopg://effdesk:pw@10.0.0.5:5433/office"


def test_profile_round_trip_without_password(tmp_path: Path) -> None:
    profile = ConnectionProfile("10.0.0.5", 5433, "office", "effdesk", str(tmp_path / "share"))
    path = profiles.save(profile)
    assert path == profiles.profile_path() and path.parent == profiles.config_dir()
    assert profiles.load() == profile
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {
        "backend",
        "host",
        "port",
        "database",
        "user",
        "evidence_dir",
    }
    assert profile.url() == "postgresql+psycopg://effdesk@10.0.0.5:5433/office"
    assert profile.matches(URL) and not profile.matches(URL.replace("/office", "/other"))
    assert profiles.shared_evidence_dir(URL) == tmp_path / "share"
    assert profiles.shared_evidence_dir(URL.replace("5433", "5432")) is None
    profiles.clear()
    assert profiles.load() is None and profiles.shared_evidence_dir(URL) is None


def test_config_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFFDESK_CONFIG_DIR", str(tmp_path / "cfg"))
    assert profiles.profile_path() == tmp_path / "cfg" / "connection.json"


def test_incomplete_profile_is_refused_at_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        profiles.save(ConnectionProfile("", 5432, "office", "effdesk", "/mnt/share"))
    assert caught.value.field == "host"
    fields = [f for f, _m in ConnectionProfile("h", 0, "", "", "").problems()]
    assert fields == ["port", "database", "user", "evidence_dir"]


def test_damaged_profile_file_says_where_it_is() -> None:
    profiles.profile_path().write_text("{not json", encoding="utf-8")
    with pytest.raises(EffDeskError, match=r"connection\.json"):
        profiles.load()


def _driver_error(message: str) -> OperationalError:
    import psycopg

    return OperationalError("connect", {}, psycopg.OperationalError(message))


@pytest.mark.parametrize(
    ("server_text", "kind", "words"),
    [
        (
            'connection failed: 致命错误:  用户 "effdesk" Password 认证失败',
            LoginFailed,
            "用户名「effdesk」或密码不正确",
        ),
        (
            'connection failed: 致命错误:  数据库 "office" 不存在',
            ServerDatabaseMissing,
            "没有名为「office」的数据库",
        ),
        (
            "connection failed: fe_sendauth: no password supplied",
            LoginFailed,
            "密码不正确",
        ),
        (
            'connection to server at "10.0.0.5", port 5433 failed: timeout expired',
            ServerUnreachable,
            "服务器没有响应",
        ),
        (
            "failed to resolve host 'xnb-server': [Errno -2] Name or service not known",
            ServerUnreachable,
            "地址和端口是否填写正确",
        ),
    ],
)
def test_opening_messages(server_text: str, kind: type[EffDeskError], words: str) -> None:
    err = opening_error(_driver_error(server_text), URL)
    assert isinstance(err, kind)
    assert words in str(err)


def test_dropped_connection_while_working() -> None:
    dropped = _driver_error("consuming input failed: server closed the connection unexpectedly")
    lost = working_error(dropped, URL)
    assert isinstance(lost, ConnectionLost) and "连接已中断" in str(lost)
    import psycopg

    bad_sql = OperationalError("x", {}, psycopg.errors.DivisionByZero("division by zero"))
    assert working_error(bad_sql, URL) is None  # a statement's own error stays what it is
