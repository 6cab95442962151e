"""A phone complaint registered by keyboard only, counting every key that is not text: the
fields come in the order a call goes, the unit is taken with Tab, the category follows the
summary (or is typed by pinyin initials), and Ctrl+Enter registers from anywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.services import complaints
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.complaints.page import ComplaintsPage

TypeText = Callable[[QWidget, str], None]
KEY_BUDGET = 12  # keys besides the text typed (the target)


class Keyboard:
    """Keys go where a real keyboard sends them: the open popup, else the focused widget."""

    def __init__(self, qtbot: QtBot, type_text: TypeText) -> None:
        self.qtbot, self.type_text, self.keys = qtbot, type_text, 0

    def target(self) -> QWidget:
        widget = QApplication.activePopupWidget() or QApplication.focusWidget()
        assert widget is not None
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
        self.qtbot.keyClick(self.target(), key, modifier)
        self.keys += 1

    def type(self, text: str) -> None:
        self.type_text(self.target(), text)


@pytest.fixture
def intake(qtbot: QtBot, office: Office) -> IntakeDialog:
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    qtbot.waitExposed(page)
    dialog = page.new_complaint()
    assert isinstance(dialog, IntakeDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name_edit)
    return dialog


def test_a_phone_call_takes_at_most_twelve_keys_besides_the_text(
    qtbot: QtBot, office: Office, intake: IntakeDialog, type_text: TypeText
) -> None:
    kb = Keyboard(qtbot, type_text)
    kb.type("王小明")
    kb.press(Qt.Key.Key_Tab)
    kb.type("13905551234")
    kb.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is intake.unit_picker
    kb.type("scjd")
    qtbot.waitUntil(lambda: intake.unit_picker.completer_.popup().isVisible())
    kb.press(Qt.Key.Key_Tab)  # takes the highlighted unit and moves on
    assert intake.unit_picker.current_id() == office.units["县市场监督管理局"]
    assert QApplication.focusWidget() is intake.summary_edit
    kb.type("窗口工作人员态度生硬，不耐烦")
    kb.press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is intake.category_combo
    assert intake.category_combo.currentText() == "服务态度差"  # suggested from the summary
    with qtbot.waitSignal(intake.registered) as blocker:
        kb.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert kb.keys <= KEY_BUDGET, f"{kb.keys} keys"
    with office.db.session() as s:
        detail = complaints.get_complaint_detail(s, office.actors["clerk"], blocker.args[0])
    assert detail.complainant_name == "王小明"
    assert detail.unit_name == "县市场监督管理局"
    assert detail.category_name == "服务态度差"
    assert detail.summary == "窗口工作人员态度生硬，不耐烦"


def test_the_category_can_be_typed_by_pinyin_initials(qtbot: QtBot, intake: IntakeDialog) -> None:
    intake.category_combo.setFocus()
    qtbot.keyClicks(intake.category_combo, "twcp")
    assert intake.category_combo.currentText() == "推诿扯皮"
    qtbot.keyClicks(intake.category_combo, "f")  # within a second: "twcpf" matches nothing,
    assert intake.category_combo.currentText() == "服务态度差"  # so "f" starts over
    qtbot.wait(1100)  # a pause starts a new search
    qtbot.keyClicks(intake.category_combo, "cnky")
    assert intake.category_combo.currentText() == "吃拿卡要"
    # Once the clerk chose, the summary no longer changes it.
    intake.category_combo.activated.emit(intake.category_combo.currentIndex())
    intake.summary_edit.setText("工作人员态度生硬")
    assert intake.category_combo.currentText() == "吃拿卡要"


def test_a_long_paste_into_the_summary_is_kept_and_counted(
    qtbot: QtBot, intake: IntakeDialog
) -> None:
    text = "群众反映" * 1250  # 5,000 characters
    intake.summary_edit.setFocus()
    QApplication.clipboard().setText(text)
    qtbot.keyClick(intake.summary_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert intake.summary_edit.text() == text  # nothing cut silently
    assert intake.summary_counter.text() == "5000/300，超出4700字"
    intake.submit()
    assert "300" in intake.errors.message("summary")


def test_the_phone_field_takes_no_letters(qtbot: QtBot, intake: IntakeDialog) -> None:
    intake.phone_edit.setFocus()
    qtbot.keyClicks(intake.phone_edit, "0571-8888abc 6666")
    assert intake.phone_edit.text() == "0571-8888 6666"
