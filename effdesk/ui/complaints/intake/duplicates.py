"""The intake form's duplicate hints: cases that may be the same matter as the call.

A panel beside the form lists what :func:`complaints.find_possible_duplicates` finds (same
phone, or same unit and category within 30 days), looked up off the GUI thread as the clerk
types, each with 「登记并合并到此件」: the call is registered and merged into that case in one step.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from effdesk.errors import EffDeskError
from effdesk.services import complaints
from effdesk.services.complaints import DuplicateHint
from effdesk.ui.complaints.common import d
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress


class HintCard(QFrame):
    """One case that may be the same matter, with 「登记并合并到此件」."""

    def __init__(self, hint: DuplicateHint, can_merge: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.hint = hint
        self.setObjectName("hintCard")
        self.setStyleSheet(
            "QFrame#hintCard { background: #fffaf0; border: 1px solid #f0c36d; border-radius: 4px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        text = QLabel(
            f"<b>{hint.number}</b>　{d(hint.received_date)}　{hint.state.label}<br>"
            f'<span style="color:#b85c00">{hint.reason}</span><br>'
            f"{hint.unit_name}{'·' + hint.category_name if hint.category_name else ''}"
        )
        text.setWordWrap(True)
        summary = QLabel(hint.summary)
        summary.setWordWrap(True)
        summary.setStyleSheet("color: #333;")
        layout.addWidget(text)
        layout.addWidget(summary)
        self.merge_button = QPushButton("登记并合并到此件")
        self.merge_button.setAutoDefault(False)
        self.merge_button.setToolTip(
            f"把这次来电登记下来，并作为 {hint.number} 的重复件合并到该件办理"
        )
        self.merge_button.setVisible(can_merge)
        layout.addWidget(self.merge_button, 0, Qt.AlignmentFlag.AlignRight)


class DuplicateHints(QWidget):
    """The panel. Signal ``mergeRequested(DuplicateHint)`` from a card's merge button."""

    mergeRequested = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.hints: list[DuplicateHint] = []
        self.cards: list[HintCard] = []
        self._generation = 0
        self.title = QLabel("可能重复的投诉件")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.empty = QLabel(
            "填写联系电话，或选择被投诉单位和问题类别后，这里列出可能重复的投诉件。"
        )
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #777;")
        self.box = QWidget()
        self.box_layout = QVBoxLayout(self.box)
        self.box_layout.setContentsMargins(0, 0, 0, 0)
        self.box_layout.addWidget(self.empty)
        self.box_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.box)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(scroll, 1)
        self.setLayout(right)
        self.setFixedWidth(270)

    def look_up(
        self,
        *,
        phone: str,
        unit_id: int | None,
        category_id: int | None,
        received: date,
        exclude_id: int | None,
        can_merge: bool,
    ) -> None:
        """Look for possible duplicates (off the GUI thread); an older answer that arrives
        after a newer question is dropped."""
        self._generation += 1
        generation = self._generation
        ctx = self.ctx

        def work(_p: Progress) -> list[DuplicateHint]:
            with ctx.session() as s:
                return complaints.find_possible_duplicates(
                    s,
                    ctx.actor,
                    phone=phone,
                    unit_id=unit_id,
                    category_id=category_id,
                    received=received,
                    exclude_id=exclude_id,
                )

        def done(hints: list[DuplicateHint]) -> None:
            if generation == self._generation:
                self.show_hints(hints, can_merge)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(exc, EffDeskError):
                self.empty.setText(f"无法查找重复件：{exc}")
            else:
                show_error(self.window(), exc)

        ctx.tasks.run(work, done, failed)

    def show_hints(self, hints: list[DuplicateHint], can_merge: bool) -> None:
        for card in self.cards:
            self.box_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        self.hints = list(hints)
        for i, hint in enumerate(hints):
            card = HintCard(hint, can_merge)
            card.merge_button.clicked.connect(lambda _c=False, h=hint: self.mergeRequested.emit(h))
            self.box_layout.insertWidget(i, card)
            card.show()  # a layout shows new children only on the next event loop pass
            self.cards.append(card)
        self.empty.setVisible(not hints)
        self.title.setText(f"可能重复的投诉件（{len(hints)}）" if hints else "可能重复的投诉件")
        self.title.setStyleSheet("color: #b85c00;" if hints else "")
