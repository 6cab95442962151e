"""Start-up (issue 19): what the start imports, what waits for the filled dashboard, and the
whole-file integrity check that runs after the window is shown.

Not timed (benchmarks/bench_startup.py measures); these pin the structure that keeps the start
fast: pages imported when first shown, no Alembic on an up-to-date database, the day's duties
after the dashboard, no write before the integrity check has passed."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from effdesk.auth import SYSTEM
from effdesk.db.engine import Database, open_database
from effdesk.services import setup, users
from effdesk.ui import app as gui_app
from effdesk.ui import errors as gui_errors
from effdesk.ui.context import AppContext
from effdesk.ui.dashboard.page import DashboardPage
from effdesk.ui.main_window import MainWindow
from effdesk.ui.tasks import TaskRunner

# Imported by no screen the start shows (each is slow to import or belongs to another screen).
NOT_AT_START = (
    "alembic",
    "pypinyin",
    "PIL",
    "reportlab",
    "openpyxl",
    "keyring",
    "effdesk.security.backup",
    "effdesk.services.evidence",
    "effdesk.services.documents",
    "effdesk.demo.generator",
    "effdesk.ui.setup.wizard",
)

CHILD = """
import json, sys
from effdesk.auth import SYSTEM
from effdesk.ui.app import create_application, first_start, open_database_interactive
from effdesk.ui.context import AppContext
from effdesk.ui.main_window import MODULES, MainWindow, page_module
from effdesk.ui.tasks import TaskRunner
app = create_application([])
db = open_database_interactive(sys.argv[1])
db, _demo = first_start(db)
window = MainWindow(AppContext(db=db, actor=SYSTEM, tasks=TaskRunner(synchronous=True)))
window.show()
filled = window.page("dashboard").is_filled()
at_start = [page_module(m) for m in MODULES if page_module(m) in sys.modules]
heavy = [m for m in json.loads(sys.argv[2]) if m in sys.modules]
window.show_module("complaints")
later = [page_module(m) for m in MODULES if page_module(m) in sys.modules]
print(json.dumps({"filled": filled, "at_start": at_start, "heavy": heavy, "later": later}))
db.dispose()
"""


def _child(code: str, *args: str, tmp_path: Path) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def office_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}"
    db = open_database(url, create=True)
    with db.session() as s:
        users.bootstrap_admin(s)
        assert not setup.needs_setup(s)  # the start goes to the login, not the wizard
    db.dispose()
    return url


def test_the_start_imports_only_the_dashboards_page(office_file: str, tmp_path: Path) -> None:
    """A fresh process, as a user's start: the shell lists eight modules but imports the
    code of the one it shows; the others come when first shown."""
    seen = json.loads(_child(CHILD, office_file, json.dumps(NOT_AT_START), tmp_path=tmp_path))
    assert seen["filled"] is True
    assert seen["at_start"] == ["effdesk.ui.dashboard.page"]
    assert seen["heavy"] == []
    assert seen["later"] == ["effdesk.ui.dashboard.page", "effdesk.ui.complaints.page"]


def test_opening_an_up_to_date_database_does_not_import_alembic(
    office_file: str, tmp_path: Path
) -> None:
    code = (
        "import sys\n"
        "from effdesk.db.engine import open_database\n"
        "db = open_database(sys.argv[1])\n"
        "print('alembic' in sys.modules, 'sqlalchemy' in sys.modules)\n"
        "db.dispose()\n"
    )
    assert _child(code, office_file, tmp_path=tmp_path) == "False True"


def test_the_gui_is_told_apart_without_importing_the_subcommands(tmp_path: Path) -> None:
    from effdesk.cli import gui_request

    assert gui_request([]) == (True, None)
    assert gui_request(["--db", "sqlite:///x.sqlite"]) == (True, "sqlite:///x.sqlite")
    assert gui_request(["--db=sqlite:///x.sqlite"]) == (True, "sqlite:///x.sqlite")
    for words in (["--help"], ["demo"], ["--db", "sqlite:///x", "db", "status"], ["--db"]):
        assert gui_request(words) == (False, None), words
    code = (
        "import sys, effdesk.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith(('effdesk.commands.', 'sqlalchemy',"
        " 'PySide6', 'reportlab'))))\n"
    )
    assert _child(code, tmp_path=tmp_path) == "[]"


# --------------------------------------------------------------------- after the dashboard
def test_background_duties_wait_until_the_dashboard_is_filled(qtbot: QtBot, db: Database) -> None:
    window = MainWindow(AppContext(db=db, actor=SYSTEM, tasks=TaskRunner()))  # real threads
    qtbot.addWidget(window)
    window.show()
    page = window.page("dashboard")
    assert isinstance(page, DashboardPage)
    started: list[bool] = []
    gui_app.when_first_page_filled(window, lambda: started.append(page.is_filled()))
    assert not page.is_filled() and started == []  # its three reads are still on workers
    qtbot.waitUntil(page.is_filled, timeout=30_000)
    qtbot.waitUntil(lambda: started == [True], timeout=5_000)
    assert page.figures is not None and page.todo is not None and page.todo.title.text()
    assert page.units_card.value.text() != "—"


def _damage(path: Path) -> None:
    """Garbage over one of the last pages: the schema still reads, quick_check does not."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("CREATE TABLE filler (x BLOB)")
        con.executemany("INSERT INTO filler VALUES (?)", [(os.urandom(200),) for _ in range(300)])
        con.commit()
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[(pages - 3) * page_size : (pages - 2) * page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


def test_a_damaged_file_found_after_the_start_is_reported_and_nothing_more_runs(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "office" / "effdesk.sqlite"
    open_database(f"sqlite:///{path}", create=True).dispose()
    _damage(path)
    before = path.read_bytes()
    db = gui_app.open_database_interactive(f"sqlite:///{path}")  # the start is not held up
    assert db is not None and db.integrity is not None
    integrity = db.integrity
    qtbot.waitUntil(lambda: integrity.finished, timeout=30_000)  # on its own thread
    assert not integrity.passed
    shown: list[QDialog] = []
    monkeypatch.setattr(gui_errors, "_present", lambda dialog, modal: shown.append(dialog))
    duties: list[str] = []
    monkeypatch.setattr(gui_app, "_daily_duties", lambda ctx, window: duties.append("ran"))
    try:
        ctx = AppContext(db=db, actor=SYSTEM, tasks=TaskRunner(synchronous=True))
        window = MainWindow(ctx)  # reads work: the user sees the dashboard
        qtbot.addWidget(window)
        gui_app.start_background_duties(ctx, window)
        assert duties == []  # no tidying, no overdue scan, no backup of a damaged file
        (box,) = shown
        assert isinstance(box, QMessageBox)
        assert "损坏" in box.text() and "已停止保存任何修改" in box.text()
        assert "已停止保存修改" in window.statusBar().currentMessage()
    finally:
        db.dispose()
    assert path.read_bytes() == before


def test_a_sound_file_passes_and_the_daily_duties_follow(
    qtbot: QtBot, office_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = gui_app.open_database_interactive(office_file)
    assert db is not None and db.integrity is not None
    duties: list[str] = []
    monkeypatch.setattr(gui_app, "_daily_duties", lambda ctx, window: duties.append("ran"))
    try:
        ctx = AppContext(db=db, actor=SYSTEM, tasks=TaskRunner(synchronous=True))
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        gui_app.start_background_duties(ctx, window)
        assert db.integrity.passed and duties == ["ran"]
    finally:
        db.dispose()
