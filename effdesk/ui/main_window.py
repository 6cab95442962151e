"""The main window: a navigation column of the eight modules, their pages, a status bar.

Each module is a package ``effdesk/ui/<key>/`` whose ``page.py`` has
``create_page(ctx: AppContext) -> QWidget``. The navigation lists the modules from
:data:`MODULES` alone; a page's module is imported and its page created when it is first shown
(:func:`load_page`), so the start pays only for the dashboard.

Optional page protocol (duck-typed, so pages need not import the shell):

* ``page.on_shown()`` — called every time the page becomes visible (refresh counts, lists);
* ``page.navigate_requested`` — a ``Signal(str)`` with a module key; the shell switches to it;
* ``page.open_record_requested`` — a ``Signal(str, int)``: module key and record id; the shell
  switches to that module and calls its page's ``open_record(id)``; a key ``"module:kind"``
  calls ``open_kind(id)`` instead (e.g. ``"accountability:rectification"``);
* ``page.action_requested`` — a ``Signal(str, str, int)``: module key, action, record id; the
  shell switches to that module and calls its page's ``perform(action, id)`` (e.g. the
  inspections page asks 公文通报 for ``("documents", "circular_from_campaign", campaign_id)``).
* ``page.show_complaints_requested`` — a ``Signal(object)`` carrying a statistics
  ``FigureRef``; the shell switches to 投诉受理 and calls its ``show_complaints(ref)``, which
  lists exactly the cases behind that figure.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

import effdesk
from effdesk import settings as office_settings
from effdesk.calendar import WorkCalendar
from effdesk.db.engine import Database, current_revision, head_revision
from effdesk.enums import Role
from effdesk.errors import CalendarUnknown, EffDeskError
from effdesk.resources import resource_path
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.icons import icon

WEEKDAYS = "一二三四五六日"
BACK_LINK = "#back"


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    title: str
    purpose: str
    features: tuple[str, ...] = ()


MODULES: tuple[ModuleSpec, ...] = (
    ModuleSpec(
        "dashboard",
        "工作台",
        "登录后的首页：今天要办的事、临期和超期提醒、各模块的入口。",
    ),
    ModuleSpec(
        "complaints",
        "投诉受理",
        "登记电话、来信、来访、网络、12345转办、领导交办等渠道的效能投诉，"
        "按工作日自动计算受理、办理和反馈时限，走完登记、呈批、交办、调查、审核、办结、反馈、归档的全过程。",
        (
            "投诉登记与重复件提示",
            "领导批示，自办、交办、转办",
            "时限提醒：临期、超期、延期审批",
            "办结审核、答复反馈与回访",
            "投诉人身份信息按权限保护",
        ),
    ),
    ModuleSpec(
        "inspections",
        "明察暗访",
        "计划和记录明察、暗访、专项督查、作风巡查等督查活动，登记发现的问题及照片、视频、录音证据。",
        (
            "督查活动与检查对象",
            "发现问题的录入、核实与认定",
            "证据原件防篡改（SHA-256），读取拍摄时间和位置",
            "现场笔记本数据包导入",
        ),
    ),
    ModuleSpec(
        "accountability",
        "问责整改",
        "记录对单位和个人的效能问责措施，下发整改通知书、督办通知书，跟踪整改和验收。",
        (
            "问责措施（批评教育至移送纪检监察机关）",
            "整改通知与整改时限",
            "整改报告、验收与逾期提醒",
        ),
    ),
    ModuleSpec(
        "documents",
        "公文通报",
        "起草并印发通报、通知、效能告诫通知书、整改通知书、督办通知书、答复函和简报，"
        "按 GB/T 9704 版式生成红头文件 PDF，文号按年度自动编排。",
        (
            "公文起草与预览",
            "年度文号，印发后锁定并保存 PDF 及其哈希值",
            "作废须说明理由，不可悄悄修改",
        ),
    ),
    ModuleSpec(
        "statistics",
        "统计台账",
        "按时间、单位、类别统计投诉、督查发现和问责情况，月度考评打分排名，导出台账。",
        (
            "投诉、督查、问责统计表",
            "月度作风监测指数与扣分预警",
            "台账导出为 Excel",
        ),
    ),
    ModuleSpec(
        "directory",
        "单位人员",
        "被监督单位及其干部职工名录。",
    ),
    ModuleSpec(
        "settings",
        "系统设置",
        "本单位信息、文号前缀、办理时限、节假日安排、用户与权限、备份与恢复。",
        (
            "单位名称、文号和时限设置",
            "节假日和调休安排的录入",
            "用户、角色与密码",
            "数据备份与恢复",
        ),
    ),
)
MODULE_KEYS = tuple(m.key for m in MODULES)


def describe_database(db: Database) -> str:
    """Where the data is, for people: the SQLite file or the PostgreSQL host/database.

    Never includes a password.
    """
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        return url.database or "内存数据库"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    user = f"{url.username}@" if url.username else ""
    return f"{user}{host}{port}/{url.database or ''}"


def backend_label(db: Database) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(db.backend, db.backend)


def roles_label(roles: frozenset[Role]) -> str:
    return "、".join(r.label for r in Role if r in roles)


def day_status(calendar: WorkCalendar, day: date) -> str:
    """ "工作日", "休息日", "国庆节", "调休上班" — or that the year is not known."""
    try:
        workday = calendar.is_workday(day)
    except CalendarUnknown:
        return "节假日安排未录入"
    if workday:
        return "调休上班" if day.weekday() >= 5 else "工作日"
    name = calendar.holiday_name(day)
    return f"休息日（{name}）" if name else "休息日"


def page_module(spec: ModuleSpec) -> str:
    """The module that builds ``spec``'s page (imported when the page is first shown)."""
    return f"effdesk.ui.{spec.key}.page"


def load_page(ctx: AppContext, spec: ModuleSpec) -> QWidget:
    """Import the module's page code (the one lazy import of the shell) and build its page."""
    name = page_module(spec)
    page = importlib.import_module(name).create_page(ctx)
    if not isinstance(page, QWidget):
        raise TypeError(f"{name}.create_page returned {type(page).__name__}, not a QWidget")
    return page


class FailedPage(QWidget):
    """Shown when a page could not be created; says why (the error is also reported)."""

    def __init__(self, spec: ModuleSpec, exc: BaseException) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        head = QLabel(f"「{spec.title}」无法打开")
        font = head.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        head.setFont(font)
        layout.addWidget(head)
        text = (
            str(exc) if isinstance(exc, EffDeskError) else "程序出现意外错误，详细信息已写入日志。"
        )
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("关于 EffDesk")
        db = ctx.db
        try:
            current = current_revision(db.engine) or "（空）"
        except Exception:  # the about box must open even if the server went away
            current = "（无法读取）"
        head = head_revision()
        schema = current if current == head else f"{current}（本程序为 {head}）"
        self.summary = QLabel(
            f"<h2>{effdesk.APP_TITLE} EffDesk</h2>"
            f"<p>县级机关效能建设办公室的投诉受理、明察暗访、问责整改和公文通报工作台。</p>"
            f"<table cellspacing='4'>"
            f"<tr><td>版本：</td><td>{effdesk.__version__}</td></tr>"
            f"<tr><td>数据库架构版本：</td><td>{schema}</td></tr>"
            f"<tr><td>数据库：</td><td>{backend_label(db)}　{_html(describe_database(db))}</td></tr>"
            f"<tr><td>证据文件夹：</td><td>{_html(str(db.files_dir))}</td></tr>"
            f"</table>"
        )
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        tabs = QTabWidget()
        about = QWidget()
        al = QVBoxLayout(about)
        al.addWidget(self.summary)
        al.addStretch(1)
        tabs.addTab(about, "关于")

        self.fonts = QTextBrowser()
        self.fonts.setOpenLinks(False)
        self.fonts.anchorClicked.connect(lambda url: self._show_licence(url.toString()))
        self.fonts.setMarkdown(self._fonts_markdown())
        tabs.addTab(self.fonts, "字体许可")

        buttons = QDialogButtonBox()
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(680, 520)

    @staticmethod
    def _fonts_markdown() -> str:
        folder = resource_path("fonts")
        readme = folder / "README.md"
        if not readme.is_file():
            return "本程序未附带字体。"
        licences = sorted(
            p.name for p in folder.iterdir() if p.suffix == ".txt" and not p.name.startswith(".")
        )
        links = "\n".join(f"- [{name}]({name})" for name in licences)
        return (
            "本程序附带下列免费字体（经子集化），用于在缺少公文字体的电脑上生成 PDF，"
            "各按其许可证发布。点击下方文件名可查看许可证全文。\n\n"
            + links
            + "\n\n---\n\n"
            + readme.read_text(encoding="utf-8")
        )

    def _show_licence(self, name: str) -> None:
        if name == BACK_LINK:
            self.fonts.setMarkdown(self._fonts_markdown())
            return
        path = resource_path("fonts", name)
        if path.is_file() and path.parent == resource_path("fonts"):
            text = path.read_text(encoding="utf-8", errors="replace")
            self.fonts.setMarkdown(f"[← 返回字体列表]({BACK_LINK})\n\n```\n{text}\n```\n")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, today: date | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._today = today
        self.pages: dict[str, QWidget] = {}
        self.specs = {m.key: m for m in MODULES}
        self.setWindowIcon(icon("app"))
        self.setMinimumSize(QSize(760, 540))

        self.nav = QListWidget()
        self.nav.setObjectName("moduleNav")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        self.nav.setUniformItemSizes(True)
        for i, spec in enumerate(MODULES, start=1):
            item = QListWidgetItem(icon(spec.key), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(f"{spec.title}（Ctrl+{i}）")
            item.setSizeHint(QSize(0, 44))
            self.nav.addItem(item)
        self.nav.setFixedWidth(self._nav_width())
        self.nav.setStyleSheet(
            # outline: 0 drops the focus box Qt draws around the text alone; the selected
            # row is highlighted over its whole width instead.
            "QListWidget#moduleNav { background: #f1f3f6; padding-top: 6px;"
            " border-right: 1px solid #d9dde3; outline: 0; show-decoration-selected: 1; }"
            "QListWidget#moduleNav::item { padding-left: 10px; border: none; color: #1f2d3d; }"
            "QListWidget#moduleNav::item:selected { background: #dde6f3; color: #0d47a1;"
            " border-left: 3px solid #1565c0; }"
        )

        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_menus()
        self._build_status_bar()
        self.nav.currentRowChanged.connect(self._on_nav_row)
        self.setWindowTitle(self._title())
        self._restore_geometry()
        self.nav.setCurrentRow(0)

    # --- structure --------------------------------------------------------------------
    def _nav_width(self) -> int:
        fm = self.nav.fontMetrics()
        widest = max(fm.horizontalAdvance(m.title) for m in MODULES)
        return widest + 22 + 56

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("文件(&F)")
        self.switch_user_requested = False
        switch = QAction("切换用户/注销(&L)", self)
        switch.setShortcut(QKeySequence("Ctrl+Shift+L"))
        switch.triggered.connect(self.switch_user)
        file_menu.addAction(switch)
        self.switch_user_action = switch
        self._add_ledger_actions(file_menu)
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        self.go_menu = go_menu = bar.addMenu("转到(&G)")
        self.module_actions: dict[str, QAction] = {}
        for i, spec in enumerate(MODULES, start=1):
            action = QAction(icon(spec.key), spec.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i}"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, k=spec.key: self.show_module(k))
            go_menu.addAction(action)
            self.module_actions[spec.key] = action

        self.complaints_menu = complaints_menu = bar.addMenu("投诉(&C)")
        new_complaint = QAction("新建投诉(&N)…", self)
        new_complaint.setShortcut(QKeySequence("Ctrl+N"))
        # The complaints page owns Ctrl+N while it has the focus (a window-wide shortcut would
        # be ambiguous with it); the menu lists the key and works from every module.
        new_complaint.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        new_complaint.triggered.connect(self.new_complaint)
        complaints_menu.addAction(new_complaint)
        self.new_complaint_action = new_complaint

        self.help_menu = help_menu = bar.addMenu("帮助(&H)")
        self.help_window: QDialog | None = None
        help_here = QAction("本页帮助(&H)", self)
        help_here.setShortcut(QKeySequence("F1"))
        help_here.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        help_here.triggered.connect(lambda: self.show_help())
        help_menu.addAction(help_here)
        self.help_action = help_here
        manual_pdf = QAction("用户手册（打印版PDF）(&P)", self)
        manual_pdf.setShortcut(QKeySequence("Ctrl+F1"))
        manual_pdf.triggered.connect(self._open_manual_pdf)
        help_menu.addAction(manual_pdf)
        help_menu.addSeparator()
        about = QAction("关于 EffDesk(&A)", self)
        about.setShortcut(QKeySequence("Ctrl+Shift+F1"))
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _add_ledger_actions(self, menu: QMenu) -> None:
        from effdesk.permissions import Permission

        self.import_ledger_action = QAction("导入台账(&I)…", self)
        self.import_ledger_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.import_ledger_action.triggered.connect(self.show_import_dialog)
        self.import_ledger_action.setEnabled(self.ctx.can(Permission.IMPORT_LEDGERS))
        self.export_ledger_action = QAction("导出台账(&E)…", self)
        self.export_ledger_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_ledger_action.triggered.connect(self.show_export_dialog)
        self.export_ledger_action.setEnabled(self.ctx.can(Permission.EXPORT_LEDGERS))
        menu.addAction(self.import_ledger_action)
        menu.addAction(self.export_ledger_action)
        menu.addSeparator()

    def show_import_dialog(self) -> QDialog:
        from effdesk.ui.ledgers.import_dialog import open_import_dialog

        return open_import_dialog(self.ctx, self)

    def show_export_dialog(self) -> QDialog:
        from effdesk.ui.ledgers.export_dialog import open_export_dialog

        return open_export_dialog(self.ctx, self)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        actor = self.ctx.actor
        self.user_label = QLabel(f"当前用户：{actor.label}（{roles_label(actor.roles)}）")
        self.db_label = QLabel(f"数据库：{describe_database(self.ctx.db)}")
        self.db_label.setToolTip(describe_database(self.ctx.db))
        self.backend_label = QLabel(backend_label(self.ctx.db))
        self.date_label = QLabel()
        for w in (self.user_label, self.db_label, self.backend_label, self.date_label):
            w.setContentsMargins(6, 0, 6, 0)
        bar.addWidget(self.user_label)
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.backend_label)
        bar.addPermanentWidget(self.date_label)
        self.refresh_status()

    def refresh_status(self) -> None:
        """Update the date line (called on start and when a module is shown: days change)."""
        today = self._today or clock.today()
        try:
            from effdesk.office_calendar import load_calendar

            with self.ctx.session() as s:
                calendar = load_calendar(s)
        except ImportError:
            calendar = WorkCalendar()
        self.date_label.setText(
            f"{today:%Y年%m月%d日} 星期{WEEKDAYS[today.weekday()]}　{day_status(calendar, today)}"
        )

    def _title(self) -> str:
        try:
            with self.ctx.session() as s:
                office = office_settings.get(s, office_settings.OFFICE_NAME)
        except EffDeskError:
            office = ""
        return f"{effdesk.APP_TITLE} — {office}" if office else effdesk.APP_TITLE

    # --- navigation -------------------------------------------------------------------
    def _on_nav_row(self, row: int) -> None:
        if 0 <= row < len(MODULES):
            self._ensure_shown(MODULES[row].key)

    def show_module(self, key: str) -> QWidget:
        """Switch to module ``key`` (creating its page on first visit); return the page."""
        if key not in self.specs:
            raise KeyError(key)
        row = MODULE_KEYS.index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # → _on_nav_row → _ensure_shown
        else:
            self._ensure_shown(key)
        return self.pages[key]

    def open_record(self, key: str, record_id: int) -> QWidget:
        """Switch to module ``key`` and open one of its records (a case, a campaign…)."""
        # "accountability:rectification" → the page's open_rectification(id).
        module, _, kind = key.partition(":")
        page = self.show_module(module)
        opener = getattr(page, f"open_{kind}" if kind else "open_record", None)
        if callable(opener):
            opener(record_id)
        return page

    def perform(self, key: str, action: str, record_id: int) -> QWidget:
        """Switch to module ``key`` and let its page do ``action`` on ``record_id``."""
        page = self.show_module(key)
        performer = getattr(page, "perform", None)
        if callable(performer):
            performer(action, record_id)
        return page

    def show_complaints(self, ref: object) -> QWidget:
        """Switch to 投诉受理 and list the cases behind a statistics figure ``ref``."""
        page = self.show_module("complaints")
        shower = getattr(page, "show_complaints", None)
        if callable(shower):
            shower(ref)
        return page

    def _ensure_shown(self, key: str) -> None:
        page = self.pages.get(key)
        if page is None:
            page = self._create_page(self.specs[key])
            self.pages[key] = page
            self.stack.addWidget(page)
            signal = getattr(page, "navigate_requested", None)
            if signal is not None:
                signal.connect(self.show_module)
            open_signal = getattr(page, "open_record_requested", None)
            if open_signal is not None:
                open_signal.connect(self.open_record)
            action_signal = getattr(page, "action_requested", None)
            if action_signal is not None:
                action_signal.connect(self.perform)
            show_signal = getattr(page, "show_complaints_requested", None)
            if show_signal is not None:
                show_signal.connect(self.show_complaints)
        self.stack.setCurrentWidget(page)
        self.refresh_status()
        on_shown = getattr(page, "on_shown", None)
        if callable(on_shown):
            on_shown()

    def _create_page(self, spec: ModuleSpec) -> QWidget:
        try:
            return load_page(self.ctx, spec)
        except Exception as exc:
            # Reported (a bug is logged with its traceback); the shell stays usable.
            show_error(self, exc)
            return FailedPage(spec, exc)

    def current_module(self) -> str:
        return MODULE_KEYS[self.nav.currentRow()]

    def page(self, key: str) -> QWidget | None:
        """The page of ``key`` if it was created already."""
        return self.pages.get(key)

    def show_help(self, module: str | None = None) -> QDialog:
        """F1: the manual at the chapter of the current module (or ``module``)."""
        from effdesk.ui.help import HelpWindow

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        window = self.help_window
        assert isinstance(window, HelpWindow)
        window.show_module(module or self.current_module())
        window.show()
        window.raise_()
        return window

    def new_complaint(self) -> QWidget | None:
        """投诉 → 新建投诉: the complaints module's intake dialog, from any module."""
        page = self.show_module("complaints")
        opener = getattr(page, "new_complaint", None)
        return opener() if callable(opener) else None

    def _open_manual_pdf(self) -> None:
        from effdesk.ui.help import open_pdf

        open_pdf()

    def switch_user(self) -> None:
        """文件 → 切换用户/注销: close this window; run_gui shows the login again."""
        self.switch_user_requested = True
        self.close()

    def show_about(self) -> AboutDialog:
        dialog = AboutDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- geometry ---------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        saved = QSettings().value("main_window/geometry")
        if isinstance(saved, (QByteArray, bytes)) and self.restoreGeometry(QByteArray(saved)):
            return
        self.resize(1440, 900)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        super().closeEvent(event)
