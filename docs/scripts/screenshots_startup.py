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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import DEMO_SEED
from shot_office import ROOT, WINDOW_SIZE, demo_office

OUT = ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="start-up screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=600)
    args = ap.parse_args(argv)
    with demo_office(
        "effdesk-shots-startup-", args.out, seed=DEMO_SEED, complaints=args.complaints
    ) as office:
        from effdesk.demo.directory import DEMO_USERS
        from effdesk.enums import Role
        from effdesk.ui.app import open_database_interactive, open_main_window
        from effdesk.ui.context import AppContext
        from effdesk.ui.dashboard.page import DashboardPage

        leader = next(u.username for u in DEMO_USERS if Role.LEADER in u.roles)
        actor = office.actor(leader)
        office.db.dispose()
        db = open_database_interactive(office.db.url)  # as the GUI opens it: check deferred
        assert db is not None
        window, _guard = open_main_window(AppContext(db=db, actor=actor))
        window.resize(*WINDOW_SIZE)
        page = window.page("dashboard")
        assert isinstance(page, DashboardPage)
        app = office.app
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
