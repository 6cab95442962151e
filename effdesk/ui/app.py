"""Starting the GUI: application setup, opening the database, login, the main window.

``run_gui`` is what ``effdesk`` (no subcommand) calls. Each step is a function of its own so
tests and tools (screenshots) can run the parts they need.

* Login: :class:`effdesk.ui.security.login_dialog.LoginDialog` says who uses EffDesk now.
* Corrupt database: :func:`set_corrupt_database_handler` installs a handler; without one,
  :func:`effdesk.ui.security.restore_dialog.offer_restore` offers the latest backup.

Start-up stays fast (issue 19): what the first screen needs is imported, the rest when first
used; leftovers are tidied and the daily duties run off the GUI thread once the dashboard is
filled (:func:`start_background_duties`).
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox, QWidget

from effdesk import APP_ID, APP_NAME, APP_TITLE
from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import INTEGRITY_FAILED_NOTE, Database, open_database
from effdesk.errors import (
    DatabaseCorrupt,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseTooNew,
    EffDeskError,
)
from effdesk.resources import resource_path
from effdesk.services import users
from effdesk.services.categories import ensure_default_categories
from effdesk.ui.context import AppContext
from effdesk.ui.errors import install_excepthook, show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.icons import icon

if TYPE_CHECKING:
    from effdesk.ui.main_window import MainWindow
    from effdesk.ui.session_guard import SessionGuard

EXIT_OK = 0
EXIT_FAILED = 2
# The day's background duties start when the dashboard is filled, or after this at the latest.
DUTIES_AT_THE_LATEST_MS = 10_000

# Families that render Simplified Chinese well as a UI font, best first (Windows, macOS,
# Linux/UOS/Kylin). The bundled 文泉驿正黑 subset is the last resort.
CJK_UI_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "SimSun",
)
BUNDLED_UI_FONT = ("fonts", "WenQuanYiZenHei-subset.ttf")

CorruptHandler = Callable[[DatabaseCorrupt, "str | None"], "Database | None"]
_corrupt_handler: CorruptHandler | None = None


# --- application ----------------------------------------------------------------------
def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with EffDesk's name (for QSettings), Chinese Qt texts and a CJK font."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(APP_ID)  # links windows to the launcher entry (Wayland, docks)
    app.setWindowIcon(icon("app"))
    install_qt_translations(app)
    font = choose_ui_font()
    if font is not None:
        app.setFont(font)
    return app


def install_qt_translations(app: QApplication) -> QTranslator | None:
    """Qt's own texts (standard buttons, file dialogs, context menus) in Chinese, and Chinese
    as the default locale, so the file dialog's dates and sizes read 2026/12/6 and 12.5 KB
    rather than "Dec 6, 2026". Returns the installed translator (None if qtbase_zh_CN is
    missing: Qt's texts then stay English, which is not worth refusing to start over)."""
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese)
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(chinese, "qtbase", "_", folder):
        app.installTranslator(translator)
        return translator
    return None


def choose_ui_font() -> QFont | None:
    """A CJK-capable UI font: an installed one if any, else the bundled 文泉驿正黑 subset."""
    installed = set(QFontDatabase.families())
    size = QApplication.font().pointSizeF()
    for family in CJK_UI_FAMILIES:
        if family in installed:
            return _sized(QFont(family), size)
    path = resource_path(*BUNDLED_UI_FONT)
    if path.is_file():
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            return _sized(QFont(families[0]), size)
    return None


def _sized(font: QFont, size: float) -> QFont:
    font.setPointSizeF(max(size, 9.0))
    return font


# --- startup messages -----------------------------------------------------------------
def startup_error(title: str, text: str, parent: QWidget | None = None) -> None:
    """A blocking error message before the main window exists (tests replace this)."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("确定")
    box.exec()


# --- database -------------------------------------------------------------------------
def set_corrupt_database_handler(handler: CorruptHandler | None) -> None:
    """Install what happens when the database is corrupt: return a usable Database or None."""
    global _corrupt_handler
    _corrupt_handler = handler


def _default_corrupt_handler() -> CorruptHandler | None:
    from effdesk.ui.security.restore_dialog import offer_restore  # only for a damaged file

    return offer_restore


def handle_corrupt_database(err: DatabaseCorrupt, url: str | None) -> Database | None:
    handler = _corrupt_handler or _default_corrupt_handler()
    if handler is not None:
        return handler(err, url)
    startup_error(
        "数据库已损坏",
        f"{err}\n\n请联系系统管理员用备份恢复数据（effdesk restore 备份文件）。",
    )
    return None


def is_first_start(url: str | None) -> bool:
    """True when EffDesk runs for the first time on this PC: the default database does not
    exist and neither does anything that would say it once did (evidence, backups, an
    unfinished restore). Only then does the GUI create the database; a vanished database or a
    mistyped ``--db`` path is refused with the path instead."""
    if url is not None:
        return False
    from effdesk.db.restore_journal import journal_path
    from effdesk.paths import backup_dir, default_db_path, evidence_dir_for

    path = default_db_path()
    files = evidence_dir_for(f"sqlite:///{path}")
    used_before = (
        path.exists()
        or journal_path(path).exists()
        or (files / "objects").is_dir()
        or any(backup_dir().glob("*.effbak"))
    )
    return not used_before


def open_database_interactive(url: str | None) -> Database | None:
    """Open and migrate the database; on failure explain it in Chinese and return None.

    Creates the default database only at the first start (:func:`is_first_start`)."""
    try:
        # The whole-file integrity check runs in the background (writes wait for it).
        db = open_database(url, create=is_first_start(url), defer_integrity=True)
    except DatabaseCorrupt as err:
        return handle_corrupt_database(err, url)
    except DatabaseTooNew as err:
        startup_error("数据库版本过新", str(err))
    except DatabaseMissing as err:
        startup_error("找不到数据库", str(err))
    except DatabaseReadOnly as err:
        startup_error("数据库只读", str(err))
    except EffDeskError as err:
        startup_error("无法打开数据库", str(err))
    else:
        if db.integrity is not None:
            db.integrity.start()  # while the login dialog waits for the password
        # Leftovers of killed work are tidied off the GUI thread once the dashboard is
        # filled (start_background_duties).
        return db
    return None


def prepare_database(db: Database) -> None:
    """First-start defaults: the problem categories an office starts with."""
    with db.session() as s:
        ensure_default_categories(s, SYSTEM)


# --- login ----------------------------------------------------------------------------
def login(db: Database) -> Actor | None:
    """Who uses EffDesk now; ``None`` if the user cancelled the login dialog."""
    from effdesk.ui.security import login_dialog

    dialog = login_dialog.LoginDialog(db, None)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.actor


# --- the whole start ------------------------------------------------------------------
def run_gui(db_url: str | None) -> int:
    """Open the GUI on ``db_url`` (default database when None); returns the exit code."""
    from effdesk.ui.input_notice import prepare_input_method, show_input_method_notice

    input_method = prepare_input_method()
    app = create_application()
    install_excepthook()
    show_input_method_notice(input_method)
    from effdesk.ui.settings.server_login import server_url_at_start

    db_url, go_on = server_url_at_start(db_url)  # this PC's server profile, its password
    if not go_on:
        return EXIT_FAILED
    db = open_new_or_existing(db_url)
    if db is None:
        return EXIT_FAILED
    demo = False
    try:
        prepare_database(db)
        db, demo = first_start(db)
        first = True
        while True:  # again after 切换用户 or a session ended because access was changed
            actor = login(db)
            if actor is None:
                return EXIT_OK  # the user closed the login dialog
            window, guard = open_main_window(AppContext(db=db, actor=actor), demo=demo)
            if first:
                when_first_page_filled(window, functools.partial(_after_the_start, window))
                first = False
            try:
                code = int(app.exec())
            finally:
                with db.session() as s:
                    users.logout(s, actor)
            # 文件 → 切换用户/注销, or a session the guard ended, asks for the login again.
            if not guard.ended_session and not getattr(window, "switch_user_requested", False):
                return code
    finally:
        db.dispose()


def open_main_window(ctx: AppContext, *, demo: bool = False) -> tuple[MainWindow, SessionGuard]:
    """The main window for the logged-in user, shown, with the dashboard filling, and the
    guard that ends the session when the user's access is changed on another PC."""
    from effdesk.ui.main_window import MainWindow
    from effdesk.ui.session_guard import SessionGuard
    from effdesk.ui.setup.demo import is_demo_database

    window = MainWindow(ctx)
    guard = SessionGuard(ctx, window)
    if demo or is_demo_database(ctx.db.url):
        window.setWindowTitle(f"{window.windowTitle()}　【演示单位】")
    window.show()
    return window, guard


def open_new_or_existing(db_url: str | None) -> Database | None:
    """At the first start on this PC (:func:`is_first_start`) the setup wizard's database is
    created explicitly; otherwise the existing database is opened as always, and a vanished
    one is refused with its path rather than silently replaced by an empty one."""
    from effdesk.paths import default_db_url
    from effdesk.services import setup

    if not is_first_start(db_url):
        return open_database_interactive(db_url)
    try:
        return setup.create_office_database(db_url or default_db_url())
    except EffDeskError as err:
        startup_error("无法新建数据库", str(err))
        return None


def first_start(db: Database) -> tuple[Database, bool]:
    """The setup wizard on a database no office has set up (before the login).

    Returns the database to log in to and whether it is the demo office: 试用演示单位 opens
    ``<data dir>/demo/effdesk.sqlite`` (built on first use), never the office's own data.
    """
    from effdesk.services.setup import needs_setup

    with db.session() as s:
        if not needs_setup(s):
            return db, False
    from effdesk.ui.setup.wizard import DEMO_RESULT, run_setup_wizard

    result = run_setup_wizard(db)
    if result == DEMO_RESULT:
        db.dispose()
        from effdesk.ui.setup.demo import demo_accounts_text, open_demo_office

        demo = open_demo_office()
        QMessageBox.information(None, "试用演示单位", demo_accounts_text())
        return demo, True
    # Finished, or cancelled: then the login dialog's first-run admin still lets IT in.
    return db, False


def _after_the_start(window: MainWindow) -> None:
    resume_garbage_collection()
    start_background_duties(window.ctx, window)


def resume_garbage_collection() -> None:
    """Once the start is over: freeze what it built (it lives as long as the program, and
    later collections need not scan it again) and turn the cyclic collector back on
    (:func:`effdesk.cli.main` turned it off for the GUI's start)."""
    gc.freeze()
    gc.enable()


def when_first_page_filled(window: MainWindow, then: Callable[[], None]) -> None:
    """Call ``then`` once, when the first page (the dashboard) has everything it shows on the
    screen, so work that can wait does not compete with the start; at the latest after
    :data:`DUTIES_AT_THE_LATEST_MS` (a page that failed to fill must not hold the duties)."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            then()

    page = window.page(window.current_module())
    filled = getattr(page, "filled", None)
    is_filled = getattr(page, "is_filled", None)
    if filled is None or not callable(is_filled) or is_filled():
        QTimer.singleShot(0, once)
        return
    filled.connect(once)
    QTimer.singleShot(DUTIES_AT_THE_LATEST_MS, once)


def start_background_duties(ctx: AppContext, window: QMainWindow) -> None:
    """Work due at a start, off the GUI thread once the dashboard is filled: never in the
    user's way.

    First the result of the whole-file integrity check (SQLite; started when the database was
    opened, writes wait for it, see :class:`effdesk.db.engine.IntegrityCheck`): if it failed
    the user is told, nothing more is saved and none of the duties below runs (no backup of a
    damaged file). Then leftovers of
    killed work are removed (evidence blobs no row refers to only if they are older than this
    start: an ingest begun since may not have committed its rows yet); the overdue scan
    records 超期 events for deadlines passed since the last start; the daily backup (first
    start of the day) keeps an encrypted snapshot.
    """
    integrity = ctx.db.integrity

    def check(_progress: Progress) -> None:
        if integrity is not None:
            integrity.run()

    def damaged(exc: BaseException) -> None:
        if isinstance(exc, DatabaseCorrupt):
            exc = DatabaseCorrupt(f"{exc}{INTEGRITY_FAILED_NOTE}")
            window.statusBar().showMessage("数据库完整性检查未通过：已停止保存修改。")
        show_error(window, exc)

    ctx.tasks.run(check, lambda _none: _daily_duties(ctx, window), damaged)


def _daily_duties(ctx: AppContext, window: QMainWindow) -> None:
    from effdesk.security.housekeeping import tidy
    from effdesk.services.accountability import rectification
    from effdesk.services.complaints import scan_overdue
    from effdesk.ui.security.daily_backup import start_daily_backup

    started = ctx.db.opened_at

    def clean(_progress: Progress) -> None:
        tidy(ctx.db, spare_since=started)

    def not_cleaned(exc: BaseException) -> None:
        # Leftovers are removed again at the next start or backup.
        logging.getLogger("effdesk").error("start-up clean-up failed", exc_info=exc)

    def scan(_progress: Progress) -> tuple[int, int]:
        with ctx.db.session() as s:
            cases = scan_overdue(s, SYSTEM, date.today()).cases
            # Rectifications past their deadline without a report: 逾期未整改.
            return cases, rectification.scan_overdue(s, SYSTEM, date.today())

    def scanned(counts: tuple[int, int]) -> None:
        cases, rects = counts
        parts = [f"{cases}件超期案件"] if cases else []
        parts += [f"{rects}项逾期未整改"] if rects else []
        if parts:
            window.statusBar().showMessage(f"新记录{'、'.join(parts)}。", 10000)

    def failed(exc: BaseException) -> None:
        show_error(window, exc)

    ctx.tasks.run(clean, lambda _none: None, not_cleaned)
    ctx.tasks.run(scan, scanned, failed)
    start_daily_backup(ctx, window)


__all__ = [
    "APP_TITLE",
    "create_application",
    "login",
    "open_database_interactive",
    "prepare_database",
    "run_gui",
    "set_corrupt_database_handler",
    "startup_error",
]
