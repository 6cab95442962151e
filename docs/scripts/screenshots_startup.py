"""Screenshots of the start (issue 19): the main window as the start shows it, with the
dashboard's reads on worker threads as in a real start (not the tests' synchronous runner).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_startup.py

Builds a demo office in a temporary folder, opens it the way ``run_gui`` does after the login
(for the demo's leader) and writes ``docs/screenshots/``: startup-first-paint.png (the window
at its first paint, before the figures arrive) and startup-filled.png (the dashboard once it
says it is filled: figures, charts, 待办, counts).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as base

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="start-up screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=600)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="effdesk-shots-startup-") as tmp:
        work = Path(tmp)
        base._prepare_environment(work)
        os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"

        from PySide6.QtCore import QSettings

        from effdesk.auth import SYSTEM
        from effdesk.db.engine import open_database
        from effdesk.demo.directory import DEMO_USERS
        from effdesk.demo.generator import build_demo
        from effdesk.enums import Role
        from effdesk.services import users
        from effdesk.ui.app import create_application, open_database_interactive, open_main_window
        from effdesk.ui.context import AppContext
        from effdesk.ui.dashboard.page import DashboardPage
        from effdesk.ui.widgets import clock

        clock.pin_today(base.DEMO_TODAY)
        app = create_application([sys.argv[0]])
        app.setApplicationName("EffDeskScreenshots")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))
        url = f"sqlite:///{work / 'demo.sqlite'}"
        built = open_database(url, create=True)
        build_demo(built, seed=base.DEMO_SEED, complaints=args.complaints, today=base.DEMO_TODAY)
        built.dispose()

        db = open_database_interactive(url)  # as the GUI opens it: integrity check deferred
        assert db is not None
        leader = next(u.username for u in DEMO_USERS if Role.LEADER in u.roles)
        with db.session() as s:
            actor = users.actor_of(users.find_user(s, SYSTEM, leader))
        window, _guard = open_main_window(AppContext(db=db, actor=actor))
        window.resize(1440, 900)
        page = window.page("dashboard")
        assert isinstance(page, DashboardPage)
        args.out.mkdir(parents=True, exist_ok=True)
        while not window.windowHandle() or not window.windowHandle().isExposed():
            app.processEvents()
        first = window.grab()
        deadline = time.monotonic() + 60
        while not page.is_filled() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        if not page.is_filled():
            raise SystemExit("the dashboard was not filled within 60 s")
        for _ in range(5):
            app.processEvents()
        first.save(str(args.out / "startup-first-paint.png"))
        window.grab().save(str(args.out / "startup-filled.png"))
        print(f"wrote {args.out / 'startup-first-paint.png'} and startup-filled.png")
        window.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
