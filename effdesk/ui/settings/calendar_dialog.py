"""系统设置 → 节假日: see which years the calendar knows and enter a new year's holidays."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.errors import EffDeskError, ValidationError, ValidationErrors
from effdesk.permissions import Permission
from effdesk.services import calendar_admin
from effdesk.services.calendar_admin import HolidayDay
from effdesk.ui.context import AppContext

_KIND_HOLIDAY = "放假"
_KIND_WORKDAY = "调休上班"


class CalendarYearsWidget(QWidget):
    """The years known to the calendar, the reminder, and the button to enter a year."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.reminder = QLabel()
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("color: #a94400;")
        layout.addWidget(self.reminder)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["年份", "来源", "放假天数", "调休上班天数"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.doubleClicked.connect(self._edit_selected)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.enter_button = QPushButton("录入/修改某年节假日…")
        self.enter_button.clicked.connect(lambda: self.open_year_dialog(date.today().year + 1))
        self.enter_button.setEnabled(ctx.can(Permission.MANAGE_CALENDAR))
        buttons.addWidget(self.enter_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        today = date.today()
        years = list(range(today.year - 1, today.year + 3))
        with self.ctx.session() as s:
            statuses = calendar_admin.year_statuses(s, years)
            text = calendar_admin.reminder(s, today)
        self.reminder.setText(text or "")
        self.reminder.setVisible(bool(text))
        self.table.setRowCount(len(statuses))
        for row, st in enumerate(statuses):
            values = [
                str(st.year),
                st.label,
                str(st.holidays) if st.source != "unknown" else "—",
                str(st.makeup_days) if st.source != "unknown" else "—",
            ]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if st.source == "unknown":
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, item)

    def _edit_selected(self) -> None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is not None and self.ctx.can(Permission.MANAGE_CALENDAR):
            self.open_year_dialog(int(item.text()))

    def open_year_dialog(self, year: int) -> None:
        dialog = HolidayYearDialog(self.ctx, year, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()


class HolidayYearDialog(QDialog):
    """Paste the notice (or type days), check the parsed table, save."""

    def __init__(self, ctx: AppContext, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changed_cases = 0
        self.setWindowTitle("录入节假日安排")
        self.resize(720, 640)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("年份："))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        self.year.valueChanged.connect(self._load_existing)
        top.addWidget(self.year)
        top.addStretch(1)
        layout.addLayout(top)
        layout.addWidget(
            QLabel(
                "把国务院办公厅《关于××年部分节假日安排的通知》正文粘贴到下面，点「识别」；"
                "也可以直接在表格中逐日添加。"
            )
        )
        self.notice = QPlainTextEdit()
        self.notice.setPlaceholderText("一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n……")
        layout.addWidget(self.notice, 2)
        parse_row = QHBoxLayout()
        self.parse_button = QPushButton("识别")
        self.parse_button.clicked.connect(self._parse)
        parse_row.addWidget(self.parse_button)
        self.add_button = QPushButton("添加一天")
        self.add_button.clicked.connect(lambda: self._add_row(None))
        parse_row.addWidget(self.add_button)
        self.remove_button = QPushButton("删除所选")
        self.remove_button.clicked.connect(self._remove_rows)
        parse_row.addWidget(self.remove_button)
        parse_row.addStretch(1)
        layout.addLayout(parse_row)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["日期", "安排", "节日"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 3)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c00000;")
        self.error.hide()
        layout.addWidget(self.error)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        box.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        box.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        box.accepted.connect(self._save)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self._load_existing()

    def _load_existing(self) -> None:
        with self.ctx.session() as s:
            days = calendar_admin.entered_days(s, self.year.value())
        self._fill(days)

    def _fill(self, days: list[HolidayDay]) -> None:
        self.table.setRowCount(0)
        for d in days:
            self._add_row(d)

    def _add_row(self, d: HolidayDay | None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        edit = QDateEdit()
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        day = d.day if d else date(self.year.value(), 1, 1)
        edit.setDate(QDate(day.year, day.month, day.day))
        self.table.setCellWidget(row, 0, edit)
        kind = QComboBox()
        kind.addItems([_KIND_HOLIDAY, _KIND_WORKDAY])
        kind.setCurrentIndex(1 if d and d.is_workday else 0)
        self.table.setCellWidget(row, 1, kind)
        self.table.setItem(row, 2, QTableWidgetItem(d.name if d else ""))

    def _remove_rows(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def days(self) -> list[HolidayDay]:
        out = []
        for row in range(self.table.rowCount()):
            edit = self.table.cellWidget(row, 0)
            kind = self.table.cellWidget(row, 1)
            assert isinstance(edit, QDateEdit) and isinstance(kind, QComboBox)
            qd = edit.date()
            name_item = self.table.item(row, 2)
            out.append(
                HolidayDay(
                    date(qd.year(), qd.month(), qd.day()),
                    kind.currentText() == _KIND_WORKDAY,
                    name_item.text() if name_item else "",
                )
            )
        return out

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _parse(self) -> None:
        try:
            days = calendar_admin.parse_holiday_notice(self.notice.toPlainText(), self.year.value())
        except ValidationError as err:
            self._show_error(str(err))
            return
        self.error.hide()
        self._fill(days)

    def _save(self) -> None:
        try:
            with self.ctx.session() as s:
                self.changed_cases = calendar_admin.save_year(
                    s, self.ctx.actor, self.year.value(), self.days(), self.notice.toPlainText()
                )
        except (ValidationErrors, ValidationError) as err:
            self._show_error(str(err))
            return
        except EffDeskError as err:
            QMessageBox.warning(self, "无法保存", str(err))
            return
        QMessageBox.information(
            self,
            "已保存",
            f"{self.year.value()}年节假日安排已保存。"
            + (
                f"已重新计算{self.changed_cases}件的暂定时限，变化已记入各案件的办理记录。"
                if self.changed_cases
                else ""
            ),
        )
        self.accept()
