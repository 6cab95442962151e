"""Fast entry of a finding after a visit (录入督查发现问题), and its correction.

One form: unit (type-ahead, pinyin initials), time observed, place, category, persons involved
(picked from the unit's staff or described: "3号窗口女工作人员"), description, proposed measure,
rectification; below it the evidence grid — drop the photos of the visit on it. A new finding's
files are attached right after it is saved, with a progress dialog and one summary.

「保存并继续录入」 keeps unit, time, place and category for the next finding of the same visit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.db.base import now
from effdesk.enums import MeasureType
from effdesk.services import evidence, inspections
from effdesk.services.evidence import IngestReport
from effdesk.services.inspections import FindingInput, FindingPersonInput
from effdesk.ui.context import AppContext
from effdesk.ui.inspections.evidence_grid import EvidencePanel
from effdesk.ui.inspections.picked_list import PickedList
from effdesk.ui.widgets.forms import FieldForm, enum_combo, enum_member
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker
from effdesk.ui.widgets.record_dialog import RecordDialog, set_widget_value, widget_value

CUSTOM_FIELDS = ("observed_at", "persons")


def to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second)


def from_qdatetime(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


class PersonsEditor(PickedList):
    """Persons involved: chosen from the unit's staff, or described when the name is unknown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "移除", parent)
        self.picker = PersonPicker(ctx, placeholder="从名录选择：姓名、职务或拼音首字母")
        self.picker.picked.connect(self._picked)
        self.describe_edit = QLineEdit()
        self.describe_edit.setPlaceholderText("不知道姓名时描述此人，如：3号窗口女工作人员")
        self.describe_button = QPushButton("添加描述")
        self.describe_button.clicked.connect(lambda _c=False: self.add_description())
        self.describe_edit.returnPressed.connect(self.add_description)
        self.list.setMaximumHeight(74)

        row1 = QHBoxLayout()
        row1.addWidget(self.picker, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.describe_edit, 1)
        row2.addWidget(self.describe_button)
        row3 = QHBoxLayout()
        row3.addWidget(self.list, 1)
        row3.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addLayout(row3)

    def set_unit(self, unit_id: int | None) -> None:
        self.picker.set_unit(unit_id)

    def _picked(self, person_id: object) -> None:
        if person_id is None:
            return
        label = self.picker.text()
        self._add(FindingPersonInput(person_id=int(person_id)), label)  # type: ignore[call-overload]
        self.picker.set_current(None)

    def add_description(self) -> None:
        text = self.describe_edit.text().strip()
        if text:
            self._add(FindingPersonInput(description=text), text)
            self.describe_edit.clear()

    def _add(self, person: FindingPersonInput, label: str) -> None:
        self.add_item(person, label if person.person_id is None else f"{label}（名录）")

    def value(self) -> list[FindingPersonInput]:
        return self.values()

    def set_value(self, persons: list[tuple[FindingPersonInput, str]]) -> None:
        self.list.clear()
        for person, label in persons:
            self._add(person, label)


class FindingDialog(RecordDialog):
    """Record (``finding_id=None``) or correct a finding of ``campaign_id``."""

    title_new = "录入督查发现问题"
    title_edit = "修改督查发现问题"
    title_view = "查看督查发现问题"
    evidenceChanged = Signal()

    def __init__(
        self,
        ctx: AppContext,
        finding_id: int | None,
        parent: QWidget | None = None,
        *,
        campaign_id: int | None = None,
        unit_id: int | None = None,
        read_only: bool = False,
    ) -> None:
        self.campaign_id = campaign_id
        self.initial_unit = unit_id
        self.person_labels: dict[tuple[int | None, str], str] = {}
        self.status_text = ""
        self.summary_box: QWidget | None = None
        self._continue = False
        with ctx.session() as s:
            self.categories = inspections.list_categories(s, ctx.actor)
            if finding_id is not None:
                view = inspections.get_finding(s, ctx.actor, finding_id)
                self.campaign_id = view.row.campaign_id
            self.window_ = None
            if self.campaign_id is not None:
                c = inspections.get_campaign(s, ctx.actor, self.campaign_id)
                self.campaign_name = c.name
                self.window_ = evidence.window_for_dates(c.start_date, c.end_date)
                self.campaign_dates = (c.start_date, c.end_date)
            else:
                self.campaign_name = ""
        self.evidence_panel = EvidencePanel(ctx)
        self.evidence_panel.set_window(self.window_)
        super().__init__(ctx, finding_id, parent, read_only=read_only)
        self.resize(900, 860)
        self.evidence_panel.changed.connect(self.evidenceChanged)

        evidence_box = QGroupBox("证据（照片、视频、录音）")
        eb = QVBoxLayout(evidence_box)
        eb.addWidget(self.evidence_panel)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, evidence_box, 1)
        if self.campaign_name:
            head = QLabel(
                f"督查活动：{self.campaign_name}"
                + (f"　状态：{self.status_text}" if self.status_text else "")
            )
            head.setStyleSheet("color: #555;")
            layout.insertWidget(0, head)

        if finding_id is None and not read_only:
            self.continue_button = QPushButton("保存并继续录入")
            self.continue_button.setToolTip("保存后保留单位、时间、地点和类别，接着录入下一条")
            self.buttons.addButton(self.continue_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.continue_button.clicked.connect(lambda _c=False: self.submit_and_continue())
            if self.initial_unit is not None:
                self.unit_edit.set_current_id(self.initial_unit)
            self.observed_edit.setDateTime(to_qdatetime(self._default_time()))
            self.loaded = self.values()
        if finding_id is not None:
            self.evidence_panel.set_finding(finding_id, self.window_)
        if read_only:
            self.evidence_panel.can_add = False
            self.evidence_panel.reload()

    # --- form -------------------------------------------------------------------------
    def build_form(self, form: FieldForm) -> None:
        self.unit_edit = UnitPicker(self.ctx)
        self.observed_edit = QDateTimeEdit()
        self.observed_edit.setCalendarPopup(True)
        self.observed_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText("如：一楼不动产登记窗口")
        self.category_combo = QComboBox()
        self.category_combo.addItem("（未分类）", None)
        for c in self.categories:
            self.category_combo.addItem(c.name, c.id)
        self.persons_editor = PersonsEditor(self.ctx)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("看到了什么：时间、地点、人员、行为、群众反映……")
        self.description_edit.setMinimumHeight(80)
        self.description_edit.setMaximumHeight(130)
        self.measure_combo = enum_combo(MeasureType, empty="（暂不提出）")
        self.rectification_check = QCheckBox("需要整改")
        form.add_field("unit_id", "被检查单位", self.unit_edit, required=True)
        form.add_field("observed_at", "发现时间", self.observed_edit, required=True)
        form.add_field("place", "检查地点", self.place_edit)
        form.add_field("category_id", "问题类别", self.category_combo)
        form.add_field("persons", "涉及人员", self.persons_editor)
        form.add_field("description", "问题描述", self.description_edit, required=True)
        form.add_field("proposed_measure", "建议处理", self.measure_combo)
        form.add_field("rectification_required", "整改", self.rectification_check)
        self.unit_edit.picked.connect(self._unit_picked)

    def check_locally(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().check_locally(values)
        if self.persons_editor.picker.is_unresolved():
            problems.append(
                ("persons", "请从下拉列表中选择人员；不知道姓名时，请在下面一栏描述此人。")
            )
        return problems

    def _unit_picked(self, unit_id: object) -> None:
        self.persons_editor.set_unit(int(unit_id) if unit_id is not None else None)  # type: ignore[call-overload]

    def _default_time(self) -> datetime:
        """Now, or — for a campaign already over — 9:00 on its last day (a visit logged late)."""
        current = now().replace(second=0)
        if self.campaign_id is None:
            return current
        start, end = self.campaign_dates
        if start <= current.date() <= end:
            return current
        day = end if current.date() > end else start
        return datetime(day.year, day.month, day.day, 9, 0)

    # --- values -----------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out = {
            f: widget_value(self.form.widget(f))
            for f in self.form.errors.fields()
            if f not in CUSTOM_FIELDS
        }
        out["observed_at"] = from_qdatetime(self.observed_edit.dateTime())
        out["persons"] = [(p.person_id, p.description) for p in self.persons_editor.value()]
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        for field, value in values.items():
            if field == "observed_at":
                if value is not None:
                    self.observed_edit.setDateTime(to_qdatetime(value))
            elif field == "persons":
                self.persons_editor.set_value(
                    [
                        (FindingPersonInput(pid, desc), self.person_labels.get((pid, desc), desc))
                        for pid, desc in value
                    ]
                )
            elif field in self.form.errors.fields():
                set_widget_value(self.form.widget(field), value)
        self._unit_picked(self.unit_edit.current_id())

    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        view = inspections.get_finding(session, self.ctx.actor, self.record_id)  # type: ignore[arg-type]
        r = view.row
        self.status_text = r.status.label
        self.person_labels = {
            (p.person_id, p.description): (
                (p.name + (f"（{p.post}）" if p.post else "")) if p.person_id else p.description
            )
            for p in view.persons
        }
        return (
            {
                "unit_id": r.unit_id,
                "observed_at": r.observed_at,
                "place": r.place,
                "category_id": r.category_id,
                "persons": [(p.person_id, p.description) for p in view.persons],
                "description": r.description,
                "proposed_measure": r.proposed_measure.value if r.proposed_measure else None,
                "rectification_required": r.rectification_required,
            },
            r.version,
        )

    def to_input(self, values: dict[str, Any]) -> FindingInput:
        return FindingInput(
            unit_id=values["unit_id"],
            observed_at=values["observed_at"],
            description=values["description"],
            campaign_id=self.campaign_id,
            place=values["place"],
            category_id=values["category_id"],
            persons=[FindingPersonInput(pid, desc) for pid, desc in values["persons"]],
            proposed_measure=enum_member(MeasureType, values["proposed_measure"]),
            rectification_required=bool(values["rectification_required"]),
        )

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        data = self.to_input(values)
        if self.record_id is None:
            return inspections.create_finding(session, self.ctx.actor, data).id
        return inspections.update_finding(
            session, self.ctx.actor, self.record_id, data, expected_version
        ).id

    # --- saving with evidence ---------------------------------------------------------
    def submit_and_continue(self) -> None:
        self._continue = True
        self.submit()

    def _failed(self, exc: BaseException) -> None:
        self._continue = False
        super()._failed(exc)

    def _saved(self, record_id: int) -> None:
        self.save_button.setEnabled(True)
        new = self.record_id is None
        self.record_id = record_id
        # ``saved`` once the evidence is in too, so the list shows the right file count.
        if new:
            self.evidence_panel.attach_pending(record_id, self._after_evidence)
        else:
            self._after_evidence(None)

    def _after_evidence(self, _report: IngestReport | None) -> None:
        if self.record_id is not None:
            self.saved.emit(self.record_id)
        if self._continue:
            self._continue = False
            self._reset_for_next()
            return
        self.accept()

    def _reset_for_next(self) -> None:
        """Same visit, next finding: keep unit, time, place, category; clear the rest."""
        self.record_id = None
        self.version = None
        self.description_edit.clear()
        self.persons_editor.set_value([])
        self.measure_combo.setCurrentIndex(0)
        self.rectification_check.setChecked(False)
        self.evidence_panel.set_finding(None, self.window_)
        self.loaded = self.values()
        self.description_edit.setFocus()
