"""Help where the work is: F1 opens the user manual at the chapter of the current screen.

The manual is built from ``docs/manual/*.md`` by ``docs/scripts/manual.py`` into
``effdesk/manual/`` (one offline HTML file with its pictures, and a printable PDF), shipped as
package data. F1 shows the HTML in an in-app browser (anchors work offline on every
platform); the PDF opens in the system's PDF reader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

MANUAL_DIR = Path(__file__).resolve().parent.parent / "manual"
MANUAL_HTML = "manual.html"
MANUAL_PDF = "manual.pdf"

# Module key → anchor of its section in the manual (docs/manual/*.md, ``{#anchor}``).
CHAPTERS: dict[str, str] = {
    "dashboard": "dashboard",
    "complaints": "complaints",
    "inspections": "inspections",
    "accountability": "accountability",
    "documents": "documents",
    "statistics": "statistics",
    "directory": "directory",
    "settings": "settings",
}
DEFAULT_ANCHOR = "top"

# How a file is opened outside EffDesk (tests replace it to see what would be opened).
open_external: Callable[[QUrl], bool] = QDesktopServices.openUrl


def manual_path(name: str = MANUAL_HTML) -> Path:
    return MANUAL_DIR / name


def chapter_url(module: str) -> QUrl:
    """The manual's HTML at the section for ``module`` (the start for unknown ones)."""
    url = QUrl.fromLocalFile(str(manual_path()))
    url.setFragment(CHAPTERS.get(module, DEFAULT_ANCHOR))
    return url


class HelpWindow(QDialog):
    """The manual in a browser inside EffDesk (non-modal, one per main window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle("EffDesk 用户手册")
        self.resize(980, 760)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenExternalLinks(True)
        layout.addWidget(self.browser, 1)
        row = QHBoxLayout()
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        row.addWidget(self.missing, 1)
        self.contents_button = QPushButton("目录")
        self.contents_button.clicked.connect(lambda: self.show_module(""))
        self.pdf_button = QPushButton("打印版（PDF）…")
        self.pdf_button.clicked.connect(open_pdf)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        for b in (self.contents_button, self.pdf_button, close):
            row.addWidget(b)
        layout.addLayout(row)

    def show_module(self, module: str) -> QUrl:
        url = chapter_url(module)
        if not manual_path().is_file():
            self.missing.setText(
                "找不到用户手册文件（安装可能不完整）。请联系系统管理员重新安装 EffDesk。"
            )
            return url
        self.missing.setText("")
        self.browser.setSource(url)
        self.browser.scrollToAnchor(url.fragment())
        return url


def open_pdf() -> bool:
    return bool(open_external(QUrl.fromLocalFile(str(manual_path(MANUAL_PDF)))))
