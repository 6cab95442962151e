"""Issue 18, defects 3, 8 (files and disks) and 9: no database made or "verified" by accident,
clear messages for disk and path problems, no half-built demo office."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from effdesk.cli import main
from effdesk.paths import default_db_path

EFFDESK = [sys.executable, "-m", "effdesk"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out + out.err


# --------------------------------------------------------------------------- defect 3


@pytest.mark.parametrize(
    "command",
    [["verify"], ["user", "list"], ["user", "bootstrap"], ["backup"], ["db", "status"]],
)
def test_a_mistyped_path_is_refused_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    path = tmp_path / "effdesk.sqllite"  # a typo
    rc, out = _run(capsys, "--db", f"sqlite:///{path}", *command)
    assert rc == 2 and "找不到数据库文件" in out and str(path) in out, out
    assert not path.exists()


def test_an_empty_file_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "effdesk.sqlite"
    path.touch()
    rc, out = _run(capsys, "--db", f"sqlite:///{path}", "verify")
    assert rc == 2 and "空文件" in out and str(path) in out
    assert path.stat().st_size == 0


def test_a_vanished_default_database_is_not_recreated(capsys: pytest.CaptureFixture[str]) -> None:
    path = default_db_path()
    assert _run(capsys, "db", "upgrade")[0] == 2  # not even db upgrade, without an explicit path
    rc, out = _run(capsys, "verify")
    assert rc == 2 and str(path) in out
    assert not path.exists()


def test_db_upgrade_creates_an_explicit_new_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "effdesk.sqlite"
    assert _run(capsys, "--db", f"sqlite:///{path}", "db", "upgrade")[0] == 0
    assert path.is_file()


def test_verify_says_an_empty_database_is_not_an_office(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'effdesk.sqlite'}"
    assert _run(capsys, "--db", url, "db", "upgrade")[0] == 0
    rc, out = _run(capsys, "--db", url, "verify")
    assert rc == 3 and "不是 EffDesk 办公数据库" in out and "没有任何用户" in out, out
    assert "校验通过" not in out


# --------------------------------------------------------------------------- defect 9

DEMO_N = "5200"  # above the bulk threshold: indexes and the FTS trigger are dropped while loading


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_demo_leaves_no_half_built_office(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    url = f"sqlite:///{path}"
    env = {**os.environ, "EFFDESK_CRASH_AT": "demo-bulk"}
    proc = subprocess.run(
        [*EFFDESK, "--db", url, "demo", "--complaints", DEMO_N, "--today", "2026-06-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert not path.exists()  # nothing half-built under the real name
    assert list(tmp_path.glob(".effdesk-demo-*"))  # the private build folder …
    again = subprocess.run(
        [*EFFDESK, "--db", url, "demo", "--complaints", "60", "--today", "2026-06-01"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob(".effdesk-demo-*"))  # … is removed at the next start
    check = subprocess.run([*EFFDESK, "--db", url, "verify"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_verify_finds_missing_indexes_triggers_and_a_lagging_number_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demo.sqlite"
    url = f"sqlite:///{path}"
    assert _run(capsys, "--db", url, "demo", "--complaints", "40", "--today", "2026-06-01")[0] == 0
    rc, out = _run(capsys, "--db", url, "verify")
    assert rc == 0 and "结构（索引、触发器、编号序列）：完整" in out, out
    con = sqlite3.connect(path)
    trigger = con.execute(
        "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='complaints' LIMIT 1"
    ).fetchone()[0]
    index = con.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='complaints' "
        "AND sql IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    con.execute(f'DROP TRIGGER "{trigger}"')
    con.execute(f'DROP INDEX "{index}"')
    con.execute("UPDATE number_series SET last_number = 1 WHERE key = 'complaint'")
    con.commit()
    con.close()
    rc, out = _run(capsys, "--db", url, "verify")
    assert rc == 3, out
    assert f"缺少触发器「{trigger}」" in out and f"缺少索引「{index}」" in out
    assert "投诉件编号序列停在 1" in out


@pytest.mark.skipif(os.name != "posix", reason="pipes closed by the reader")
def test_demo_whose_output_is_closed_still_builds_a_whole_office(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    url = f"sqlite:///{path}"
    proc = subprocess.Popen(
        [*EFFDESK, "--db", url, "demo", "--complaints", "300", "--today", "2026-06-01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # `effdesk demo | head -1`
    _, err = proc.communicate(timeout=600)
    if proc.returncode == 0:
        check = subprocess.run([*EFFDESK, "--db", url, "verify"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        con = sqlite3.connect(path)
        assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 300
        # The later stages too (spot checks, documents) and the build's closing audit entry.
        assert con.execute("SELECT count(*) FROM campaigns").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
        done = "SELECT count(*) FROM audit_log WHERE summary LIKE '生成演示数据%'"
        assert con.execute(done).fetchone()[0] == 1
        con.close()
    else:  # a failed build must leave nothing behind
        assert not path.exists(), err


# --------------------------------------------------------------------------- defect 8

NS_SCRIPT = """
mount -t tmpfs -o size={size} tmpfs {mnt} || exit 9
{body}
"""


def _in_namespace(mnt: Path, size: str, body: str) -> subprocess.CompletedProcess[str]:
    """Run shell ``body`` with a small tmpfs at ``mnt`` (a private mount namespace)."""
    script = textwrap.dedent(NS_SCRIPT).format(size=size, mnt=mnt, body=body)
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def namespaces(tmp_path: Path) -> None:
    if not shutil.which("unshare") or os.name != "posix":
        pytest.skip("needs unshare")
    probe = _in_namespace(tmp_path, "64k", "true")
    if probe.returncode != 0:
        pytest.skip(f"no mount namespaces here: {probe.stderr}")


def _office(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}"
    assert _run(capsys, "--db", url, "demo", "--complaints", "30", "--today", "2026-06-01")[0] == 0
    return url


def test_backup_to_a_full_disk_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespaces: None
) -> None:
    url = _office(tmp_path, capsys)
    key_file = tmp_path / "k.key"
    mnt = tmp_path / "usb"
    mnt.mkdir()
    py = " ".join(EFFDESK)
    r = _in_namespace(
        mnt,
        "256k",
        f"{py} --db '{url}' backup --to {mnt} --key-file {key_file}; echo rc=$?; ls -a {mnt}",
    )
    assert "rc=2" in r.stdout, (r.stdout, r.stderr)
    assert "磁盘空间不足" in r.stderr and "Traceback" not in r.stderr
    assert ".effdesk-backup" not in r.stdout  # no half archive left on the stick


def test_user_add_on_a_full_disk_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespaces: None
) -> None:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    url = f"sqlite:///{mnt}/effdesk.sqlite"
    py = " ".join(EFFDESK)
    r = _in_namespace(
        mnt,
        "3m",
        f"{py} --db '{url}' db upgrade >/dev/null; {py} --db '{url}' user bootstrap >/dev/null; "
        f"dd if=/dev/zero of={mnt}/filler bs=4k 2>/dev/null || true; "
        f"{py} --db '{url}' user add li --name 李四 --role clerk; echo rc=$?; "
        f"rm {mnt}/filler; {py} --db '{url}' user list",
    )
    assert "rc=2" in r.stdout, (r.stdout, r.stderr)
    assert "磁盘空间不足" in r.stderr and "Traceback" not in r.stderr
    assert "admin" in r.stdout and "李四" not in r.stdout  # nothing half-written, nothing lost


def test_read_only_data_folder_is_not_called_damaged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespaces: None
) -> None:
    url = _office(tmp_path, capsys)
    folder = tmp_path / "office"
    py = " ".join(EFFDESK)
    script = f"""
    set -e
    mount --bind {folder} {folder}
    mount -o remount,ro,bind {folder}
    {py} --db '{url}' user list || echo rc=$?
    """
    r = subprocess.run(
        ["unshare", "-rm", "sh", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "rc=2" in r.stdout, (r.stdout, r.stderr)
    assert "只读" in r.stderr and str(folder) in r.stderr
    assert "损坏" not in r.stderr.replace("并未损坏", "") and "请从备份恢复" not in r.stderr


def test_backup_to_an_existing_file_and_field_export_to_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _office(tmp_path, capsys)
    target = tmp_path / "backup.effbak"
    target.write_bytes(b"keep me")
    rc, out = _run(
        capsys, "--db", url, "backup", "--to", str(target), "--key-file", str(tmp_path / "k")
    )
    assert rc == 2 and "是一个已有的文件" in out and str(target) in out
    assert target.read_bytes() == b"keep me"
    rc, out = _run(
        capsys, "--db", url, "field", "export", "--campaign", "1", "--out", str(tmp_path)
    )
    assert rc == 2 and "是一个文件夹" in out and "Traceback" not in out
