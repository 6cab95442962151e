"""导入台账: choose a file, check how its columns were understood, confirm, import.

The file is analysed off the GUI thread (:func:`effdesk.services.ledger_import.analyse`); the
dialog shows each sheet's header row and column mapping (a combo box per column, unsure ones
highlighted), a preview of the first rows, the units that would be created, and — if any —
every refused row, which the clerk can save as a list (保存错误清单). Changing a column's
meaning analyses the file again with that choice. The import runs off the GUI thread as one
transaction: cancelling it leaves nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from effdesk.errors import EffDeskError
from effdesk.services import ledger_import as li
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.files import save_folder

UNSURE_BG = QColor("#fff3c4")
UNMAPPED_FG = QColor("#888888")
FILE_FILTER = "Excel 台账 (*.xlsx *.xls *.ods);;所有文件 (*)"


class ImportDialog(QDialog):
    """See the module docstring. ``imported`` is emitted with the report's lines."""

    imported = Signal(list)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        kind: li.LedgerKind = li.LedgerKind.COMPLAINTS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("导入台账")
        self.plan: li.ImportPlan | None = None
        self.report: li.ImportReport | None = None
        self.overrides: dict[str, dict[int, str | None]] = {}
        self._loading = False
        self.needs_confirmation = False

        self.kind_combo = QComboBox()
        for k in li.LedgerKind:
            self.kind_combo.addItem(k.label, k.value)
        self.kind_combo.setCurrentIndex(list(li.LedgerKind).index(kind))
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._reanalyse())
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("请选择 .xlsx、.xls 或 .ods 文件")
        self.browse_button = QPushButton("选择文件…")
        self.browse_button.clicked.connect(self.choose_file)
        top = QHBoxLayout()
        top.addWidget(QLabel("台账类型："))
        top.addWidget(self.kind_combo)
        top.addSpacing(12)
        top.addWidget(QLabel("文件："))
        top.addWidget(self.path_edit, 1)
        top.addWidget(self.browse_button)
        self.template_button = QPushButton("保存名录模板…")
        self.template_button.setToolTip("保存一份单位人员名录的 Excel 模板，填好后再导入")
        self.template_button.clicked.connect(lambda _c=False: self.save_template())
        top.addWidget(self.template_button)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())

        self.summary = QLabel("选择文件后，程序会找出表头行，按列名的含义对应到系统字段。")
        self.summary.setWordWrap(True)
        self.sheet_tabs = QTabWidget()

        self.units_box = QGroupBox("需要新建的单位")
        units_layout = QVBoxLayout(self.units_box)
        self.units_label = QLabel()
        self.units_label.setWordWrap(True)
        units_layout.addWidget(self.units_label)
        self.units_box.setVisible(False)

        self.problems_box = QGroupBox("导入被拒绝：以下各行有问题，请在 Excel 中改正后重新选择文件")
        problems_layout = QVBoxLayout(self.problems_box)
        self.problems_table = QTableWidget(0, 3)
        self.problems_table.setHorizontalHeaderLabels(["行号", "列", "问题"])
        self.problems_table.verticalHeader().setVisible(False)
        self.problems_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.save_problems_button = QPushButton("保存错误清单…")
        self.save_problems_button.clicked.connect(self.save_problems)
        problems_layout.addWidget(self.problems_table)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_problems_button)
        problems_layout.addLayout(row)
        self.problems_box.setVisible(False)

        self.confirm_check = QCheckBox()
        self.confirm_check.setVisible(False)
        self.confirm_check.toggled.connect(lambda _c: self._update_buttons())

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        self.close_button.clicked.connect(self.reject)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.units_box)
        lower_layout.addWidget(self.problems_box, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sheet_tabs)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.confirm_check)
        layout.addWidget(self.buttons)
        self.resize(1180, 820)
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.template_button.setVisible(self.kind == li.LedgerKind.DIRECTORY)

    def save_template(self, path: Path | None = None) -> Path | None:
        """Save the units-and-persons template (.xlsx); ``path`` None asks where."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self,
                "保存单位人员名录模板",
                str(save_folder() / "单位人员名录模板.xlsx"),
                "Excel 工作簿 (*.xlsx)",
            )
            if not name:
                return None
            path = Path(name)
        try:
            li.save_directory_template(path)
        except OSError as exc:
            show_error(self, EffDeskError(f"无法写入「{path}」：{exc.strerror or exc}"))
            return None
        self.summary.setText(f"模板已保存：{path}。填好后点「选择文件…」导入。")
        return path

    # --- choosing and analysing ---------------------------------------------------------
    @property
    def kind(self) -> li.LedgerKind:
        data = self.kind_combo.currentData()
        return next(k for k in li.LedgerKind if k.value == data)

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择要导入的台账", "", FILE_FILTER)
        if name:
            self.set_file(Path(name))

    def set_file(self, path: Path) -> None:
        """Analyse ``path`` (also what tests and the wizard call instead of the file chooser)."""
        self.path_edit.setText(str(path))
        self.overrides = {}
        self._reanalyse()

    def _reanalyse(self) -> None:
        text = self.path_edit.text()
        if not text:
            return
        path, kind, overrides = (
            Path(text),
            self.kind,
            {k: dict(v) for k, v in self.overrides.items()},
        )
        self.import_button.setEnabled(False)

        def work(progress: Progress) -> li.ImportPlan:
            with self.ctx.session() as s:
                return li.analyse(
                    s, self.ctx.actor, path, kind, mapping=overrides, progress=progress.report
                )

        self.ctx.tasks.run(work, self._show_plan, self._analyse_failed, parent=self)

    def _analyse_failed(self, exc: BaseException) -> None:
        self.plan = None
        self.sheet_tabs.clear()
        self.units_box.setVisible(False)
        self.problems_box.setVisible(False)
        self.confirm_check.setVisible(False)
        self.needs_confirmation = False
        if isinstance(exc, EffDeskError):
            self.summary.setText(f"<span style='color:#c62828'>{_html(str(exc))}</span>")
        else:
            show_error(self, exc)
        self._update_buttons()

    def _show_plan(self, plan: li.ImportPlan) -> None:
        self.plan = plan
        self._loading = True
        current = self.sheet_tabs.currentIndex()
        self.sheet_tabs.clear()
        for sheet in plan.sheets:
            self.sheet_tabs.addTab(self._sheet_widget(sheet), f"{sheet.name}（{sheet.role_label}）")
        if 0 <= current < self.sheet_tabs.count():
            self.sheet_tabs.setCurrentIndex(current)
        self._loading = False
        records = sum(len(s.rows) for s in plan.sheets)
        lines = [f"共{len(plan.sheets)}个工作表、{records}行数据；{plan.skipped_text()}。"]
        if plan.ignored_sheets:
            lines.append("未识别的工作表（不导入）：" + "、".join(plan.ignored_sheets) + "。")
        unsure = len(plan.unsure)
        if unsure:
            lines.append(f"有{unsure}列的对应关系不确定（黄色），请核对“导入为”一栏。")
        self.summary.setText(" ".join(lines))
        self.units_box.setVisible(bool(plan.units_to_create))
        self.units_label.setText(
            "单位名录中没有下列单位，导入时将新建（按名称推断单位类型，暂列三类考评单位，"
            "导入后可在「单位人员」中修改）：\n" + "、".join(plan.units_to_create)
        )
        self._show_problems(plan.problems)
        needs = []
        if unsure:
            needs.append("黄色各列的对应关系")
        if plan.units_to_create:
            needs.append(f"新建{len(plan.units_to_create)}个单位")
        self.confirm_check.setText("我已核对并确认：" + "、".join(needs))
        self.confirm_check.setChecked(False)
        self.needs_confirmation = bool(needs) and not plan.problems
        self.confirm_check.setVisible(self.needs_confirmation)
        self._update_buttons()

    def _sheet_widget(self, sheet: li.SheetPlan) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        info = QLabel(
            f"表头在第{sheet.header_row_number}行，数据{len(sheet.rows)}行。"
            "“导入为”一栏可改：选「（不导入）」则忽略该列。"
        )
        layout.addWidget(info)
        mapping = QTableWidget(len(sheet.columns), 4)
        mapping.setObjectName("mappingTable")
        mapping.setHorizontalHeaderLabels(["列", "表头", "导入为", "把握"])
        mapping.verticalHeader().setVisible(False)
        mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        mapping.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for r, col in enumerate(sheet.columns):
            letter = QTableWidgetItem(col.letter)
            header = QTableWidgetItem(col.header)
            sure_text = (
                "—" if col.field is None else f"{int(col.confidence * 100)}%（{col.reason}）"
            )
            sure = QTableWidgetItem(sure_text)
            combo = QComboBox()
            combo.addItem("（不导入）", None)
            for spec in sheet.fields:
                combo.addItem(spec.label + ("（必填）" if spec.required else ""), spec.key)
            combo.setCurrentIndex(max(0, combo.findData(col.field)))
            # ``activated``: a user's choice, even of the proposed field, confirms the column.
            combo.activated.connect(
                lambda _i, s=sheet.name, c=col.column, box=combo: self._mapping_changed(s, c, box)
            )
            items = (letter, header, sure)
            if not col.sure:
                for item in items:
                    item.setBackground(QBrush(UNSURE_BG))
                combo.setStyleSheet(f"background: {UNSURE_BG.name()};")
                combo.setToolTip("对应关系不确定，请核对")
            elif col.field is None:
                for item in items:
                    item.setForeground(QBrush(UNMAPPED_FG))
            mapping.setItem(r, 0, letter)
            mapping.setItem(r, 1, header)
            mapping.setCellWidget(r, 2, combo)
            mapping.setItem(r, 3, sure)
        mapping.resizeColumnsToContents()
        mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        mapping.setColumnWidth(2, 180)

        preview_rows = sheet.preview()
        preview = QTableWidget(len(preview_rows), len(sheet.columns))
        preview.setObjectName("previewTable")
        preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        preview.setHorizontalHeaderLabels(
            [f"{c.letter} {c.header}\n→ {sheet.label_of(c.field)}" for c in sheet.columns]
        )
        preview.setVerticalHeaderLabels([str(r.number) for r in sheet.rows[: len(preview_rows)]])
        for r, values in enumerate(preview_rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if sheet.columns[c].field is None:
                    item.setForeground(QBrush(UNMAPPED_FG))
                preview.setItem(r, c, item)
        preview.resizeColumnsToContents()
        for c in range(preview.columnCount()):
            preview.setColumnWidth(c, min(preview.columnWidth(c), 220))

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("列的对应"))
        ll.addWidget(mapping)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel(f"预览（前{len(preview_rows)}行，行号同 Excel）"))
        rl.addWidget(preview)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        widget.setProperty("sheetName", sheet.name)
        return widget

    def _mapping_changed(self, sheet: str, column: int, combo: QComboBox) -> None:
        if self._loading:
            return
        self.overrides.setdefault(sheet, {})[column] = combo.currentData()
        self._reanalyse()

    def _show_problems(self, problems: list[li.RowProblem]) -> None:
        self.problems_box.setVisible(bool(problems))
        if problems:  # the list is what the clerk must read now: give it room
            total = sum(self.splitter.sizes()) or 700
            self.splitter.setSizes([total // 2, total - total // 2])
        self.problems_box.setTitle(
            f"导入被拒绝：共{len(problems)}处问题，请在 Excel 中改正后重新选择文件（未导入任何数据）"
        )
        self.problems_table.setRowCount(len(problems))
        for r, p in enumerate(problems):
            self.problems_table.setItem(r, 0, QTableWidgetItem(str(p.row)))
            self.problems_table.setItem(r, 1, QTableWidgetItem(p.column))
            self.problems_table.setItem(r, 2, QTableWidgetItem(p.message))
        self.problems_table.resizeColumnToContents(0)
        self.problems_table.resizeColumnToContents(1)

    def _update_buttons(self) -> None:
        plan = self.plan
        ok = plan is not None and not plan.problems and plan.record_count > 0
        if ok and self.needs_confirmation:
            ok = self.confirm_check.isChecked()
        self.import_button.setEnabled(bool(ok))

    # --- actions -----------------------------------------------------------------------
    def mapping_table(self, index: int = 0) -> QTableWidget:
        table = self.sheet_tabs.widget(index).findChild(QTableWidget, "mappingTable")
        assert isinstance(table, QTableWidget)
        return table

    def preview_table(self, index: int = 0) -> QTableWidget:
        table = self.sheet_tabs.widget(index).findChild(QTableWidget, "previewTable")
        assert isinstance(table, QTableWidget)
        return table

    def save_problems(self, path: Path | None = None) -> Path | None:
        """Save the refused rows (.xlsx or .txt); ``path`` None asks where."""
        if self.plan is None or not self.plan.problems:
            return None
        if path is None:
            suggested = str(self.plan.path.with_name(self.plan.path.stem + "-错误清单.xlsx"))
            name, _ = QFileDialog.getSaveFileName(
                self, "保存错误清单", suggested, "Excel 工作簿 (*.xlsx);;文本文件 (*.txt)"
            )
            if not name:
                return None
            path = Path(name)
        from effdesk.reports.excel import write_import_problems

        try:
            write_import_problems(path, self.plan.problems, self.plan.path.name)
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        self.summary.setText(f"错误清单已保存：{path}")
        return path

    def run_import(self) -> None:
        plan = self.plan
        if plan is None:
            return
        confirmed = not self.needs_confirmation or self.confirm_check.isChecked()

        def work(progress: Progress) -> li.ImportReport:
            def report(done: int, total: int, text: str) -> None:
                progress.check()  # cancelling raises: the transaction rolls back
                progress.report(done, total, text)

            with self.ctx.session() as s:
                return li.commit(s, self.ctx.actor, plan, confirmed=confirmed, progress=report)

        self.import_button.setEnabled(False)
        self.ctx.tasks.run(
            work,
            self._imported,
            self._import_failed,
            parent=self,
            title="导入台账",
            label=f"正在导入「{plan.path.name}」……",
        )

    def _imported(self, report: li.ImportReport) -> None:
        self.report = report
        lines = report.lines()
        self.summary.setText("<br>".join(_html(line) for line in lines))
        self.imported.emit(lines)
        box = QMessageBox(QMessageBox.Icon.Information, "导入完成", "\n".join(lines), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.import_button.setEnabled(False)

    def _import_failed(self, exc: BaseException) -> None:
        from effdesk.ui.tasks import Cancelled

        if isinstance(exc, Cancelled):
            self.summary.setText("导入已取消，未写入任何数据。")
            self._update_buttons()
            return
        if isinstance(exc, li.ImportRejected):
            self._show_problems(exc.problems)
        show_error(self, exc)
        self._update_buttons()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_import_dialog(ctx: AppContext, parent: QWidget | None = None, **kw: Any) -> ImportDialog:
    dialog = ImportDialog(ctx, parent, **kw)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
