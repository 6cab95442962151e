"""Qt's standard dialogs speak Chinese: the translations of qtbase are loaded and Chinese is the
default locale, so a file dialog's buttons, columns and dates are Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QPushButton,
    QTreeView,
)
from pytestqt.qtbot import QtBot

from effdesk.ui.app import install_qt_translations


@pytest.fixture
def chinese_qt(qapp: QApplication) -> Iterator[None]:
    before = QLocale()
    translator = install_qt_translations(qapp)
    assert translator is not None, "qtbase_zh_CN.qm not found in this Qt"
    yield
    qapp.removeTranslator(translator)
    QLocale.setDefault(before)


def test_the_file_dialog_is_chinese(qtbot: QtBot, chinese_qt: None, tmp_path: Path) -> None:
    (tmp_path / "台账.xlsx").write_bytes(b"x" * 12_800)
    dialog = QFileDialog(None, "导出台账", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    buttons = {b.text() for b in dialog.findChildren(QPushButton)}
    assert any("打开" in t or "取消" in t for t in buttons), buttons
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    view = dialog.findChild(QTreeView)
    assert view is not None
    headers = [
        view.model().headerData(i, view.header().orientation())
        for i in range(view.header().count())
    ]
    assert headers[:2] == ["名称", "体积"] and "修改日期" in headers, headers
    # Dates in the list use the default locale.
    shown = QLocale().toString(QDate(2026, 12, 6), QLocale.FormatType.ShortFormat)
    assert "2026" in shown and "Dec" not in shown
    assert QLocale().toString(QDate(date(2026, 12, 6)), "MMMM") == "十二月"
