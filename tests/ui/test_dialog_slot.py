"""One dialog of its kind at a time: opened once, brought to the front, forgotten when closed."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from effdesk.errors import NotFound
from effdesk.ui.widgets.dialog_slot import DialogSlot


def _deleted() -> None:
    # A closed dialog deletes itself later (WA_DeleteOnClose): let that happen while its page
    # still exists, as the event loop would.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _page(qtbot: QtBot) -> QWidget:
    page = QWidget()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_a_second_open_brings_the_first_to_the_front(qtbot: QtBot) -> None:
    page = _page(qtbot)
    closed: list[QDialog] = []
    slot: DialogSlot[QDialog] = DialogSlot(page, closed.append)
    made: list[QDialog] = []

    def make() -> QDialog:
        made.append(QDialog(page))
        return made[-1]

    first = slot.open(make)
    assert first is not None and slot.current is first and first.isVisible()
    assert slot.open(make) is first and len(made) == 1
    first.reject()
    assert slot.current is None and closed == [first]
    second = slot.open(make)
    assert second is not None and second is not first and slot.current is second
    second.accept()
    assert slot.current is None and closed == [first, second]
    _deleted()


def test_signals_are_wired_once_before_it_shows(qtbot: QtBot) -> None:
    page = _page(qtbot)
    slot: DialogSlot[QDialog] = DialogSlot(page)
    shown_when_wired: list[bool] = []
    dialog = slot.open(lambda: QDialog(page), lambda d: shown_when_wired.append(d.isVisible()))
    slot.open(lambda: QDialog(page), lambda d: shown_when_wired.append(d.isVisible()))
    assert shown_when_wired == [False]
    assert dialog is not None
    dialog.reject()
    _deleted()


def test_a_refusal_while_making_it_is_shown_and_nothing_opens(qtbot: QtBot) -> None:
    page = _page(qtbot)
    slot: DialogSlot[QDialog] = DialogSlot(page)

    def make() -> QDialog:
        raise NotFound("找不到该单位，它可能已被删除。")

    assert slot.open(make) is None and slot.current is None
    boxes = [b for b in page.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == ["找不到该单位，它可能已被删除。"]
    boxes[0].close()
    _deleted()
