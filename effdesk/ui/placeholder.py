"""The page shown for a module that is not built yet: what it will do, and that it is not there.

No sample tables, no invented figures: a clerk must never mistake a placeholder for data.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from effdesk.ui.widgets.icons import icon


class PlaceholderPage(QWidget):
    def __init__(
        self,
        title: str,
        purpose: str,
        features: list[str],
        icon_name: str = "",
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("placeholderPage")
        self.title = title

        card = QFrame()
        card.setObjectName("placeholderCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMinimumWidth(560)
        card.setMaximumWidth(760)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(12)

        if icon_name:
            pic = QLabel()
            pic.setPixmap(icon(icon_name).pixmap(48, 48))
            pic.setFixedSize(48, 48)
            inner.addWidget(pic, 0, Qt.AlignmentFlag.AlignLeft)

        heading = QLabel(title)
        heading.setObjectName("placeholderTitle")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        heading.setFont(font)
        inner.addWidget(heading)

        self.status_label = QLabel("此模块尚未完成，目前不能使用。")
        self.status_label.setObjectName("placeholderStatus")
        self.status_label.setStyleSheet("color: #b85c00; font-weight: bold;")
        inner.addWidget(self.status_label)

        self.purpose_label = QLabel(purpose)
        self.purpose_label.setWordWrap(True)
        inner.addWidget(self.purpose_label)

        if features:
            inner.addWidget(QLabel("完成后将提供："))
            items = QVBoxLayout()
            items.setSpacing(4)
            inner.addLayout(items)
            for feature in features:
                # One label per item: a rich-text list in one word-wrapped label gets its
                # height wrong and loses the last line.
                item = QLabel(f"•  {feature}")
                item.setWordWrap(True)
                item.setContentsMargins(12, 0, 0, 0)
                items.addWidget(item)

        if note:
            extra = QLabel(note)
            extra.setWordWrap(True)
            extra.setStyleSheet("color: #6b6b6b;")
            inner.addWidget(extra)

        # Stretches rather than alignment flags: an aligned widget gets its plain size hint,
        # which is too short for word-wrapped labels (they need height-for-width).
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addLayout(row)
        outer.addStretch(1)

    def text(self) -> str:
        """All visible text of the page (tests check it is honest)."""
        return "\n".join(label.text() for label in self.findChildren(QLabel) if label.text())
