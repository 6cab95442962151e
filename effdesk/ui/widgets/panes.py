"""A list beside its detail: the horizontal split every module page uses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


def side_by_side(
    left: QWidget,
    right: QWidget,
    stretch: tuple[int, int],
    sizes: tuple[int, int] | None = None,
) -> QSplitter:
    """``left`` and ``right`` in a horizontal splitter that grows them in ``stretch`` proportion,
    starts at ``sizes`` (pixels) when given, and never lets a pane be dragged away to nothing."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    if sizes is not None:
        splitter.setSizes(list(sizes))
    splitter.setChildrenCollapsible(False)
    return splitter
