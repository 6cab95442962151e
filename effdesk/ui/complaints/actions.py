"""The small dialogs behind the case view's action buttons, one per lifecycle step.

Each dialog asks for what its service function needs (the leader's instruction, the unit and
deadline of a 交办, the reason of a 退回 …), calls it off the GUI thread with the version the
case view showed, and reports back through ``performed``. The service decides: its validation
problems appear under the fields, a refused step or a missing right as a message, and a lost
update race as the conflict box (「刷新」 takes the newest version; what was typed stays).

Dialogs that lead to a printed form (呈批单, 交办单/转办函, 催办/督办通知书, 答复函) have a
「完成后打印」 box; the case view opens the preview when it is ticked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.enums import HandlingMode, ReplyMethod, Satisfaction, Verification
from effdesk.errors import (
    ConcurrentEditError,
    FieldProblem,
    NotFound,
    ValidationError,
    ValidationErrors,
)
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintAction, ComplaintDetail, ComplaintForm
from effdesk.services.complaints.policy import VISIT_REOPEN_REFUSAL, visit_allows_reopen
from effdesk.ui.complaints.common import d, py_date, qdate
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import FieldForm, enum_combo, enum_member
from effdesk.ui.widgets.pickers import UnitPicker

A = ComplaintAction
# What a dialog's collect() returns: the step to run in a unit of work, given the version.
Operation = Callable[[Session, int | None], None]


@dataclass(frozen=True)
class ActionOutcome:
    action: ComplaintAction
    complaint_id: int
    # A form to preview now (the user ticked 「完成后打印」).
    print_form: ComplaintForm | None = None
    # After a 合并: the case it went into.
    other_id: int | None = None


def text_box(height: int = 90, placeholder: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setMinimumHeight(height)
    box.setPlaceholderText(placeholder)
    return box


def date_edit(value: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(qdate(value or clock.today()))
    return edit


def date_of(edit: QDateEdit) -> date:
    return py_date(edit.date())


class ActionDialog(QDialog):
    """Base: a header naming the case, a :class:`FieldForm`, 确定/取消.

    Subclasses set ``action``/``title``/``ok_text``, build their rows in :meth:`build` and
    return the step from :meth:`collect` (read the widgets there, on the GUI thread; raise
    ValidationErrors for what can be seen without the service).
    """

    performed = Signal(object)  # ActionOutcome

    action: ComplaintAction = A.NOTE
    title = ""
    ok_text = "确定"
    intro = ""
    print_form: ComplaintForm | None = None
    print_text = ""

    def __init__(self, ctx: AppContext, detail: ComplaintDetail, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.detail = detail
        self.version: int | None = detail.version
        self.outcome: ActionOutcome | None = None
        self.conflict_box: QWidget | None = None
        self.setWindowTitle(f"{self.title or self.action.label} — {detail.number}")
        self.setObjectName(f"action_{self.action.value}")

        head = QLabel(f"<b>{detail.number}</b>　{detail.state.label}<br>{detail.summary}")
        head.setWordWrap(True)
        head.setStyleSheet("color: #333;")
        self.form = FieldForm()
        self._multi: list[QPlainTextEdit] = []
        self.print_check = QCheckBox(self.print_text or "完成后打印")
        # The clerk's last choice for this step (unticked at first: a preview that opens every
        # time is in the way); kept when the clerk clicks it, not when a dialog presets it.
        key = f"complaint_actions/print_{self.action.value}"
        self.print_check.setChecked(bool(QSettings().value(key, False, type=bool)))
        self.print_check.clicked.connect(lambda on, key=key: QSettings().setValue(key, on))
        self.print_check.setVisible(self.print_form is not None)

        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(self.ok_text)
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        if self.intro:
            intro = QLabel(self.intro)
            intro.setWordWrap(True)
            intro.setStyleSheet("color: #555;")
            layout.addWidget(intro)
        layout.addWidget(self.form)
        self.build(self.form)
        layout.addStretch(1)
        layout.addWidget(self.print_check)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    # --- hooks ------------------------------------------------------------------------
    def build(self, form: FieldForm) -> None:
        raise NotImplementedError

    def collect(self) -> Operation:
        raise NotImplementedError

    def chosen_print_form(self) -> ComplaintForm | None:
        if self.print_form is None or not self.print_check.isVisible():
            return None
        return self.print_form if self.print_check.isChecked() else None

    # --- helpers for subclasses -------------------------------------------------------
    def multi(self, height: int = 90, placeholder: str = "") -> QPlainTextEdit:
        """A multi-line box where Ctrl+Enter submits (Enter is a new line)."""
        box = text_box(height, placeholder)
        box.installEventFilter(self)
        self._multi.append(box)
        return box

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj in self._multi
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submit()
            return True
        return super().eventFilter(obj, event)

    # --- running ----------------------------------------------------------------------
    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        self.form.clear_errors()
        try:
            operation = self.collect()
        except (ValidationError, ValidationErrors) as exc:
            self.form.show_errors(exc)
            return
        version, ctx = self.version, self.ctx
        print_form = self.chosen_print_form()

        def work(_p: Progress) -> ActionOutcome:
            with ctx.session() as s:
                operation(s, version)
            return ActionOutcome(self.action, self.detail.id, print_form, self._other_id)

        self.ok_button.setEnabled(False)
        ctx.tasks.run(work, self._done, self._failed, parent=self)

    _other_id: int | None = None

    def _done(self, outcome: ActionOutcome) -> None:
        self.ok_button.setEnabled(True)
        self.outcome = outcome
        self.performed.emit(outcome)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, (ValidationError, ValidationErrors)):
            unplaced = self.form.show_errors(exc)
            if unplaced:
                self.form.general_error.setText("\n".join(unplaced))
                self.form.general_error.setVisible(True)
        elif isinstance(exc, ConcurrentEditError):
            self.conflict_box = show_conflict(self, exc, self.refresh_version)
        else:
            show_error(self, exc)

    def refresh_version(self) -> None:
        """After a conflict: take the case's newest version; what was typed here stays."""
        with self.ctx.session() as s:
            detail = complaints.get_complaint_detail(
                s, self.ctx.actor, self.detail.id, with_identity=False
            )
        self.version = detail.version
        self.form.general_error.setStyleSheet("color: #b85c00;")
        self.form.general_error.setText(
            f"已载入最新情况（现为「{detail.state.label}」）。您的填写保留在此，请核对后再点「{self.ok_text}」。"
        )
        self.form.general_error.setVisible(True)


# =========================================================================== acceptance


class _NoteDialog(ActionDialog):
    """A step whose only input is an optional note (呈批, 开始调查, 审核办结, 归档)."""

    caption = "说明"
    placeholder = "可不填"
    note_height = 0  # > 0: a multi-line box of this height instead of one line
    call: Callable[..., Any] = staticmethod(lambda *a, **k: None)

    def build(self, form: FieldForm) -> None:
        self.note_edit: QLineEdit | QPlainTextEdit
        if self.note_height:
            self.note_edit = self.multi(self.note_height, self.placeholder)
        else:
            self.note_edit = QLineEdit()
            self.note_edit.setPlaceholderText(self.placeholder)
        form.add_field("note", self.caption, self.note_edit)

    def collect(self) -> Operation:
        edit = self.note_edit
        note = edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
        cid = self.detail.id
        call = type(self).call

        def run(s: Session, version: int | None) -> None:
            call(s, self.ctx.actor, cid, note=note, expected_version=version)

        return run


class SubmitDialog(_NoteDialog):
    action = A.SUBMIT
    title = "呈领导批示"
    ok_text = "呈批"
    print_form = ComplaintForm.INSTRUCTION
    print_text = "完成后打印《领导呈批单》"
    caption = "呈批说明"
    placeholder = "可不填；默认为「呈领导批示」"
    note_height = 70
    call = staticmethod(complaints.submit_for_instruction)


class InstructDialog(ActionDialog):
    action = A.INSTRUCT
    title = "领导批示"
    ok_text = "批示"

    def build(self, form: FieldForm) -> None:
        if self.detail.leader_instruction:
            before = QLabel(
                f"已有批示（{self.detail.instructed_by}）：{self.detail.leader_instruction}"
            )
            before.setWordWrap(True)
            form.add_field(None, "原批示", before)
        self.instruction_edit = self.multi(110, "如：请县公安局调查核实，5个工作日内反馈。")
        form.add_field(
            "instruction",
            "批示意见",
            self.instruction_edit,
            required=True,
        )

    def collect(self) -> Operation:
        text = self.instruction_edit.toPlainText()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.instruct(s, self.ctx.actor, cid, text, expected_version=version)

        return run


class RouteDialog(ActionDialog):
    action = A.ROUTE
    title = "交办 / 转办"
    ok_text = "确定"
    print_form: ComplaintForm | None = ComplaintForm.ASSIGNMENT
    print_text = "完成后打印《交办单》"
    intro = (
        "自办：本办直接调查；交办：交被监督单位限期办理并反馈；转办：不属本办受理范围，"
        "转有权处理的机关并出具转办函。"
    )

    def build(self, form: FieldForm) -> None:
        detail = self.detail
        if detail.leader_instruction:
            note = QLabel(f"领导批示：{detail.leader_instruction}")
            note.setWordWrap(True)
            note.setStyleSheet("color: #6a1b9a;")
            form.add_field(None, "批示", note)
        modes = QWidget()
        ml = QHBoxLayout(modes)
        ml.setContentsMargins(0, 0, 0, 0)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[HandlingMode, QRadioButton] = {}
        for mode in HandlingMode:
            button = QRadioButton(mode.label)
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            ml.addWidget(button)
        ml.addStretch(1)
        form.add_field("mode", "承办方式", modes, required=True)

        self.unit_picker = UnitPicker(self.ctx)
        if detail.unit_id is not None:
            self.unit_picker.set_current(detail.unit_id, detail.unit_name)
        form.add_field(
            "handler_unit_id",
            "承办单位",
            self.unit_picker,
            required=True,
            hint="默认为被投诉单位；可输入名称或拼音首字母改选",
        )
        self.handler_combo = QComboBox()
        with self.ctx.session() as s:
            handlers = complaints.handler_choices(s, self.ctx.actor)
        for h in handlers:
            self.handler_combo.addItem(h.name, h.id)
        i = self.handler_combo.findData(detail.handler_user_id or self.ctx.actor.user_id)
        self.handler_combo.setCurrentIndex(max(0, i))
        form.add_field("handler_user_id", "承办人", self.handler_combo)

        due_row = QWidget()
        dl = QHBoxLayout(due_row)
        dl.setContentsMargins(0, 0, 0, 0)
        self.due_check = QCheckBox("另定办理时限")
        self.due_edit = date_edit(detail.due_date or clock.today())
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        dl.addWidget(self.due_check)
        dl.addWidget(self.due_edit)
        dl.addStretch(1)
        self.errors_due = due_row
        current = f"现为 {d(detail.due_date)}" if detail.due_date else "按工作日自动计算"
        if detail.deadline_provisional:
            current += "（暂定）"
        form.add_field("due_date", "办理时限", due_row, hint=f"不勾选则沿用：{current}")

        self.forward_edit = QLineEdit()
        self.forward_edit.setPlaceholderText("转往的机关，如：县纪委监委信访室")
        form.add_field("forwarded_to", "转往单位", self.forward_edit, required=True)
        self.letter_edit = self.multi(80, "转办函正文（可不填，按格式自动生成）")
        form.add_field("letter_text", "转办函正文", self.letter_edit)
        self.note_edit = QLineEdit()
        form.add_field("note", "说明", self.note_edit)

        self.mode_group.buttonToggled.connect(lambda _b, _on: self._mode_changed())
        initial = HandlingMode.ASSIGNED if detail.unit_id is not None else HandlingMode.SELF
        self.mode_buttons[initial].setChecked(True)
        self._mode_changed()

    def mode(self) -> HandlingMode:
        for mode, button in self.mode_buttons.items():
            if button.isChecked():
                return mode
        return HandlingMode.SELF

    def set_mode(self, mode: HandlingMode) -> None:
        self.mode_buttons[mode].setChecked(True)

    def _row_visible(self, widget: QWidget, visible: bool) -> None:
        container = widget.parentWidget()
        self.form.layout_.setRowVisible(container if container is not None else widget, visible)

    def _mode_changed(self) -> None:
        mode = self.mode()
        self._row_visible(self.unit_picker, mode == HandlingMode.ASSIGNED)
        self._row_visible(self.handler_combo, mode == HandlingMode.SELF)
        self._row_visible(self.errors_due, mode != HandlingMode.FORWARDED)
        self._row_visible(self.forward_edit, mode == HandlingMode.FORWARDED)
        self._row_visible(self.letter_edit, mode == HandlingMode.FORWARDED)
        if mode == HandlingMode.ASSIGNED:
            self.print_form = ComplaintForm.ASSIGNMENT
            self.print_check.setText("完成后打印《交办单》")
        elif mode == HandlingMode.FORWARDED:
            self.print_form = ComplaintForm.FORWARDING
            self.print_check.setText("完成后打印《转办函》")
        else:
            self.print_form = None
        self.print_check.setVisible(self.print_form is not None)
        self.adjustSize()

    def collect(self) -> Operation:
        mode = self.mode()
        problems = []
        if mode == HandlingMode.ASSIGNED and self.unit_picker.is_unresolved():
            problems.append(
                FieldProblem("handler_unit_id", "请从下拉列表中选择承办单位（输入后按 ↓ 或回车）。")
            )
        if problems:
            raise ValidationErrors(problems)
        unit_id = self.unit_picker.current_id() if mode == HandlingMode.ASSIGNED else None
        user_id = self.handler_combo.currentData() if mode == HandlingMode.SELF else None
        due = date_of(self.due_edit) if self.due_check.isChecked() else None
        forwarded = self.forward_edit.text()
        letter = self.letter_edit.toPlainText()
        note = self.note_edit.text()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.route(
                s,
                self.ctx.actor,
                cid,
                mode=mode,
                handler_unit_id=unit_id,
                handler_user_id=user_id,
                due_date=due if mode != HandlingMode.FORWARDED else None,
                forwarded_to=forwarded,
                letter_text=letter,
                note=note,
                expected_version=version,
            )

        return run


class _ReasonDialog(ActionDialog):
    """A step whose input is one text (不予受理, 退回重办, 不同意延期, 重办, 催办 …)."""

    field = "reason"
    caption = "理由"
    placeholder = ""
    required = True
    text_height = 100
    call: Callable[..., Any] = staticmethod(lambda *a, **k: None)

    def build(self, form: FieldForm) -> None:
        self.text_edit = self.multi(self.text_height, self.placeholder)
        form.add_field(
            self.field,
            self.caption,
            self.text_edit,
            required=self.required,
        )

    def collect(self) -> Operation:
        text = self.text_edit.toPlainText()
        cid = self.detail.id
        call = type(self).call

        def run(s: Session, version: int | None) -> None:
            call(s, self.ctx.actor, cid, text, expected_version=version)

        return run


class RejectDialog(_ReasonDialog):
    action = A.REJECT
    title = "不予受理"
    ok_text = "不予受理"
    caption = "不予受理理由"
    placeholder = "如：所反映问题不属于效能投诉受理范围，已告知投诉人向……反映。"
    call = staticmethod(complaints.reject)


class StartDialog(_NoteDialog):
    action = A.START
    title = "开始调查核实"
    ok_text = "开始调查"
    placeholder = "可不填；默认为「开始调查核实」"
    call = staticmethod(complaints.start_investigation)


class NoteDialog(_ReasonDialog):
    action = A.NOTE
    title = "添加办理记录"
    ok_text = "添加"
    field = "text"
    caption = "办理记录"
    placeholder = "如：电话联系承办单位王科长，称已约谈当事人，下周反馈。"
    call = staticmethod(complaints.add_note)


class RemindDialog(_ReasonDialog):
    action = A.REMIND
    title = "催办"
    ok_text = "催办"
    print_form = ComplaintForm.REMINDER
    print_text = "完成后打印《催办通知书》"
    field = "text"
    caption = "催办内容"
    placeholder = "可不填；默认为「请抓紧办理，按期办结并反馈办理结果。」"
    required = False
    text_height = 90
    call = staticmethod(complaints.remind)


class SuperviseDialog(ActionDialog):
    action = A.SUPERVISE
    title = "督办"
    ok_text = "督办"
    print_form = ComplaintForm.SUPERVISION
    print_text = "完成后打印《督办通知书》"

    def build(self, form: FieldForm) -> None:
        self.text_edit = self.multi(100, "如：请于……前将调查处理情况书面报告县效能办。")
        form.add_field(
            "text",
            "督办要求",
            self.text_edit,
            required=True,
        )
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        self.report_check = QCheckBox("限期报告")
        self.report_edit = date_edit(self.detail.due_date or clock.today())
        self.report_edit.setEnabled(False)
        self.report_check.toggled.connect(self.report_edit.setEnabled)
        rl.addWidget(self.report_check)
        rl.addWidget(self.report_edit)
        rl.addStretch(1)
        form.add_field("report_by", "报告期限", row)

    def collect(self) -> Operation:
        text = self.text_edit.toPlainText()
        report_by = date_of(self.report_edit) if self.report_check.isChecked() else None
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.supervise(
                s, self.ctx.actor, cid, text, report_by=report_by, expected_version=version
            )

        return run


# =========================================================================== extension


class RequestExtensionDialog(ActionDialog):
    action = A.REQUEST_EXTENSION
    title = "申请延期"
    ok_text = "提交申请"

    def build(self, form: FieldForm) -> None:
        with self.ctx.session() as s:
            policy = complaints.load_policy(s)
        left = max(1, policy.extension_max_days - self.detail.extension_days)
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, 60)
        self.days_spin.setValue(min(5, left))
        self.days_spin.setSuffix(" 个工作日")
        form.add_field(
            "days",
            "延期天数",
            self.days_spin,
            required=True,
            hint=f"现办理时限 {d(self.detail.due_date)}；延期累计不超过{policy.extension_max_days}个工作日，"
            f"已延期{self.detail.extension_days}个。须在时限届满前申请，由领导审批。",
        )
        self.reason_edit = self.multi(90, "如：涉及多个部门，需进一步调查取证。")
        form.add_field("reason", "延期理由", self.reason_edit, required=True)

    def collect(self) -> Operation:
        days = self.days_spin.value()
        reason = self.reason_edit.toPlainText()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.request_extension(
                s, self.ctx.actor, cid, days, reason, expected_version=version
            )

        return run


class ApproveExtensionDialog(ActionDialog):
    action = A.APPROVE_EXTENSION
    title = "批准延期"
    ok_text = "批准"

    def build(self, form: FieldForm) -> None:
        request = self.detail.pending_extension
        requested = request.days if request else 1
        if request is not None:
            info = QLabel(
                f"{request.requested_by} 于 {request.requested_at:%Y-%m-%d %H:%M} 申请延期"
                f" {request.days} 个工作日：{request.reason}"
            )
            info.setWordWrap(True)
            form.add_field(None, "延期申请", info)
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, max(1, requested))
        self.days_spin.setValue(requested)
        self.days_spin.setSuffix(" 个工作日")
        form.add_field("days", "同意延期", self.days_spin, hint="可少于申请的天数")
        self.note_edit = QLineEdit()
        form.add_field("note", "意见", self.note_edit)

    def collect(self) -> Operation:
        days = self.days_spin.value()
        note = self.note_edit.text()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.approve_extension(
                s, self.ctx.actor, cid, days=days, note=note, expected_version=version
            )

        return run


class DenyExtensionDialog(_ReasonDialog):
    action = A.DENY_EXTENSION
    title = "不同意延期"
    ok_text = "不同意"
    caption = "理由"
    placeholder = "如：问题事实清楚，应按期办结。"
    call = staticmethod(complaints.deny_extension)


# =========================================================================== conclusion


class DraftConclusionDialog(ActionDialog):
    action = A.DRAFT_CONCLUSION
    title = "拟办结（提交领导审核）"
    ok_text = "提交审核"

    def build(self, form: FieldForm) -> None:
        self.verification_combo = enum_combo(Verification)
        if self.detail.verification is not None:
            i = self.verification_combo.findData(self.detail.verification.value)
            self.verification_combo.setCurrentIndex(max(0, i))
        form.add_field("verification", "核查结论", self.verification_combo, required=True)
        self.result_edit = self.multi(110, "如：经核查反映属实，已对当事人批评教育并责令书面检查。")
        form.add_field(
            "handling_result",
            "处理结果",
            self.result_edit,
            required=True,
        )
        self.result_edit.setPlainText(self.detail.handling_result)
        self.note_edit = QLineEdit()
        form.add_field("note", "说明", self.note_edit)

    def collect(self) -> Operation:
        verification = enum_member(Verification, self.verification_combo.currentData())
        assert verification is not None
        result = self.result_edit.toPlainText()
        note = self.note_edit.text()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.draft_conclusion(
                s,
                self.ctx.actor,
                cid,
                verification=verification,
                handling_result=result,
                note=note,
                expected_version=version,
            )

        return run


class SignOffDialog(_NoteDialog):
    action = A.SIGN_OFF
    title = "审核办结"
    ok_text = "同意办结"
    caption = "审核意见"
    placeholder = "可不填；默认为「同意办结」"
    call = staticmethod(complaints.sign_off)

    def build(self, form: FieldForm) -> None:
        detail = self.detail
        verdict = QLabel(detail.verification.label if detail.verification else "—")
        form.add_field(None, "核查结论", verdict)
        result = QLabel(detail.handling_result or "—")
        result.setWordWrap(True)
        form.add_field(None, "处理结果", result)
        super().build(form)


class SendBackDialog(_ReasonDialog):
    action = A.SEND_BACK
    title = "退回重办"
    ok_text = "退回"
    caption = "退回理由"
    placeholder = "如：调查不深入，请补充当事人陈述后重新报送。"
    call = staticmethod(complaints.send_back)


# =========================================================================== answer


class ReplyDialog(ActionDialog):
    action = A.REPLY
    title = "答复投诉人"
    ok_text = "记录答复"
    print_form = ComplaintForm.REPLY
    print_text = "完成后打印《答复函》"

    def build(self, form: FieldForm) -> None:
        self.date_edit = date_edit()
        form.add_field("reply_date", "答复日期", self.date_edit, required=True)
        self.method_combo = enum_combo(ReplyMethod)
        form.add_field("method", "答复方式", self.method_combo, required=True)
        self.text_edit = self.multi(120, "向投诉人说明的调查处理结果；无法答复时写明原因。")
        form.add_field(
            "text",
            "答复内容",
            self.text_edit,
            required=True,
        )
        if self.detail.handling_result:
            self.text_edit.setPlainText(f"经调查核实，{self.detail.handling_result}")
        self.method_combo.currentIndexChanged.connect(lambda _i: self._method_changed())
        self._method_changed()

    def _method_changed(self) -> None:
        # A 答复函 is printed for written replies; by phone the box is offered, not ticked.
        method = enum_member(ReplyMethod, self.method_combo.currentData())
        self.print_check.setChecked(method == ReplyMethod.LETTER)

    def collect(self) -> Operation:
        day = date_of(self.date_edit)
        method = enum_member(ReplyMethod, self.method_combo.currentData())
        assert method is not None
        text = self.text_edit.toPlainText()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.reply(
                s,
                self.ctx.actor,
                cid,
                reply_date=day,
                method=method,
                text=text,
                expected_version=version,
            )

        return run


class ReturnVisitDialog(ActionDialog):
    action = A.RETURN_VISIT
    title = "回访"
    ok_text = "记录回访"

    def build(self, form: FieldForm) -> None:
        self.date_edit = date_edit()
        form.add_field("visit_date", "回访日期", self.date_edit, required=True)
        self.satisfaction_combo = enum_combo(Satisfaction)
        form.add_field("satisfaction", "满意度", self.satisfaction_combo, required=True)
        self.notes_edit = self.multi(80, "投诉人的意见")
        form.add_field("notes", "回访情况", self.notes_edit)
        self.reopen_check = QCheckBox("投诉人不满意，重新办理（重办）")
        form.add_field("reopen", "", self.reopen_check)
        self.satisfaction_combo.currentIndexChanged.connect(lambda _i: self._satisfaction_changed())
        self._satisfaction_changed()

    def _satisfaction_changed(self) -> None:
        unhappy = visit_allows_reopen(
            enum_member(Satisfaction, self.satisfaction_combo.currentData())
        )
        self.reopen_check.setEnabled(unhappy)
        self.reopen_check.setChecked(unhappy)
        self.reopen_check.setToolTip("" if unhappy else VISIT_REOPEN_REFUSAL)

    def collect(self) -> Operation:
        day = date_of(self.date_edit)
        satisfaction = enum_member(Satisfaction, self.satisfaction_combo.currentData())
        assert satisfaction is not None
        notes = self.notes_edit.toPlainText()
        reopen = self.reopen_check.isChecked() and self.reopen_check.isEnabled()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            complaints.record_return_visit(
                s,
                self.ctx.actor,
                cid,
                visit_date=day,
                satisfaction=satisfaction,
                notes=notes,
                reopen_case=reopen,
                expected_version=version,
            )

        return run


class ReopenDialog(_ReasonDialog):
    action = A.REOPEN
    title = "重办"
    ok_text = "重办"
    caption = "重办理由"
    placeholder = "如：回访时投诉人表示问题仍未解决。"
    call = staticmethod(complaints.reopen)


class ArchiveDialog(_NoteDialog):
    action = A.ARCHIVE
    title = "归档"
    ok_text = "归档"
    call = staticmethod(complaints.archive)


class MergeDialog(ActionDialog):
    action = A.MERGE
    title = "合并到其他投诉件"
    ok_text = "合并"
    intro = "本件与另一件反映同一问题时，合并到那一件办理；本件变为「已合并」，历史记录保留。"

    def build(self, form: FieldForm) -> None:
        detail = self.detail
        self.into_combo = QComboBox()
        self.into_combo.setEditable(True)
        line = self.into_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("输入要并入的投诉件编号，如 效投2026-0012")
        with self.ctx.session() as s:
            hints = complaints.find_possible_duplicates(
                s,
                self.ctx.actor,
                phone=detail.complainant_phone or "",
                unit_id=detail.unit_id,
                category_id=detail.category_id,
                received=detail.received_date,
                exclude_id=detail.id,
            )
        for h in hints:
            self.into_combo.addItem(f"{h.number}　{h.summary[:30]}（{h.reason}）", h.number)
        self.into_combo.setCurrentIndex(0 if hints else -1)
        form.add_field(
            "into_id",
            "并入投诉件",
            self.into_combo,
            required=True,
            hint="下拉列出可能重复的投诉件（同一电话，或同单位同类问题30日内）" if hints else "",
        )
        self.reason_edit = QLineEdit()
        form.add_field("reason", "说明", self.reason_edit)

    def number(self) -> str:
        i = self.into_combo.currentIndex()
        text = self.into_combo.currentText().strip()
        if i >= 0 and text == self.into_combo.itemText(i):
            return str(self.into_combo.itemData(i))
        return text.split()[0] if text else ""

    def collect(self) -> Operation:
        number = self.number()
        if not number:
            raise ValidationErrors([FieldProblem("into_id", "请填写要并入的投诉件编号。")])
        reason = self.reason_edit.text()
        cid = self.detail.id

        def run(s: Session, version: int | None) -> None:
            try:
                into = complaints.find_by_number(s, self.ctx.actor, number)
            except NotFound as exc:
                raise ValidationErrors([FieldProblem("into_id", str(exc))]) from exc
            self._other_id = into
            complaints.merge_complaint(
                s, self.ctx.actor, cid, into, reason=reason, expected_version=version
            )

        return run


DIALOGS: dict[ComplaintAction, type[ActionDialog]] = {
    A.SUBMIT: SubmitDialog,
    A.INSTRUCT: InstructDialog,
    A.ROUTE: RouteDialog,
    A.REJECT: RejectDialog,
    A.START: StartDialog,
    A.NOTE: NoteDialog,
    A.REMIND: RemindDialog,
    A.SUPERVISE: SuperviseDialog,
    A.REQUEST_EXTENSION: RequestExtensionDialog,
    A.APPROVE_EXTENSION: ApproveExtensionDialog,
    A.DENY_EXTENSION: DenyExtensionDialog,
    A.DRAFT_CONCLUSION: DraftConclusionDialog,
    A.SIGN_OFF: SignOffDialog,
    A.SEND_BACK: SendBackDialog,
    A.REPLY: ReplyDialog,
    A.RETURN_VISIT: ReturnVisitDialog,
    A.REOPEN: ReopenDialog,
    A.ARCHIVE: ArchiveDialog,
    A.MERGE: MergeDialog,
}
