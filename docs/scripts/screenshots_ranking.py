"""Regenerate docs/screenshots/ranking-*.png (the 考评排名 tab) and bulletin-p*.png (the monthly
bulletin's pages) from a demo office.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_ranking.py

Builds the demo office in a temporary database, computes January–November 2026 (January to
September closed), shows the tab on October as the leader sees it, then renders the October
bulletin with the bundled fonts and turns its pages into PNG with pdftoppm (poppler-utils).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
DEMO_SEED = 2026
DEMO_TODAY = date(2026, 11, 20)
COMPUTED_ON = date(2026, 12, 2)
MONTH = "2026-10"
WINDOW_SIZE = (1500, 880)


def _settle() -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(150, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"
    with tempfile.TemporaryDirectory(prefix="effdesk-ranking-") as tmp:
        work = Path(tmp)
        os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
        if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"

        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from effdesk.auth import SYSTEM
        from effdesk.db.engine import open_database
        from effdesk.demo.generator import build_demo
        from effdesk.services import assessment, users
        from effdesk.ui.app import create_application
        from effdesk.ui.context import AppContext
        from effdesk.ui.statistics.ranking_tab import RankingTab, ReasonDialog
        from effdesk.ui.tasks import TaskRunner

        app = create_application([sys.argv[0]])
        app.setApplicationName("EffDeskScreenshots")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))

        db = open_database(f"sqlite:///{work / 'demo.sqlite'}", create=True)
        build_demo(db, seed=DEMO_SEED, today=DEMO_TODAY)
        with db.session() as s:
            leader = users.actor_of(users.find_user(s, SYSTEM, "leader1"))
            for month in range(1, 12):
                period = f"2026-{month:02d}"
                assessment.compute_month(s, leader, period, today=COMPUTED_ON)
                if month <= 9:
                    assessment.close_month(s, leader, period, today=COMPUTED_ON)
        OUT.mkdir(parents=True, exist_ok=True)

        ctx = AppContext(db=db, actor=leader, tasks=TaskRunner(synchronous=True))
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
        _settle()
        shots = {"ranking-month": tab}
        for name, widget in shots.items():
            widget.grab().save(str(OUT / f"{name}.png"))
            print(f"wrote docs/screenshots/{name}.png")

        tab.tabs.setCurrentIndex(tab.tabs.count() - 1)
        tab.year_spin.setValue(2026)
        _settle()
        tab.grab().save(str(OUT / "ranking-year.png"))
        print("wrote docs/screenshots/ranking-year.png")

        from effdesk.ui.statistics.rules_dialog import RulesDialog

        rules = RulesDialog(ctx, tab)
        rules.show()
        _settle()
        rules.grab().save(str(OUT / "ranking-rules.png"))
        print("wrote docs/screenshots/ranking-rules.png")
        rules.close()

        tab.select_month("2026-09")
        dialog = ReasonDialog("2026-09", tab)
        dialog.reason.setPlainText("补录9月28日明察暗访发现的问题（现场笔记本导入较晚）")
        dialog.show()
        _settle()
        dialog.grab().save(str(OUT / "ranking-recompute.png"))
        print("wrote docs/screenshots/ranking-recompute.png")
        dialog.close()
        for w in QApplication.topLevelWidgets():
            w.close()
        _settle()

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
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
