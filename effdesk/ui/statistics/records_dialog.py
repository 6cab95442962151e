"""The measures or findings behind a figure of 统计台账 (complaints open in the complaint list)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.services import statistics
from effdesk.services.statistics import FigureRef


class RecordsDialog(QDialog):
    def __init__(
        self,
        title: str,
        caption: str,
        headers: list[str],
        rows: list[list[str]],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        self.table = QTableWidget(len(rows), len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            len(headers) - 1, QHeaderView.ResizeMode.Stretch
        )
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox()
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 460)

    def row_count(self) -> int:
        return self.table.rowCount()

    @classmethod
    def for_ref(
        cls, session: Session, actor: Actor, ref: FigureRef, parent: QWidget | None = None
    ) -> RecordsDialog:
        if ref.figure.records == "measure":
            lines = statistics.measure_lines(session, actor, ref)
            rows = [
                [
                    f"{m.decided_date:%Y-%m-%d}",
                    m.subject_kind.label,
                    m.subject,
                    m.unit_name,
                    m.measure.label,
                    m.basis,
                    m.document_number,
                ]
                for m in lines
            ]
            headers = ["决定日期", "对象", "姓名/单位", "所在单位", "问责措施", "依据", "文号"]
            caption = ref.describe() + f"：{len(lines)} 条问责措施"
            if ref.figure is statistics.Figure.MEASURES_UNITS:
                units = statistics.count_measure_units(session, actor, ref)
                caption += f"，涉及 {units} 个单位"
        else:
            findings = statistics.finding_lines(session, actor, ref)
            rows = [
                [
                    f"{f.observed_at:%Y-%m-%d %H:%M}",
                    f.unit_name,
                    f.campaign_name,
                    f.category_name,
                    f.status.label,
                    f.description,
                ]
                for f in findings
            ]
            headers = ["发现时间", "被检查单位", "督查活动", "问题类别", "状态", "问题描述"]
            caption = ref.describe() + f"：{len(findings)} 个问题"
        return cls(ref.figure.label, caption, headers, rows, parent)
