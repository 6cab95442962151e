"""记录问责: add or correct one measure; opened prefilled from a complaint, a finding or a
circular (several proposals are recorded one after another in the same dialog)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.enums import LabeledEnum, MeasureType, SubjectKind
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import directory
from effdesk.services.accountability import measures as ms
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.forms import FieldForm, enum_member
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker
from effdesk.ui.widgets.record_dialog import RecordDialog, widget_value

WARN_CSS = "color:#c62828; font-weight:bold;"


E = TypeVar("E", bound=LabeledEnum)


def _member(enum: type[E], code: str) -> E:
    member = enum_member(enum, code)
    assert member is not None
    return member


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def date_edit(d: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(qdate(d or clock.today()))
    return edit


def amount_text(amount: Decimal | str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:f}" if isinstance(amount, Decimal) else str(amount)


def basis_html(complaint_id: int | None, finding_id: int | None, label: str) -> str:
    if complaint_id is not None:
        return f'<a href="complaint:{complaint_id}">{label}</a>'
    if finding_id is not None:
        return f'<a href="finding:{finding_id}">{label}</a>'
    return "直接决定（无投诉件或督查发现作依据）"


class MeasureDialog(RecordDialog):
    """Signals ``saved(int)`` per measure recorded, ``basisRequested(str, int)`` when the user
    clicks the basis ("complaints"/"inspections" and the id). ``last_warnings`` holds the
    service's warnings of the last save (also shown in a message box)."""

    title_new = "记录问责"
    title_edit = "修改问责记录"
    title_view = "查看问责记录"
    basisRequested = Signal(str, int)

    def __init__(
        self,
        ctx: AppContext,
        measure_id: int | None = None,
        parent: QWidget | None = None,
        *,
        proposals: list[ms.MeasureInput] | None = None,
    ) -> None:
        self.proposals = list(proposals or [])
        self.basis: tuple[int | None, int | None] = (None, None)
        self.last_warnings: list[str] = []
        self.warning_box: QMessageBox | None = None
        self.recorded: list[int] = []
        self._pending_warnings: list[str] = []
        super().__init__(
            ctx,
            measure_id,
            parent,
            read_only=not ctx.can(Permission.DECIDE_MEASURES),
        )
        self.setMinimumWidth(560)
        self.basis_label.setEnabled(True)  # the link opens the basis even when viewing
        if measure_id is None:
            if self.proposals:
                self._load_proposal(0)
            else:
                self._subject_changed()
            self.loaded = self.values()

    # --- form -------------------------------------------------------------------------
    def build_form(self, form: FieldForm) -> None:
        self.progress_label = QLabel()
        self.progress_label.setStyleSheet("color:#1f4e79;")
        self.progress_label.setVisible(False)
        form.layout_.addRow(self.progress_label)
        self.subject_combo = QComboBox()
        for kind in SubjectKind:
            self.subject_combo.addItem(kind.label, kind.value)
        self.subject_combo.currentIndexChanged.connect(lambda _i: self._subject_changed())
        form.add_field("subject_kind", "问责对象", self.subject_combo, required=True)
        self.person_picker = PersonPicker(self.ctx)
        self.person_picker.picked.connect(self._person_picked)
        form.add_field(
            "person_id", "被问责人员", self.person_picker, hint="对象为个人时填写；单位随人员带出"
        )
        self.unit_picker = UnitPicker(self.ctx)
        self.unit_picker.picked.connect(self._unit_picked)
        form.add_field("unit_id", "单位", self.unit_picker)
        self.count_label = QLabel()
        self.count_label.setObjectName("warningCount")
        form.layout_.addRow("", self.count_label)
        self.measure_combo = QComboBox()
        with self.ctx.session() as s:
            choices = ms.measure_type_choices(s)
        for m, label in choices:
            self.measure_combo.addItem(label, m.value)
        self.measure_combo.currentIndexChanged.connect(lambda _i: self._measure_changed())
        form.add_field("measure", "问责措施", self.measure_combo, required=True)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("元")
        form.add_field("amount", "扣发金额（元）", self.amount_edit, hint="仅扣发绩效/津贴填写")
        self.date_edit = date_edit()
        self.date_edit.dateChanged.connect(lambda _d: self._update_count())
        form.add_field("decided_date", "决定日期", self.date_edit, required=True)
        self.basis_label = QLabel()
        self.basis_label.setObjectName("basisLink")
        self.basis_label.setTextFormat(Qt.TextFormat.RichText)
        self.basis_label.linkActivated.connect(self._basis_clicked)
        form.add_field("complaint_id", "问责依据", self.basis_label)
        self.body_edit = QLineEdit()
        self.body_edit.setMaxLength(120)
        form.add_field("deciding_body", "决定机关", self.body_edit)
        self.number_edit = QLineEdit()
        self.number_edit.setMaxLength(60)
        form.add_field("document_number", "文号", self.number_edit, hint="如 X效办〔2026〕7号")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setFixedHeight(60)
        form.add_field("notes", "备注", self.notes_edit)
        form.errors.alias("finding_id", "complaint_id")
        self.document_id: int | None = None

    def values(self) -> dict[str, Any]:
        v = {
            f: widget_value(self.form.widget(f))
            for f in self.form.errors.fields()
            if f != "complaint_id"  # the basis is shown as a link, not edited
        }
        v["complaint_id"], v["finding_id"] = self.basis
        return v

    def set_values(self, values: dict[str, Any]) -> None:
        """Set the fields present in ``values`` (a refresh after a conflict sets only some)."""
        values = dict(values)
        label = values.pop("basis_label", "")
        if "complaint_id" in values or "finding_id" in values:
            self.basis = (values.pop("complaint_id", None), values.pop("finding_id", None))
            self._show_basis(label)
        if "subject_kind" in values:
            i = self.subject_combo.findData(values.pop("subject_kind"))
            self.subject_combo.setCurrentIndex(max(0, i))
        if "measure" in values:
            measure = values.pop("measure")
            i = self.measure_combo.findData(measure)
            if i < 0:  # a type no longer offered: keep it visible for this record
                self.measure_combo.addItem(_member(MeasureType, measure).label, measure)
                i = self.measure_combo.count() - 1
            self.measure_combo.setCurrentIndex(i)
        amount = values.pop("amount", None)
        super().set_values(values)
        self._subject_changed()
        if amount is not None:  # after _subject_changed, which clears it for other measures
            self.amount_edit.setText(amount_text(amount))

    def _show_basis(self, label: str) -> None:
        cid, fid = self.basis
        if not label and (cid or fid):
            with self.ctx.session() as s:
                label = ms.basis_text(s, cid, fid)
        self.basis_label.setText(basis_html(cid, fid, label))

    def _basis_clicked(self, link: str) -> None:
        kind, _, ident = link.partition(":")
        self.basisRequested.emit("complaints" if kind == "complaint" else "inspections", int(ident))

    def _subject_changed(self) -> None:
        person = self.subject_combo.currentData() == SubjectKind.PERSON.value
        self.person_picker.setEnabled(person and not self.read_only)
        if not person and self.person_picker.current_id() is not None:
            self.person_picker.set_current(None)
        self._measure_changed()
        self._update_count()

    def _person_picked(self, person_id: object) -> None:
        if isinstance(person_id, int) and self.unit_picker.current_id() is None:
            # The person's unit, shown so the user sees whom the measure is counted for.
            with self.ctx.session() as s:
                unit_id = directory.get_person(s, self.ctx.actor, person_id).unit_id
            self.unit_picker.set_current_id(unit_id)
        self._update_count()

    def _unit_picked(self, unit_id: object) -> None:
        self.person_picker.set_unit(unit_id if isinstance(unit_id, int) else None)

    def _measure_changed(self) -> None:
        financial = self.measure_combo.currentData() == MeasureType.PAY_DEDUCTION.value
        self.amount_edit.setEnabled(financial and not self.read_only)
        if not financial:
            self.amount_edit.clear()
        self._update_count()

    def _update_count(self) -> None:
        pid = self.person_picker.current_id()
        if pid is None or self.subject_combo.currentData() != SubjectKind.PERSON.value:
            self.count_label.setText("")
            return
        d = self.date_edit.date()
        with self.ctx.session() as s:
            count = ms.warning_count(
                s, pid, date(d.year(), d.month(), d.day()), exclude_id=self.record_id
            )
        adding = self.measure_combo.currentData() == MeasureType.EFFICIENCY_WARNING.value
        text = count.text
        if adding and count.count >= ms.WARNING_LIMIT:
            text += f"　再记录将是第 {count.count + 1} 次，超过 {ms.WARNING_LIMIT} 次"
            self.count_label.setStyleSheet(WARN_CSS)
        else:
            self.count_label.setStyleSheet("color:#555;" if count.count < 3 else WARN_CSS)
        self.count_label.setText(text)

    # --- proposals ----------------------------------------------------------------------
    def _load_proposal(self, n: int) -> None:
        p = self.proposals[n]
        self.document_id = p.document_id
        values: dict[str, Any] = {
            "subject_kind": p.subject_kind.value,
            "person_id": p.person_id,
            "unit_id": p.unit_id,
            "measure": p.measure.value,
            "decided_date": p.decided_date,
            "complaint_id": p.complaint_id,
            "finding_id": p.finding_id,
            "deciding_body": p.deciding_body,
            "document_number": p.document_number,
            "amount": amount_text(p.amount),
            "notes": p.notes,
        }
        if p.subject_kind is SubjectKind.PERSON and p.unit_id is None and p.person_id:
            values.pop("unit_id")
        self.set_values(values)
        if len(self.proposals) > 1:
            self.progress_label.setText(
                f"第 {n + 1} / {len(self.proposals)} 条（保存后显示下一条）"
                + (f"；已记录 {len(self.recorded)} 条" if self.recorded else "")
            )
            self.progress_label.setVisible(True)

    # --- RecordDialog hooks --------------------------------------------------------------
    def load(self, session: Session) -> tuple[dict[str, Any], int]:
        assert self.record_id is not None
        row = ms.get_measure(session, self.ctx.actor, self.record_id)
        self.document_id = row.document_id
        return {
            "subject_kind": row.subject_kind.value,
            "person_id": row.person_id,
            "unit_id": row.unit_id,
            "measure": row.measure.value,
            "decided_date": row.decided_date,
            "complaint_id": row.complaint_id,
            "finding_id": row.finding_id,
            "basis_label": row.basis_label,
            "deciding_body": row.deciding_body,
            "document_number": row.document_number,
            "amount": amount_text(row.amount),
            "notes": row.notes,
        }, row.version

    def save(self, session: Session, values: dict[str, Any], expected_version: int | None) -> int:
        amount = str(values.get("amount") or "").strip()
        data = ms.MeasureInput(
            subject_kind=_member(SubjectKind, values["subject_kind"]),
            measure=_member(MeasureType, values["measure"]),
            decided_date=values["decided_date"],
            person_id=values["person_id"],
            unit_id=values["unit_id"],
            complaint_id=values["complaint_id"],
            finding_id=values["finding_id"],
            deciding_body=values["deciding_body"],
            document_number=values["document_number"],
            document_id=self.document_id,
            amount=amount or None,  # type: ignore[arg-type]  # the service parses text
            notes=values["notes"],
        )
        if self.record_id is None:
            out = ms.record_measure(session, self.ctx.actor, data)
        else:
            out = ms.update_measure(session, self.ctx.actor, self.record_id, data, expected_version)
        self._pending_warnings = list(out.warnings)
        return out.id

    def _saved(self, record_id: int) -> None:
        self.last_warnings, self._pending_warnings = self._pending_warnings, []
        if self.last_warnings:
            box = QMessageBox(self.parentWidget() or self)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("问责提示")
            box.setText("问责已记录。\n\n" + "\n".join(self.last_warnings))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.warning_box = box
        if self.record_id is None and self.proposals:
            self.recorded.append(record_id)
            n = len(self.recorded)
            if n < len(self.proposals):
                self.save_button.setEnabled(True)
                self.saved.emit(record_id)
                self._load_proposal(n)
                self.loaded = self.values()
                return
        super()._saved(record_id)

    def _failed(self, exc: BaseException) -> None:
        self._pending_warnings = []
        super()._failed(exc)


def open_measure_dialog(
    ctx: AppContext,
    parent: QWidget | None,
    *,
    complaint_id: int | None = None,
    finding_id: int | None = None,
    document_id: int | None = None,
) -> MeasureDialog | None:
    """The dialog prefilled from a basis (a refusal, e.g. 不属实, is shown instead)."""
    try:
        with ctx.session() as s:
            if complaint_id is not None:
                proposals = ms.prefill_from_complaint(s, ctx.actor, complaint_id, clock.today())
            elif finding_id is not None:
                proposals = ms.prefill_from_finding(s, ctx.actor, finding_id, clock.today())
            elif document_id is not None:
                proposals = ms.prefill_from_document(s, ctx.actor, document_id)
            else:
                proposals = []
    except EffDeskError as exc:
        show_error(parent, exc, title="不能记录问责")
        return None
    dialog = MeasureDialog(ctx, None, parent, proposals=proposals)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
