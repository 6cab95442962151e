"""The demo office the screenshot scripts photograph: one set-up, one window loop, one grab.

Every ``docs/scripts/screenshots_*.py`` script used to build the same things by hand — a
temporary folder for the data and QSettings, the application, the demo database, a window on a
module, a grab saved as PNG, a PDF page rendered by pdftoppm. They all use this module now::

    with demo_office("effdesk-shots-x-", out, seed=1, complaints=200) as office:
        actor = office.actor("clerk1")
        office.shoot(actor, "complaints", [("name", prepare), ...])
        office.pdf_page(pdf, 1, "name-p1")

Nothing touches the user's own data: all of it lives in the temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from effdesk.auth import Actor
    from effdesk.db.engine import Database
    from effdesk.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
WINDOW_SIZE = (1440, 900)
# The demo office's "today" for the README's screenshots (deadlines and 待办 look alive).
DEMO_TODAY = date(2026, 3, 18)

Prepare = Callable[[Any, Any], object]


def prepare_environment(work: Path) -> None:
    """Data folder inside ``work``; offscreen rendering when there is no X server."""
    os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
    os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        # No X server: render offscreen (same fonts via fontconfig, no window frame).
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def settle(delay_ms: int = 150) -> None:
    """Let queued paints, layouts and timers run before a picture is taken."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(delay_ms, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def start_application(work: Path) -> QApplication:
    """The EffDesk application with its QSettings kept in ``work``."""
    from PySide6.QtCore import QSettings

    from effdesk.ui.app import create_application

    app = create_application([sys.argv[0]])
    app.setApplicationName("EffDeskScreenshots")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))
    return app


@dataclass
class Office:
    """A demo office opened for screenshots: its folder, application, database and output."""

    work: Path
    app: QApplication
    db: Database
    out: Path
    today: date
    written: list[Path] = field(default_factory=list)

    def actor(self, username: str) -> Actor:
        from effdesk.auth import SYSTEM
        from effdesk.services import users

        with self.db.session() as s:
            return users.actor_of(users.find_user(s, SYSTEM, username))

    def context(self, actor: Actor, db: Database | None = None) -> Any:
        """An AppContext whose tasks run synchronously: every list is loaded before a grab."""
        from effdesk.ui.context import AppContext
        from effdesk.ui.tasks import TaskRunner

        return AppContext(db=db or self.db, actor=actor, tasks=TaskRunner(synchronous=True))

    def window(
        self, actor: Actor, module: str | None = None, db: Database | None = None
    ) -> tuple[MainWindow, QWidget | None]:
        """A fresh main window, shown, on ``module`` (None: the start page)."""
        from effdesk.ui.main_window import MainWindow

        window = MainWindow(self.context(actor, db), today=self.today)
        window.resize(*WINDOW_SIZE)
        window.show()
        page = window.show_module(module) if module else None
        settle()
        return window, page

    def grab(self, name: str, target: QWidget) -> Path:
        settle()
        path = self.out / f"{name}.png"
        if not target.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        self.written.append(path)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        return path

    def close(self, window: QWidget) -> None:
        """Close the window and every dialog left open over it."""
        from PySide6.QtWidgets import QApplication

        for w in QApplication.topLevelWidgets():
            if w is not window and w.isVisible():
                w.close()
        window.close()
        window.deleteLater()
        settle()

    def shoot(self, actor: Actor, module: str, shots: Sequence[tuple[str, Prepare | None]]) -> None:
        """Each shot on a fresh window: ``prepare(window, page)`` clicks to the state wanted
        and returns the widget to grab (a dialog) or None for the whole window."""
        from PySide6.QtWidgets import QWidget

        for name, prepare in shots:
            window, page = self.window(actor, module)
            result = prepare(window, page) if prepare is not None else None
            target = result if isinstance(result, QWidget) else window
            target.show()
            self.grab(name, target)
            self.close(window)

    def pdf_page(self, pdf: Path, page_no: int, name: str, dpi: int = 60) -> Path:
        """One page of a PDF as ``<out>/<name>.png`` (pdftoppm; Debian: poppler-utils)."""
        stem = self.out / name
        pages = ["-f", str(page_no), "-l", str(page_no), "-singlefile"]
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), *pages, str(pdf), str(stem)], check=True
        )
        path = stem.with_suffix(".png")
        self.written.append(path)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        return path


@contextmanager
def demo_office(
    prefix: str,
    out: Path,
    *,
    seed: int,
    complaints: int | None = None,
    today: date = DEMO_TODAY,
    build: Callable[[Database], None] | None = None,
) -> Iterator[Office]:
    """A temporary demo office (``build_demo`` unless ``build`` fills the database itself)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        prepare_environment(work)

        from effdesk.db.engine import open_database
        from effdesk.demo.generator import DEFAULT_COMPLAINTS, build_demo
        from effdesk.ui.widgets import clock

        clock.pin_today(today)
        app = start_application(work)
        db = open_database(f"sqlite:///{work / 'demo.sqlite'}", create=True)
        try:
            if build is not None:
                build(db)
            else:
                build_demo(db, seed=seed, complaints=complaints or DEFAULT_COMPLAINTS, today=today)
            out.mkdir(parents=True, exist_ok=True)
            yield Office(work=work, app=app, db=db, out=out, today=today)
        finally:
            db.dispose()


_HOLDER = """
import sys
from sqlalchemy import text
from effdesk.db.engine import open_database
db = open_database(sys.argv[1])
with db.engine.connect() as conn:
    conn.execute(text("SELECT 1"))
    print("READY", flush=True)
    sys.stdin.read()
db.dispose()
"""


@contextmanager
def open_elsewhere(url: str) -> Iterator[None]:
    """Another EffDesk process with the database ``url`` open (a file or a server) while the
    block runs: what a restore must refuse."""
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    try:
        other.stdout.readline()
        yield
    finally:
        other.stdin.close()
        other.wait(timeout=60)


def refused_restore(url: str, archive: Path, key_file: Path, png: Path) -> Any:
    """The restore dialog for ``archive`` with its key file, 校验并恢复 pressed while another
    EffDesk has ``url`` open, photographed into ``png``; returns the dialog (still open)."""
    from effdesk.ui.security.restore_dialog import RestoreDialog
    from effdesk.ui.tasks import TaskRunner

    with open_elsewhere(url):
        dialog = RestoreDialog(None, url, archive, tasks=TaskRunner(synchronous=True))
        dialog.source_file.setChecked(True)
        dialog.key_file_edit.setText(str(key_file))
        dialog.show()
        dialog.restore_button.click()
        settle()
        dialog.grab().save(str(png))
    return dialog
