"""设置向导: an office's first day, from an empty database to a working office.

Shown by :func:`effdesk.ui.app.run_gui` before the login when the database has no office yet
(:func:`effdesk.services.setup.needs_setup`), and again from 系统设置 → 单位设置 (重新运行设置向导).
Pages: 本单位, 文号, 管理员, 单位名录, 办理时限, 工作日历, 数据与备份. Nothing is saved until 完成
(:func:`effdesk.services.setup.apply_setup`, one transaction), except what must exist for the
key sheet (the database id and the backup key) and holidays entered in the calendar dialog.

"试用演示单位" on the first page ends the wizard with :data:`DEMO_RESULT`: the caller opens the
demo office in its own data folder (``<data dir>/demo``), never the real one.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from effdesk import paths, settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.enums import AssessmentCategory, DocumentType, UnitKind
from effdesk.errors import EffDeskError, ValidationErrors
from effdesk.security import backup, keys
from effdesk.services import calendar_admin
from effdesk.services import setup as setup_service
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets.forms import ERROR_COLOUR

DEMO_RESULT = 2  # run_setup_wizard's answer when the user chose 试用演示单位
PAGE_TITLES = ("本单位", "文号", "管理员", "单位名录", "办理时限", "工作日历", "数据与备份")


def _import_directory_from_excel(wizard: SetupWizard) -> None:
    """The 从Excel导入… button of the directory page: the ledger import dialog on the units and
    persons list (its template, mapping, preview and row-by-row errors); the page counts
    what was imported when the dialog closes."""
    from effdesk.services.ledger_import import LedgerKind
    from effdesk.ui.ledgers.import_dialog import ImportDialog

    dialog = ImportDialog(wizard.ctx(), wizard, kind=LedgerKind.DIRECTORY)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _r: wizard.directory_page.refresh_existing())
    wizard.import_dialog = dialog
    dialog.open()


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class _Page(QWizardPage):
    def __init__(self, wizard: SetupWizard, title: str, subtitle: str) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.error = QLabel()
        self.error.setObjectName("pageError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.setVisible(False)

    def show_problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _problems(self, prefixes: tuple[str, ...]) -> bool:
        """Show the service's problems for this page's fields; True when there are none."""
        with self.w.db.session() as s:
            found = setup_service.problems(s, self.w.collect())
        mine = [p.message for p in found if p.field.startswith(prefixes)]
        self.show_problem("\n".join(mine))
        return not mine


class OfficePage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard, "本单位", "填写本单位的名称和公文要素。以后可在「系统设置 → 单位设置」中修改。"
        )
        layout = QVBoxLayout(self)
        demo_row = QHBoxLayout()
        demo_row.addWidget(_label("只想先看看？演示单位有现成的数据，和本单位的数据完全分开。"))
        self.demo_button = QPushButton("试用演示单位")
        self.demo_button.setObjectName("demoButton")
        self.demo_button.clicked.connect(wizard.choose_demo)
        demo_row.addWidget(self.demo_button)
        layout.addLayout(demo_row)
        form = QFormLayout()
        o = wizard.initial.office
        self.name = self._edit("office.name", o.name, "如：××县机关效能建设领导小组办公室")
        self.county = self._edit("office.county", o.county, "如：××县")
        self.mark = self._edit(
            "office.authority_mark", o.authority_mark, "如：××县机关效能建设领导小组办公室文件"
        )
        self.mark.setToolTip("发文机关标志：红头文件上方的红色机关名称，一般为“机关全称＋文件”。")
        self.short = self._edit("office.short_name", o.short_name, "如：县效能办（可不填）")
        self.printing = self._edit(
            "office.printing_office", o.printing_office, "版记中的印发机关，不填则用单位全称"
        )
        self.printing.setToolTip("公文版记“印发机关”一栏的名称，不填则用单位全称。")
        form.addRow("单位全称 *", self.name)
        form.addRow("县（市、区）名 *", self.county)
        form.addRow("发文机关标志 *", self.mark)
        form.addRow("单位简称", self.short)
        form.addRow("印发机关", self.printing)
        seal_row = QHBoxLayout()
        self.seal_preview = QLabel("（未选择）")
        self.seal_preview.setObjectName("sealPreview")
        self.seal_preview.setFixedSize(96, 96)
        self.seal_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seal_preview.setStyleSheet("border: 1px dashed #b0b8c4;")
        seal_button = QPushButton("选择印章图片…")
        seal_button.setToolTip("可选：PNG 或 JPEG，透明背景最好，不超过2MB。只保存和预览。")
        seal_button.clicked.connect(self._choose_seal)
        clear_button = QPushButton("不用印章")
        clear_button.clicked.connect(lambda: self.set_seal(None))
        seal_row.addWidget(self.seal_preview)
        seal_row.addWidget(seal_button)
        seal_row.addWidget(clear_button)
        seal_row.addStretch(1)
        form.addRow("电子印章（可选）", seal_row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.set_seal(wizard.initial.seal_image)
        for edit in (self.name, self.county, self.mark):
            edit.textChanged.connect(self.completeChanged)
        self.name.textEdited.connect(self._follow_name)

    def _edit(self, key: str, value: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(value)
        edit.setObjectName(key)
        edit.setMaxLength(120)
        edit.setPlaceholderText(placeholder)
        return edit

    def _follow_name(self, text: str) -> None:
        # The authority mark is the name plus 文件 until the user types their own.
        if not self.mark.isModified():
            self.mark.setText(f"{text}文件" if text else "")

    def _choose_seal(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择印章图片", "", "图片 (*.png *.jpg *.jpeg)")
        if path:
            try:
                self.set_seal(setup_service.read_seal_file(Path(path)))
            except EffDeskError as err:
                show_error(self, err)

    def set_seal(self, data: bytes | None) -> None:
        self.w.seal_image = data
        if not data:
            self.seal_preview.setPixmap(QPixmap())
            self.seal_preview.setText("（未选择）")
            return
        pixmap = QPixmap()
        pixmap.loadFromData(data)
        self.seal_preview.setPixmap(
            pixmap.scaled(
                92,
                92,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def isComplete(self) -> bool:
        return all(e.text().strip() for e in (self.name, self.county, self.mark))

    def validatePage(self) -> bool:
        return self._problems(("office.",))


class NumbersPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "文号",
            "投诉编号和各类公文的发文字号前缀。发文字号按年自动编号，如“X效办〔2026〕7号”。",
        )
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.complaint_prefix = QLineEdit(wizard.initial.complaint_prefix)
        self.complaint_prefix.setObjectName("complaint.number_prefix")
        self.complaint_prefix.setToolTip("投诉编号为“前缀＋年份－四位序号”，如 效投2026-0001。")
        form.addRow("投诉编号前缀 *", self.complaint_prefix)
        self.prefixes: dict[str, QLineEdit] = {}
        for doc_type in DocumentType:
            edit = QLineEdit(wizard.initial.document_prefixes.get(doc_type.value, ""))
            edit.setObjectName(f"prefix.{doc_type.value}")
            edit.setMaxLength(20)
            edit.setToolTip(f"{doc_type.label}的发文字号：前缀〔年份〕序号号。")
            self.prefixes[doc_type.value] = edit
            form.addRow(f"{doc_type.label} *", edit)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:
        # The defaults read "X效办": put the county's first character for the X (青山县 → 青效办).
        county = self.w.office_page.county.text().strip()
        if county:
            for edit in self.prefixes.values():
                if edit.text().startswith("X") and not edit.isModified():
                    edit.setText(county[0] + edit.text()[1:])

    def validatePage(self) -> bool:
        return self._problems(("complaint.", "prefix."))


class AdminPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "管理员",
            "第一个系统管理员账户。管理员负责用户、设置和备份；受理员等其他账户由管理员在"
            "「系统设置 → 用户」中添加。",
        )
        layout = QVBoxLayout(self)
        self.existing = _label("本单位已有管理员账户，这一步不需要填写。")
        layout.addWidget(self.existing)
        form = QFormLayout()
        self.username = QLineEdit("admin")
        self.username.setObjectName("admin.username")
        self.display_name = QLineEdit()
        self.display_name.setObjectName("admin.display_name")
        self.display_name.setPlaceholderText("如：王明")
        self.password = QLineEdit()
        self.password.setObjectName("admin.password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        rule = "密码至少8个字符，不能与用户名相同，不能由同一个字符重复组成。"
        self.password.setToolTip(rule)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("admin.confirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名 *", self.username)
        form.addRow("姓名 *", self.display_name)
        form.addRow("密码 *", self.password)
        form.addRow("再次输入密码 *", self.confirm)
        layout.addLayout(form)
        layout.addWidget(_label(rule))
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.needed = not wizard.has_users
        self.existing.setVisible(not self.needed)
        for e in (self.username, self.display_name, self.password, self.confirm):
            e.setEnabled(self.needed)

    def validatePage(self) -> bool:
        return self._problems(("admin.",))


_UNIT_HEADERS = ("单位名称", "单位类型", "考评类别")
_PERSON_HEADERS = ("所属单位", "姓名", "职务", "联系电话")


class DirectoryPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "单位名录",
            "被监督单位和它们的干部职工，登记投诉时从这里选。可以现在录入几个，也可以以后在"
            "「单位名录」模块中补充，或从组织部门的 Excel 名单导入。",
        )
        layout = QVBoxLayout(self)
        self.existing_label = _label("")
        layout.addWidget(self.existing_label)
        buttons = QHBoxLayout()
        add_unit = QPushButton("添加单位")
        add_unit.setObjectName("addUnit")
        add_unit.clicked.connect(lambda: self.add_unit())
        add_person = QPushButton("添加人员")
        add_person.setObjectName("addPerson")
        add_person.clicked.connect(lambda: self.add_person())
        remove = QPushButton("删除所选行")
        remove.clicked.connect(self._remove_selected)
        self.import_button = QPushButton("从Excel导入…")
        self.import_button.setObjectName("importExcel")
        self.import_button.clicked.connect(lambda: _import_directory_from_excel(wizard))
        for b in (add_unit, add_person, remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        grid = QGridLayout()
        self.units = self._table("unitsTable", _UNIT_HEADERS)
        self.persons = self._table("personsTable", _PERSON_HEADERS)
        grid.addWidget(QLabel("单位"), 0, 0)
        grid.addWidget(QLabel("人员（“所属单位”填上表中的单位名称）"), 0, 1)
        grid.addWidget(self.units, 1, 0)
        grid.addWidget(self.persons, 1, 1)
        layout.addLayout(grid, 1)
        layout.addWidget(self.error)
        self.refresh_existing()

    def _table(self, name: str, headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(list(headers))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        return table

    def refresh_existing(self) -> None:
        from effdesk.services import directory

        with self.w.db.session() as s:
            count = directory.list_units(s, SYSTEM).total
        self.existing_label.setText(
            f"数据库中已有 {count} 个单位。" if count else "数据库中还没有单位。"
        )

    def add_unit(
        self,
        name: str = "",
        kind: UnitKind = UnitKind.DEPARTMENT,
        category: AssessmentCategory = AssessmentCategory.FIRST,
    ) -> int:
        row = self.units.rowCount()
        self.units.insertRow(row)
        self.units.setItem(row, 0, QTableWidgetItem(name))
        kinds = QComboBox()
        for k in UnitKind:
            kinds.addItem(k.label, k)
        kinds.setCurrentIndex(list(UnitKind).index(kind))
        cats = QComboBox()
        for c in AssessmentCategory:
            cats.addItem(c.label, c)
        cats.setCurrentIndex(list(AssessmentCategory).index(category))
        self.units.setCellWidget(row, 1, kinds)
        self.units.setCellWidget(row, 2, cats)
        item = self.units.item(row, 0)
        if not name and item is not None:
            self.units.setCurrentCell(row, 0)
            self.units.editItem(item)
        return row

    def add_person(self, unit: str = "", name: str = "", post: str = "", phone: str = "") -> int:
        row = self.persons.rowCount()
        self.persons.insertRow(row)
        if not unit and self.units.rowCount():
            item = self.units.item(
                self.units.currentRow() if self.units.currentRow() >= 0 else 0, 0
            )
            unit = item.text() if item else ""
        for col, value in enumerate((unit, name, post, phone)):
            self.persons.setItem(row, col, QTableWidgetItem(value))
        return row

    def _remove_selected(self) -> None:
        for table in (self.units, self.persons):
            for index in sorted({i.row() for i in table.selectedIndexes()}, reverse=True):
                table.removeRow(index)

    def _cell(self, table: QTableWidget, row: int, col: int) -> str:
        item = table.item(row, col)
        return item.text().strip() if item else ""

    def entries(self) -> tuple[list[setup_service.UnitEntry], list[str]]:
        """The typed units with their persons, and problems with persons of unknown units."""
        units: dict[str, setup_service.UnitEntry] = {}
        out: list[setup_service.UnitEntry] = []
        for row in range(self.units.rowCount()):
            name = self._cell(self.units, row, 0)
            kinds = self.units.cellWidget(row, 1)
            cats = self.units.cellWidget(row, 2)
            assert isinstance(kinds, QComboBox) and isinstance(cats, QComboBox)
            entry = setup_service.UnitEntry(name, kinds.currentData(), cats.currentData())
            out.append(entry)
            units.setdefault(name, entry)
        problems: list[str] = []
        for row in range(self.persons.rowCount()):
            values = [self._cell(self.persons, row, c) for c in range(4)]
            if not any(values):
                continue
            unit = units.get(values[0])
            if unit is None:
                problems.append(
                    f"人员表第{row + 1}行：所属单位「{values[0]}」不在单位表中，请先添加该单位。"
                )
                continue
            unit.persons.append(setup_service.PersonEntry(values[1], values[2], values[3]))
        return out, problems

    def validatePage(self) -> bool:
        _units, problems = self.entries()
        if problems:
            self.show_problem("\n".join(problems))
            return False
        return self._problems(("units",))


class DeadlinesPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "办理时限",
            "各环节的办理时限，按工作日计算，不含受理当日（默认值为本县效能投诉办理办法的常用规定）。",
        )
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.spins: dict[str, QSpinBox] = {}
        for key, label, low, high in setup_service.DEADLINE_FIELDS:
            spin = QSpinBox()
            spin.setObjectName(key)
            spin.setRange(low, high)
            spin.setSuffix(" 个工作日")
            spin.setValue(int(wizard.initial.deadlines[key]))
            spin.setToolTip("办理时限按工作日计算，不含受理当日；法定节假日和调休按工作日历。")
            self.spins[key] = spin
            form.addRow(label, spin)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)


class CalendarPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "工作日历",
            "时限按工作日计算，需要知道每年的法定节假日和调休上班日。国务院办公厅每年年底公布"
            "下一年的放假安排，公布后在这里录入。",
        )
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setObjectName("calendarStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.today = wizard.today
        self.enter_button = QPushButton(f"录入{self.today.year + 1}年节假日…")
        self.enter_button.setObjectName("enterHolidays")
        self.enter_button.clicked.connect(self.enter_next_year)
        row = QHBoxLayout()
        row.addWidget(self.enter_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        years = [self.today.year, self.today.year + 1]
        with self.w.db.session() as s:
            statuses = calendar_admin.year_statuses(s, years)
        lines = []
        for st in statuses:
            if st.source == "unknown":
                lines.append(
                    f"● {st.year}年：未录入 — 该年的时限暂按周末休息估算，录入后自动重算。"
                )
            else:
                lines.append(
                    f"● {st.year}年：{st.label}（{st.holidays}天放假，{st.makeup_days}天调休上班）"
                )
        self.status.setText("\n".join(lines))

    def enter_next_year(self) -> None:
        from effdesk.ui.settings.calendar_dialog import HolidayYearDialog

        dialog = HolidayYearDialog(self.w.ctx(), self.today.year + 1, self)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()


class BackupPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            wizard,
            "数据与备份",
            "每天第一次启动时自动加密备份。备份密钥只保存在本机（系统密钥环）或U盘上的密钥文件中；"
            "恢复密钥表是它的纸质副本，请打印后锁进保密柜。",
        )
        layout = QVBoxLayout(self)
        db_path = wizard.db.url.removeprefix("sqlite:///")
        where = QLabel(
            f"数据库：{db_path}\n证据文件：{wizard.db.files_dir}\n自动备份：{paths.data_dir() / 'backups'}"
        )
        where.setObjectName("dataLocations")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        layout.addWidget(where)
        self.use_keyring = QRadioButton("保存在本机系统密钥环中（推荐）")
        self.use_keyring.setObjectName("useKeyring")
        self.use_file = QRadioButton("保存为U盘上的密钥文件（本机没有密钥环时）")
        self.use_file.setObjectName("useKeyFile")
        available = keys.keyring_available()
        self.use_keyring.setEnabled(available)
        (self.use_keyring if available else self.use_file).setChecked(True)
        layout.addWidget(self.use_keyring)
        if not available:
            layout.addWidget(_label("本机没有可用的系统密钥环，请把密钥文件保存在U盘上。"))
        file_row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setObjectName("keyFolder")
        self.folder.setPlaceholderText("选择U盘上的文件夹")
        browse = QPushButton("选择…")
        browse.clicked.connect(self._browse)
        file_row.addWidget(self.use_file)
        file_row.addWidget(self.folder, 1)
        file_row.addWidget(browse)
        layout.addLayout(file_row)
        self.key_button = QPushButton("生成备份密钥并保存恢复密钥表（PDF）…")
        self.key_button.setObjectName("makeKey")
        self.key_button.clicked.connect(lambda: self.make_key())
        layout.addWidget(self.key_button)
        self.key_status = QLabel()
        self.key_status.setObjectName("keyStatus")
        self.key_status.setWordWrap(True)
        self.key_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.key_status)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.sheet: Path | None = None

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择保存密钥文件的U盘文件夹")
        if folder:
            self.folder.setText(folder)
            self.use_file.setChecked(True)

    def key_file(self) -> Path | None:
        if not self.use_file.isChecked():
            return None
        folder = self.folder.text().strip()
        if not folder:
            raise EffDeskError("请选择保存密钥文件的U盘文件夹。")
        return Path(folder) / "effdesk-backup-key.txt"

    def make_key(self, sheet: Path | None = None) -> Path | None:
        """Create (or find) the backup key and write the recovery sheet PDF; return its path."""
        try:
            key_file = self.key_file()
            choice = backup.backup_key(self.w.db, key_file=key_file, create=True)
            if key_file is not None:
                with self.w.db.session() as s:
                    setup_service.remember_key_file(s, self.w.actor, key_file)
                if keys.keyring_available() and keys.get_backup_key(choice.database_id) is None:
                    # The daily backup reads the keyring: give it the same key as the file,
                    # so the printed sheet restores every backup.
                    keys.store_backup_key(choice.database_id, choice.key)
            if sheet is None:
                name, _ = QFileDialog.getSaveFileName(
                    self,
                    "保存恢复密钥表",
                    str(Path.home() / "EffDesk恢复密钥表.pdf"),
                    "PDF 文件 (*.pdf)",
                )
                if not name:
                    return None
                sheet = Path(name)
            from effdesk.reports.recovery_sheet import write_recovery_sheet

            office = self.w.collect().office.name or "（未填写单位名称）"
            write_recovery_sheet(sheet, choice.key, choice.database_id, office, datetime.now())
        except EffDeskError as err:
            show_error(self, err)
            return None
        where = "系统密钥环" if choice.source == "keyring" else choice.source
        self.key_status.setText(
            f"备份密钥已保存在：{where}\n恢复密钥表已保存：{sheet}\n请现在打印这一页并妥善保管。"
        )
        self.sheet = sheet
        self.completeChanged.emit()
        return sheet

    def isComplete(self) -> bool:
        return self.sheet is not None or not self.w.first_run


class SetupWizard(QWizard):
    """The setup wizard on ``db``; ``actor`` saves (SYSTEM before the first admin exists)."""

    def __init__(
        self,
        db: Database,
        actor: Actor = SYSTEM,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
        demo_marker: bool = False,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.import_dialog: QDialog | None = None  # the Excel directory import, when open
        self.today = today or date.today()
        self.setObjectName("setupWizard")
        title = "设置向导 — 效能办桌面工作台"
        self.setWindowTitle(f"{title}（演示单位）" if demo_marker else title)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步 >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< 上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.resize(900, 640)
        with db.session() as s:
            self.initial = setup_service.current(s)
            self.has_users = setup_service.admin_exists(s)
            self.first_run = setup_service.needs_setup(s)
        self.seal_image: bytes | None = self.initial.seal_image
        self.result_summary: setup_service.SetupResult | None = None
        self.demo_chosen = False
        self.office_page = OfficePage(self)
        self.numbers_page = NumbersPage(self)
        self.admin_page = AdminPage(self)
        self.directory_page = DirectoryPage(self)
        self.deadlines_page = DeadlinesPage(self)
        self.calendar_page = CalendarPage(self)
        self.backup_page = BackupPage(self)
        for page in (
            self.office_page,
            self.numbers_page,
            self.admin_page,
            self.directory_page,
            self.deadlines_page,
            self.calendar_page,
            self.backup_page,
        ):
            self.addPage(page)

    def ctx(self) -> AppContext:
        return AppContext(db=self.db, actor=self.actor)

    def choose_demo(self) -> None:
        self.demo_chosen = True
        self.reject()

    def collect(self) -> setup_service.SetupData:
        p = self.office_page
        units, _problems = self.directory_page.entries()
        admin = None
        if self.admin_page.needed:
            a = self.admin_page
            admin = setup_service.AdminInput(
                a.username.text().strip(),
                a.display_name.text().strip(),
                a.password.text(),
                a.confirm.text(),
            )
        return setup_service.SetupData(
            office=setup_service.OfficeInfo(
                name=p.name.text().strip(),
                county=p.county.text().strip(),
                authority_mark=p.mark.text().strip(),
                short_name=p.short.text().strip(),
                printing_office=p.printing.text().strip(),
                phone=self.initial.office.phone,
            ),
            complaint_prefix=self.numbers_page.complaint_prefix.text().strip(),
            document_prefixes={k: e.text().strip() for k, e in self.numbers_page.prefixes.items()},
            deadlines={k: s.value() for k, s in self.deadlines_page.spins.items()},
            seal_image=self.seal_image,
            admin=admin,
            units=units,
        )

    def validateCurrentPage(self) -> bool:
        if not super().validateCurrentPage():
            return False
        if self.currentPage() is not self.backup_page:
            return True
        return self.save()

    def save(self) -> bool:
        """Write everything (one transaction); on a problem show it and stay."""
        try:
            with self.db.session() as s:
                self.result_summary = setup_service.apply_setup(s, self.actor, self.collect())
        except ValidationErrors as err:
            self.backup_page.show_problem(str(err))
            return False
        except EffDeskError as err:
            show_error(self, err)
            return False
        return True


def run_setup_wizard(db: Database, parent: QWidget | None = None) -> int:
    """Show the wizard modally; returns QDialog's result or :data:`DEMO_RESULT`."""
    wizard = SetupWizard(db, SYSTEM, parent)
    result = int(wizard.exec())
    return DEMO_RESULT if wizard.demo_chosen else result


def office_configured(db: Database) -> bool:
    with db.session() as s:
        return not setup_service.needs_setup(s)


def office_name(db: Database) -> str:
    with db.session() as s:
        return settings.get(s, settings.OFFICE_NAME)
