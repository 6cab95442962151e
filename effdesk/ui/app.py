"""GUI entry point (the shell is filled in by the GUI work)."""

from __future__ import annotations

import sys


def run_gui(db_url: str | None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv)
    QMessageBox.information(None, "EffDesk", "图形界面尚在建设中。")
    del app
    return 0
