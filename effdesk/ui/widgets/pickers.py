"""Type-ahead pickers for units and persons: type a few characters or pinyin initials.

"gaj" finds 县公安局, "公安" too. The service does the matching (names, short names, pinyin
keys); the completer only shows what it returned, so it never filters by prefix itself.

Keyboard: type, ↓/↑ to move in the list, Enter or Tab to take the highlighted entry (Tab then
moves on to the next field), Esc to close the list. With the list closed, Enter or Tab on typed
text takes the match if there is exactly one, and otherwise opens the list instead of leaving
the text unresolved. After a choice the edit shows the name and :meth:`current_id`
returns the id; editing the text again forgets the id until something is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from effdesk.errors import EffDeskError, NotFound
from effdesk.services import directory
from effdesk.ui.context import AppContext


@dataclass(frozen=True)
class Choice:
    id: int
    text: str  # what the edit shows once chosen
    detail: str = ""  # shown in the list after the text, e.g. the unit of a person


Search = Callable[[str], list[Choice]]
Describe = Callable[[int], str]

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_TEXT_ROLE = Qt.ItemDataRole.UserRole + 2


class EntityPicker(QLineEdit):
    """A line edit that picks one record id through a service search.

    ``search(text) -> [Choice]`` runs after ``debounce_ms`` of no typing; ``describe(id)``
    gives the text for :meth:`set_current_id`. Signal ``picked(object)``: the id or ``None``.
    """

    picked = Signal(object)

    def __init__(
        self,
        search: Search,
        describe: Describe,
        *,
        placeholder: str = "输入名称或拼音首字母",
        debounce_ms: int = 150,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._describe = describe
        self._id: int | None = None
        self._chosen_text = ""
        self._eat_enter = False
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)

        self.choices = QStandardItemModel(self)
        self.completer_ = QCompleter(self.choices, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(12)
        # Not setCompleter(): QLineEdit would filter by prefix and overwrite the text while
        # the user moves through the list; we drive the popup ourselves.
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._choose_index)  # type: ignore[index]
        # Our filter runs before the completer's (filters run newest first): Enter and Tab take
        # the highlighted row ourselves, so the choice never depends on the completer's own
        # handling (which searched again and jumped back to the first row).
        self.completer_.popup().installEventFilter(self)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(self._on_edited)
        self.last_error: EffDeskError | None = None

    # --- value ------------------------------------------------------------------------
    def current_id(self) -> int | None:
        return self._id

    def is_unresolved(self) -> bool:
        """Text typed but nothing chosen: the form should ask the user to choose."""
        return self._id is None and bool(self.text().strip())

    def set_current(self, record_id: int | None, text: str = "") -> None:
        """Show ``text`` for ``record_id`` without searching (``None`` clears)."""
        self._id = record_id
        self._chosen_text = text if record_id is not None else ""
        self.setText(self._chosen_text)
        self.picked.emit(record_id)

    def text_for(self, record_id: int) -> str:
        """The display text of ``record_id`` (via ``describe``)."""
        try:
            return self._describe(record_id)
        except NotFound:
            return f"（已删除的记录 {record_id}）"

    def set_current_id(self, record_id: int | None) -> None:
        """Show ``record_id`` using ``describe`` for its text."""
        if record_id is None:
            self.set_current(None)
            return
        self.set_current(record_id, self.text_for(record_id))

    # --- searching --------------------------------------------------------------------
    def _on_edited(self, text: str) -> None:
        if self._id is not None and text != self._chosen_text:
            self._id = None
            self.picked.emit(None)
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()
            self.completer_.popup().hide()

    def search_now(self) -> list[Choice]:
        """Run the search for the current text now and show the list; return the choices."""
        self._timer.stop()
        text = self.text().strip()
        self.choices.clear()
        if not text:
            return []
        try:
            found = self._search(text)
            self.last_error = None
        except EffDeskError as exc:
            self.last_error = exc
            self.setToolTip(str(exc))
            return []
        for choice in found:
            label = f"{choice.text}　{choice.detail}" if choice.detail else choice.text
            item = QStandardItem(label)
            item.setData(choice.id, _ID_ROLE)
            item.setData(choice.text, _TEXT_ROLE)
            item.setEditable(False)
            self.choices.appendRow(item)
        if found and self.hasFocus():
            self.completer_.complete()
            popup = self.completer_.popup()
            popup.setCurrentIndex(self.completer_.completionModel().index(0, 0))
        elif not found:
            self.completer_.popup().hide()
        return found

    def choose_row(self, row: int) -> None:
        """Choose the ``row``-th result of the last search (keyboard or tests)."""
        self._choose_index(self.choices.index(row, 0))

    def _choose_index(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        record_id = int(index.data(_ID_ROLE))
        text = str(index.data(_TEXT_ROLE))
        self.completer_.popup().hide()
        self.set_current(record_id, text)
        # The completer may pass the Enter that chose the item on to us; it must not reach
        # the dialog's default button (choosing a unit is not "save").
        self._eat_enter = True
        QTimer.singleShot(0, self, self._stop_eating)

    def _stop_eating(self) -> None:
        self._eat_enter = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        popup = self.completer_.popup()
        if (
            watched is popup
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                index = popup.currentIndex()
                if not index.isValid() and self.choices.rowCount():
                    index = self.completer_.completionModel().index(0, 0)
                self._choose_index(index)
                if key == Qt.Key.Key_Tab:
                    self._eat_enter = False
                    self.focusNextChild()
                return True
        return super().eventFilter(watched, event)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and self.is_unresolved()
        ):
            found = self.search_now()
            if len(found) == 1:
                self.choose_row(0)
                self._eat_enter = False
            else:
                return True  # stay: the list is open to choose from (or nothing matched)
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._eat_enter:
            self._eat_enter = False
            return
        if key == Qt.Key.Key_Down and not self.completer_.popup().isVisible() and self.text():
            self.search_now()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.is_unresolved():
            # Enter while typing: search at once and take the match if there is exactly one.
            found = self.search_now()
            if len(found) == 1:
                self.choose_row(0)
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._timer.stop()
        super().focusOutEvent(event)


def _unit_search(
    ctx: AppContext, include_inactive: bool, exclude_id: Callable[[], int | None]
) -> Search:
    def search(text: str) -> list[Choice]:
        with ctx.session() as s:
            page = directory.list_units(
                s, ctx.actor, text, include_inactive=include_inactive, limit=30
            )
        excluded = exclude_id()
        return [
            Choice(r.id, r.name, r.category.label if r.active else "已停用")
            for r in page.rows
            if r.id != excluded
        ]

    return search


class UnitPicker(EntityPicker):
    """Pick a unit by name, short name or pinyin; ``exclude_id`` hides one unit (itself)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        include_inactive: bool = False,
        exclude_id: int | None = None,
        placeholder: str = "输入单位名称或拼音首字母，如 gaj",
        parent: QWidget | None = None,
    ) -> None:
        self.exclude_id = exclude_id

        def describe(unit_id: int) -> str:
            with ctx.session() as s:
                return directory.get_unit(s, ctx.actor, unit_id).name

        super().__init__(
            _unit_search(ctx, include_inactive, lambda: self.exclude_id),
            describe,
            placeholder=placeholder,
            parent=parent,
        )


class PersonPicker(EntityPicker):
    """Pick a person by name, description, post or pinyin; :meth:`set_unit` limits to a unit."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        unit_id: int | None = None,
        include_inactive: bool = False,
        placeholder: str = "输入姓名、职务或拼音首字母",
        parent: QWidget | None = None,
    ) -> None:
        self.unit_id = unit_id

        def search(text: str) -> list[Choice]:
            with ctx.session() as s:
                page = directory.list_persons(
                    s,
                    ctx.actor,
                    text,
                    unit_id=self.unit_id,
                    include_inactive=include_inactive,
                    limit=30,
                )
            return [
                Choice(r.id, r.display_name, "·".join(x for x in (r.unit_name, r.post) if x))
                for r in page.rows
            ]

        def describe(person_id: int) -> str:
            with ctx.session() as s:
                p = directory.get_person(s, ctx.actor, person_id)
                return p.name or p.description

        super().__init__(search, describe, placeholder=placeholder, parent=parent)

    def set_unit(self, unit_id: int | None) -> None:
        """Search only in ``unit_id`` from now on (``None``: all units)."""
        self.unit_id = unit_id
