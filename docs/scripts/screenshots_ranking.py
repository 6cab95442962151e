"""Regenerate docs/screenshots/ranking-*.png (the 考评排名 tab) and bulletin-p*.png (the monthly
bulletin's pages) from a demo office.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_ranking.py

Builds the demo office in a temporary database, computes January–November 2026 (January to
September closed), shows the tab on October as the leader sees it, then renders the October
bulletin with the bundled fonts and turns its pages into PNG with pdftoppm (poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, demo_office, settle

OUT = ROOT / "docs" / "screenshots"
DEMO_SEED = 2026
DEMO_TODAY = date(2026, 11, 20)
COMPUTED_ON = date(2026, 12, 2)
MONTH = "2026-10"
WINDOW_SIZE = (1500, 880)


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    with demo_office(
        "effdesk-ranking-", OUT, seed=DEMO_SEED, complaints=None, today=DEMO_TODAY
    ) as office:
        from PySide6.QtWidgets import QApplication

        from effdesk.services import assessment
        from effdesk.ui.statistics.ranking_tab import RankingTab, ReasonDialog

        work, db = office.work, office.db
        leader = office.actor("leader1")
        with db.session() as s:
            for month in range(1, 12):
                period = f"2026-{month:02d}"
                assessment.compute_month(s, leader, period, today=COMPUTED_ON)
                if month <= 9:
                    assessment.close_month(s, leader, period, today=COMPUTED_ON)

        ctx = office.context(leader)
        tab = RankingTab(ctx)
        tab.setWindowTitle("考评排名 — 作风监测指数")
        tab.resize(*WINDOW_SIZE)
        tab.show()
        tab.select_month(MONTH)
        result = tab.result
        assert result is not None
        worst = min(
            result.by_category()[tab.current_category()],
            key=lambda r: r.score,
        )
        tab.select_unit(worst.unit_name)
        tab.details.selectRow(0)
        office.grab("ranking-month", tab)

        tab.tabs.setCurrentIndex(tab.tabs.count() - 1)
        tab.year_spin.setValue(2026)
        office.grab("ranking-year", tab)

        from effdesk.ui.statistics.rules_dialog import RulesDialog

        rules = RulesDialog(ctx, tab)
        rules.show()
        office.grab("ranking-rules", rules)
        rules.close()

        tab.select_month("2026-09")
        dialog = ReasonDialog("2026-09", tab)
        dialog.reason.setPlainText("补录9月28日明察暗访发现的问题（现场笔记本导入较晚）")
        dialog.show()
        office.grab("ranking-recompute", dialog)
        dialog.close()
        for w in QApplication.topLevelWidgets():
            w.close()
        settle()

        from effdesk.cli import main as cli_main

        pdf = work / "bulletin.pdf"
        url = f"sqlite:///{work / 'demo.sqlite'}"
        code = cli_main(
            [
                "--db",
                url,
                "render",
                "bulletin",
                "--month",
                MONTH,
                "--date",
                "2026-11-06",
                "--out",
                str(pdf),
            ]
        )
        if code != 0:
            return code
        for old in OUT.glob("bulletin-p*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(pdf), str(OUT / "bulletin-p")], check=True
        )
        for png in sorted(OUT.glob("bulletin-p-*.png")):
            # pdftoppm pads the page number ("-1", "-01"): name them bulletin-p1.png …
            target = OUT / f"bulletin-p{int(png.stem.rsplit('-', 1)[1])}.png"
            png.rename(target)
            print(f"wrote docs/screenshots/{target.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
