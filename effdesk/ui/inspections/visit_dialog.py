"""Record that a target unit was checked (检查情况): when, and any remarks.

A unit checked with nothing found shows 「已检查·未发现问题」; once a finding is recorded it
shows 「已检查·发现问题」 by itself. 「清除检查记录」 undoes a visit entered by mistake.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from effdesk.db.base import now
from effdesk.errors import ValidationError
from effdesk.services import inspections
from effdesk.services.inspections import TargetRow
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.inspections.finding_dialog import from_qdatetime, to_qdatetime
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.forms import make_error_label


class VisitDialog(QDialog):
    saved = Signal()

    def __init__(
        self,
        ctx: AppContext,
        campaign_id: int,
        target: TargetRow,
        parent: QWidget | None = None,
        default_time: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.campaign_id = campaign_id
        self.target = target
        self.setWindowTitle(f"检查情况 — {target.unit_name}")
        self.time_edit = QDateTimeEdit()
        self.time_edit.setCalendarPopup(True)
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.time_edit.setDateTime(to_qdatetime(target.visited_at or default_time or now()))
        self.notes_edit = QLineEdit(target.notes)
        self.notes_edit.setPlaceholderText("如：窗口秩序良好，工作人员均在岗")
        self.error_label = make_error_label()
        form = QFormLayout()
        form.addRow("被检查单位：", QLabel(target.unit_name))
        form.addRow("当前情况：", QLabel(target.status.label))
        form.addRow("检查时间：", self.time_edit)
        form.addRow("备注：", self.notes_edit)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        self.clear_button = self.buttons.addButton(
            "清除检查记录", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.clear_button.setEnabled(target.visited_at is not None and target.finding_count == 0)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(lambda: self.submit(clear=False))
        self.buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(lambda _c=False: self.submit(clear=True))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def submit(self, *, clear: bool) -> None:
        visited = None if clear else from_qdatetime(self.time_edit.dateTime())
        notes = self.notes_edit.text()
        ctx, campaign_id, target = self.ctx, self.campaign_id, self.target

        def work(_p: Progress) -> TargetRow:
            with ctx.session() as s:
                return inspections.record_visit(
                    s, ctx.actor, campaign_id, target.unit_id, visited, notes, target.version
                )

        def done(_row: TargetRow) -> None:
            self.saved.emit()
            self.accept()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                self.error_label.setText(str(exc))
                self.error_label.setVisible(True)
            else:  # a domain message, or a bug report
                show_error(self, exc)

        self.ctx.tasks.run(work, done, failed, parent=self)
