"""The command line: success paths and every kind of user error (message, exit code, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from effdesk.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "effdesk", *args], capture_output=True, text=True, timeout=120
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert "EffDesk" in capsys.readouterr().out


def test_db_upgrade_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert "升级到" in capsys.readouterr().out
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert "已是最新版本" in capsys.readouterr().out
    assert main(["--db", url, "db", "status"]) == 0
    assert "最新" in capsys.readouterr().out


def test_unknown_command_is_a_user_error() -> None:
    r = run("no-such-command")
    assert r.returncode == 2
    assert "参数错误" in r.stderr and "Traceback" not in r.stderr


def test_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage" * 1000)
    r = run("--db", f"sqlite:///{bad}", "db", "upgrade")
    assert r.returncode == 2
    assert "损坏" in r.stderr and "Traceback" not in r.stderr
    assert bad.read_bytes() == b"garbage" * 1000


def test_unreachable_database_url_is_a_clear_error() -> None:
    r = run("--db", "nosuchdialect://x/y", "db", "status")
    assert r.returncode == 2
    assert "错误" in r.stderr and "Traceback" not in r.stderr


def test_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.sqlite'}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    import sqlite3

    con = sqlite3.connect(tmp_path / "n.sqlite")
    con.execute("UPDATE alembic_version SET version_num='ffff'")
    con.commit()
    con.close()
    r = run("--db", url, "db", "upgrade")
    assert r.returncode == 2 and "更新版本" in r.stderr
