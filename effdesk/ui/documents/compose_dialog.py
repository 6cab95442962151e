"""Choosing what a circular is composed from: findings of a campaign, or concluded complaints.

The dialogs only collect ids; the page composes the draft through the composition service.
Findings not yet verified are shown greyed and cannot be ticked (a circular states facts).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import CircularTone
from effdesk.services.composition import CampaignChoice, ComplaintChoice, FindingChoice
from effdesk.ui.widgets.forms import enum_member

GREY = QColor("#8a8a8a")

FINDING_HEADERS = [
    "选入",
    "照片入附件",
    "单位",
    "发现时间",
    "地点",
    "问题",
    "涉及人员",
    "处理",
    "照片",
    "状态",
]


def _item(text: str, *, tip: str = "") -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        it.setToolTip(tip)
    return it


def _check(checked: bool, enabled: bool) -> QTableWidgetItem:
    it = QTableWidgetItem()
    flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
    if enabled:
        flags |= Qt.ItemFlag.ItemIsEnabled
    it.setFlags(flags)
    it.setCheckState(Qt.CheckState.Checked if checked and enabled else Qt.CheckState.Unchecked)
    return it


def _is_checked(table: QTableWidget, row: int, col: int) -> bool:
    item = table.item(row, col)
    return item is not None and item.checkState() == Qt.CheckState.Checked


def _set_checked(table: QTableWidget, row: int, col: int, checked: bool) -> None:
    item = table.item(row, col)
    if item is not None:
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


class FindingsPickerDialog(QDialog):
    """Pick a campaign, tick its findings (and whose photos go on the attachment pages)."""

    def __init__(
        self,
        campaigns: list[CampaignChoice],
        load_findings: Callable[[int], list[FindingChoice]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("从督查发现的问题起草通报")
        self.resize(1100, 560)
        self._load = load_findings
        self.findings: list[FindingChoice] = []

        self.campaign_combo = QComboBox()
        for c in campaigns:
            self.campaign_combo.addItem(
                f"{c.name}（{c.start_date:%Y-%m-%d}～{c.end_date:%Y-%m-%d}，"
                f"问题{c.finding_count}个，已核实{c.usable_count}个）",
                c.id,
            )
        self.tone_combo = QComboBox()
        for tone in (CircularTone.CRITICISM, CircularTone.INFORMATION):
            self.tone_combo.addItem(f"{tone.label}通报", tone.value)

        self.table = QTableWidget(0, len(FINDING_HEADERS))
        self.table.setHorizontalHeaderLabels(FINDING_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate([44, 76, 170, 120, 150, 300, 140, 120, 44, 64]):
            self.table.setColumnWidth(col, width)
        self.table.itemChanged.connect(self._on_item_changed)

        self.all_button = QPushButton("全选已核实")
        self.all_button.clicked.connect(lambda: self._set_all(True))
        self.none_button = QPushButton("全不选")
        self.none_button.clicked.connect(lambda: self._set_all(False))
        self.summary = QLabel()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("起草通报")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel("督查活动："))
        top.addWidget(self.campaign_combo, 1)
        top.addWidget(QLabel("通报类型："))
        top.addWidget(self.tone_combo)
        sel = QHBoxLayout()
        sel.addWidget(self.all_button)
        sel.addWidget(self.none_button)
        sel.addStretch(1)
        sel.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(
            QLabel(
                "勾选写入通报的问题；「照片入附件」的问题，其照片印在附件照片页上。未核实的问题不能选。"
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(sel)
        layout.addWidget(self.buttons)

        self.campaign_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.reload()

    # --- data ---------------------------------------------------------------------------
    def select_campaign(self, campaign_id: int) -> None:
        """Show ``campaign_id`` (the campaign the user came from), its usable findings ticked."""
        index = self.campaign_combo.findData(campaign_id)
        if index >= 0:
            self.campaign_combo.setCurrentIndex(index)

    def campaign_id(self) -> int | None:
        data = self.campaign_combo.currentData()
        return int(data) if data is not None else None

    def tone(self) -> CircularTone:
        tone = enum_member(CircularTone, self.tone_combo.currentData())
        return tone or CircularTone.CRITICISM

    def reload(self) -> None:
        cid = self.campaign_id()
        self.findings = list(self._load(cid)) if cid is not None else []
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.findings))
        for row, f in enumerate(self.findings):
            self.table.setItem(row, 0, _check(True, f.usable))
            self.table.setItem(row, 1, _check(f.photo_count > 0, f.usable and f.photo_count > 0))
            values = [
                f.unit_name,
                f"{f.observed_at:%m-%d %H:%M}",
                f.place,
                f.description,
                f.persons,
                f.measures,
                str(f.photo_count),
                f.status.label,
            ]
            for col, text in enumerate(values, start=2):
                it = _item(text, tip=f.description if col == 5 else "")
                if not f.usable:
                    it.setForeground(GREY)
                self.table.setItem(row, col, it)
        self.table.blockSignals(False)
        self._update_summary()

    def _set_all(self, checked: bool) -> None:
        self.table.blockSignals(True)
        for row, f in enumerate(self.findings):
            if f.usable:
                _set_checked(self.table, row, 0, checked)
                if f.photo_count:
                    _set_checked(self.table, row, 1, checked)
        self.table.blockSignals(False)
        self._update_summary()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0 and item.checkState() == Qt.CheckState.Unchecked:
            photos = self.table.item(item.row(), 1)
            if photos is not None:
                self.table.blockSignals(True)
                photos.setCheckState(Qt.CheckState.Unchecked)
                self.table.blockSignals(False)
        self._update_summary()

    def set_checked(self, finding_id: int, checked: bool, photos: bool | None = None) -> None:
        for row, f in enumerate(self.findings):
            if f.id == finding_id:
                _set_checked(self.table, row, 0, checked)
                if photos is not None:
                    _set_checked(self.table, row, 1, photos)
        self._update_summary()

    def selected_ids(self) -> list[int]:
        return [f.id for row, f in enumerate(self.findings) if _is_checked(self.table, row, 0)]

    def photo_ids(self) -> list[int]:
        return [
            f.id
            for row, f in enumerate(self.findings)
            if _is_checked(self.table, row, 0) and _is_checked(self.table, row, 1)
        ]

    def _update_summary(self) -> None:
        ids = set(self.selected_ids())
        units = {f.unit_id for f in self.findings if f.id in ids}
        photos = sum(f.photo_count for f in self.findings if f.id in set(self.photo_ids()))
        self.summary.setText(f"已选 {len(ids)} 个问题，涉及 {len(units)} 个单位，照片 {photos} 张")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(ids))


COMPLAINT_HEADERS = ["选入", "编号", "受理日期", "被投诉单位", "问题类别", "摘要", "核查结论"]


class ComplaintsPickerDialog(QDialog):
    """Tick concluded complaints for a 典型案例通报 (complainant identities are not shown)."""

    def __init__(self, complaints: list[ComplaintChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("从投诉件起草典型案例通报")
        self.resize(980, 520)
        self.complaints = complaints
        self.table = QTableWidget(len(complaints), len(COMPLAINT_HEADERS))
        self.table.setHorizontalHeaderLabels(COMPLAINT_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for col, width in enumerate([44, 120, 96, 170, 130, 320, 80]):
            self.table.setColumnWidth(col, width)
        for row, c in enumerate(complaints):
            self.table.setItem(row, 0, _check(False, True))
            values = [
                c.number,
                f"{c.received_date:%Y-%m-%d}",
                c.unit_name,
                c.category,
                c.summary,
                c.verification.label if c.verification else "",
            ]
            for col, text in enumerate(values, start=1):
                self.table.setItem(row, col, _item(text, tip=c.summary if col == 5 else ""))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("起草通报")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "只列出已办结且核查属实（含部分属实）的投诉件。通报中不会出现投诉人的任何身份信息。"
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)

    def set_checked(self, complaint_id: int, checked: bool) -> None:
        for row, c in enumerate(self.complaints):
            if c.id == complaint_id:
                _set_checked(self.table, row, 0, checked)

    def selected_ids(self) -> list[int]:
        return [c.id for row, c in enumerate(self.complaints) if _is_checked(self.table, row, 0)]
