"""Screenshots of 统计台账 and of the dashboard per role (real windows on a demo database).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_statistics.py

Builds a demo office in a temporary folder and writes ``docs/screenshots/``:
statistics-units.png (this year by unit), statistics-month.png (by month),
statistics-clickthrough.png (a unit's 按期办结率 clicked: its cases in the complaint list),
statistics-measures.png (the measures behind 问责人次), dashboard-leader.png,
dashboard-clerk.png, dashboard-inspector.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as base

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="统计台账 / 工作台 screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="effdesk-shots-stats-") as tmp:
        work = Path(tmp)
        base._prepare_environment(work)
        os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"

        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication, QWidget

        from effdesk.auth import SYSTEM
        from effdesk.db.engine import open_database
        from effdesk.demo.generator import build_demo
        from effdesk.services import users
        from effdesk.services.statistics import GroupBy
        from effdesk.ui.app import create_application
        from effdesk.ui.context import AppContext
        from effdesk.ui.main_window import MainWindow
        from effdesk.ui.statistics.page import COLUMNS, StatisticsPage
        from effdesk.ui.tasks import TaskRunner
        from effdesk.ui.widgets import clock

        today = base.DEMO_TODAY
        clock.pin_today(today)
        app = create_application([sys.argv[0]])
        app.setApplicationName("EffDeskScreenshots")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))
        db = open_database(f"sqlite:///{work / 'demo.sqlite'}", create=True)
        build_demo(db, seed=args.seed, complaints=args.complaints, today=today)
        args.out.mkdir(parents=True, exist_ok=True)

        def actor(username: str):  # type: ignore[no-untyped-def]
            with db.session() as s:
                return users.actor_of(users.find_user(s, SYSTEM, username))

        def window_for(username: str) -> MainWindow:
            ctx = AppContext(db=db, actor=actor(username), tasks=TaskRunner(synchronous=True))
            window = MainWindow(ctx, today=today)
            window.resize(*base.WINDOW_SIZE)
            window.show()
            base._settle(app)
            return window

        def grab(name: str, target: QWidget) -> None:
            base._settle(app)
            path = args.out / f"{name}.png"
            if not target.grab().save(str(path)):
                raise SystemExit(f"could not write {path}")
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)

        def close(window: MainWindow) -> None:
            for w in QApplication.topLevelWidgets():
                if w is not window and w.isVisible():
                    w.close()
            window.close()
            window.deleteLater()
            base._settle(app)

        col = {h: i for i, (h, *_r) in enumerate(COLUMNS, start=1)}
        window = window_for("leader1")
        page = window.show_module("statistics")
        assert isinstance(page, StatisticsPage)
        page.period_combo.setCurrentIndex(page.period_combo.findData("this_year"))
        grab("statistics-units", window)
        page.set_group(GroupBy.MONTH)
        grab("statistics-month", window)
        page.set_group(GroupBy.UNIT)
        page.open_figure(page.table.ref_at(0, col["问责人次"]))  # type: ignore[arg-type]
        grab("statistics-measures", page.dialogs[-1])
        page.dialogs[-1].accept()
        ref = page.table.ref_at(1, col["按期办结率"])
        assert ref is not None
        page.open_figure(ref)
        grab("statistics-clickthrough", window)
        close(window)

        for username, name in (
            ("leader1", "dashboard-leader"),
            ("clerk1", "dashboard-clerk"),
            ("inspector1", "dashboard-inspector"),
        ):
            window = window_for(username)
            window.show_module("dashboard")
            grab(name, window)
            close(window)
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
