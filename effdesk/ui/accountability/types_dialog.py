"""措施类型设置 (admin): which measure types the office offers, their order and names, and
whether 效能告诫 are counted per calendar year or over the last 365 days."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import MeasureType
from effdesk.errors import EffDeskError, ValidationErrors
from effdesk.services.accountability import measures as ms
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error


class MeasureTypesDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("问责措施类型设置")
        self.resize(520, 560)
        with ctx.session() as s:
            current = ms.measure_settings(s)
        note = QLabel(
            "勾选本单位使用的问责措施（由轻到重排列），可改显示名称。"
            "取消勾选的措施不再供选择，已有记录不受影响。"
        )
        note.setWordWrap(True)
        self.table = QTableWidget(len(MeasureType), 2)
        self.table.setHorizontalHeaderLabels(["措施（标准名称）", "本单位显示名称"])
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnWidth(0, 200)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, m in enumerate(MeasureType):
            item = QTableWidgetItem(m.label)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(
                Qt.CheckState.Checked if m in current.enabled else Qt.CheckState.Unchecked
            )
            item.setData(Qt.ItemDataRole.UserRole, m.value)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(current.labels.get(m, m.label)))
        self.window_combo = QComboBox()
        for code, label in ms.WARNING_WINDOWS.items():
            self.window_combo.addItem(label, code)
        self.window_combo.setCurrentIndex(
            max(0, self.window_combo.findData(current.warning_window))
        )
        self.error = QLabel()
        self.error.setStyleSheet("color:#c62828;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("效能告诫次数按："))
        layout.addWidget(self.window_combo)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def value(self) -> ms.MeasureSettings:
        enabled: list[MeasureType] = []
        labels: dict[MeasureType, str] = {}
        for row, m in enumerate(MeasureType):
            check = self.table.item(row, 0)
            name = self.table.item(row, 1)
            if check is not None and check.checkState() == Qt.CheckState.Checked:
                enabled.append(m)
            if name is not None and name.text().strip():
                labels[m] = name.text().strip()
        return ms.MeasureSettings(enabled, labels, str(self.window_combo.currentData()))

    def save(self) -> None:
        try:
            with self.ctx.session() as s:
                ms.save_measure_settings(s, self.ctx.actor, self.value())
        except ValidationErrors as exc:
            self.error.setText(str(exc))
            return
        except EffDeskError as exc:
            show_error(self, exc)
            return
        self.accept()
