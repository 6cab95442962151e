"""A plain text editor for a document body that knows the four heading levels of GB/T 9704.

One paragraph per line. The toolbar puts 一、 （一） 1. （1） at the start of the current
paragraph, numbered after the previous heading of the same level within the enclosing
higher-level heading (so pressing （一） under "二、…" after "（一）…" gives "（二）"); a heading
prefix already there is replaced. A label says which level the cursor's paragraph is and the
font it will print in.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

_CN = "一二三四五六七八九十百零〇"
_CN_DIGITS = "零一二三四五六七八九"

# (level, pattern of the prefix) — the same prefixes the layout engine recognises.
LEVEL_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN}]+、")),
    (2, re.compile(rf"^[（(][{_CN}]+[）)]")),
    (3, re.compile(r"^\d{1,3}[.．](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,3}[）)]")),
)
LEVEL_NAMES = {
    0: "正文（仿宋）",
    1: "一级标题「一、」（黑体）",
    2: "二级标题「（一）」（楷体）",
    3: "三级标题「1.」（仿宋）",
    4: "四级标题「（1）」（仿宋）",
}


def heading_level(paragraph: str) -> int:
    """1-4 for a paragraph starting with 一、 / （一） / 1. / （1）, else 0 (body text)."""
    text = paragraph.lstrip()
    for level, pattern in LEVEL_PATTERNS:
        if pattern.match(text):
            return level
    return 0


def strip_heading(paragraph: str) -> str:
    text = paragraph.lstrip()
    for _level, pattern in LEVEL_PATTERNS:
        m = pattern.match(text)
        if m:
            return text[m.end() :]
    return text


def cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")


def prefix_for(level: int, n: int) -> str:
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def next_number(paragraphs: list[str], index: int, level: int) -> int:
    """The number a ``level`` heading at ``paragraphs[index]`` gets: one more than the last
    heading of that level since the enclosing heading of a higher level."""
    count = 0
    for text in reversed(paragraphs[:index]):
        lv = heading_level(text)
        if lv == level:
            count += 1
        elif 0 < lv < level:
            break
    return count + 1


class HeadingHighlighter(QSyntaxHighlighter):
    """Shows heading levels in the editor: 一、 bold, （一） dark blue, 1. and （1） semi-bold."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.formats: dict[int, QTextCharFormat] = {}
        for level, (weight, colour) in {
            1: (QFont.Weight.Bold, "#000000"),
            2: (QFont.Weight.DemiBold, "#1a3d7c"),
            3: (QFont.Weight.Medium, "#333333"),
            4: (QFont.Weight.Medium, "#333333"),
        }.items():
            fmt = QTextCharFormat()
            fmt.setFontWeight(weight)
            fmt.setForeground(QColor(colour))
            self.formats[level] = fmt

    def highlightBlock(self, text: str) -> None:
        level = heading_level(text)
        if level == 0:
            return
        if level in (1, 2):
            # The heading runs to its first 。/：, as the layout engine prints it.
            ends = [i for i, ch in enumerate(text) if ch in "。！？：:"]
            length = ends[0] + 1 if ends else len(text)
        else:
            m = LEVEL_PATTERNS[level - 1][1].match(text.lstrip())
            length = (m.end() if m else 0) + len(text) - len(text.lstrip())
        self.setFormat(0, length, self.formats[level])


class HeadingEditor(QWidget):
    """Toolbar (一、 （一） 1. （1） 正文) + QPlainTextEdit + "当前段落：…" label."""

    textChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.edit.setPlaceholderText("正文，每段一行。用上方按钮插入标题序号：一、（一）1.（1）")
        font = QFont(self.edit.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.edit.setFont(font)
        self.highlighter = HeadingHighlighter(self.edit.document())
        self.buttons: dict[int, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for level, (text, tip) in {
            1: ("一、", "一级标题（黑体）"),
            2: ("（一）", "二级标题（楷体）"),
            3: ("1.", "三级标题（仿宋）"),
            4: ("（1）", "四级标题（仿宋）"),
            0: ("正文", "去掉本段的标题序号"),
        }.items():
            b = QToolButton()
            b.setText(text)
            b.setToolTip(f"本段设为{tip}")
            b.clicked.connect(lambda _c=False, lv=level: self.apply_level(lv))
            bar.addWidget(b)
            self.buttons[level] = b
        bar.addStretch(1)
        self.level_label = QLabel()
        self.level_label.setObjectName("levelLabel")
        bar.addWidget(self.level_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.edit, 1)
        self.edit.cursorPositionChanged.connect(self._update_level)
        self.edit.textChanged.connect(self._update_level)
        self.edit.textChanged.connect(self.textChanged)
        self._update_level()

    # --- content ------------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        for b in self.buttons.values():
            b.setEnabled(not read_only)

    def current_level(self) -> int:
        return heading_level(self.edit.textCursor().block().text())

    # --- headings -----------------------------------------------------------------------
    def apply_level(self, level: int) -> None:
        """Make the cursor's paragraph a heading of ``level`` (0: plain body text)."""
        if self.edit.isReadOnly():
            return
        cursor = self.edit.textCursor()
        block = cursor.block()
        paragraphs = self.text().split("\n")
        index = block.blockNumber()
        rest = strip_heading(block.text())
        new = (
            rest if level == 0 else prefix_for(level, next_number(paragraphs, index, level)) + rest
        )
        offset_in_block = cursor.position() - block.position()
        old_prefix_len = len(block.text()) - len(rest)
        edit = QTextCursor(block)
        edit.beginEditBlock()
        edit.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        edit.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        edit.insertText(new)
        edit.endEditBlock()
        # Keep the caret on the same character of the text after the prefix.
        new_prefix_len = len(new) - len(rest)
        pos = block.position() + max(
            new_prefix_len, offset_in_block - old_prefix_len + new_prefix_len
        )
        cursor.setPosition(min(pos, block.position() + len(new)))
        self.edit.setTextCursor(cursor)
        self.edit.setFocus()

    def _update_level(self) -> None:
        level = self.current_level()
        self.level_label.setText(f"当前段落：{LEVEL_NAMES[level]}")
