"""``effdesk import complaints|directory`` and ``effdesk export`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_builders import ROWS, build_xlsx
from openpyxl import load_workbook

from effdesk.cli import main


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["--db", url, "db", "upgrade"]) == 0  # a new database only on purpose
    return url


def test_import_refuses_until_confirmed_then_imports_and_exports(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = build_xlsx(tmp_path / "台账.xlsx")

    assert main(["--db", db_url, "import", "complaints", str(ledger)]) == 2
    out = capsys.readouterr()
    assert "表头在第3行" in out.out and "B列「投诉时间」→ 受理日期" in out.out
    assert "导入前请确认" in out.err and "县市场监督管理局" in out.err

    assert main(["--db", db_url, "import", "complaints", str(ledger), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"投诉件{len(ROWS)}" in out and "合计/小计行1行" in out

    # The same ledger again: every row is refused (numbers already in the system).
    errors = tmp_path / "错误清单.xlsx"
    code = main(
        ["--db", db_url, "import", "complaints", str(ledger), "--yes", "--errors", str(errors)]
    )
    assert code == 2
    assert "已在系统中" in capsys.readouterr().err
    sheet = load_workbook(errors).active
    assert [c.value for c in sheet[3]] == ["行号", "列", "问题"]
    assert sheet["A4"].value == 4 and sheet["B4"].value == "序号"

    out_file = tmp_path / "导出.xlsx"
    args = ["--db", db_url, "export", "complaints", "--from", "2025-01-01", "--to", "2025-12-31"]
    assert main([*args, "--out", str(out_file)]) == 0
    assert load_workbook(out_file).active.max_row == 3 + len(ROWS)
    assert main([*args[:-4], "--from", "2025-13-01", "--to", "x", "--out", str(out_file)]) == 2


def test_directory_template_and_import(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "模板.xlsx"
    assert main(["--db", db_url, "import", "directory-template", "--out", str(template)]) == 0
    book = load_workbook(template)
    book["单位名录"].append(["县医疗保障局", "医保局", "县直部门", "二类"])
    book["人员名录"].append(["何平", "县医疗保障局", "局长"])
    book.save(template)
    assert main(["--db", db_url, "import", "directory", str(template)]) == 0
    assert "新建单位1，新建人员1" in capsys.readouterr().out
