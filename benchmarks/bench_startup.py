"""Start-up time: from launching the program to the main window with its dashboard filled,
beside a bare PySide6 window measured in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--complaints 2000]

Each start is a fresh Python process (so imports are paid every time, as a user pays them),
timed from ``spawn`` until the child reports the window shown and every task it started
finished (the dashboard's 待办 and figures loaded); the child then exits. The login dialog is
left out (it waits for a person): the child opens the window for the system actor.

Baseline: a child that imports PySide6, shows an empty QMainWindow and waits for it to be
exposed. Target (issue 19): EffDesk ≤ 3× the bare window. Runs under QT_QPA_PLATFORM=offscreen
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

EFFDESK = """
import sys, time
from effdesk.auth import SYSTEM
from effdesk.ui.app import create_application, open_database_interactive, prepare_database
app = create_application(sys.argv)
db = open_database_interactive(sys.argv[1])
assert db is not None
prepare_database(db)
from effdesk.ui.context import AppContext
from effdesk.ui.main_window import MainWindow
from effdesk.ui.tasks import TaskRunner
window = MainWindow(AppContext(db=db, actor=SYSTEM))
window.resize(1280, 800)
window.show()
deadline = time.monotonic() + 60
while (
    not window.windowHandle()
    or not window.windowHandle().isExposed()
    or TaskRunner.busy()
) and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.001)
app.processEvents()
print("ready", flush=True)
db.dispose()
"""


def _start(code: str, *args: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if out.returncode != 0 or "ready" not in out.stdout:
        raise SystemExit(f"child failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
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
        # One warm-up of each, so both read their files from the page cache.
        _start(BARE, env=env)
        _start(EFFDESK, url, env=env)
        bare, effdesk = [], []
        for _ in range(args.runs):  # interleaved: load on the machine hits both alike
            bare.append(_start(BARE, env=env))
            effdesk.append(_start(EFFDESK, url, env=env))

    b, e = statistics.median(bare), statistics.median(effdesk)
    print(f"runs: {args.runs} each, demo office with {args.complaints} complaints")
    print(f"bare PySide6 window        median {b * 1000:7.0f} ms  (min {min(bare) * 1000:.0f})")
    print(f"EffDesk, dashboard filled  median {e * 1000:7.0f} ms  (min {min(effdesk) * 1000:.0f})")
    print(f"ratio EffDesk / bare: {e / b:.2f}×  (target ≤ 3×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
