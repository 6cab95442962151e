"""待办: what the logged-in user has to do — late, due today, near; for leaders also what
awaits their instruction, sign-off or extension decision. Double-click (or Enter) opens the case.

:class:`TodoWidget` is a tab of the complaints page and can be embedded by the dashboard:
connect ``caseRequested(int)`` to whatever opens a case there.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.chinese_dates import cn_date
from effdesk.errors import EffDeskError
from effdesk.services import complaints
from effdesk.services.accountability.rectification import RectificationTodo
from effdesk.services.accountability.rectification import todo_for as rectification_todo
from effdesk.services.complaints import TodoItem, TodoKind
from effdesk.ui.accountability.todo import RECTIFICATION_KEY, add_rectification_groups
from effdesk.ui.complaints.common import deadline_text
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock

_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_RECT_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_COLOURS: dict[TodoKind, str] = {
    TodoKind.OVERDUE: "#c62828",
    TodoKind.DUE_TODAY: "#b85c00",
    TodoKind.NEAR: "#b85c00",
    TodoKind.AWAIT_INSTRUCTION: "#6a1b9a",
    TodoKind.AWAIT_ROUTING: "#1f4e79",
    TodoKind.AWAIT_EXTENSION: "#6a1b9a",
    TodoKind.AWAIT_SIGN_OFF: "#6a1b9a",
}
HEADERS = ["编号", "内容摘要", "状态", "时限", "说明"]


def _what(item: TodoItem) -> str:
    """The service's line without the number and the deadline the 时限 column already shows:
    "已超期3个工作日", "还剩1个工作日", "待领导批示"."""
    text = item.text.removeprefix(item.number).strip()
    if item.deadline is not None and text.startswith(item.deadline.kind.label) and "，" in text:
        return text.split("，", 1)[1]
    return text


class TodoWidget(QWidget):
    """The 待办 list grouped by what is asked. Signals ``caseRequested(int)`` and
    ``countChanged(int)`` (number of items, for a tab title or a dashboard card)."""

    caseRequested = Signal(int)
    countChanged = Signal(int)
    # A rectification of the 整改 groups: ("accountability:rectification", id) for the shell.
    recordRequested = Signal(str, int)
    # A refresh finished (shown or failed): the dashboard knows it is filled.
    loaded = Signal()

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_now: bool = True
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[TodoItem] = []
        self.rectifications: list[RectificationTodo] = []
        self._generation = 0

        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.refresh_button)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(HEADERS))
        self.tree.setHeaderLabels(HEADERS)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((170, 300, 80, 190)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)

        self.empty_label = QLabel()
        self.empty_label.setStyleSheet("color: #2e7d32;")
        self.empty_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(head)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.tree, 1)
        if refresh_now:
            self.refresh()

    def refresh(self) -> None:
        """Ask the service again (off the GUI thread)."""
        self._generation += 1
        generation = self._generation
        ctx, today = self.ctx, clock.today()

        def work(_p: Progress) -> tuple[list[TodoItem], list[RectificationTodo]]:
            with ctx.session() as s:
                return complaints.todo_for(s, ctx.actor, today), rectification_todo(
                    s, ctx.actor, today
                )

        def done(result: tuple[list[TodoItem], list[RectificationTodo]]) -> None:
            if generation == self._generation:
                self.show_items(*result)
                self.loaded.emit()

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self.loaded.emit()
            if isinstance(exc, EffDeskError):
                self.title.setText(f"待办：{exc}")
            else:
                show_error(self, exc)

        self.title.setText(f"我的待办　{cn_date(today)}（正在读取…）")
        ctx.tasks.run(work, done, failed)

    def show_items(
        self, items: list[TodoItem], rectifications: Sequence[RectificationTodo] = ()
    ) -> None:
        today = clock.today()
        self.items = list(items)
        self.rectifications = list(rectifications)
        self.tree.clear()
        groups: dict[TodoKind, QTreeWidgetItem] = {}
        for item in items:
            group = groups.get(item.kind)
            if group is None:
                group = QTreeWidgetItem([item.kind.label])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setForeground(0, QBrush(QColor(KIND_COLOURS[item.kind])))
                self.tree.addTopLevelItem(group)
                group.setFirstColumnSpanned(True)
                groups[item.kind] = group
            row = QTreeWidgetItem(
                [
                    item.number,
                    item.summary,
                    item.state.label,
                    deadline_text(item.deadline),
                    _what(item),
                ]
            )
            row.setData(0, _ID_ROLE, item.complaint_id)
            row.setToolTip(1, item.summary)
            colour = QBrush(QColor(KIND_COLOURS[item.kind]))
            row.setForeground(3, colour)
            row.setForeground(4, colour)
            group.addChild(row)
        for kind, group in groups.items():
            group.setText(0, f"{kind.label}（{group.childCount()}）")
            group.setExpanded(True)
        add_rectification_groups(self.tree, self.rectifications, _RECT_ROLE)
        late = sum(1 for i in items if i.kind == TodoKind.OVERDUE)
        late += sum(1 for r in self.rectifications if r.rank == 0)
        total = len(items) + len(self.rectifications)
        self.title.setText(
            f"我的待办　{cn_date(today)}　共 {total} 项" + (f"，其中超期 {late} 项" if late else "")
        )
        self.empty_label.setText("没有待办事项：没有临期、超期或等待您处理的投诉件和整改。")
        self.empty_label.setVisible(not total)
        self.tree.setVisible(bool(total))
        self.countChanged.emit(total)

    def group_labels(self) -> list[str]:
        labels = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            assert item is not None
            labels.append(item.text(0))
        return labels

    def item_at(self, group: int, row: int) -> QTreeWidgetItem:
        top = self.tree.topLevelItem(group)
        assert top is not None
        child = top.child(row)
        assert child is not None
        return child

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        complaint_id = item.data(0, _ID_ROLE)
        if complaint_id is not None:
            self.caseRequested.emit(int(complaint_id))
        rect_id = item.data(0, _RECT_ROLE)
        if rect_id is not None:
            self.recordRequested.emit(RECTIFICATION_KEY, int(rect_id))
