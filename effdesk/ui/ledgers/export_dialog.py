"""导出台账: kind, period, file; written off the GUI thread with progress and cancel.

The ledger is streamed from the database into a temporary file beside the target and renamed
at the end (:mod:`effdesk.reports.excel`), so cancelling leaves no file behind. What an actor
may see decides the columns: without identity rights the complaint ledger has no complainant
columns, and the dialog says so before exporting.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.errors import EffDeskError
from effdesk.services import ledger_export as le
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.files import remember_folder, save_folder


class ExportDialog(QDialog):
    """See the module docstring. ``exported`` carries the written file's path."""

    exported = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        kind: le.LedgerExportKind = le.LedgerExportKind.COMPLAINTS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("导出台账")
        self.result_path: Path | None = None
        today = clock.today()

        self.kind_combo = QComboBox()
        for k in le.LedgerExportKind:
            self.kind_combo.addItem(k.label, k.value)
        self.kind_combo.setCurrentIndex(list(le.LedgerExportKind).index(kind))
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._suggest_name())
        self.start_edit = QDateEdit(QDate(today.year, 1, 1))
        self.end_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self._suggest_name())
        period = QHBoxLayout()
        period.addWidget(self.start_edit)
        period.addWidget(QLabel("至"))
        period.addWidget(self.end_edit)
        period.addStretch(1)
        self.path_edit = QLineEdit()
        self.browse_button = QPushButton("另存为…")
        self.browse_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)

        form = QFormLayout()
        form.addRow("台账：", self.kind_combo)
        form.addRow("期间：", period)
        form.addRow("保存到：", file_row)
        identity = le.identity_columns_allowed(ctx.actor)
        self.identity_note = QLabel(
            "投诉台账含投诉人姓名、电话等身份信息，请妥善保管。"
            if identity
            else "按您的权限，导出的投诉台账不含投诉人身份信息。"
        )
        self.identity_note.setWordWrap(True)
        self.identity_note.setStyleSheet("color: #8a6d00;" if identity else "color: #555;")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("导出", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_folder_button = self.buttons.addButton(
            "打开所在文件夹", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.open_folder_button.setVisible(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        close = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        self.export_button.clicked.connect(self.run_export)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.identity_note)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(620, 280)
        self._suggest_name()

    @property
    def kind(self) -> le.LedgerExportKind:
        data = self.kind_combo.currentData()
        return next(k for k in le.LedgerExportKind if k.value == data)

    def period(self) -> tuple[date, date]:
        return self.start_edit.date().toPython(), self.end_edit.date().toPython()  # type: ignore[return-value]

    def _suggest_name(self) -> None:
        start, end = self.period()
        folder = Path(self.path_edit.text()).parent if self.path_edit.text() else save_folder()
        name = f"{self.kind.label}（{start:%Y%m%d}-{end:%Y%m%d}）.xlsx"
        self.path_edit.setText(str(folder / name))

    def choose_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "导出台账", self.path_edit.text(), "Excel 工作簿 (*.xlsx)"
        )
        if name:
            if not name.lower().endswith(".xlsx"):
                name += ".xlsx"
            self.path_edit.setText(name)

    def run_export(self) -> None:
        from effdesk.reports.excel import write_ledger

        path = Path(self.path_edit.text().strip())
        start, end = self.period()
        kind = self.kind
        if not path.name:
            show_error(self, EffDeskError("请选择保存导出文件的位置。"))
            return

        def work(progress: Progress) -> tuple[str, int]:
            with self.ctx.session() as s:
                ledger = le.build_ledger(s, self.ctx.actor, kind, start, end)
                result = write_ledger(
                    path,
                    ledger,
                    progress=progress.report,
                    should_cancel=lambda: progress.cancelled,
                )
                le.record_export(s, self.ctx.actor, ledger, path.name)
                return str(result.path), result.rows

        self.export_button.setEnabled(False)
        self.result_label.setText("")
        self.ctx.tasks.run(
            work,
            self._done,
            self._failed,
            parent=self,
            title="导出台账",
            label=f"正在导出《{kind.label}》……",
        )

    def _done(self, result: tuple[str, int]) -> None:
        path, rows = result
        self.result_path = Path(path)
        remember_folder(self.result_path)
        self.export_button.setEnabled(True)
        self.result_label.setText(f"已导出{rows}行，文件保存在：\n{path}")
        self.result_label.setStyleSheet("color: #2e7d32;")
        self.open_folder_button.setVisible(True)
        self.exported.emit(path)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "导出完成",
            f"已导出{rows}行。\n文件保存在：{path}",
            parent=self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        from effdesk.reports.excel import ExportCancelled

        if isinstance(exc, ExportCancelled):
            self.result_label.setText(str(exc))
            self.result_label.setStyleSheet("color: #555;")
            return
        show_error(self, exc)

    def open_folder(self) -> None:
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))


def open_export_dialog(
    ctx: AppContext, parent: QWidget | None = None, **kw: object
) -> ExportDialog:
    dialog = ExportDialog(ctx, parent, **kw)  # type: ignore[arg-type]
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
