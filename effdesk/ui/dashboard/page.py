"""工作台: welcome, today's working-day status, figures the services can already give, shortcuts.

Only real figures: what a service counts today. Complaint, spot-check and accountability
figures join when those modules' statistics exist; until then the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.calendar import WorkCalendar
from effdesk.permissions import Permission
from effdesk.services import directory
from effdesk.services.calendar_admin import load_calendar, reminder
from effdesk.ui.complaints.todo_view import TodoWidget
from effdesk.ui.context import AppContext
from effdesk.ui.main_window import MODULES, WEEKDAYS, day_status, roles_label
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.icons import icon


@dataclass(frozen=True)
class DirectoryFigures:
    units: int
    active_units: int
    persons: int


def create_page(ctx: AppContext) -> QWidget:
    return DashboardPage(ctx)


class _FigureCard(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setObjectName("figureCard")
        self.setStyleSheet(
            "QFrame#figureCard { background: #ffffff; border: 1px solid #dde1e6;"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setStyleSheet("color: #1565c0;")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #555;")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: #777;")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        layout.addWidget(self.detail)
        self.setMinimumWidth(200)


class DashboardPage(QWidget):
    navigate_requested = Signal(str)
    open_record_requested = Signal(str, int)

    def __init__(self, ctx: AppContext, *, today: date | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._today = today

        body = QWidget()
        body.setObjectName("dashboardBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.setSpacing(14)

        self.welcome = QLabel()
        font = self.welcome.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.welcome.setFont(font)
        layout.addWidget(self.welcome)
        self.today_label = QLabel()
        layout.addWidget(self.today_label)

        self.reminder_label = QLabel()
        self.reminder_label.setWordWrap(True)
        self.reminder_label.setStyleSheet(
            "background: #fff4e0; border: 1px solid #f0c36d; border-radius: 4px;"
            " padding: 8px; color: #6d4c00;"
        )
        self.reminder_label.setVisible(False)
        layout.addWidget(self.reminder_label)

        # 待办: the same list as the complaints module's tab, for everyone who sees cases.
        self.todo: TodoWidget | None = None
        if ctx.can(Permission.VIEW_COMPLAINTS):
            self.todo = TodoWidget(ctx, refresh_now=False)
            self.todo.setMinimumHeight(300)
            self.todo.caseRequested.connect(
                lambda case_id: self.open_record_requested.emit("complaints", case_id)
            )
            self.todo.recordRequested.connect(self.open_record_requested)
            layout.addWidget(self.todo)

        layout.addWidget(self._section("单位人员"))
        cards = QHBoxLayout()
        self.units_card = _FigureCard("被监督单位（个）")
        self.persons_card = _FigureCard("干部职工（人）")
        cards.addWidget(self.units_card)
        cards.addWidget(self.persons_card)
        cards.addStretch(1)
        layout.addLayout(cards)
        self.pending_note = QLabel(
            "投诉、督查、问责整改的统计数字和图表将随“统计台账”模块提供；"
            "这里显示今天的待办和系统中已有的单位、人员数。"
        )
        self.pending_note.setWordWrap(True)
        self.pending_note.setStyleSheet("color: #6b6b6b;")
        layout.addWidget(self.pending_note)

        layout.addWidget(self._section("常用功能"))
        grid = QGridLayout()
        grid.setSpacing(10)
        self.shortcuts: dict[str, QToolButton] = {}
        others = [m for m in MODULES if m.key != "dashboard"]
        for i, spec in enumerate(others):
            button = QToolButton()
            button.setIcon(icon(spec.key))
            button.setIconSize(QSize(28, 28))
            button.setText(spec.title)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setMinimumSize(QSize(112, 76))
            button.setAutoRaise(False)
            button.clicked.connect(lambda _c=False, k=spec.key: self.navigate_requested.emit(k))
            grid.addWidget(button, i // 4, i % 4)
            self.shortcuts[spec.key] = button
        grid.setColumnStretch(4, 1)
        layout.addLayout(grid)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.refresh()

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        label.setFont(font)
        label.setStyleSheet("color: #34495e; margin-top: 8px;")
        return label

    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        today = self._today or clock.today()
        actor = self.ctx.actor
        self.welcome.setText(f"欢迎，{actor.label}")
        with self.ctx.session() as s:
            calendar: WorkCalendar = load_calendar(s)
            note = reminder(s, today)
            figures = self._figures(s) if self.ctx.can(Permission.VIEW_DIRECTORY) else None
        self.today_label.setText(
            f"今天是 {today:%Y年%m月%d日} 星期{WEEKDAYS[today.weekday()]}，"
            f"{day_status(calendar, today)}。　您的角色：{roles_label(actor.roles)}"
        )
        self.reminder_label.setText(note or "")
        self.reminder_label.setVisible(bool(note))
        if self.todo is not None:
            self.todo.refresh()
        if figures is None:
            self.units_card.value.setText("—")
            self.persons_card.value.setText("—")
            return
        self.units_card.value.setText(f"{figures.units:,}")
        self.units_card.detail.setText(f"其中在用 {figures.active_units:,} 个")
        self.persons_card.value.setText(f"{figures.persons:,}")

    def _figures(self, session: Session) -> DirectoryFigures:
        actor = self.ctx.actor
        return DirectoryFigures(
            units=directory.list_units(session, actor, limit=1).total,
            active_units=directory.list_units(
                session, actor, include_inactive=False, limit=1
            ).total,
            persons=directory.list_persons(session, actor, limit=1).total,
        )
