"""Starting the GUI: application setup, opening the database, login, the main window.

``run_gui`` is what ``effdesk`` (no subcommand) calls. Each step is a function of its own so
tests and tools (screenshots) can run the parts they need.

Hooks for other parts of EffDesk:

* Login: if ``effdesk/ui/security/login_dialog.py`` exists, ``LoginDialog(db, parent)`` is
  shown and its ``.actor`` used. Until then only a developer may start the GUI, as the system
  actor, with ``EFFDESK_DEV_ACTOR=admin`` (or ``run_gui(..., dev_actor="admin")``).
* Corrupt database: :func:`set_corrupt_database_handler` installs a handler (e.g. "restore
  the latest backup"); without one, ``effdesk.ui.security.restore_dialog.offer_restore`` is
  used if that module exists, else a message explains what to do.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from types import ModuleType

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox, QWidget

from effdesk import APP_ID, APP_NAME, APP_TITLE
from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database, open_database
from effdesk.errors import (
    DatabaseCorrupt,
    DatabaseMissing,
    DatabaseReadOnly,
    DatabaseTooNew,
    EffDeskError,
)
from effdesk.resources import resource_path
from effdesk.services import users
from effdesk.ui.context import AppContext
from effdesk.ui.errors import install_excepthook, show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.icons import icon

EXIT_OK = 0
EXIT_FAILED = 2

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


def optional_module(name: str) -> ModuleType | None:
    """Import ``name`` if it exists (other work fills it in); a missing dependency *inside*
    it is a bug and is raised."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        parts = name.split(".")
        prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        if exc.name in prefixes:
            return None
        raise


def _default_corrupt_handler() -> CorruptHandler | None:
    restore_dialog = optional_module("effdesk.ui.security.restore_dialog")
    return getattr(restore_dialog, "offer_restore", None) if restore_dialog else None


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
        db = open_database(url, create=is_first_start(url))
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
        from effdesk.security.housekeeping import tidy

        try:
            tidy(db)
        except Exception:  # leftovers are removed again at the next start or backup
            logging.getLogger("effdesk").exception("start-up clean-up failed")
        return db
    return None


def prepare_database(db: Database) -> None:
    """First-start defaults that other parts provide (problem categories…), if present."""
    categories = optional_module("effdesk.services.categories")
    ensure = getattr(categories, "ensure_default_categories", None) if categories else None
    if ensure is None:
        return
    wants_actor = len(inspect.signature(ensure).parameters) >= 2
    with db.session() as s:
        if wants_actor:
            ensure(s, SYSTEM)
        else:
            ensure(s)


# --- login ----------------------------------------------------------------------------
def dev_actor_from_env(explicit: str | None = None) -> Actor | None:
    """The system actor for development, only when asked for by name ("admin")."""
    wanted = explicit or os.environ.get("EFFDESK_DEV_ACTOR", "")
    return SYSTEM if wanted == "admin" else None


class LoginUnavailable(EffDeskError):
    """No login dialog installed and no developer actor asked for."""


def login(db: Database, dev_actor: str | None = None) -> Actor | None:
    """Who uses EffDesk now; ``None`` if the user cancelled the login dialog."""
    login_dialog = optional_module("effdesk.ui.security.login_dialog")
    if login_dialog is None:
        actor = dev_actor_from_env(dev_actor)
        if actor is None:
            raise LoginUnavailable(
                "登录功能尚未安装，本版本只能在开发模式下使用"
                "（设置环境变量 EFFDESK_DEV_ACTOR=admin 后启动）。"
            )
        return actor
    dialog = login_dialog.LoginDialog(db, None)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.actor


# --- the whole start ------------------------------------------------------------------
def run_gui(db_url: str | None, *, dev_actor: str | None = None) -> int:
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
            try:
                actor = login(db, dev_actor)
            except LoginUnavailable as err:
                startup_error("无法登录", str(err))
                return EXIT_FAILED
            if actor is None:
                return EXIT_OK  # the user closed the login dialog
            from effdesk.ui.main_window import MainWindow
            from effdesk.ui.session_guard import SessionGuard
            from effdesk.ui.setup.demo import is_demo_database

            ctx = AppContext(db=db, actor=actor)
            window = MainWindow(ctx)
            guard = SessionGuard(ctx, window)
            if demo or is_demo_database(db.url):
                window.setWindowTitle(f"{window.windowTitle()}　【演示单位】")
            window.show()
            if first:
                start_background_duties(ctx, window)
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
    from effdesk.ui.setup.wizard import DEMO_RESULT, office_configured, run_setup_wizard

    if office_configured(db):
        return db, False
    result = run_setup_wizard(db)
    if result == DEMO_RESULT:
        db.dispose()
        from effdesk.ui.setup.demo import demo_accounts_text, open_demo_office

        demo = open_demo_office()
        QMessageBox.information(None, "试用演示单位", demo_accounts_text())
        return demo, True
    # Finished, or cancelled: then the login dialog's first-run admin still lets IT in.
    return db, False


def start_background_duties(ctx: AppContext, window: QMainWindow) -> None:
    """Work due at the first start of a day, off the GUI thread: never in the user's way.

    The overdue scan records 超期 events for deadlines passed since the last start; the daily
    backup (first start of the day) keeps an encrypted snapshot.
    """
    from effdesk.services.accountability import rectification
    from effdesk.services.complaints import scan_overdue
    from effdesk.ui.security.daily_backup import start_daily_backup

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

    ctx.tasks.run(scan, scanned, failed)
    start_daily_backup(ctx, window)


__all__ = [
    "APP_TITLE",
    "LoginUnavailable",
    "create_application",
    "login",
    "open_database_interactive",
    "prepare_database",
    "run_gui",
    "set_corrupt_database_handler",
    "startup_error",
]
