"""Add or edit a person (干部职工) of a unit."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget
from sqlalchemy.orm import Session

from effdesk.services import directory
from effdesk.ui.context import AppContext
from effdesk.ui.widgets.forms import FieldForm
from effdesk.ui.widgets.pickers import UnitPicker
from effdesk.ui.widgets.record_dialog import RecordDialog


class PersonDialog(RecordDialog):
    title_new = "新增人员"
    title_edit = "修改人员"
    title_view = "查看人员"

    def __init__(
        self,
        ctx: AppContext,
        person_id: int | None = None,
        parent: QWidget | None = None,
        *,
        unit_id: int | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(ctx, person_id, parent, read_only=read_only)
        if person_id is None and unit_id is not None:
            self.unit_picker.set_current_id(unit_id)
            self.loaded = self.values()
            self.name_edit.setFocus()
        self.setMinimumWidth(480)

    def build_form(self, form: FieldForm) -> None:
        self.unit_picker = UnitPicker(self.ctx)
        form.add_field("unit_id", "所在单位", self.unit_picker, required=True)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(40)
        form.add_field("name", "姓名", self.name_edit, hint="姓名和特征描述至少填一项")
        self.description_edit = QLineEdit()
        self.description_edit.setMaxLength(200)
        form.add_field(
            "description",
            "特征描述",
            self.description_edit,
            hint="不知道姓名时描述此人，如「3号窗口女工作人员，短发，戴眼镜」",
        )
        self.post_edit = QLineEdit()
        self.post_edit.setMaxLength(60)
        form.add_field("post", "职务", self.post_edit)
        self.phone_edit = QLineEdit()
        self.phone_edit.setMaxLength(40)
        form.add_field("phone", "联系电话", self.phone_edit, hint="手机号或带区号的座机号")
        self.active_check = QCheckBox("在岗（调离、退休的人员取消勾选，历史记录仍保留）")
        self.active_check.setChecked(True)
        form.add_field("active", "状态", self.active_check)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(64)
        form.add_field("notes", "备注", self.notes_edit)

    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        assert self.record_id is not None
        person = directory.get_person(session, self.ctx.actor, self.record_id)
        return {f: getattr(person, f) for f in directory.PERSON_FIELDS}, person.version

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        data = directory.PersonInput(
            # 0 never exists: the service then reports "请选择所在单位" at the field.
            unit_id=values["unit_id"] if values["unit_id"] is not None else 0,
            name=values["name"],
            description=values["description"],
            post=values["post"],
            phone=values["phone"],
            active=values["active"],
            notes=values["notes"],
        )
        if self.record_id is None:
            person = directory.create_person(session, self.ctx.actor, data)
        else:
            person = directory.update_person(
                session, self.ctx.actor, self.record_id, data, expected_version
            )
        return person.id
