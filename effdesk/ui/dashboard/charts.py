"""The dashboard's charts (QtCharts), imported only when figures arrive so start-up stays fast.

Each bar is a link: clicking it emits the FigureRef of the cases it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter

from effdesk.services.statistics import FigureRef


class FigureChart(QChartView):
    """A one-series bar chart whose bars link to records."""

    def __init__(
        self,
        title: str,
        labels: Sequence[str],
        values: Sequence[int],
        refs: Sequence[FigureRef],
        on_click: Callable[[FigureRef], None],
        *,
        horizontal: bool = False,
        color: str = "#1565c0",
    ) -> None:
        chart = QChart()
        chart.setTitle(title)
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.labels = list(labels)
        self.values = list(values)
        self.refs = list(refs)
        self.bars = QBarSet(title)
        self.bars.setColor(QColor(color))
        # Horizontal bars read top-down in the order given.
        order = list(reversed(range(len(values)))) if horizontal else list(range(len(values)))
        self._index = order
        for i in order:
            self.bars.append(float(values[i]))
        series = QHorizontalBarSeries() if horizontal else QBarSeries()
        series.append(self.bars)
        series.setLabelsVisible(True)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([self.labels[i] for i in order])
        if horizontal:
            # Each name must fit its row's height, or QtCharts elides it to "…".
            small = QFont(names.labelsFont())
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
            names.setLabelsFont(small)
            series.setBarWidth(0.7)
        counts = QValueAxis()
        counts.setLabelFormat("%d")
        counts.setRange(0, max([*values, 1]) * 1.15)
        counts.applyNiceNumbers()
        if horizontal:
            chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
            chart.addAxis(counts, Qt.AlignmentFlag.AlignBottom)
        else:
            chart.addAxis(names, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(counts, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        series.attachAxis(counts)
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(28 * len(values) + 90 if horizontal else 230)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._on_click = on_click
        self.bars.clicked.connect(self.click_bar)

    def click_bar(self, bar_index: int) -> None:
        """The bar at ``bar_index`` (in the order drawn) was clicked."""
        if 0 <= bar_index < len(self._index):
            self._on_click(self.refs[self._index[bar_index]])
