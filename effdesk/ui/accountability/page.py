"""问责整改: the register of measures and the rectification cycle, two tabs of one page.

Shell protocol: ``open_record(measure_id)`` shows a measure, ``open_rectification(id)`` a
rectification (``open_record_requested("accountability:rectification", id)``); the basis of
either (a complaint, a finding, the notice document) is asked for through
``open_record_requested`` — one click apart both ways.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from effdesk.ui.accountability.measure_dialog import MeasureDialog
from effdesk.ui.accountability.rectification_view import RectificationView
from effdesk.ui.accountability.register_view import RegisterView
from effdesk.ui.context import AppContext


class AccountabilityPage(QWidget):
    open_record_requested = Signal(str, int)
    REGISTER_TAB, RECTIFICATION_TAB = 0, 1

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.register = RegisterView(ctx)
        self.rectifications = RectificationView(ctx)
        self.register.basisRequested.connect(self.open_record_requested)
        self.rectifications.basisRequested.connect(self.open_record_requested)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.register, "问责台账")
        self.tabs.addTab(self.rectifications, "整改")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.rectifications.refresh()

    def on_shown(self) -> None:
        self.register.refresh()
        self.rectifications.refresh()

    # --- shell protocol -----------------------------------------------------------------
    def open_record(self, measure_id: int) -> None:
        self.tabs.setCurrentIndex(self.REGISTER_TAB)
        self.register.open_measure(measure_id)

    def open_rectification(self, rect_id: int) -> None:
        self.tabs.setCurrentIndex(self.RECTIFICATION_TAB)
        self.rectifications.open_rectification(rect_id)

    # --- entry points from other modules --------------------------------------------------
    def record_measures(
        self, *, complaint_id: int | None = None, finding_id: int | None = None
    ) -> MeasureDialog | None:
        self.tabs.setCurrentIndex(self.REGISTER_TAB)
        return self.register.record_from(complaint_id=complaint_id, finding_id=finding_id)

    def order_rectification(
        self, *, complaint_id: int | None = None, finding_id: int | None = None
    ) -> QDialog | None:
        self.tabs.setCurrentIndex(self.RECTIFICATION_TAB)
        return self.rectifications.record_from(complaint_id=complaint_id, finding_id=finding_id)


def create_page(ctx: AppContext) -> QWidget:
    return AccountabilityPage(ctx)
