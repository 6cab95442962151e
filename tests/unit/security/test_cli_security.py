"""The command line: effdesk backup / restore / user, as an admin would type them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sec_helpers import MemoryKeyring

from effdesk.cli import main
from effdesk.db.engine import open_database
from effdesk.security import keys
from effdesk.services import users


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_backup_restore_with_key_file_and_recovery_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    url = f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}"
    assert _run(capsys, "--db", url, "db", "upgrade")[0] == 0  # a new database, explicitly
    rc, out = _run(capsys, "--db", url, "user", "bootstrap")
    assert rc == 0 and "一次性密码" in out
    rc, out = _run(capsys, "--db", url, "backup")  # no keyring on this PC
    assert rc == 2 and "gnome-keyring" in out and "--key-file" in out
    key_file = tmp_path / "usb" / "effdesk.key"
    rc, out = _run(
        capsys, "--db", url, "backup", "--to", str(tmp_path / "bk"), "--key-file", str(key_file)
    )
    assert rc == 0 and "备份完成" in out and "恢复密钥" in out, out
    recovery = next(line.strip() for line in out.splitlines() if line.count("-") == 13)
    archive = next((tmp_path / "bk").glob("*.effbak"))
    db_file = tmp_path / "office" / "effdesk.sqlite"
    before = db_file.read_bytes()
    # Without any key: refused, nothing changed.
    rc, out = _run(capsys, "--db", url, "restore", str(archive))
    assert rc == 2 and "--recovery-key" in out
    assert db_file.read_bytes() == before
    # With a wrong recovery key: refused by the checksum, nothing changed.
    wrong = keys.recovery_key(keys.generate_key())
    rc, out = _run(capsys, "--db", url, "restore", str(archive), "--recovery-key", wrong)
    assert rc == 2 and "密钥不正确" in out
    assert db_file.read_bytes() == before
    rc, out = _run(
        capsys, "--db", url, "restore", str(archive), "--key-file", str(key_file), "--check"
    )
    assert rc == 0 and "完好" in out
    rc, out = _run(capsys, "--db", url, "restore", str(archive), "--recovery-key", recovery)
    assert rc == 0 and "恢复完成" in out and "原数据库已保留为" in out


def test_user_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'effdesk.sqlite'}"
    assert _run(capsys, "--db", url, "db", "upgrade")[0] == 0
    rc, out = _run(
        capsys,
        "--db",
        url,
        "user",
        "add",
        "Li",
        "--name",
        "李四",
        "--role",
        "clerk",
        "--role",
        "leader",
    )
    assert rc == 0
    password = out.strip().split("：")[-1]
    rc, out = _run(capsys, "--db", url, "user", "list")
    assert "li" in out and "受理员、领导" in out and "须改密码" in out
    rc, out = _run(capsys, "--db", url, "user", "reset-password", "li")
    temp = out.strip().split("：")[-1]
    assert rc == 0 and temp != password
    db = open_database(url)
    with db.session() as s:
        assert users.authenticate(s, "li", temp).username == "li"
    db.dispose()
    rc, out = _run(capsys, "--db", url, "user", "add", "li", "--name", "重复", "--role", "clerk")
    assert rc == 2 and "已被使用" in out
    rc, out = _run(capsys, "--db", url, "user", "deactivate", "li")
    assert rc == 0


def test_backup_uses_keyring_when_present(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    url = f"sqlite:///{tmp_path / 'effdesk.sqlite'}"
    assert _run(capsys, "--db", url, "db", "upgrade")[0] == 0
    rc, out = _run(capsys, "--db", url, "backup", "--to", str(tmp_path / "bk"))
    assert rc == 0 and "恢复密钥" in out  # first backup: new key, recovery key printed
    rc, out = _run(capsys, "--db", url, "backup", "--to", str(tmp_path / "bk"))
    assert rc == 0 and "恢复密钥" not in out
    archive = sorted((tmp_path / "bk").glob("*.effbak"))[-1]
    rc, out = _run(capsys, "--db", url, "restore", str(archive))
    assert rc == 0 and "恢复完成" in out
