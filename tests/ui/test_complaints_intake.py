"""投诉登记 through the real page and dialog: a clerk on the phone, validation at the fields,
drafts that survive a close, and the duplicate hint with one-click merge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.enums import Channel, ComplaintState
from effdesk.services import complaints
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.widgets.pickers import EntityPicker

TypeText = Callable[[QWidget, str], None]


@pytest.fixture
def page(qtbot: QtBot, office: Office) -> ComplaintsPage:
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    qtbot.waitExposed(page)
    return page


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Make ``window`` the active one (the offscreen platform forgets after a dialog closes or
    a mouse click), so that shortcuts and completer popups behave as on a desktop."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def open_intake(qtbot: QtBot, page: ComplaintsPage) -> IntakeDialog:
    """Ctrl+N on the list, as the clerk does when the phone rings."""
    activate(qtbot, page)
    page.list_view.view.table.setFocus()
    qtbot.keyClick(page.list_view.view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.intake
    assert isinstance(dialog, IntakeDialog)
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    return dialog


def choose(qtbot: QtBot, picker: EntityPicker, letters: str) -> None:
    """Type a few letters into a picker and take the first match with Enter."""
    picker.setFocus()
    qtbot.keyClicks(picker, letters)
    qtbot.waitUntil(lambda: picker.choices.rowCount() > 0 or not picker._timer.isActive())
    if picker.choices.rowCount() == 0:
        # The offscreen platform sometimes moves the focus away, which stops the typing
        # timer: ↓ searches at once, as on a desktop.
        qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert picker.choices.rowCount() > 0
    popup = picker.completer_.popup()
    # Enter in the list, or (when the platform did not show the list) Enter in the box, which
    # takes a single match: both are what a clerk's keyboard does.
    qtbot.keyClick(popup if popup.isVisible() else picker, Qt.Key.Key_Return)
    qtbot.wait(20)


def pick_unit_by_pinyin(qtbot: QtBot, dialog: IntakeDialog, letters: str) -> None:
    choose(qtbot, dialog.unit_picker, letters)


def choose_first_category(qtbot: QtBot, dialog: IntakeDialog) -> None:
    dialog.category_combo.setFocus()
    qtbot.keyClick(dialog.category_combo, Qt.Key.Key_Down)  # past 「（请选择）」
    assert dialog.category_combo.currentData() is not None


def test_clerk_takes_a_call_keyboard_only(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    dialog = open_intake(qtbot, page)
    assert dialog.focusWidget() is dialog.name_edit  # the caret waits for the caller's name
    assert dialog.channel_combo.currentData() == Channel.PHONE.value
    type_text(dialog.name_edit, "王小二")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.phone_edit  # Tab goes down the form
    qtbot.keyClicks(dialog.phone_edit, "139-0571-2233")
    pick_unit_by_pinyin(qtbot, dialog, "gaj")
    assert dialog.unit_picker.current_id() == office.units["县公安局"]
    assert dialog.unit_picker.text() == "县公安局"
    # The person picker now searches that unit only.
    choose(qtbot, dialog.person_picker, "lm")
    assert dialog.person_ids() == [office.persons["李明"]]
    assert dialog.person_picker.text() == ""
    choose_first_category(qtbot, dialog)
    category = dialog.category_combo.currentText()
    type_text(dialog.summary_edit, "户籍窗口办理迁移推诿，让群众跑了三趟")
    dialog.content_edit.setFocus()
    type_text(dialog.content_edit, "来电人称三次到户籍窗口均被告知材料不全。")
    qtbot.keyClick(dialog.content_edit, Qt.Key.Key_Return)  # a new line, not "save"
    assert dialog.isVisible()
    dialog.summary_edit.setFocus()
    with qtbot.waitSignal(dialog.registered) as blocker:
        qtbot.keyClick(dialog.summary_edit, Qt.Key.Key_Return)  # Enter registers
    complaint_id = blocker.args[0]
    assert not dialog.isVisible()

    # The new case opens in its own tab, and the list shows it.
    view = page.case_views()[-1]
    assert view.complaint_id == complaint_id
    assert page.tabs.currentWidget() is view
    assert "已登记" in page.status.text()
    assert [r.id for r in page.list_view.rows()] == [complaint_id]
    with office.db.session() as s:
        detail = complaints.get_complaint_detail(s, office.actors["clerk"], complaint_id)
    assert detail.state == ComplaintState.REGISTERED
    assert detail.complainant_name == "王小二"
    assert detail.complainant_phone == "13905712233"
    assert detail.unit_name == "县公安局" and detail.category_name == category
    assert [p.name for p in detail.persons] == ["李明"]
    assert detail.content == "来电人称三次到户籍窗口均被告知材料不全。"
    with office.db.session() as s:
        assert complaints.list_drafts(s, office.actors["clerk"]) == []  # draft gone once registered


def test_ctrl_enter_in_the_content_registers(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    dialog = open_intake(qtbot, page)
    pick_unit_by_pinyin(qtbot, dialog, "zwzx")
    choose_first_category(qtbot, dialog)
    type_text(dialog.summary_edit, "综合窗口脱岗")
    dialog.content_edit.setFocus()
    with qtbot.waitSignal(dialog.registered):
        qtbot.keyClick(dialog.content_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_validation_errors_at_the_fields_and_nothing_is_lost(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    dialog = open_intake(qtbot, page)
    type_text(dialog.name_edit, "李四")
    qtbot.keyClicks(dialog.phone_edit, "138123")
    type_text(dialog.content_edit, "详细情况写了一大段。")
    tomorrow = datetime.now() + timedelta(days=1)
    dialog.received_edit.setDateTime(QDateTime(tomorrow.replace(second=0, microsecond=0)))
    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)

    assert dialog.isVisible()
    errors = dialog.errors
    assert "联系电话格式不正确" in errors.message("complainant_phone")
    assert "请填写内容摘要" in errors.message("summary")
    assert "请选择问题类别" in errors.message("category_id")
    assert "请选择被投诉单位" in errors.message("unit_id")
    assert "受理时间不能晚于现在" in errors.message("received_at")
    # The first bad field in form order gets the caret; everything typed is still there.
    assert dialog.focusWidget() is dialog.received_edit
    assert dialog.name_edit.text() == "李四"
    assert dialog.phone_edit.text() == "138123"
    assert dialog.content_edit.toPlainText() == "详细情况写了一大段。"

    # A unit typed but not chosen is named before anything is sent.
    dialog.received_edit.setDateTime(QDateTime(datetime.now().replace(second=0, microsecond=0)))
    dialog.unit_picker.setText("不存在的单位")
    dialog.submit()
    assert "请从下拉列表中选择" in errors.message("unit_id")

    # Correcting the fields registers the case.
    dialog.unit_picker.clear()
    pick_unit_by_pinyin(qtbot, dialog, "gaj")
    dialog.phone_edit.clear()
    qtbot.keyClicks(dialog.phone_edit, "0571-8888 6666")
    assert errors.message("complainant_phone") == ""  # editing clears the message
    choose_first_category(qtbot, dialog)
    type_text(dialog.summary_edit, "窗口推诿")
    with qtbot.waitSignal(dialog.registered):
        qtbot.keyClick(dialog.summary_edit, Qt.Key.Key_Return)


def test_anonymous_sets_the_name_aside(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    dialog = open_intake(qtbot, page)
    type_text(dialog.name_edit, "赵六")
    qtbot.keyClicks(dialog.phone_edit, "13700001111")
    dialog.anonymous_check.setChecked(True)
    assert dialog.name_edit.text() == "" and not dialog.name_edit.isEnabled()
    dialog.anonymous_check.setChecked(False)
    assert dialog.name_edit.text() == "赵六"  # ticked by mistake: nothing lost
    dialog.anonymous_check.setChecked(True)
    pick_unit_by_pinyin(qtbot, dialog, "gaj")
    choose_first_category(qtbot, dialog)
    type_text(dialog.summary_edit, "匿名反映窗口吃拿卡要")
    with qtbot.waitSignal(dialog.registered) as blocker:
        dialog.submit()
    with office.db.session() as s:
        detail = complaints.get_complaint_detail(s, office.actors["clerk"], blocker.args[0])
    assert detail.anonymous and detail.complainant_name is None
    assert detail.complainant_display == "匿名"
    assert detail.complainant_phone == "13700001111"


def test_draft_survives_closing_and_is_offered_back(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    clerk = office.actors["clerk"]
    dialog = open_intake(qtbot, page)
    type_text(dialog.name_edit, "钱七")
    qtbot.keyClicks(dialog.phone_edit, "13611112222")
    pick_unit_by_pinyin(qtbot, dialog, "gaj")
    choose(qtbot, dialog.person_picker, "lm")
    type_text(dialog.summary_edit, "办证要求提供无关证明")
    dialog.unit_picker.setFocus()
    # The draft is saved while typing (debounced), before any close: a crash loses nothing.
    qtbot.waitUntil(lambda: dialog.draft_id is not None, timeout=3000)
    qtbot.waitUntil(lambda: not dialog._draft_timer.isActive(), timeout=3000)
    with office.db.session() as s:
        (info,) = complaints.list_drafts(s, clerk)
    assert info.summary == "办证要求提供无关证明"

    # Typing goes on; Esc closes without registering; the latest text is in the draft.
    type_text(dialog.content_edit, "还让去派出所开证明。")
    with qtbot.waitSignal(dialog.draftKept):
        qtbot.keyClick(dialog.summary_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert page.draft_banner.isVisible() and "1 份未登记完" in page.draft_label.text()
    assert "草稿" in page.status.text()

    # Next time: the dialog offers the draft back, and restoring it brings everything back.
    dialog = open_intake(qtbot, page)
    assert dialog.draft_banner.isVisible()
    assert "办证要求提供无关证明" in dialog.draft_label.text()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert not dialog.draft_banner.isVisible()
    assert dialog.name_edit.text() == "钱七"
    assert dialog.phone_edit.text() == "13611112222"
    assert dialog.unit_picker.current_id() == office.units["县公安局"]
    assert dialog.unit_picker.text() == "县公安局"
    assert dialog.person_ids() == [office.persons["李明"]]
    assert dialog.content_edit.toPlainText() == "还让去派出所开证明。"
    choose_first_category(qtbot, dialog)
    with qtbot.waitSignal(dialog.registered):
        qtbot.keyClick(dialog.summary_edit, Qt.Key.Key_Return)
    with office.db.session() as s:
        assert complaints.list_drafts(s, clerk) == []
    assert not page.draft_banner.isVisible()


def test_unchosen_unit_text_is_kept_in_the_draft(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    dialog = open_intake(qtbot, page)
    type_text(dialog.summary_edit, "反映某窗口")
    type_text(dialog.unit_picker, "某某局")  # typed, not chosen
    dialog.save_draft_now()
    dialog.reject()
    dialog = open_intake(qtbot, page)
    dialog.restore_selected_draft()
    assert dialog.unit_picker.text() == "某某局" and dialog.unit_picker.current_id() is None
    assert dialog.summary_edit.text() == "反映某窗口"
    # Throwing it away empties the form and deletes the draft.
    dialog.throw_away()
    assert dialog.summary_edit.text() == "" and dialog.unit_picker.text() == ""
    with office.db.session() as s:
        assert complaints.list_drafts(s, office.actors["clerk"]) == []


def test_blank_form_leaves_no_draft(qtbot: QtBot, page: ComplaintsPage, office: Office) -> None:
    dialog = open_intake(qtbot, page)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    with office.db.session() as s:
        assert complaints.list_drafts(s, office.actors["clerk"]) == []
    assert not page.draft_banner.isVisible()


def test_duplicate_hint_by_phone_and_merge(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    earlier = office.register(phone="13812345678", to="routed")
    with office.db.session() as s:
        earlier_number = complaints.get_complaint_detail(s, office.actors["clerk"], earlier).number
    dialog = open_intake(qtbot, page)
    type_text(dialog.name_edit, "张三丰")
    qtbot.keyClicks(dialog.phone_edit, "138 1234 5678")
    qtbot.waitUntil(lambda: len(dialog.hint_cards) == 1, timeout=3000)
    card = dialog.hint_cards[0]
    assert card.hint.id == earlier and card.hint.reason == "同一联系电话"
    assert dialog.hint_title.text() == "可能重复的投诉件（1）"
    assert card.merge_button.isVisible()

    # Merging needs a valid form too: the problems are shown and nothing is registered.
    qtbot.mouseClick(card.merge_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "请填写内容摘要" in dialog.errors.message("summary")

    activate(qtbot, dialog)
    pick_unit_by_pinyin(qtbot, dialog, "gaj")
    choose_first_category(qtbot, dialog)
    type_text(dialog.summary_edit, "再次来电催问户籍迁移")
    with qtbot.waitSignal(dialog.registered) as blocker:
        qtbot.mouseClick(dialog.hint_cards[0].merge_button, Qt.MouseButton.LeftButton)
    new_id = blocker.args[0]
    with office.db.session() as s:
        new = complaints.get_complaint_detail(s, office.actors["clerk"], new_id)
        target = complaints.get_complaint_detail(s, office.actors["clerk"], earlier)
    assert new.state == ComplaintState.MERGED and new.merged_into_id == earlier
    assert (new_id, new.number) in target.merged_from
    assert f"合并到 {earlier_number}" in page.status.text()


def test_duplicate_hint_by_unit_and_category(
    qtbot: QtBot, page: ComplaintsPage, office: Office
) -> None:
    earlier = office.register(phone="13800000000", unit="县政务服务中心", category="服务态度差")
    office.register(phone="13800000001", unit="县政务服务中心", category="推诿扯皮")
    dialog = open_intake(qtbot, page)
    pick_unit_by_pinyin(qtbot, dialog, "zwzx")
    assert dialog.hint_cards == []  # a unit alone is not enough
    dialog.category_combo.setCurrentIndex(
        dialog.category_combo.findData(office.categories["服务态度差"])
    )
    qtbot.waitUntil(lambda: len(dialog.hint_cards) == 1, timeout=3000)
    assert dialog.hint_cards[0].hint.id == earlier
    assert "同一单位、同类问题" in dialog.hint_cards[0].hint.reason


def test_edit_registered_case(
    qtbot: QtBot, page: ComplaintsPage, office: Office, type_text: TypeText
) -> None:
    cid = office.register(to="submitted")
    view = page.open_case(cid)
    dialog = view.open_action(complaints.ComplaintAction.EDIT)
    assert isinstance(dialog, IntakeDialog) and dialog.edit_mode
    assert dialog.name_edit.text() == "张三丰"
    assert not dialog.throw_button.isVisible() and not dialog.draft_banner.isVisible()
    dialog.summary_edit.clear()
    type_text(dialog.summary_edit, "更正后的摘要")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    assert view.detail is not None and view.detail.summary == "更正后的摘要"
    assert "更正后的摘要" in view.timeline.toPlainText()
