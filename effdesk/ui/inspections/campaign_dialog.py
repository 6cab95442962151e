"""Plan or change a campaign (督查活动): name, kind, theme, dates, team, target units."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.enums import CampaignKind
from effdesk.services import directory, inspections
from effdesk.services.inspections import CampaignInput
from effdesk.ui.context import AppContext
from effdesk.ui.inspections.picked_list import PickedList
from effdesk.ui.widgets.forms import FieldForm, enum_combo, enum_member
from effdesk.ui.widgets.pickers import UnitPicker
from effdesk.ui.widgets.record_dialog import RecordDialog, set_widget_value, widget_value

# Themes the seeds name most often; the field stays free text.
COMMON_THEMES = [
    "上下班纪律",
    "窗口服务",
    "会风会纪",
    "工作作风",
    "优化营商环境",
    "中心工作落实",
    "节假日值班值守",
]
CUSTOM_FIELDS = ("theme", "member_ids", "target_unit_ids")
_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class TargetUnitsEditor(PickedList):
    """The target units: add with a type-ahead picker, remove from the list."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "移除选中", parent)
        self.picker = UnitPicker(ctx, placeholder="添加检查对象：输入单位名称或拼音首字母")
        self.picker.picked.connect(self._picked)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(120)
        self.count_label = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.count_label, 1)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.picker)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self._changed()

    def _picked(self, unit_id: object) -> None:
        if unit_id is None:
            return
        self.add(int(unit_id), self.picker.text())  # type: ignore[call-overload]
        self.picker.set_current(None)

    def add(self, unit_id: int, name: str) -> None:
        self.add_item(unit_id, name)

    def value(self) -> list[int]:
        return [int(v) for v in self.values()]

    def set_value(self, units: list[tuple[int, str]]) -> None:
        self.list.clear()
        for uid, name in units:
            self.add(uid, name)
        self._changed()

    def _changed(self) -> None:
        self.count_label.setText(f"共 {self.list.count()} 个单位")
        super()._changed()


class CampaignDialog(RecordDialog):
    title_new = "新建督查活动"
    title_edit = "修改督查活动"
    title_view = "查看督查活动"

    def __init__(
        self,
        ctx: AppContext,
        campaign_id: int | None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        with ctx.session() as s:
            self.candidates = inspections.list_team_candidates(s, ctx.actor)
        self.unit_names: dict[int, str] = {}
        super().__init__(ctx, campaign_id, parent, read_only=read_only)
        self.resize(680, 760)
        if campaign_id is None:
            today = date.today()
            self.start_edit.setDate(QDate(today.year, today.month, today.day))
            end = today + timedelta(days=4)
            self.end_edit.setDate(QDate(end.year, end.month, end.day))
            if ctx.actor.user_id is not None:
                self._check_member(ctx.actor.user_id)
            self.loaded = self.values()

    def build_form(self, form: FieldForm) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(120)
        self.name_edit.setPlaceholderText("如：2026年3月上班纪律暗访")
        self.kind_combo = enum_combo(CampaignKind)
        self.theme_combo = QComboBox()
        self.theme_combo.setEditable(True)
        self.theme_combo.addItems(COMMON_THEMES)
        self.theme_combo.setCurrentText("")
        self.theme_combo.setMinimumWidth(260)
        self.kind_combo.setMinimumWidth(160)
        theme_edit = self.theme_combo.lineEdit()
        assert theme_edit is not None
        theme_edit.setPlaceholderText("选择或输入督查主题")
        self.start_edit = QDateEdit()
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("yyyy-MM-dd")
        self.end_edit = QDateEdit()
        self.end_edit.setCalendarPopup(True)
        self.end_edit.setDisplayFormat("yyyy-MM-dd")
        self.leader_combo = QComboBox()
        self.leader_combo.addItem("（未指定）", None)
        for m in self.candidates:
            self.leader_combo.addItem(m.display_name, m.user_id)
        self.members_list = QListWidget()
        self.members_list.setMaximumHeight(110)
        for m in self.candidates:
            item = QListWidgetItem(m.display_name)
            item.setData(_ID_ROLE, m.user_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members_list.addItem(item)
        self.targets_editor = TargetUnitsEditor(self.ctx)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setMaximumHeight(80)
        self.description_edit.setPlaceholderText("工作要求、注意事项（可不填）")
        form.add_field("name", "活动名称", self.name_edit, required=True)
        form.add_field("kind", "督查方式", self.kind_combo, required=True)
        form.add_field("theme", "督查主题", self.theme_combo)
        form.add_field("start_date", "开始日期", self.start_edit, required=True)
        form.add_field("end_date", "结束日期", self.end_edit, required=True)
        form.add_field("leader_id", "组长", self.leader_combo)
        form.add_field("member_ids", "督查组成员", self.members_list, hint="勾选参加本次督查的人员")
        form.add_field("target_unit_ids", "检查对象", self.targets_editor, required=True)
        form.add_field("description", "工作要求", self.description_edit)

    def _check_member(self, user_id: int) -> None:
        for i in range(self.members_list.count()):
            item = self.members_list.item(i)
            if item.data(_ID_ROLE) == user_id:
                item.setCheckState(Qt.CheckState.Checked)

    # --- values -----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out = {
            f: widget_value(self.form.widget(f))
            for f in self.form.errors.fields()
            if f not in CUSTOM_FIELDS
        }
        out["theme"] = self.theme_combo.currentText().strip()
        out["member_ids"] = [
            int(self.members_list.item(i).data(_ID_ROLE))
            for i in range(self.members_list.count())
            if self.members_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        out["target_unit_ids"] = self.targets_editor.value()
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for field, value in values.items():
            if field == "theme":
                self.theme_combo.setCurrentText(value or "")
            elif field == "member_ids":
                for i in range(self.members_list.count()):
                    item = self.members_list.item(i)
                    checked = item.data(_ID_ROLE) in set(value)
                    item.setCheckState(
                        Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
                    )
            elif field == "target_unit_ids":
                self.targets_editor.set_value([(u, self._unit_name(u)) for u in value])
            elif field in self.form.errors.fields():
                set_widget_value(self.form.widget(field), value)

    def _unit_name(self, unit_id: int) -> str:
        if unit_id not in self.unit_names:
            with self.ctx.session() as s:
                self.unit_names[unit_id] = directory.get_unit(s, self.ctx.actor, unit_id).name
        return self.unit_names[unit_id]

    def check_locally(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().check_locally(values)
        if not values["target_unit_ids"]:
            problems.append(("target_unit_ids", "请至少添加一个检查对象。"))
        if self.targets_editor.picker.is_unresolved():
            problems.append(("target_unit_ids", "请从下拉列表中选择单位（输入后按 ↓ 选择）。"))
        return problems

    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        view = inspections.get_campaign(session, self.ctx.actor, self.record_id)  # type: ignore[arg-type]
        for t in view.targets:
            self.unit_names[t.unit_id] = t.unit_name
        return (
            {
                "name": view.name,
                "kind": view.kind.value,
                "theme": view.theme,
                "start_date": view.start_date,
                "end_date": view.end_date,
                "leader_id": view.leader_id,
                "member_ids": [m.user_id for m in view.members],
                "target_unit_ids": [t.unit_id for t in view.targets],
                "description": view.description,
            },
            view.version,
        )

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        kind = enum_member(CampaignKind, values["kind"])
        assert kind is not None
        data = CampaignInput(
            name=values["name"],
            kind=kind,
            start_date=values["start_date"],
            end_date=values["end_date"],
            theme=values["theme"],
            description=values["description"],
            leader_id=values["leader_id"],
            member_ids=values["member_ids"],
            target_unit_ids=values["target_unit_ids"],
        )
        if self.record_id is None:
            return inspections.create_campaign(session, self.ctx.actor, data).id
        return inspections.update_campaign(
            session, self.ctx.actor, self.record_id, data, expected_version
        ).id
