"""The 整改 groups of 我的待办 (the complaints' TodoWidget shows them after its own groups)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from effdesk.services.accountability.rectification import RectificationTodo

RECTIFICATION_KEY = "accountability:rectification"
RANK_COLOURS = {0: "#c62828", 1: "#b85c00", 2: "#1f4e79"}


def add_rectification_groups(
    tree: QTreeWidget, items: Sequence[RectificationTodo], id_role: int
) -> None:
    """One group per kind (逾期未整改 / 整改临期 / 整改待验收), rows carrying the id in
    ``id_role``; columns as the complaints' 待办 (编号, 摘要, 状态, 时限, 说明)."""
    groups: dict[str, QTreeWidgetItem] = {}
    for item in sorted(items, key=lambda i: (i.rank, i.deadline)):
        colour = QBrush(QColor(RANK_COLOURS.get(item.rank, "#333333")))
        group = groups.get(item.what)
        if group is None:
            group = QTreeWidgetItem([item.what])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setForeground(0, colour)
            tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            groups[item.what] = group
        due = f"整改时限 {item.deadline:%Y-%m-%d}" + ("（暂定）" if item.provisional else "")
        row = QTreeWidgetItem(
            [
                item.unit_name,
                item.text.removeprefix(item.unit_name).strip(),
                item.state.label,
                due,
                item.what,
            ]
        )
        row.setData(0, id_role, item.rectification_id)
        row.setToolTip(1, item.text)
        row.setForeground(3, colour)
        row.setForeground(4, colour)
        group.addChild(row)
    for what, group in groups.items():
        group.setText(0, f"{what}（{group.childCount()}）")
        group.setExpanded(True)
