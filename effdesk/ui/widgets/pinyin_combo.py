"""A drop-down list that can be typed into by pinyin initials, like the unit picker.

"fw" selects 服务态度差 (initials), "taidu" too (full pinyin); an item whose initials do not
match but whose pinyin contains the letters comes next. Letters typed within a second add up; a pause starts over. Everything else (↓, Alt+↓, Home…)
behaves as in any combo box, so a mouse user sees no difference.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QWidget

from effdesk.textutil import pinyin_key

_RESET_MS = 1000


class PinyinComboBox(QComboBox):
    """QComboBox whose keyboard search matches pinyin initials and substrings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self._clock = QElapsedTimer()
        self._keys: dict[int, str] = {}

    def _key(self, row: int) -> str:
        text = self.itemText(row)
        if row not in self._keys:
            self._keys[row] = pinyin_key(text)
        return self._keys[row]

    def select_typed(self, typed: str) -> bool:
        """Select the first item matching ``typed`` (initials, then full pinyin, then text)."""
        typed = typed.strip().lower()
        if not typed:
            return False
        rows = [r for r in range(self.count()) if self.itemData(r) is not None]
        for test in (
            lambda r: self._key(r).split(" ")[0].startswith(typed),
            lambda r: typed in self._key(r).split(" ")[-1],
            lambda r: typed in self.itemText(r).lower(),
        ):
            for r in rows:
                if test(r):
                    self.setCurrentIndex(r)
                    return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        )
        if text and text.isalpha() and text.isascii() and plain:
            if not self._clock.isValid() or self._clock.elapsed() > _RESET_MS:
                self._typed = ""
            self._clock.restart()
            self._typed += text
            if not self.select_typed(self._typed):
                self._typed = text
                self.select_typed(text)
            event.accept()
            return
        super().keyPressEvent(event)

    def clear_keys(self) -> None:
        """Forget cached pinyin (after the items were replaced)."""
        self._keys.clear()
