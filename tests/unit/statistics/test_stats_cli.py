"""``effdesk stats``: the JSON object and the Chinese table, on the hand-built office."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from statistics_cases import build_stats_office
from tests_support_users import users

from effdesk.cli import main
from effdesk.commands.stats import display_width, format_table, percent
from effdesk.db.engine import Database, open_database


@pytest.fixture
def url(db: Database) -> str:
    with db.session() as s:
        build_stats_office(s, users(s))
    return db.url


def test_json(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", url, "stats", "--from", "2025-09-01", "--to", "2025-10-31"]
    assert main([*args, "--as-of", "2025-10-15", "--by", "month", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert (data["received"], data["concluded"], data["on_time_rate"]) == (6, 3, 0.5)
    assert (data["measures_persons"], data["measures_units"]) == (2, 1)
    assert [m["key"] for m in data["by_month"]] == ["2025-09", "2025-10"]
    assert [u["name"] for u in data["by_unit"]][:2] == ["县公安局", "县市场监督管理局"]
    # The period is over: by default it is judged on its last day.
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2025-10-31"
    assert main([*args, "--as-of", "2025-10-15", "--by", "month", "--json"]) == 0
    assert capsys.readouterr().out == out
    assert main([*args, "--as-of", "2025-10-15", "--by", "month", "--json", "--rebuild-cache"]) == 0
    assert capsys.readouterr().out == out


def test_table(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", url, "stats", "--from", "2025-09-01", "--to", "2025-10-31"]
    assert main([*args, "--as-of", "2025-10-15", "--by", "channel"]) == 0
    out = capsys.readouterr().out
    assert "统计期间：2025-09-01 至 2025-10-15" in out
    assert "按期办结率" in out and "50.0%" in out and "来源渠道" in out
    lines = [
        line for line in out.splitlines() if line.startswith(("被投诉单位", "县公安局", "县市场"))
    ]
    assert len({display_width(line) for line in lines}) == 1  # aligned for CJK width


def test_user_errors(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", url, "stats", "--from", "2025-10-31", "--to", "2025-09-01"]) == 2
    assert "不能早于开始日期" in capsys.readouterr().err
    assert main(["--db", url, "stats", "--from", "2025/9/1", "--to", "2025-10-31"]) == 2
    assert "格式不对" in capsys.readouterr().err


def test_text_helpers() -> None:
    assert display_width("县公安局 12") == 11
    assert percent(0.8235) == "82.4%" and percent(None) == "—" and percent(1.0) == "100.0%"
    table = format_table(["单位", "受理"], [["县公安局", "3"], ["ab", "12"]])
    assert len({display_width(line) for line in table.splitlines()}) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("EFFDESK_TEST_PG_URL"), reason="EFFDESK_TEST_PG_URL not set")
def test_same_json_bytes_on_sqlite_and_postgresql(
    tmp_path: Path, migrated_sqlite_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite_path = tmp_path / "s.sqlite"
    shutil.copy(migrated_sqlite_template, sqlite_path)
    pg_url = os.environ["EFFDESK_TEST_PG_URL"]
    _wipe_postgres(pg_url)
    outputs = []
    for url in (f"sqlite:///{sqlite_path}", pg_url):
        db = open_database(url)
        with db.session() as s:
            build_stats_office(s, users(s))
        db.dispose()
        for by in ("unit", "category", "channel", "month", "handler"):
            args = ["--db", url, "stats", "--from", "2025-09-01", "--to", "2025-10-31"]
            assert main([*args, "--as-of", "2025-10-15", "--by", by, "--json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0].split("\n}\n")[0] + "\n}")["received"] == 6


def _wipe_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
