"""Screenshots of the Excel ledger dialogs (导入台账, 导出台账) on a demo office.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_ledgers.py

Builds a demo office in a temporary folder, logs in as the demo clerk 「clerk1」, builds office
ledgers the way tests/unit/ledgers/ledger_builders.py does, and writes
``docs/screenshots/ledgers-*.png``:

* ledgers-import-mapping: a ledger with title rows and merged unit cells; one column whose
  meaning is unsure (highlighted), a unit to create, the preview;
* ledgers-import-errors: a ledger with defects, refused row by row (保存错误清单);
* ledgers-export: the export dialog after writing the complaint ledger.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "ledgers"))

from ledger_builders import HEADERS, ROWS, build_xlsx  # noqa: E402
from screenshots import DEMO_SEED, SCREENSHOT_USER  # noqa: E402
from shot_office import demo_office  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="台账导入导出 screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=60)
    args = ap.parse_args(argv)
    with demo_office(
        "effdesk-shots-ledgers-", args.out, seed=DEMO_SEED, complaints=args.complaints
    ) as office:
        from openpyxl import load_workbook
        from PySide6.QtWidgets import QApplication

        from effdesk.ui.ledgers.export_dialog import ExportDialog
        from effdesk.ui.ledgers.import_dialog import ImportDialog

        work = office.work
        grab = office.grab
        ctx = office.context(office.actor(SCREENSHOT_USER))

        # An office ledger: one header written the office's own way, one unit not yet listed.
        rows = [list(r) for r in ROWS]
        for i, row in enumerate(rows, start=1):
            row[0] = f"县效投〔2025〕{i}号"  # the office's own numbers, kept as they are
        rows[3][5] = rows[4][5] = "县粮油收储有限公司"
        ledger = build_xlsx(work / "2025年投诉台账.xlsx", rows)
        book = load_workbook(ledger)
        book.active.cell(3, HEADERS.index("反映问题") + 1).value = "群众反映的主要问题情况"
        book.save(ledger)
        dialog = ImportDialog(ctx)
        dialog.resize(1400, 860)
        dialog.show()
        dialog.set_file(ledger)
        grab("ledgers-import-mapping", dialog)
        dialog.close()

        bad = [list(r) for r in ROWS]
        for i, row in enumerate(bad, start=1):
            row[0] = f"县效投〔2025〕{i}号"
        bad[0][1] = "2025年2月30日"
        bad[1][7] = ""
        bad[2][4] = "1381234"
        bad[3][6] = "态度恶劣的问题"
        bad[4][9] = "2025-03-01"
        defective = build_xlsx(work / "有问题的台账.xlsx", bad)
        dialog = ImportDialog(ctx)
        dialog.resize(1400, 860)
        dialog.show()
        dialog.set_file(defective)
        grab("ledgers-import-errors", dialog)
        dialog.close()

        export = ExportDialog(ctx)
        export.show()
        export.path_edit.setText(str(work / "导出" / "投诉受理台账.xlsx"))
        export.start_edit.setDate(export.start_edit.date().addYears(-1))
        export.export_button.click()
        for w in QApplication.topLevelWidgets():
            if w is not export and w.isVisible() and w.windowTitle() == "导出完成":
                w.close()
        grab("ledgers-export", export)
        export.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
