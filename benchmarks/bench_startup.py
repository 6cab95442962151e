"""Start-up time: from launching the program to the main window with its dashboard filled,
beside a bare PySide6 window measured in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--complaints 2000]

Each start is a fresh Python process (so imports are paid every time, as a user pays them),
timed from ``spawn`` until the child reports ``ready``: the window exposed and the dashboard
filled (``DashboardPage.is_filled()``: its figures, charts, 待办 and counts on the screen). The
child runs the steps of ``effdesk.cli.main`` and ``effdesk.ui.app.run_gui`` in order, with the
same functions; the login dialog is left out (it waits for a person): the child opens the window for the system actor,
which sees every part of the dashboard. Background duties (tidying, the overdue scan, the
daily backup) start only after the dashboard is filled, as in ``run_gui``, so they are not timed.

Baseline: a child that imports PySide6, shows an empty QMainWindow and waits for it to be
exposed. A third line, the floor, is that bare window plus importing SQLAlchemy and EffDesk's
models (no query, no page): what any start that reads the database pays before its first
query. Target (issue 19): EffDesk ≤ 3× the bare window. Runs under QT_QPA_PLATFORM=offscreen
unless a display is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow()
w.resize(1280, 800)
w.setWindowTitle("bare")
w.show()
while not w.isVisible() or not w.windowHandle() or not w.windowHandle().isExposed():
    app.processEvents()
app.processEvents()
print("ready", flush=True)
"""

FLOOR = BARE.replace(
    "from PySide6.QtWidgets",
    "import gc\ngc.disable()\nimport sqlalchemy.orm, effdesk.db.models\nfrom PySide6.QtWidgets",
)

EFFDESK = """
import gc, sys, time
from effdesk.cli import gui_request
gui, url = gui_request(["--db", sys.argv[1]])  # as effdesk.cli.main tells the GUI apart
assert gui
gc.disable()  # as effdesk.cli.main does for the GUI's start
from effdesk.auth import SYSTEM
from effdesk.ui.app import (
    create_application, first_start, open_main_window, open_new_or_existing, prepare_database
)
from effdesk.ui.context import AppContext
from effdesk.ui.errors import install_excepthook
from effdesk.ui.input_notice import prepare_input_method
prepare_input_method()
app = create_application(sys.argv)
install_excepthook()
db = open_new_or_existing(url)
assert db is not None
prepare_database(db)
db, demo = first_start(db)
window, guard = open_main_window(AppContext(db=db, actor=SYSTEM), demo=demo)
page = window.page("dashboard")
deadline = time.monotonic() + 60
while (
    not window.windowHandle() or not window.windowHandle().isExposed() or not page.is_filled()
) and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.001)
if not page.is_filled():
    raise SystemExit("the dashboard was not filled within 60 s")
print("ready", flush=True)
window.close()
db.dispose()
"""


def _start(code: str, *args: str, env: dict[str, str]) -> float:
    """Seconds from spawning the child to its ``ready`` line (its exit is not timed)."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - t0
    rest, err = child.communicate()
    if child.returncode != 0 or line.strip() != "ready":
        raise SystemExit(f"child failed ({child.returncode}):\n{line}{rest}\n{err}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--complaints", type=int, default=2000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="effdesk-startup-") as tmp:
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["EFFDESK_DATA_DIR"] = str(Path(tmp) / "data")
        url = f"sqlite:///{Path(tmp) / 'office.sqlite'}"
        built = subprocess.run(
            [
                sys.executable,
                "-m",
                "effdesk",
                "--db",
                url,
                "demo",
                "--complaints",
                str(args.complaints),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if built.returncode != 0:
            raise SystemExit(f"demo failed:\n{built.stderr}")
        # One warm-up of each, so all read their files from the page cache.
        _start(BARE, env=env)
        _start(FLOOR, env=env)
        _start(EFFDESK, url, env=env)
        bare, floor, effdesk = [], [], []
        for _ in range(args.runs):  # interleaved: load on the machine hits all alike
            bare.append(_start(BARE, env=env))
            floor.append(_start(FLOOR, env=env))
            effdesk.append(_start(EFFDESK, url, env=env))

    b, f, e = (statistics.median(x) for x in (bare, floor, effdesk))
    print(f"runs: {args.runs} each, demo office with {args.complaints} complaints")
    print(f"bare PySide6 window        median {b * 1000:7.0f} ms  (min {min(bare) * 1000:.0f})")
    print(f"floor: bare + SQLAlchemy + models  {f * 1000:5.0f} ms  (min {min(floor) * 1000:.0f})")
    print(f"EffDesk, dashboard filled  median {e * 1000:7.0f} ms  (min {min(effdesk) * 1000:.0f})")
    print(f"ratio floor / bare: {f / b:.2f}×")
    print(f"ratio EffDesk / bare: {e / b:.2f}×  (target ≤ 3×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
