"""Help where the work is: F1 per module, shortcuts in the menus, 切换用户, rule tooltips."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from effdesk.auth import Actor
from effdesk.ui import help as help_module
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.context import AppContext
from effdesk.ui.main_window import MODULES, MainWindow

# The manual's section for every module (docs/manual/*.md, {#anchor}); the heading text that
# follows the anchor shows the reader landed on the right chapter.
EXPECTED = {
    "dashboard": "工作台",
    "complaints": "投诉受理",
    "inspections": "明察暗访",
    "accountability": "责任追究",
    "documents": "公文通报",
    "statistics": "统计分析",
    "directory": "单位名录",
    "settings": "系统设置",
}


@pytest.fixture
def window(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> MainWindow:
    w = MainWindow(make_ctx(ui_actors["admin"]), today=date(2026, 3, 18))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_module_has_a_chapter() -> None:
    assert set(help_module.CHAPTERS) == {m.key for m in MODULES}


def test_f1_on_each_module_opens_its_chapter(qtbot: QtBot, window: MainWindow) -> None:
    html = help_module.manual_path().read_text(encoding="utf-8")
    for spec in MODULES:
        window.show_module(spec.key)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.keyClick(window.nav, Qt.Key.Key_F1)
        helper = window.help_window
        assert helper is not None and helper.isVisible()
        browser = helper.browser  # type: ignore[attr-defined]
        source = browser.source()
        assert source.fileName() == "manual.html"
        anchor = help_module.CHAPTERS[spec.key]
        assert source.fragment() == anchor, spec.key
        # The anchor exists in the manual, on the heading of that module's section.
        assert f'id="{anchor}">{EXPECTED[spec.key]}<' in html
        helper.close()


def test_every_menu_command_lists_its_shortcut(window: MainWindow) -> None:
    seen = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        assert menu is not None
        for action in menu.actions():
            assert isinstance(action, QAction)
            if action.isSeparator():
                continue
            assert not action.shortcut().isEmpty(), f"{menu_action.text()} → {action.text()}"
            seen.append((action.text(), action.shortcut().toString()))
    assert ("新建投诉(&N)…", "Ctrl+N") in seen
    assert ("本页帮助(&H)", "F1") in seen
    assert ("切换用户/注销(&L)", "Ctrl+Shift+L") in seen


def test_new_complaint_from_the_menu_opens_the_intake(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> None:
    w = MainWindow(make_ctx(ui_actors["clerk"]), today=date(2026, 3, 18))
    qtbot.addWidget(w)
    w.show()
    w.show_module("dashboard")
    w.new_complaint_action.trigger()
    assert w.current_module() == "complaints"
    dialog = w.pages["complaints"].intake  # type: ignore[attr-defined]
    assert isinstance(dialog, IntakeDialog) and dialog.isVisible()
    dialog.close()


def test_switch_user_closes_the_window_for_a_new_login(window: MainWindow) -> None:
    assert not window.switch_user_requested
    window.switch_user_action.trigger()
    assert window.switch_user_requested and not window.isVisible()


def test_manual_pdf_is_opened_outside(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(help_module, "open_external", lambda url: opened.append(url) or True)
    next(a for a in window.help_menu.actions() if a.shortcut().toString() == "Ctrl+F1").trigger()
    assert [u.fileName() for u in opened] == ["manual.pdf"]
    assert help_module.manual_path("manual.pdf").is_file()


def test_fields_with_a_rule_say_it_and_empty_lists_say_what_next(
    qtbot: QtBot, make_ctx: Callable[[Actor], AppContext], ui_actors: dict[str, Actor]
) -> None:
    from effdesk.ui.complaints.page import ComplaintsPage
    from effdesk.ui.directory.page import DirectoryPage

    page = ComplaintsPage(make_ctx(ui_actors["clerk"]))
    qtbot.addWidget(page)
    page.show()
    # No complaints yet: the count line says how to register the first one.
    qtbot.waitUntil(lambda: "Ctrl+N" in page.list_view.count_label.text())
    dialog = page.new_complaint()
    assert dialog is not None
    assert "办理时限按工作日计算，不含受理当日" in dialog.due_check.toolTip()
    assert "办理时限按工作日计算，不含受理当日" in dialog.due_edit.toolTip()
    assert "受理次日" in dialog.received_edit.toolTip()
    assert "区号" in dialog.phone_edit.toolTip()
    dialog.close()

    directory = DirectoryPage(make_ctx(ui_actors["admin"]))
    qtbot.addWidget(directory)
    directory.show()
    qtbot.waitUntil(lambda: "新增单位" in directory.units_view.count_label.text())
