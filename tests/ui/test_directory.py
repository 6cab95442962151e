"""单位人员 through the real page and dialogs: search, add, edit, validation, permissions, conflicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import Person, Unit
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.errors import PermissionDenied
from effdesk.services import directory
from effdesk.ui.context import AppContext
from effdesk.ui.directory.page import DirectoryPage
from effdesk.ui.directory.person_dialog import PersonDialog
from effdesk.ui.directory.unit_dialog import UnitDialog
from effdesk.ui.widgets.conflict import REFRESH_TEXT
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker


@pytest.fixture
def page_for(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> Callable[[str], DirectoryPage]:
    def make(role: str) -> DirectoryPage:
        page = DirectoryPage(make_ctx(ui_actors[role]))
        qtbot.addWidget(page)
        page.resize(1300, 800)
        page.show()
        qtbot.waitExposed(page)
        return page

    return make


def unit_names(page: DirectoryPage) -> list[str]:
    return [r.name for r in page.units_model.rows()]


def person_names(page: DirectoryPage) -> list[str]:
    return [r.display_name for r in page.persons_model.rows()]


def type_filter(qtbot: QtBot, view_edit: QWidget, text: str, page_view: object) -> None:
    event = QInputMethodEvent()  # Chinese arrives from the input method, not as key presses
    event.setCommitString(text)
    QApplication.sendEvent(view_edit, event)
    qtbot.waitUntil(lambda: page_view.query() == text)  # type: ignore[attr-defined]


def select_unit(page: DirectoryPage, name: str) -> None:
    row = unit_names(page).index(name)
    page.units_view.select_row(row)


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def open_dialog(qtbot: QtBot, page: DirectoryPage, button: QWidget) -> UnitDialog | PersonDialog:
    click(qtbot, button)
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog  # type: ignore[return-value]


# --- browsing ---------------------------------------------------------------------------
def test_lists_units_and_persons_of_the_selected_unit(
    page_for: Callable[[str], DirectoryPage], directory_data: Any
) -> None:
    page = page_for("clerk")
    # Units no longer supervised (县粮食局) are hidden until asked for.
    assert set(unit_names(page)) == set(directory_data.units) - {"县粮食局"}
    assert "共 4 个单位" in page.units_view.count_label.text()
    assert page.persons_model.rowCount() == 0  # nothing selected yet
    select_unit(page, "县公安局")
    assert sorted(person_names(page)) == sorted(["李明", "户籍窗口女工作人员，短发"])
    assert page.persons_heading.text() == "县公安局 的人员"
    select_unit(page, "县政务服务中心")
    assert sorted(person_names(page)) == ["赵丽", "钱进"]


def test_search_by_name_and_pinyin_initials(
    qtbot: QtBot, page_for: Callable[[str], DirectoryPage], directory_data: Any
) -> None:
    page = page_for("clerk")
    type_filter(qtbot, page.units_view.filter_edit, "gaj", page.units_view)
    assert unit_names(page) == ["县公安局"]
    assert "「gaj」" in page.units_view.count_label.text()
    page.units_view.filter_edit.clear()
    type_filter(qtbot, page.units_view.filter_edit, "政务", page.units_view)
    assert unit_names(page) == ["县政务服务中心"]
    # Keyboard: ↓ from the filter box selects the first row and shows its persons.
    qtbot.keyClick(page.units_view.filter_edit, Qt.Key.Key_Down)
    assert page.units_view.selected().name == "县政务服务中心"
    assert sorted(person_names(page)) == ["赵丽", "钱进"]
    type_filter(qtbot, page.persons_view.filter_edit, "zl", page.persons_view)
    assert person_names(page) == ["赵丽"]


def test_category_filter_and_inactive_toggle(
    page_for: Callable[[str], DirectoryPage], directory_data: Any
) -> None:
    page = page_for("clerk")
    assert "县粮食局" not in unit_names(page)
    page.inactive_check.setChecked(True)
    assert "县粮食局" in unit_names(page)
    page.inactive_check.setChecked(False)
    assert "县粮食局" not in unit_names(page)
    page.category_combo.setCurrentIndex(page.category_combo.findData("first"))
    assert sorted(unit_names(page)) == ["县公安局", "县市场监督管理局"]
    page.category_combo.setCurrentIndex(0)
    assert len(unit_names(page)) == 4


def test_search_persons_in_all_units(
    qtbot: QtBot, page_for: Callable[[str], DirectoryPage], directory_data: Any
) -> None:
    page = page_for("clerk")
    page.all_units_check.setChecked(True)
    assert len(person_names(page)) == 4
    assert not page.persons_view.table.isColumnHidden(1)  # 所在单位 shown
    type_filter(qtbot, page.persons_view.filter_edit, "窗口", page.persons_view)
    assert set(person_names(page)) == {"户籍窗口女工作人员，短发", "赵丽"}


# --- adding and editing -----------------------------------------------------------------
def test_add_unit_through_the_dialog(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("clerk")
    dialog = open_dialog(qtbot, page, page.add_unit_button)
    assert isinstance(dialog, UnitDialog) and dialog.windowTitle() == "新增单位"
    type_text(dialog.name_edit, "县自然资源局")
    type_text(dialog.short_name_edit, "自然资源局")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("department"))
    dialog.category_combo.setCurrentIndex(dialog.category_combo.findData("second"))
    type_text(dialog.contact_person_edit, "孙强")
    qtbot.keyClicks(dialog.contact_phone_edit, "0571-12345678")
    # The parent unit by pinyin initials, keyboard only.
    qtbot.keyClicks(dialog.parent_picker, "gaj")
    dialog.parent_picker.search_now()
    qtbot.keyClick(dialog.parent_picker.completer_.popup(), Qt.Key.Key_Return)
    assert dialog.parent_picker.current_id() == directory_data.units["县公安局"]
    assert dialog.isVisible()  # the Enter that chose the parent did not save the dialog
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert page.dialog is None
    with db.session() as s:
        unit = s.query(Unit).filter_by(name="县自然资源局").one()
        assert unit.category == AssessmentCategory.SECOND
        assert unit.contact_phone == "0571-12345678"
        assert unit.parent_id == directory_data.units["县公安局"]
        assert "zrzyj" in unit.pinyin
    assert page.units_view.selected().name == "县自然资源局"


def test_edit_unit_through_the_dialog(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("leader")
    select_unit(page, "城关镇人民政府")
    dialog = open_dialog(qtbot, page, page.edit_unit_button)
    assert dialog.windowTitle() == "修改单位"
    assert dialog.name_edit.text() == "城关镇人民政府"
    assert dialog.kind_combo.currentData() == "town"
    dialog.contact_person_edit.clear()
    type_text(dialog.contact_person_edit, "周敏")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.contact_person_edit, Qt.Key.Key_Return)  # Enter saves
    with db.session() as s:
        unit = s.get(Unit, directory_data.units["城关镇人民政府"])
        assert unit is not None and unit.contact_person == "周敏" and unit.version == 2
    assert page.units_view.selected().contact_person == "周敏"


def test_unit_validation_is_shown_at_the_fields_and_nothing_is_lost(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("clerk")
    dialog = open_dialog(qtbot, page, page.add_unit_button)
    assert isinstance(dialog, UnitDialog)
    type_text(dialog.name_edit, "县公安局")  # exists already
    qtbot.keyClicks(dialog.contact_phone_edit, "12ab")
    type_text(dialog.address_edit, "人民路1号")
    type_text(dialog.notes_edit, "重要备注")
    click(qtbot, dialog.save_button)
    assert dialog.isVisible()
    assert dialog.form.error_text("name") == "已有名为「县公安局」的单位。"
    assert "联系电话格式不正确" in dialog.form.error_text("contact_phone")
    assert dialog.form.error_text("address") == ""
    assert dialog.name_edit.property("invalid") is True
    assert "border" in dialog.name_edit.styleSheet()
    assert dialog.focusWidget() is dialog.name_edit  # the first bad field
    # Everything typed is still there.
    assert dialog.contact_phone_edit.text() == "12ab"
    assert dialog.address_edit.text() == "人民路1号"
    assert dialog.notes_edit.toPlainText() == "重要备注"
    # Editing a field clears its message; fixing both saves.
    dialog.name_edit.selectAll()
    type_text(dialog.name_edit, "县公安局交通警察大队")
    assert dialog.form.error_text("name") == ""
    assert dialog.name_edit.styleSheet() == ""
    dialog.contact_phone_edit.clear()
    qtbot.keyClicks(dialog.contact_phone_edit, "13900001111")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    with db.session() as s:
        unit = s.query(Unit).filter_by(name="县公安局交通警察大队").one()
        assert unit.address == "人民路1号" and unit.notes == "重要备注"


def test_unresolved_parent_is_refused_before_saving(
    type_text: Any, qtbot: QtBot, page_for: Callable[[str], DirectoryPage], directory_data: Any
) -> None:
    page = page_for("clerk")
    dialog = open_dialog(qtbot, page, page.add_unit_button)
    assert isinstance(dialog, UnitDialog)
    type_text(dialog.name_edit, "县新单位")
    type_text(dialog.parent_picker, "不存在的单位")
    click(qtbot, dialog.save_button)
    assert dialog.isVisible()
    assert "请从下拉列表中选择" in dialog.form.error_text("parent_id")
    assert dialog.parent_picker.text() == "不存在的单位"


def test_add_and_edit_person_through_the_dialog(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("clerk")
    select_unit(page, "县市场监督管理局")
    dialog = open_dialog(qtbot, page, page.add_person_button)
    assert isinstance(dialog, PersonDialog)
    assert dialog.unit_picker.current_id() == directory_data.units["县市场监督管理局"]
    assert dialog.unit_picker.text() == "县市场监督管理局"
    click(qtbot, dialog.save_button)  # neither name nor description
    assert "请填写姓名" in dialog.form.error_text("name")
    type_text(dialog.name_edit, "吴芳")
    type_text(dialog.post_edit, "食品安全科科员")
    qtbot.keyClicks(dialog.phone_edit, "138-0000-2222")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert person_names(page) == ["吴芳"]
    assert page.persons_view.selected().post == "食品安全科科员"
    assert page.units_view.selected().person_count == 1

    dialog = open_dialog(qtbot, page, page.edit_person_button)
    assert dialog.windowTitle() == "修改人员" and dialog.name_edit.text() == "吴芳"
    dialog.post_edit.clear()
    type_text(dialog.post_edit, "食品安全科副科长")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    with db.session() as s:
        person = s.query(Person).filter_by(name="吴芳").one()
        assert person.post == "食品安全科副科长" and person.version == 2
        assert person.unit_id == directory_data.units["县市场监督管理局"]


def test_moving_a_person_shows_the_new_unit(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
) -> None:
    page = page_for("clerk")
    select_unit(page, "县政务服务中心")
    page.persons_view.select_key(directory_data.persons["钱进"])
    dialog = open_dialog(qtbot, page, page.edit_person_button)
    assert isinstance(dialog, PersonDialog)
    dialog.unit_picker.clear()
    type_text(dialog.unit_picker, "城关")
    qtbot.keyClick(dialog.unit_picker, Qt.Key.Key_Return)  # the only match
    assert dialog.unit_picker.current_id() == directory_data.units["城关镇人民政府"]
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert page.units_view.selected().name == "城关镇人民政府"
    assert page.persons_view.selected().name == "钱进"
    assert page.units_view.selected().person_count == 1


def test_saved_unit_hidden_by_the_search_is_revealed(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
) -> None:
    page = page_for("clerk")
    type_filter(qtbot, page.units_view.filter_edit, "gaj", page.units_view)
    dialog = open_dialog(qtbot, page, page.add_unit_button)
    assert isinstance(dialog, UnitDialog)
    type_text(dialog.name_edit, "县林业局")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert page.units_view.query() == "" and page.units_view.filter_edit.text() == ""
    assert page.units_view.selected().name == "县林业局"


def test_person_with_description_only(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("clerk")
    select_unit(page, "县政务服务中心")
    dialog = open_dialog(qtbot, page, page.add_person_button)
    assert isinstance(dialog, PersonDialog)
    type_text(dialog.description_edit, "5号窗口男工作人员，戴眼镜")
    qtbot.keyClicks(dialog.phone_edit, "abc")
    click(qtbot, dialog.save_button)
    assert "联系电话格式不正确" in dialog.form.error_text("phone")
    assert dialog.form.error_text("name") == ""
    assert dialog.focusWidget() is dialog.phone_edit
    dialog.phone_edit.clear()
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    assert "5号窗口男工作人员，戴眼镜" in person_names(page)


def test_unit_picker_keyboard_only(
    type_text: Any,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    directory_data: Any,
) -> None:
    picker = UnitPicker(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(picker)
    picker.show()
    picker.setFocus()
    qtbot.keyClicks(picker, "gaj")
    qtbot.waitUntil(lambda: picker.choices.rowCount() == 1)
    popup = picker.completer_.popup()
    qtbot.waitUntil(popup.isVisible)
    with qtbot.waitSignal(picker.picked) as blocker:
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert blocker.args == [directory_data.units["县公安局"]]
    assert picker.text() == "县公安局" and picker.current_id() == directory_data.units["县公安局"]
    qtbot.wait(20)  # let the event loop run, as between a user's key presses
    qtbot.keyClick(picker, Qt.Key.Key_Backspace)  # editing forgets the choice
    assert picker.current_id() is None and picker.is_unresolved()
    # Inactive units are not offered by default.
    picker.clear()
    type_text(picker, "粮食")
    assert picker.search_now() == []
    # Enter with exactly one match takes it.
    picker.clear()
    type_text(picker, "城关")
    qtbot.keyClick(picker, Qt.Key.Key_Return)
    assert picker.current_id() == directory_data.units["城关镇人民政府"]


def test_person_picker_searches_within_a_unit(
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    directory_data: Any,
    qtbot: QtBot,
) -> None:
    picker = PersonPicker(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(picker)
    picker.setText("zl")
    (choice,) = picker.search_now()
    assert choice.text == "赵丽" and choice.detail == "县政务服务中心·综合窗口受理员"
    picker.setText("窗口")
    assert len(picker.search_now()) == 2
    picker.set_unit(directory_data.units["县公安局"])
    (choice,) = picker.search_now()
    assert choice.text == "户籍窗口女工作人员，短发"
    picker.choose_row(0)
    assert picker.current_id() == directory_data.persons["户籍窗口女工作人员，短发"]
    picker.set_current_id(directory_data.persons["李明"])
    assert picker.text() == "李明"


# --- permissions --------------------------------------------------------------------------
def test_inspector_may_look_but_not_change(
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    ui_actors: dict[str, Actor],
    db: Database,
) -> None:
    page = page_for("inspector")
    assert len(unit_names(page)) == 4
    assert not page.add_unit_button.isEnabled()
    assert not page.add_person_button.isEnabled()
    assert "维护单位人员" in page.add_unit_button.toolTip()
    assert page.edit_unit_button.text() == "查看单位"
    assert not page.edit_unit_button.isEnabled()  # nothing selected
    click(qtbot, page.add_unit_button)
    assert page.dialog is None
    select_unit(page, "县公安局")
    dialog = open_dialog(qtbot, page, page.edit_unit_button)
    assert dialog.windowTitle() == "查看单位"
    assert dialog.name_edit.isReadOnly() and not dialog.kind_combo.isEnabled()
    assert not dialog.save_button.isVisible()
    dialog.reject()
    # The service refuses anyway.
    with db.session() as s, pytest.raises(PermissionDenied):
        directory.create_unit(
            s,
            ui_actors["inspector"],
            directory.UnitInput("县某局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        )


def test_permission_refused_by_the_service_is_shown(
    type_text: Any,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    directory_data: Any,
) -> None:
    # A dialog opened for an inspector anyway (e.g. a stale window) gets the service's refusal.
    dialog = UnitDialog(make_ctx(ui_actors["inspector"]), None)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.name_edit, "县某局")
    dialog.submit()
    qtbot.waitUntil(lambda: _visible_message_box() is not None)
    box = _visible_message_box()
    assert box is not None and "维护单位人员" in box.text()
    assert dialog.isVisible() and dialog.name_edit.text() == "县某局"
    box.close()


def _visible_message_box() -> QMessageBox | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            return w
    return None


# --- two sessions, one record -------------------------------------------------------------
def test_concurrent_edit_is_refused_shown_and_merged_on_refresh(
    type_text: Any,
    qtbot: QtBot,
    page_for: Callable[[str], DirectoryPage],
    directory_data: Any,
    db: Database,
) -> None:
    page = page_for("clerk")
    select_unit(page, "县市场监督管理局")
    dialog = open_dialog(qtbot, page, page.edit_unit_button)
    assert isinstance(dialog, UnitDialog)
    assert dialog.version == 1

    # Meanwhile a colleague on another PC saves the same unit (second session).
    unit_id = directory_data.units["县市场监督管理局"]
    with db.session() as other:
        unit = directory.get_unit(other, SYSTEM, unit_id)
        data = directory.UnitInput(
            name=unit.name,
            kind=unit.kind,
            category=unit.category,
            short_name="市监局",
            contact_person="同事改的联系人",
            contact_phone=unit.contact_phone,
        )
        directory.update_unit(other, SYSTEM, unit_id, data, expected_version=1)

    dialog.contact_phone_edit.clear()
    qtbot.keyClicks(dialog.contact_phone_edit, "13911112222")
    dialog.contact_person_edit.clear()
    type_text(dialog.contact_person_edit, "我填的联系人")
    click(qtbot, dialog.save_button)

    box = dialog.conflict_box
    qtbot.waitExposed(box)
    assert "已被其他人修改" in box.text() and "版本 2" in box.text()
    assert "13911112222" in box.detailedText()  # the user's input is listed, not lost
    with db.session() as s:
        stored = s.get(Unit, unit_id)
        assert stored is not None and stored.contact_phone == "0571-88886666"  # nothing saved
    refresh = next(b for b in box.buttons() if b.text() == REFRESH_TEXT)
    click(qtbot, refresh)

    # Fields only the colleague changed take the new value; the user's changes stay;
    # a field both changed keeps the user's value with a note showing the other one.
    assert dialog.version == 2
    assert dialog.short_name_edit.text() == "市监局"
    assert dialog.contact_phone_edit.text() == "13911112222"
    assert dialog.contact_person_edit.text() == "我填的联系人"
    assert "同事改的联系人" in dialog.form.error_text("contact_person")
    with qtbot.waitSignal(dialog.saved):
        click(qtbot, dialog.save_button)
    with db.session() as s:
        stored = s.get(Unit, unit_id)
        assert stored is not None
        assert (stored.short_name, stored.contact_phone, stored.contact_person) == (
            "市监局",
            "13911112222",
            "我填的联系人",
        )
        assert stored.version == 3
