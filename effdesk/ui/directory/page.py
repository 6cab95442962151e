"""单位人员: the directory of supervised units (left) and the staff of the selected unit (right)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import AssessmentCategory
from effdesk.permissions import Permission
from effdesk.services import directory
from effdesk.services.common import Page
from effdesk.services.directory import PersonRow, UnitRow
from effdesk.ui.context import AppContext
from effdesk.ui.directory.person_dialog import PersonDialog
from effdesk.ui.directory.unit_dialog import UnitDialog
from effdesk.ui.models.paged import CENTER, GREY, RIGHT, Column, PagedTableModel
from effdesk.ui.widgets.dialog_slot import DialogSlot
from effdesk.ui.widgets.forms import enum_combo, enum_member
from effdesk.ui.widgets.icons import icon
from effdesk.ui.widgets.panes import side_by_side
from effdesk.ui.widgets.search_table import SearchableTableView


def _inactive_grey(active: bool) -> QColor | None:
    return None if active else GREY


UNIT_COLUMNS: list[Column[UnitRow]] = [
    Column("单位名称", lambda r: r.name, width=180, foreground=lambda r: _inactive_grey(r.active)),
    Column("简称", lambda r: r.short_name, width=72),
    Column("单位类型", lambda r: r.kind.label, width=84),
    Column("考评类别", lambda r: r.category.label.removesuffix("考评单位"), width=58),
    Column("上级单位", lambda r: r.parent_name, width=96),
    Column("联系人", lambda r: r.contact_person, width=62),
    Column("联系电话", lambda r: r.contact_phone, width=112),
    Column("人数", lambda r: r.person_count, align=RIGHT, width=44),
    Column(
        "状态",
        lambda r: "在用" if r.active else "已停用",
        align=CENTER,
        width=52,
        foreground=lambda r: _inactive_grey(r.active),
    ),
]

PERSON_COLUMNS: list[Column[PersonRow]] = [
    Column(
        "姓名／特征",
        lambda r: r.display_name,
        width=150,
        foreground=lambda r: _inactive_grey(r.active),
        tooltip=lambda r: r.description if r.name and r.description else "",
    ),
    Column("所在单位", lambda r: r.unit_name, width=160),
    Column("职务", lambda r: r.post, width=110),
    Column("联系电话", lambda r: r.phone, width=116),
    Column(
        "状态",
        lambda r: "在岗" if r.active else "不在岗",
        align=CENTER,
        width=56,
        foreground=lambda r: _inactive_grey(r.active),
    ),
]
PERSON_UNIT_COLUMN = 1


def create_page(ctx: AppContext) -> QWidget:
    return DirectoryPage(ctx)


class DirectoryPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_edit = ctx.can(Permission.EDIT_DIRECTORY)
        self._dialog: DialogSlot[QDialog] = DialogSlot(self)
        self._unit: UnitRow | None = None
        self._person_to_select: int | None = None  # after a save, once its unit is shown

        # --- units ---
        self.units_model: PagedTableModel[UnitRow] = PagedTableModel(
            self._fetch_units, UNIT_COLUMNS, key=lambda r: r.id, parent=self
        )
        self.units_view = SearchableTableView(
            self.units_model,
            placeholder="查找单位：名称、简称或拼音首字母（如 gaj）",
            noun="个单位",
        )
        self.category_combo = enum_combo(AssessmentCategory, empty="全部考评类别")
        self.category_combo.currentIndexChanged.connect(lambda _i: self.units_view.refresh())
        self.inactive_check = QCheckBox("含已停用")
        self.inactive_check.toggled.connect(lambda _on: self.units_view.refresh())
        self.add_unit_button = self._button("新增单位", "add", self.add_unit)
        self.units_view.empty_hint = "点“新增单位”添加被监督单位（管理员也可在设置向导中录入）。"
        self.edit_unit_button = self._button("修改单位", "edit", self.edit_unit)
        tb = self.units_view.toolbar
        tb.addWidget(self.category_combo)
        tb.addWidget(self.inactive_check)
        tb.addWidget(self.add_unit_button)
        tb.addWidget(self.edit_unit_button)
        self.units_view.currentRowChanged.connect(self._unit_selected)
        self.units_view.rowActivated.connect(lambda _r: self.edit_unit())

        units_pane = QWidget()
        ul = QVBoxLayout(units_pane)
        ul.setContentsMargins(12, 12, 6, 12)
        ul.addWidget(self._heading("被监督单位"))
        ul.addWidget(self.units_view)

        # --- persons ---
        self.persons_model: PagedTableModel[PersonRow] = PagedTableModel(
            self._fetch_persons, PERSON_COLUMNS, key=lambda r: r.id, parent=self
        )
        self.persons_view = SearchableTableView(
            self.persons_model, placeholder="查找人员：姓名、职务或拼音首字母", noun="人"
        )
        self.all_units_check = QCheckBox("在全部单位中查找")
        self.all_units_check.toggled.connect(self._all_units_toggled)
        self.add_person_button = self._button("新增人员", "add", self.add_person)
        self.persons_view.empty_hint = "选中左侧的单位，再点“新增人员”添加。"
        self.edit_person_button = self._button("修改人员", "edit", self.edit_person)
        tb = self.persons_view.toolbar
        tb.addWidget(self.add_person_button)
        tb.addWidget(self.edit_person_button)
        self.persons_view.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.persons_view.rowActivated.connect(lambda _r: self.edit_person())
        self.persons_view.table.setColumnHidden(PERSON_UNIT_COLUMN, True)

        persons_pane = QWidget()
        pl = QVBoxLayout(persons_pane)
        pl.setContentsMargins(6, 12, 12, 12)
        self.persons_heading = self._heading("人员")
        head = QHBoxLayout()
        head.addWidget(self.persons_heading, 1)
        head.addWidget(self.all_units_check)
        pl.addLayout(head)
        pl.addWidget(self.persons_view)

        splitter = side_by_side(units_pane, persons_pane, (5, 3), (820, 490))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        if not self.can_edit:
            reason = f"没有「{Permission.EDIT_DIRECTORY.label}」的权限"
            for b in (self.add_unit_button, self.add_person_button):
                b.setToolTip(reason)
            self.edit_unit_button.setText("查看单位")
            self.edit_person_button.setText("查看人员")

        self.units_view.refresh()
        self._unit_selected(None)

    # --- construction helpers ---------------------------------------------------------
    def _button(self, text: str, icon_name: str, slot: Any) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        label.setFont(font)
        return label

    # --- data -------------------------------------------------------------------------
    def _fetch_units(self, offset: int, limit: int) -> Page[UnitRow]:
        code = self.category_combo.currentData()
        with self.ctx.session() as s:
            return directory.list_units(
                s,
                self.ctx.actor,
                self.units_view.query(),
                category=enum_member(AssessmentCategory, code),
                include_inactive=self.inactive_check.isChecked(),
                offset=offset,
                limit=limit,
            )

    def _fetch_persons(self, offset: int, limit: int) -> Page[PersonRow]:
        all_units = self.all_units_check.isChecked()
        if not all_units and self._unit is None:
            return Page(rows=[], total=0, offset=offset)
        with self.ctx.session() as s:
            return directory.list_persons(
                s,
                self.ctx.actor,
                self.persons_view.query(),
                unit_id=None if all_units or self._unit is None else self._unit.id,
                offset=offset,
                limit=limit,
            )

    def on_shown(self) -> None:
        """Another user may have changed the directory meanwhile."""
        self.units_view.refresh()

    # --- selection --------------------------------------------------------------------
    def _unit_selected(self, row: UnitRow | None) -> None:
        self._unit = row
        if not self.all_units_check.isChecked():
            self.persons_heading.setText(
                f"{row.name} 的人员" if row else "人员（请先在左侧选择单位）"
            )
            person = self._person_to_select if row is not None else None
            self._person_to_select = None if row is not None else self._person_to_select
            self.persons_view.refresh(keep_selection=False, select_key=person, reveal=True)
        self._update_buttons()

    def _all_units_toggled(self, on: bool) -> None:
        self.persons_view.table.setColumnHidden(PERSON_UNIT_COLUMN, not on)
        if on:
            self.persons_heading.setText("全部单位的人员")
            self.persons_view.refresh(keep_selection=False)
        else:
            self._unit_selected(self.units_view.selected())

    def _update_buttons(self) -> None:
        self.add_unit_button.setEnabled(self.can_edit)
        self.edit_unit_button.setEnabled(self.units_view.selected() is not None)
        self.add_person_button.setEnabled(self.can_edit)
        self.edit_person_button.setEnabled(self.persons_view.selected() is not None)

    # --- dialogs ----------------------------------------------------------------------
    @property
    def dialog(self) -> QDialog | None:
        """The open add/edit dialog (one at a time; tests look at it)."""
        return self._dialog.current

    def _open(self, make: Any, on_saved: Any) -> QDialog | None:
        def connect(dialog: Any) -> None:
            dialog.saved.connect(lambda record_id: on_saved(dialog, record_id))

        return self._dialog.open(make, connect)

    def add_unit(self) -> QDialog | None:
        if not self.can_edit:
            return None
        return self._open(lambda: UnitDialog(self.ctx, None, self), self._unit_saved)

    def edit_unit(self) -> QDialog | None:
        row = self.units_view.selected()
        if row is None:
            return None
        return self._open(
            lambda: UnitDialog(self.ctx, row.id, self, read_only=not self.can_edit),
            self._unit_saved,
        )

    def add_person(self) -> QDialog | None:
        if not self.can_edit:
            return None
        unit_id = self._unit.id if self._unit is not None else None
        return self._open(
            lambda: PersonDialog(self.ctx, None, self, unit_id=unit_id), self._person_saved
        )

    def edit_person(self) -> QDialog | None:
        row = self.persons_view.selected()
        if row is None:
            return None
        return self._open(
            lambda: PersonDialog(self.ctx, row.id, self, read_only=not self.can_edit),
            self._person_saved,
        )

    def _unit_saved(self, _dialog: QDialog, unit_id: int) -> None:
        # Select the saved unit, clearing the search if it hides it.
        self.units_view.refresh(select_key=unit_id, reveal=True)

    def _person_saved(self, dialog: QDialog, person_id: int) -> None:
        unit_id = dialog.unit_picker.current_id() if isinstance(dialog, PersonDialog) else None
        if self.all_units_check.isChecked():
            self.units_view.refresh()  # person counts changed
            self.persons_view.refresh(select_key=person_id, reveal=True)
            return
        # Re-selecting the unit (its own, if the person moved) reloads its persons and then
        # selects the saved one.
        self._person_to_select = person_id
        self.units_view.refresh(select_key=unit_id or (self._unit.id if self._unit else None))
