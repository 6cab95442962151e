"""`effdesk db status` on a database made by a newer EffDesk says so (exit 2), instead of
"需要升级" (which invites an upgrade that cannot work)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from effdesk.cli import main


def test_status_of_a_newer_database_names_the_newer_effdesk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "n.sqlite"
    url = f"sqlite:///{path}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='ffff'")
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["--db", url, "db", "status"]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "需要升级" not in text
    assert "更新版本的 EffDesk" in text and "ffff" in text
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("ffff",)
    con.close()


def test_status_of_an_older_database_still_says_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "o.sqlite"
    url = f"sqlite:///{path}"
    assert main(["--db", url, "db", "upgrade"]) == 0
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='0001'")
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["--db", url, "db", "status"]) == 0
    assert "需要升级" in capsys.readouterr().out
