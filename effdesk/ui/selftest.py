"""``effdesk selftest``: check that this installation can show EffDesk (used by the build's
smoke test on the frozen bundle, and by an IT person on an office PC).

Each check covers a part of Qt the frozen bundle could lack: Qt's Chinese texts (the bundle keeps
only the zh_CN translations), the SVG icons (iconengines / imageformats plugins), a font with
Chinese glyphs, the input-method plugins, the PDF preview (QtPdf, which needs libQt6Network at
run time), printing support, and the main window with every module page, opened and closed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QSize, QTimer, QTranslator
from PySide6.QtGui import QFontDatabase, QImage, QImageReader
from PySide6.QtWidgets import QApplication

from effdesk.db.engine import open_database
from effdesk.resources import resource_path
from effdesk.services import users
from effdesk.ui.app import choose_ui_font, create_application
from effdesk.ui.context import AppContext
from effdesk.ui.widgets.icons import icon


class _Report:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, name: str, test: Callable[[], str | bool]) -> None:
        try:
            result = test()
        except Exception as exc:  # a check that raises is a failed check, reported by name
            result = False
            detail = f"{type(exc).__name__}: {exc}"
        else:
            detail = result if isinstance(result, str) else ""
        ok = result is not False
        if not ok:
            self.failed.append(name)
        print(f"{'通过' if ok else '失败'}  {name}{('：' + detail) if detail else ''}", flush=True)


def _translations() -> str | bool:
    translator = QTranslator()
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
    )
    return loaded and translator.translate("QPlatformTheme", "Cancel") == "取消"


def _icons() -> str | bool:
    pixmap = icon("app").pixmap(QSize(48, 48))
    image = pixmap.toImage()
    return not pixmap.isNull() and image.pixelColor(24, 24).alpha() > 0


def _image_formats() -> str | bool:
    have = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    # The evidence viewer decodes JPEG, PNG, WebP and TIFF originals with Qt; icons are SVG.
    missing = {"png", "jpeg", "webp", "tiff", "svg", "ico"} - have
    return f"缺少 {', '.join(sorted(missing))}" if missing else ", ".join(sorted(have))


def _font() -> str | bool:
    font = choose_ui_font()
    return font.family() if font is not None else False


def _bundled_fonts() -> str | bool:
    """Every bundled font file loads (PDFs and the UI fall back to them)."""
    loaded = []
    for path in sorted(resource_path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            return f"无法加载 {path.name}"
        loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    return ", ".join(loaded) if loaded else False


def _input_methods() -> str | bool:
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    plugins = sorted(p.name for p in (folder / "platforminputcontexts").glob("*"))
    if sys.platform.startswith("linux") and not any("ibus" in p for p in plugins):
        return False
    return ", ".join(plugins) or "（本平台无需）"


def _pdf(path: Path) -> Callable[[], str | bool]:
    def check() -> str | bool:
        from PySide6.QtPdf import QPdfDocument

        doc = QPdfDocument()
        doc.load(str(path))
        if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() < 1:
            return False
        image = doc.render(0, QSize(210, 297))
        inked = sum(
            1
            for y in range(0, image.height(), 3)
            for x in range(0, image.width(), 3)
            if image.pixelColor(x, y).lightness() < 128
        )
        pages = doc.pageCount()
        doc.close()
        return f"{pages} 页，第 1 页有 {inked} 个深色采样点" if inked else False

    return check


def _printing() -> str | bool:
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter()
    return printer.pageLayout().pageSize().name() != ""


def _main_window(db_url: str | None, username: str, password: str, quit_after_ms: int) -> str:
    from effdesk.ui.main_window import MODULES, FailedPage, MainWindow

    db = open_database(db_url)
    try:
        with db.session() as s:
            actor = users.authenticate(s, username, password)
        ctx = AppContext(db=db, actor=actor)
        window = MainWindow(ctx)
        window.show()
        real, failed = [], []
        for spec in MODULES:
            page = window.show_module(spec.key)
            if isinstance(page, FailedPage):
                failed.append(spec.key)
            else:
                real.append(spec.key)
        shot: QImage = window.grab().toImage()
        others: list[str] = []

        def close() -> None:
            # Any other visible window now is an error report or a question nobody answers.
            others.extend(
                w.windowTitle() or type(w).__name__
                for w in QApplication.topLevelWidgets()
                if w.isVisible() and w is not window
            )
            window.close()
            loop.quit()

        # A local loop, not QApplication.exec()/quit(): a posted quit would end the next loop.
        loop = QEventLoop()
        QTimer.singleShot(quit_after_ms, close)
        loop.exec()
        with db.session() as s:
            users.logout(s, actor)
        if others:
            raise RuntimeError(f"出现了其他窗口：{', '.join(others)}")
        if failed:
            raise RuntimeError(f"页面无法打开：{', '.join(failed)}")
        if window.isVisible() or shot.isNull():
            raise RuntimeError("主窗口未能显示或关闭")
        return f"模块页 {', '.join(real)}"
    finally:
        db.dispose()


def run_selftest(
    db_url: str | None,
    *,
    username: str | None,
    password: str | None,
    pdf: Path | None,
    quit_after_ms: int = 1500,
) -> int:
    """Run the checks, print one line each; 0 when all pass, 1 otherwise."""
    create_application()
    report = _Report()
    print(f"Qt 平台：{QApplication.platformName()}", flush=True)
    report.check("Qt 中文界面文字（qtbase_zh_CN）", _translations)
    report.check("SVG 图标", _icons)
    report.check("图片格式插件", _image_formats)
    report.check("中文界面字体", _font)
    report.check("内置字体", _bundled_fonts)
    report.check("输入法插件", _input_methods)
    report.check("打印支持", _printing)
    if pdf is not None:
        report.check(f"PDF 预览（QtPdf）：{pdf.name}", _pdf(pdf))
    if username:
        report.check(
            "主窗口打开并关闭",
            lambda: _main_window(db_url, username, password or "", quit_after_ms),
        )
    print("全部通过。" if not report.failed else f"未通过：{'；'.join(report.failed)}")
    return 0 if not report.failed else 1
