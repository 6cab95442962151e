"""The intake form's fields: built in the order a call goes, values in and out.

Keyboard only: the caret starts in 投诉人姓名; Tab goes to 联系电话, 被投诉单位, 内容摘要, 问题类别,
详细内容, then the rarer fields. Units and persons are chosen by typing a few characters or
pinyin initials; the category is suggested from the summary and can be typed by pinyin initials
("fw" → 服务态度差). :class:`IntakeForm` is the base of :class:`~.dialog.IntakeDialog`, which adds
the draft keeper, the duplicate hints and saving.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import Channel, ComplainantKind, Complexity
from effdesk.errors import EffDeskError, FieldProblem
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintInput
from effdesk.ui.complaints.common import py_date, py_datetime, qdate, qdatetime
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.forms import (
    ERROR_COLOUR,
    FieldErrors,
    enum_combo,
    enum_member,
    make_error_label,
)
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker
from effdesk.ui.widgets.pinyin_combo import PinyinComboBox

UI_KEY = "_ui"  # draft values only the dialog reads (unchosen picker text, stashed names)
_PERSON_ROLE = Qt.ItemDataRole.UserRole + 1
CHOOSE = "请从下拉列表中选择（输入后按 ↓ 选择，或按回车）。"

SUMMARY_MAX = 300  # the service's limit for 内容摘要
SUMMARY_PASTE_LIMIT = 10_000  # what the edit takes, so a long paste is kept and counted


DEADLINE_RULE = (
    "办理时限按工作日计算，不含受理当日；法定节假日和调休上班日按“系统设置 → 节假日”中的工作日历。"
)


def _multi_line(height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)  # Tab leaves the box; the form stays keyboard-only
    edit.setMinimumHeight(height)
    return edit


def _line(*parts: QWidget | tuple[QWidget, int] | None) -> QWidget:
    """Widgets side by side on one row without margins: ``(widget, stretch)`` to let one
    grow, ``None`` for a stretch at that place."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for part in parts:
        if part is None:
            layout.addStretch(1)
        elif isinstance(part, tuple):
            layout.addWidget(*part)
        else:
            layout.addWidget(part)
    return row


def _split_descriptions(text: str) -> list[str]:
    parts = text.replace(";", "；").split("；")
    return [p.strip() for p in parts if p.strip()]


class IntakeForm(QDialog):
    """The fields of 登记投诉 / 修改登记信息 and what they hold (see :class:`IntakeDialog`)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stash: dict[str, str] = {}
        self._loading = False
        self._categories: list[tuple[int, str]] = []
        self.errors = FieldErrors(make_error_label())

    # ================================================================== construction
    def _build_fields(self) -> tuple[QVBoxLayout, QVBoxLayout]:
        """The fields in their groups: (who and which unit, what happened) columns."""
        ctx = self.ctx
        # --- 受理信息 ---
        self.channel_combo = enum_combo(Channel)
        self.received_edit = QDateTimeEdit()
        self.received_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setToolTip("受理时间：各项时限从受理次日起按工作日计算。")
        now = datetime.combine(
            clock.today(), datetime.now().time().replace(second=0, microsecond=0)
        )
        self.received_edit.setDateTime(qdatetime(now))
        # --- 投诉人 ---
        self.kind_combo = enum_combo(ComplainantKind)
        self.anonymous_check = QCheckBox("匿名投诉")
        self.anonymous_check.setToolTip("匿名：不记录姓名、单位和地址；可留电话以便答复和回访")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(60)
        self.phone_edit = QLineEdit()
        self.phone_edit.setMaxLength(40)
        self.phone_edit.setPlaceholderText("手机号或带区号的座机号")
        self.phone_edit.setToolTip(
            "手机号（11位）或带区号的座机号，如 0571-12345678；身份信息保密。"
        )
        # Digits and the separators people write; letters never get in.
        self.phone_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9+\-()（） 转#]*"), self)
        )
        self.company_edit = QLineEdit()
        self.company_edit.setMaxLength(120)
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(200)
        # --- 被投诉对象 ---
        self.unit_picker = UnitPicker(ctx)
        self.subject_edit = QLineEdit()
        self.subject_edit.setMaxLength(200)
        self.subject_edit.setPlaceholderText("单位不明或需补充时填写，如：城关镇某村委会")
        self.person_picker = PersonPicker(ctx, placeholder="姓名或拼音首字母，选中即加入")
        self.person_list = QListWidget()
        self.person_list.setMaximumHeight(56)
        self.person_list.setFlow(QListWidget.Flow.LeftToRight)
        self.person_list.setWrapping(True)
        self.person_list.setToolTip("选中后按 Delete 移除")
        self.person_list.installEventFilter(self)
        self.person_desc_edit = QLineEdit()
        self.person_desc_edit.setPlaceholderText(
            "不知姓名时描述特征，如：3号窗口女工作人员（多人用；分隔）"
        )
        # --- 投诉内容 ---
        self.category_combo = PinyinComboBox()
        self.category_combo.addItem("（请选择）", None)
        self.category_combo.setToolTip("可直接输入拼音首字母选择，如 fw → 服务态度差")
        self._category_chosen = False  # by the clerk; until then it follows the summary
        self._category_words: list[complaints.CategoryWords] = []
        self.category_hint = QLabel()
        self.category_hint.setStyleSheet("color: #6b6b6b;")
        self.complexity_combo = enum_combo(Complexity)
        self.complexity_combo.setCurrentIndex(
            self.complexity_combo.findData(Complexity.NORMAL.value)
        )
        self.summary_edit = QLineEdit()
        # The service's limit is 300 characters; the edit takes more so a long paste is not cut
        # silently: the counter says how much is over and registration says so at the field.
        self.summary_edit.setMaxLength(SUMMARY_PASTE_LIMIT)
        self.summary_edit.setPlaceholderText("一句话概括反映的问题（问题类别据此自动建议）")
        self.summary_counter = QLabel(f"0/{SUMMARY_MAX}")
        self.summary_counter.setStyleSheet("color: #6b6b6b;")
        self.content_edit = _multi_line(150)
        self.content_edit.setPlaceholderText("来电人反映的详细情况（Ctrl+Enter 登记）")
        self.content_edit.installEventFilter(self)
        self.due_check = QCheckBox("转办方已指定办理时限")
        self.due_edit = QDateEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.due_edit.setDate(qdate(clock.today()))
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        for w in (self.due_check, self.due_edit):
            w.setToolTip(DEADLINE_RULE)
        # One line: remarks are short, and Enter in it registers like everywhere else.
        self.remarks_edit = QLineEdit()
        self._load_categories()

        # --- forms ---
        accept_form = self._form()
        self._row(accept_form, "channel", "来源渠道", self.channel_combo, required=True)
        self._row(accept_form, "received_at", "受理时间", self.received_edit, required=True)
        person_form = self._form()
        kind_row = _line((self.kind_combo, 1), self.anonymous_check)
        self._row(person_form, "complainant_kind", "投诉人类型", kind_row)
        self.errors.alias("anonymous", "complainant_kind")
        self._row(person_form, "complainant_name", "姓名", self.name_edit)
        self._row(person_form, "complainant_phone", "联系电话", self.phone_edit)
        self._row(person_form, "complainant_company", "工作单位", self.company_edit)
        self._row(person_form, "complainant_address", "地址", self.address_edit)
        subject_form = self._form()
        self._row(subject_form, "unit_id", "被投诉单位", self.unit_picker, required=True)
        self._row(subject_form, "subject_description", "对象描述", self.subject_edit)
        persons = QWidget()
        pl = QVBoxLayout(persons)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(2)
        pl.addWidget(self.person_picker)
        pl.addWidget(self.person_list)
        self._row(subject_form, "person_ids", "被投诉人员", persons)
        self._row(subject_form, "person_descriptions", "人员特征", self.person_desc_edit)
        content_form = self._form()
        cat_row = _line(
            (self.category_combo, 1),
            self.category_hint,
            QLabel("复杂程度"),
            self.complexity_combo,
        )
        summary_row = _line((self.summary_edit, 1), self.summary_counter)
        self._row(content_form, "summary", "内容摘要", summary_row, required=True)
        self._row(content_form, "category_id", "问题类别", cat_row, required=True)
        self.errors.alias("complexity", "category_id")
        self._row(content_form, "content", "详细内容", self.content_edit)
        due_row = _line(self.due_check, self.due_edit, None)
        self._row(
            content_form,
            "due_date",
            "办理时限",
            due_row,
            hint="不勾选则按工作日自动计算（12345、领导交办件可按来文时限填写）",
        )
        self._row(content_form, "remarks", "备注", self.remarks_edit)

        # Who called, about which unit; when and how it came in is usually right already.
        left = QVBoxLayout()
        left.addWidget(self._group("投诉人（身份信息保密）", person_form))
        left.addWidget(self._group("被投诉对象", subject_form))
        left.addWidget(self._group("受理信息", accept_form))
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self._group("反映问题", content_form), 1)

        # A warning, not a refusal: the summary repeats the complainant's own identity.
        self.identity_warning = QLabel()
        self.identity_warning.setObjectName("identityWarning")
        self.identity_warning.setWordWrap(True)
        self.identity_warning.setStyleSheet(
            "color: #8a5a00; background: #fff6dd; border: 1px solid #e8c874; padding: 4px;"
        )
        self.identity_warning.setVisible(False)

        self.summary_edit.textChanged.connect(self._summary_changed)
        self.category_combo.activated.connect(self._category_activated)
        self.anonymous_check.toggled.connect(self._anonymous_toggled)
        self.unit_picker.picked.connect(self._unit_picked)
        self.person_picker.picked.connect(self._person_picked)
        return left, middle

    def call_order(self) -> list[QWidget]:
        """The order a call goes (who, phone, which unit, what happened, category, details),
        then the fields most calls leave as they are: the Tab order."""
        return [
            self.name_edit,
            self.phone_edit,
            self.unit_picker,
            self.summary_edit,
            self.category_combo,
            self.content_edit,
            self.person_picker,
            self.person_list,
            self.person_desc_edit,
            self.subject_edit,
            self.kind_combo,
            self.anonymous_check,
            self.company_edit,
            self.address_edit,
            self.complexity_combo,
            self.due_check,
            self.due_edit,
            self.remarks_edit,
            self.channel_combo,
            self.received_edit,
        ]

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(6)
        return form

    def _group(self, title: str, form: QFormLayout) -> QGroupBox:
        box = QGroupBox(title)
        box.setLayout(form)
        return box

    def _row(
        self,
        form: QFormLayout,
        field: str,
        caption: str,
        widget: QWidget,
        *,
        required: bool = False,
        hint: str = "",
    ) -> None:
        text = (
            f'{caption}<span style="color:{ERROR_COLOUR}">*</span>：'
            if required
            else f"{caption}："
        )
        label = QLabel(text)
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        if isinstance(widget, (QDateTimeEdit, QComboBox)):
            # A narrow field keeps its width, but its row (and the message under it) takes
            # the whole column: a message wrapped to the field's width was clipped.
            line = QHBoxLayout()
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(widget)
            line.addStretch(1)
            box.addLayout(line)
        else:
            box.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet("color: #6b6b6b;")
            box.addWidget(note)
        error = make_error_label()
        box.addWidget(error)
        form.addRow(label, container)
        # Composite rows (a combo with a check box beside it) bind to their first input, so the
        # red border lands on something the clerk can type into.
        target = widget
        if field == "complainant_kind":
            target = self.kind_combo
        elif field == "category_id":
            target = self.category_combo
        elif field == "due_date":
            target = self.due_edit
        elif field == "person_ids":
            target = self.person_picker
        label.setBuddy(target)
        self.errors.bind(field, target, error)

    def _load_categories(self) -> None:
        try:
            with self.ctx.session() as s:
                choices = complaints.category_choices(s, self.ctx.actor)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        for c in choices:
            self.category_combo.addItem(c.name, c.id)
        self.category_combo.clear_keys()
        with contextlib.suppress(EffDeskError), self.ctx.session() as s:
            self._category_words = complaints.category_words(s, self.ctx.actor)

    def _category_activated(self, _index: int) -> None:
        """The clerk chose a category (mouse or keys): stop following the summary."""
        self._category_chosen = True
        self.category_hint.clear()

    def _summary_changed(self, text: str) -> None:
        n = len(text)
        over = n - SUMMARY_MAX
        self.summary_counter.setText(
            f"{n}/{SUMMARY_MAX}" if over <= 0 else f"{n}/{SUMMARY_MAX}，超出{over}字"
        )
        self.summary_counter.setStyleSheet(
            "color: #6b6b6b;" if over <= 0 else f"color: {ERROR_COLOUR}; font-weight: bold;"
        )
        self.summary_counter.setToolTip(
            ""
            if over <= 0
            else "内容摘要最多300字：请精简为一句话，全文可粘贴到“详细内容”。登记时不会被截断。"
        )
        if self._category_chosen or not self._category_words:
            return
        suggested = complaints.suggest_category(self._category_words, text)
        if suggested is not None:
            index = self.category_combo.findData(suggested)
            if index >= 0 and index != self.category_combo.currentIndex():
                self.category_combo.setCurrentIndex(index)
            self.category_hint.setText("据摘要建议")

    def _text_fields(self) -> tuple[QLineEdit, ...]:
        """The one-line text fields but the phone (which also looks for duplicates)."""
        return (
            self.name_edit,
            self.company_edit,
            self.address_edit,
            self.subject_edit,
            self.person_desc_edit,
            self.summary_edit,
            self.unit_picker,
            self.person_picker,
        )

    def _connect_changes(self) -> None:
        for edit in self._text_fields():
            edit.textChanged.connect(lambda _t: self._changed())
        self.phone_edit.textChanged.connect(lambda _t: self._changed(duplicates=True))
        self.content_edit.textChanged.connect(lambda: self._changed())
        self.remarks_edit.textChanged.connect(lambda _t: self._changed())
        for combo in (self.channel_combo, self.kind_combo, self.complexity_combo):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        self.category_combo.currentIndexChanged.connect(lambda _i: self._changed(duplicates=True))
        self.anonymous_check.toggled.connect(lambda _on: self._changed())
        self.due_check.toggled.connect(lambda _on: self._changed())
        self.due_edit.dateChanged.connect(lambda _d: self._changed())
        self.received_edit.dateTimeChanged.connect(lambda _d: self._changed(duplicates=True))
        self.unit_picker.picked.connect(lambda _id: self._changed(duplicates=True))

    def _changed(self, *, duplicates: bool = False) -> None:
        """A field changed (``duplicates``: one the duplicate search looks at)."""
        self.update_identity_warning()

    def update_identity_warning(self) -> None:
        """Show the service's warning when the summary or content repeats the identity."""
        warnings = complaints.identity_warnings(self.input_data())
        self.identity_warning.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.identity_warning.setVisible(bool(warnings))

    # ================================================================== values
    def input_data(self) -> ComplaintInput:
        """The form as the service's input (read on the GUI thread)."""
        channel = enum_member(Channel, self.channel_combo.currentData())
        received = py_datetime(self.received_edit.dateTime())
        due = py_date(self.due_edit.date()) if self.due_check.isChecked() else None
        return ComplaintInput(
            received_at=received.replace(second=0, microsecond=0),
            channel=channel,
            summary=self.summary_edit.text(),
            category_id=self.category_combo.currentData(),
            unit_id=self.unit_picker.current_id(),
            subject_description=self.subject_edit.text(),
            person_ids=self.person_ids(),
            person_descriptions=_split_descriptions(self.person_desc_edit.text()),
            content=self.content_edit.toPlainText(),
            complexity=enum_member(Complexity, self.complexity_combo.currentData())
            or Complexity.NORMAL,
            anonymous=self.anonymous_check.isChecked(),
            complainant_kind=enum_member(ComplainantKind, self.kind_combo.currentData())
            or ComplainantKind.CITIZEN,
            complainant_name=self.name_edit.text(),
            complainant_phone=self.phone_edit.text(),
            complainant_company=self.company_edit.text(),
            complainant_address=self.address_edit.text(),
            due_date=due,
            remarks=self.remarks_edit.text(),
        )

    def person_ids(self) -> list[int]:
        return [
            int(self.person_list.item(i).data(_PERSON_ROLE))
            for i in range(self.person_list.count())
        ]

    def is_blank(self) -> bool:
        """Nothing typed yet (defaults only): no draft is worth keeping."""
        texts = (self.phone_edit, *self._text_fields())
        return (
            not any(w.text().strip() for w in texts)
            and not self.content_edit.toPlainText().strip()
            and not self.remarks_edit.text().strip()
            and self.category_combo.currentData() is None
            and self.person_list.count() == 0
            and not self._stash
        )

    def draft_values(self) -> dict[str, Any]:
        values = complaints.input_to_draft(self.input_data())
        values[UI_KEY] = {
            "unit_text": self.unit_picker.text() if self.unit_picker.is_unresolved() else "",
            "person_text": self.person_picker.text(),
            "stash": dict(self._stash),
        }
        return values

    def apply_draft(self, values: dict[str, Any]) -> None:
        """Fill the form from saved draft values (:meth:`draft_values`)."""
        ui = values.pop(UI_KEY, None)
        self.apply_input(complaints.input_from_draft(values), ui if isinstance(ui, dict) else None)

    def apply_input(self, data: ComplaintInput, ui: dict[str, Any] | None = None) -> None:
        """Fill the form from ``data`` (a restored draft or the case being edited)."""
        ui = ui or {}
        self._loading = True
        try:
            if data.channel is not None:
                self.channel_combo.setCurrentIndex(self.channel_combo.findData(data.channel.value))
            if data.received_at is not None:
                self.received_edit.setDateTime(qdatetime(data.received_at))
            self.kind_combo.setCurrentIndex(
                max(0, self.kind_combo.findData(data.complainant_kind.value))
            )
            self.anonymous_check.blockSignals(True)
            self.anonymous_check.setChecked(data.anonymous)
            self.anonymous_check.blockSignals(False)
            self._stash = {str(k): str(v) for k, v in dict(ui.get("stash") or {}).items()}
            for edit, value in (
                (self.name_edit, data.complainant_name),
                (self.phone_edit, data.complainant_phone),
                (self.company_edit, data.complainant_company),
                (self.address_edit, data.complainant_address),
                (self.subject_edit, data.subject_description),
                (self.summary_edit, data.summary),
                (self.person_desc_edit, "；".join(data.person_descriptions)),
            ):
                edit.setText(value)
            for edit in (self.name_edit, self.company_edit, self.address_edit):
                edit.setEnabled(not data.anonymous)
            self.content_edit.setPlainText(data.content)
            self.remarks_edit.setText(data.remarks)
            self.unit_picker.set_current_id(data.unit_id)
            self.person_picker.set_unit(data.unit_id)
            if data.unit_id is None:
                self.unit_picker.setText(str(ui.get("unit_text") or ""))
            self.person_list.clear()
            for pid in data.person_ids:
                self._add_person(pid, self.person_picker.text_for(pid))
            self.person_picker.setText(str(ui.get("person_text") or ""))
            i = self.category_combo.findData(data.category_id)
            self.category_combo.setCurrentIndex(max(0, i))
            self._category_chosen = i > 0
            self.complexity_combo.setCurrentIndex(
                max(0, self.complexity_combo.findData(data.complexity.value))
            )
            self.due_check.setChecked(data.due_date is not None)
            if data.due_date is not None:
                self.due_edit.setDate(qdate(data.due_date))
        finally:
            self._loading = False

    # ================================================================== persons, anonymity
    def _unit_picked(self, unit_id: object) -> None:
        self.person_picker.set_unit(unit_id if isinstance(unit_id, int) else None)

    def _person_picked(self, person_id: object) -> None:
        if not isinstance(person_id, int):
            return
        name = self.person_picker.text()
        self._add_person(person_id, name)
        self.person_picker.set_current(None)
        self._changed()

    def _add_person(self, person_id: int, name: str) -> None:
        if person_id in self.person_ids():
            return
        item = QListWidgetItem(name)
        item.setData(_PERSON_ROLE, person_id)
        item.setToolTip("Delete 键移除")
        self.person_list.addItem(item)

    def remove_selected_person(self) -> None:
        for item in self.person_list.selectedItems():
            self.person_list.takeItem(self.person_list.row(item))
        self._changed()

    def _anonymous_toggled(self, on: bool) -> None:
        # Anonymous cases keep no name, company or address: the typed values are set aside
        # (and kept in the draft) rather than thrown away, in case the box was ticked by mistake.
        fields = {
            "complainant_name": self.name_edit,
            "complainant_company": self.company_edit,
            "complainant_address": self.address_edit,
        }
        for key, edit in fields.items():
            if on:
                if edit.text():
                    self._stash[key] = edit.text()
                edit.clear()
                edit.setEnabled(False)
            else:
                edit.setEnabled(True)
                if not edit.text() and key in self._stash:
                    edit.setText(self._stash.pop(key))
        if not on:
            self._stash.clear()

    def local_problems(self) -> list[FieldProblem]:
        problems = []
        if self.unit_picker.is_unresolved():
            problems.append(FieldProblem("unit_id", CHOOSE))
        if self.person_picker.text().strip():
            problems.append(
                FieldProblem("person_ids", "「" + self.person_picker.text().strip() + "」" + CHOOSE)
            )
        return problems
