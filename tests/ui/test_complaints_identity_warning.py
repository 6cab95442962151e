"""The intake dialog warns (without refusing) when the summary repeats the caller's identity."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.ui.complaints.intake import IntakeDialog


def test_summary_with_the_callers_phone_shows_a_warning(
    qtbot: QtBot, office: Office, type_text: Callable[[QWidget, str], None]
) -> None:
    dialog = IntakeDialog(office.ctx("clerk"), offer_drafts=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.identity_warning.isVisible()
    type_text(dialog.name_edit, "刘晓燕")
    type_text(dialog.phone_edit, "13905551234")
    type_text(dialog.summary_edit, "反映窗口推诿")
    assert not dialog.identity_warning.isVisible()
    type_text(dialog.summary_edit, "，回电139 0555 1234")
    assert dialog.identity_warning.isVisible()
    text = dialog.identity_warning.text()
    assert "内容摘要" in text and "联系电话" in text and "×××" in text
    assert dialog.save_button.isEnabled()  # a warning, not a refusal
    dialog.summary_edit.setText("反映窗口推诿")
    assert not dialog.identity_warning.isVisible()
