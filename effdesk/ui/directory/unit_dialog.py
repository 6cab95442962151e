"""Add or edit a supervised unit (被监督单位)."""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QSpinBox, QWidget
from sqlalchemy.orm import Session

from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.services import directory
from effdesk.ui.context import AppContext
from effdesk.ui.widgets.forms import FieldForm, enum_combo, enum_member
from effdesk.ui.widgets.pickers import UnitPicker
from effdesk.ui.widgets.record_dialog import RecordDialog

T = TypeVar("T")


def _required(value: T | None) -> T:
    # The combo boxes have no empty item, so a value is always chosen.
    assert value is not None
    return value


class UnitDialog(RecordDialog):
    title_new = "新增单位"
    title_edit = "修改单位"
    title_view = "查看单位"

    def __init__(
        self,
        ctx: AppContext,
        unit_id: int | None = None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self._unit_id = unit_id
        super().__init__(ctx, unit_id, parent, read_only=read_only)
        self.setMinimumWidth(520)

    def build_form(self, form: FieldForm) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(100)
        form.add_field("name", "单位名称", self.name_edit, required=True)
        self.short_name_edit = QLineEdit()
        self.short_name_edit.setMaxLength(40)
        form.add_field("short_name", "简称", self.short_name_edit)
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(40)
        form.add_field(
            "code", "单位代码", self.code_edit, hint="统一社会信用代码或本地编码，可不填"
        )
        self.kind_combo = enum_combo(UnitKind)
        form.add_field("kind", "单位类型", self.kind_combo, required=True)
        self.category_combo = enum_combo(AssessmentCategory)
        form.add_field("category", "考评类别", self.category_combo, required=True)
        self.parent_picker = UnitPicker(self.ctx, include_inactive=True, exclude_id=self._unit_id)
        form.add_field("parent_id", "上级单位", self.parent_picker)
        self.contact_person_edit = QLineEdit()
        self.contact_person_edit.setMaxLength(40)
        form.add_field("contact_person", "联系人", self.contact_person_edit)
        self.contact_phone_edit = QLineEdit()
        self.contact_phone_edit.setMaxLength(40)
        form.add_field(
            "contact_phone", "联系电话", self.contact_phone_edit, hint="手机号或带区号的座机号"
        )
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(200)
        form.add_field("address", "地址", self.address_edit)
        self.sort_spin = QSpinBox()
        self.sort_spin.setRange(0, 9999)
        form.add_field(
            "sort_order", "排序号", self.sort_spin, hint="同一考评类别内按此号从小到大排列"
        )
        self.active_check = QCheckBox("在用（撤并或不再监督的单位取消勾选，历史记录仍保留）")
        self.active_check.setChecked(True)
        form.add_field("active", "状态", self.active_check)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(64)
        form.add_field("notes", "备注", self.notes_edit)

    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        unit = directory.get_unit(session, self.ctx.actor, self._require_id())
        values = {f: getattr(unit, f) for f in directory.UNIT_FIELDS}
        values["kind"] = unit.kind.value
        values["category"] = unit.category.value
        return values, unit.version

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        data = directory.UnitInput(
            name=values["name"],
            kind=_required(enum_member(UnitKind, values["kind"])),
            category=_required(enum_member(AssessmentCategory, values["category"])),
            short_name=values["short_name"],
            code=values["code"],
            parent_id=values["parent_id"],
            contact_person=values["contact_person"],
            contact_phone=values["contact_phone"],
            address=values["address"],
            active=values["active"],
            sort_order=values["sort_order"],
            notes=values["notes"],
        )
        if self.record_id is None:
            unit = directory.create_unit(session, self.ctx.actor, data)
        else:
            unit = directory.update_unit(
                session, self.ctx.actor, self.record_id, data, expected_version
            )
        return unit.id

    def _require_id(self) -> int:
        assert self.record_id is not None
        return self.record_id
