"""The type-ahead picker by keyboard, as a clerk uses it: with several matches, ↓ moves in the
list and Enter or Tab takes the highlighted entry (not the first, not a new search)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from effdesk.ui.widgets.pickers import Choice, EntityPicker

UNITS = [
    Choice(1, "县公安局", "一类"),
    Choice(2, "县公安局交警大队", "二类"),
    Choice(3, "县公安局出入境管理大队", "二类"),
    Choice(4, "县公安局户政大队", "二类"),
]


def _search(text: str) -> list[Choice]:
    return UNITS if text.lower() == "gaj" else [c for c in UNITS if text in c.text]


@pytest.fixture
def form(qtbot: QtBot) -> tuple[QDialog, EntityPicker, QLineEdit]:
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    picker = EntityPicker(_search, lambda i: UNITS[i - 1].text, debounce_ms=10)
    after = QLineEdit()
    layout.addWidget(picker)
    layout.addWidget(after)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    picker.setFocus()
    return dialog, picker, after


def _type_and_wait(qtbot: QtBot, picker: EntityPicker, text: str) -> None:
    qtbot.keyClicks(picker, text)
    popup = picker.completer_.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and picker.choices.rowCount() == 4)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Tab])
def test_down_then_enter_or_tab_takes_the_highlighted_unit(
    qtbot: QtBot, form: tuple[QDialog, EntityPicker, QLineEdit], key: Qt.Key
) -> None:
    _dialog, picker, after = form
    _type_and_wait(qtbot, picker, "gaj")
    popup = picker.completer_.popup()
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, key)
    assert picker.current_id() == 3
    assert picker.text() == "县公安局出入境管理大队"
    assert not popup.isVisible()
    if key == Qt.Key.Key_Tab:
        qtbot.waitUntil(after.hasFocus)


def test_enter_without_moving_takes_the_first(
    qtbot: QtBot, form: tuple[QDialog, EntityPicker, QLineEdit]
) -> None:
    _dialog, picker, _after = form
    _type_and_wait(qtbot, picker, "gaj")
    qtbot.keyClick(picker.completer_.popup(), Qt.Key.Key_Return)
    assert picker.current_id() == 1


def test_tab_on_a_typed_text_with_the_list_closed_takes_the_single_match(
    qtbot: QtBot, form: tuple[QDialog, EntityPicker, QLineEdit]
) -> None:
    _dialog, picker, after = form
    picker.setText("户政")
    picker.textEdited.emit("户政")
    picker.completer_.popup().hide()
    qtbot.keyClick(picker, Qt.Key.Key_Tab)
    assert picker.current_id() == 4
    qtbot.waitUntil(after.hasFocus)
