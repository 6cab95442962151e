"""The case view through its real buttons and dialogs: a call taken by the clerk goes 呈批 →
批示 (leader) → 交办 → 调查中 → 催办 → 拟办结 → 审核办结 (leader) → 答复 → 回访 → 归档; plus
validation, conflicts, extensions, send-back, reopening, merging, masking and printing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QCheckBox, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from ui_complaint_support import Office

from effdesk.enums import (
    ComplaintEventKind,
    ComplaintState,
    HandlingMode,
    ReplyMethod,
    Satisfaction,
    Verification,
)
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintAction, ComplaintForm
from effdesk.ui.complaints import actions
from effdesk.ui.complaints.case_view import CaseView
from effdesk.ui.complaints.form_preview import FormPreviewDialog
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.widgets.conflict import REFRESH_TEXT

A = ComplaintAction
TypeText = Callable[[QWidget, str], None]


@pytest.fixture
def open_view(qtbot: QtBot, office: Office) -> Callable[[str, int], CaseView]:
    """The case as a user of ``role`` sees it on their own PC."""

    def make(role: str, complaint_id: int) -> CaseView:
        view = CaseView(office.ctx(role), complaint_id)
        qtbot.addWidget(view)
        view.resize(1300, 800)
        view.show()
        qtbot.waitExposed(view)
        assert view.detail is not None
        return view

    return make


def visible_actions(view: CaseView) -> set[ComplaintAction]:
    return {a for a, b in view.action_buttons.items() if not b.isHidden()}


def click_action(qtbot: QtBot, view: CaseView, action: ComplaintAction) -> Any:
    button = view.action_buttons[action]
    assert not button.isHidden() and button.isEnabled(), f"{action.label} not offered"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def confirm(qtbot: QtBot, dialog: actions.ActionDialog, *, print_it: bool = False) -> None:
    dialog.print_check.setChecked(print_it)
    with qtbot.waitSignal(dialog.performed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def pdf_text(data: bytes) -> str:
    """The text of a rendered PDF, its lines run together (a name may wrap)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    return text.replace(" ", "").replace("\n", "")


def wait_preview(qtbot: QtBot, view: CaseView, form: ComplaintForm) -> FormPreviewDialog:
    preview = view.preview
    assert preview is not None and preview.form == form
    qtbot.waitUntil(lambda: preview.preview.page_count > 0)
    assert preview.preview.pdf_bytes.startswith(b"%PDF")
    assert form.label in preview.preview.title_label.text()
    return preview


def test_a_call_from_registration_to_the_archive(
    qtbot: QtBot,
    office: Office,
    open_view: Callable[[str, int], CaseView],
    type_text: TypeText,
    tmp_path: Path,
) -> None:
    # --- the clerk takes the call in the intake dialog ---
    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    page.resize(1400, 860)
    page.show()
    qtbot.waitExposed(page)
    intake = page.new_complaint()
    assert isinstance(intake, IntakeDialog)
    qtbot.waitExposed(intake)
    intake.activateWindow()
    qtbot.waitUntil(intake.isActiveWindow)
    type_text(intake.name_edit, "孙大圣")
    qtbot.keyClicks(intake.phone_edit, "13588889999")
    intake.unit_picker.setFocus()
    qtbot.keyClicks(intake.unit_picker, "scjd")  # 县市场监督管理局
    qtbot.waitUntil(
        lambda: (
            intake.unit_picker.choices.rowCount() > 0 or not intake.unit_picker._timer.isActive()
        )
    )
    if intake.unit_picker.choices.rowCount() == 0:
        qtbot.keyClick(intake.unit_picker, Qt.Key.Key_Down)
    qtbot.keyClick(intake.unit_picker, Qt.Key.Key_Return)
    assert intake.unit_picker.text() == "县市场监督管理局"
    intake.category_combo.setFocus()
    qtbot.keyClick(intake.category_combo, Qt.Key.Key_Down)
    type_text(intake.summary_edit, "办理食品经营许可证多次被要求补材料")
    with qtbot.waitSignal(intake.registered) as blocker:
        qtbot.keyClick(intake.summary_edit, Qt.Key.Key_Return)
    cid = blocker.args[0]
    view = page.case_views()[-1]
    assert view.complaint_id == cid
    detail = view.detail
    assert detail is not None and detail.state == ComplaintState.REGISTERED
    assert "孙大圣" in view.details.toPlainText()

    # --- 呈批, printing the 呈批单 ---
    assert A.SUBMIT in visible_actions(view)
    assert A.INSTRUCT not in visible_actions(view)  # the clerk does not instruct
    confirm(qtbot, click_action(qtbot, view, A.SUBMIT), print_it=True)
    assert view.detail.state == ComplaintState.AWAITING_INSTRUCTION
    preview = wait_preview(qtbot, view, ComplaintForm.INSTRUCTION)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.preview.print_to(printer) == preview.preview.page_count
    assert (tmp_path / "printed.pdf").stat().st_size > 1000
    preview.preview.save_to(tmp_path / "呈批单.pdf")
    assert (tmp_path / "呈批单.pdf").read_bytes() == preview.preview.pdf_bytes
    preview.close()
    # Routing waits for the leader.
    assert not view.action_buttons[A.ROUTE].isEnabled()
    assert "领导批示" in view.action_buttons[A.ROUTE].toolTip()

    # --- the leader instructs on their own PC ---
    leader_view = open_view("leader", cid)
    assert A.INSTRUCT in visible_actions(leader_view)
    dialog = click_action(qtbot, leader_view, A.INSTRUCT)
    type_text(dialog.instruction_edit, "请市场监管局核实，5个工作日内反馈。")
    confirm(qtbot, dialog)
    assert leader_view.detail is not None
    assert leader_view.detail.leader_instruction == "请市场监管局核实，5个工作日内反馈。"
    assert leader_view.action_buttons[A.INSTRUCT].text() == "补充批示…"
    # One state after the instruction, the same in the badge, the ledger and 我的待办.
    assert leader_view.detail.state == ComplaintState.INSTRUCTED
    assert leader_view.state_badge.text() == "已批示待交办"

    # --- the clerk routes it (交办 to the unit complained about) and prints the 交办单 ---
    view.reload()
    assert view.action_buttons[A.ROUTE].isEnabled()
    dialog = click_action(qtbot, view, A.ROUTE)
    assert dialog.mode() == HandlingMode.ASSIGNED
    assert dialog.unit_picker.current_id() == office.units["县市场监督管理局"]
    assert dialog.print_check.text() == "完成后打印《交办单》"
    confirm(qtbot, dialog, print_it=True)
    wait_preview(qtbot, view, ComplaintForm.ASSIGNMENT).close()
    detail = view.detail
    assert detail.state == ComplaintState.ROUTED and detail.handling_mode == HandlingMode.ASSIGNED
    assert detail.handler_unit_name == "县市场监督管理局"

    # --- 调查中, a note, a 催办 with its notice ---
    confirm(qtbot, click_action(qtbot, view, A.START))
    assert view.detail.state == ComplaintState.INVESTIGATING
    dialog = click_action(qtbot, view, A.NOTE)
    type_text(dialog.text_edit, "电话联系承办单位，已约谈当事人。")
    confirm(qtbot, dialog)
    dialog = click_action(qtbot, view, A.REMIND)
    confirm(qtbot, dialog, print_it=True)
    wait_preview(qtbot, view, ComplaintForm.REMINDER).close()

    # --- 拟办结 by the clerk, 审核办结 by the leader ---
    dialog = click_action(qtbot, view, A.DRAFT_CONCLUSION)
    dialog.verification_combo.setCurrentIndex(
        dialog.verification_combo.findData(Verification.SUBSTANTIATED.value)
    )
    type_text(dialog.result_edit, "反映属实，已责令承办人书面检查并一次性告知所需材料。")
    confirm(qtbot, dialog)
    assert view.detail.state == ComplaintState.AWAITING_REVIEW
    assert A.SIGN_OFF not in visible_actions(view)  # the leader's step
    leader_view.reload()
    dialog = click_action(qtbot, leader_view, A.SIGN_OFF)
    assert any("书面检查" in label.text() for label in dialog.findChildren(QLabel))
    dialog.note_edit.setText("同意，处理到位")
    confirm(qtbot, dialog)
    assert leader_view.detail is not None
    assert leader_view.detail.state == ComplaintState.CONCLUDED
    assert leader_view.detail.events[-1].text == "同意，处理到位"  # the leader's note is kept

    # --- the clerk answers by letter (答复函), visits, archives ---
    view.reload()
    dialog = click_action(qtbot, view, A.REPLY)
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData(ReplyMethod.LETTER.value))
    assert dialog.print_check.isChecked()  # a written reply is printed
    assert "书面检查" in dialog.text_edit.toPlainText()  # prefilled from the result
    confirm(qtbot, dialog, print_it=True)
    wait_preview(qtbot, view, ComplaintForm.REPLY).close()
    assert view.detail.state == ComplaintState.ANSWERED
    dialog = click_action(qtbot, view, A.RETURN_VISIT)
    dialog.satisfaction_combo.setCurrentIndex(
        dialog.satisfaction_combo.findData(Satisfaction.SATISFIED.value)
    )
    assert not dialog.reopen_check.isEnabled()
    confirm(qtbot, dialog)
    assert view.detail.satisfaction == Satisfaction.SATISFIED
    confirm(qtbot, click_action(qtbot, view, A.ARCHIVE))

    detail = view.detail
    assert detail.state == ComplaintState.ARCHIVED
    kinds = [e.kind for e in detail.events]
    for kind in (
        ComplaintEventKind.REGISTERED,
        ComplaintEventKind.SUBMITTED,
        ComplaintEventKind.INSTRUCTED,
        ComplaintEventKind.ROUTED,
        ComplaintEventKind.STARTED,
        ComplaintEventKind.NOTE,
        ComplaintEventKind.REMINDER,
        ComplaintEventKind.CONCLUSION_DRAFTED,
        ComplaintEventKind.CONCLUDED,
        ComplaintEventKind.REPLIED,
        ComplaintEventKind.RETURN_VISIT,
        ComplaintEventKind.ARCHIVED,
    ):
        assert kind in kinds
    # The timeline names who did what, and the before → after of changed fields.
    timeline = view.timeline.toPlainText()
    assert "领导批示" in timeline and "leader" in timeline
    assert "承办单位" in timeline and "（空） → 县市场监督管理局" in timeline
    assert "待审核 → 已办结" in timeline
    assert "核查结论" in timeline and "（空） → 属实" in timeline
    assert view.side_tabs.tabText(0) == f"办理经过（{len(detail.events)}）"
    # Nothing left to do but notes; the list shows the case archived.
    assert visible_actions(view) == {A.NOTE}
    page.list_view.refresh()
    (row,) = page.list_view.rows()
    assert row.state == ComplaintState.ARCHIVED


def test_instruction_is_required(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="submitted")
    view = open_view("leader", cid)
    dialog = click_action(qtbot, view, A.INSTRUCT)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "请填写批示意见" in dialog.form.error_text("instruction")
    type_text(dialog.instruction_edit, "请")
    assert dialog.form.error_text("instruction") == ""


def test_extension_requested_by_the_clerk_approved_by_the_leader(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="investigating")
    view = open_view("clerk", cid)
    before = view.detail.due_date  # type: ignore[union-attr]
    assert A.APPROVE_EXTENSION not in visible_actions(view)
    dialog = click_action(qtbot, view, A.REQUEST_EXTENSION)
    dialog.days_spin.setValue(3)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "请填写延期理由" in dialog.form.error_text("reason")  # the service's message
    type_text(dialog.reason_edit, "涉及多个部门，需进一步调查。")
    confirm(qtbot, dialog)
    assert view.detail.pending_extension is not None  # type: ignore[union-attr]
    assert not view.action_buttons[A.REQUEST_EXTENSION].isEnabled()
    assert "待领导审批" in view.details.toPlainText()

    leader = open_view("leader", cid)
    assert {A.APPROVE_EXTENSION, A.DENY_EXTENSION} <= visible_actions(leader)
    dialog = click_action(qtbot, leader, A.APPROVE_EXTENSION)
    assert dialog.days_spin.maximum() == 3
    dialog.days_spin.setValue(2)
    confirm(qtbot, dialog)
    detail = leader.detail
    assert detail is not None and detail.extension_days == 2 and detail.pending_extension is None
    assert detail.due_date is not None and before is not None and detail.due_date > before
    assert A.APPROVE_EXTENSION not in visible_actions(leader)


def test_leader_sends_back_and_an_unsatisfied_visit_reopens(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="investigating")
    clerk, leader = office.actors["clerk"], office.actors["leader"]
    with office.db.session() as s:
        c = complaints.draft_conclusion(
            s,
            clerk,
            cid,
            verification=Verification.UNFOUNDED,
            handling_result="经核查不属实。",
            expected_version=None,
        )
    view = open_view("leader", cid)
    dialog = click_action(qtbot, view, A.SEND_BACK)
    type_text(dialog.text_edit, "调查不深入，请补充当事人陈述。")
    confirm(qtbot, dialog)
    assert view.detail.state == ComplaintState.INVESTIGATING  # type: ignore[union-attr]
    assert "退回重办" in view.timeline.toPlainText()

    with office.db.session() as s:
        c = complaints.draft_conclusion(
            s,
            clerk,
            cid,
            verification=Verification.PARTLY,
            handling_result="部分属实，已批评教育。",
            expected_version=None,
        )
        complaints.sign_off(s, leader, c.id, expected_version=None)
        complaints.reply(
            s,
            clerk,
            c.id,
            reply_date=date.today(),
            method=ReplyMethod.PHONE,
            text="已电话答复。",
            expected_version=None,
        )
    clerk_view = open_view("clerk", cid)
    assert not clerk_view.action_buttons[A.REOPEN].isEnabled()  # no unsatisfied visit yet
    dialog = click_action(qtbot, clerk_view, A.RETURN_VISIT)
    dialog.satisfaction_combo.setCurrentIndex(
        dialog.satisfaction_combo.findData(Satisfaction.UNSATISFIED.value)
    )
    assert dialog.reopen_check.isEnabled() and dialog.reopen_check.isChecked()  # 不满意 → 重办
    type_text(dialog.notes_edit, "投诉人认为处理太轻。")
    confirm(qtbot, dialog)
    detail = clerk_view.detail
    assert detail is not None and detail.state == ComplaintState.INVESTIGATING
    assert detail.reopen_count == 1
    assert "重办" in clerk_view.timeline.toPlainText()


def test_forwarding_needs_the_receiving_authority(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="instructed")
    view = open_view("clerk", cid)
    dialog = click_action(qtbot, view, A.ROUTE)
    dialog.set_mode(HandlingMode.FORWARDED)
    assert dialog.forward_edit.isVisibleTo(dialog) and not dialog.unit_picker.isVisibleTo(dialog)
    assert dialog.print_check.text() == "完成后打印《转办函》"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "转办须填写转往的单位" in dialog.form.error_text("forwarded_to")
    type_text(dialog.forward_edit, "县人力资源和社会保障局")
    confirm(qtbot, dialog, print_it=True)
    wait_preview(qtbot, view, ComplaintForm.FORWARDING).close()
    detail = view.detail
    assert detail is not None and detail.handling_mode == HandlingMode.FORWARDED
    assert detail.forwarded_to == "县人力资源和社会保障局"
    # The print menu offers the 转办函, not the 交办单.
    assert view.print_actions[ComplaintForm.FORWARDING].isEnabled()
    assert not view.print_actions[ComplaintForm.ASSIGNMENT].isEnabled()
    assert "不是交办件" in view.print_actions[ComplaintForm.ASSIGNMENT].text()


def test_rejection_then_reply_and_archive(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="instructed")
    view = open_view("clerk", cid)
    dialog = click_action(qtbot, view, A.REJECT)
    type_text(dialog.text_edit, "不属于效能投诉受理范围。")
    confirm(qtbot, dialog)
    assert view.detail.state == ComplaintState.REJECTED  # type: ignore[union-attr]
    dialog = click_action(qtbot, view, A.REPLY)
    assert dialog.text_edit.toPlainText() == ""
    type_text(dialog.text_edit, "您反映的问题不属于本办受理范围，建议向县信访局反映。")
    confirm(qtbot, dialog)
    confirm(qtbot, click_action(qtbot, view, A.ARCHIVE))
    assert view.detail.state == ComplaintState.ARCHIVED  # type: ignore[union-attr]


def test_conflict_keeps_what_was_typed(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register(to="investigating")
    view = open_view("clerk", cid)
    dialog = click_action(qtbot, view, A.DRAFT_CONCLUSION)
    type_text(dialog.result_edit, "已责令整改。")
    # Meanwhile a colleague records a note on the same case.
    with office.db.session() as s:
        complaints.add_note(s, office.actors["leader"], cid, "领导电话过问。")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    box = dialog.conflict_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "被其他人修改" in box.text()
    assert dialog.isVisible() and dialog.result_edit.toPlainText() == "已责令整改。"
    refresh = next(b for b in box.buttons() if b.text() == REFRESH_TEXT)
    qtbot.mouseClick(refresh, Qt.MouseButton.LeftButton)
    assert "已载入最新情况" in dialog.form.general_error.text()
    confirm(qtbot, dialog)
    assert view.detail.state == ComplaintState.AWAITING_REVIEW  # type: ignore[union-attr]
    assert "领导电话过问" in view.timeline.toPlainText()


def test_inspector_sees_the_case_masked_and_cannot_act(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView]
) -> None:
    cid = office.register(name="周八", phone="13766665555", to="investigating")
    view = open_view("inspector", cid)
    text = view.details.toPlainText()
    assert "周八" not in text and "13766665555" not in text
    assert "***" in text and "无权查看" in text
    assert visible_actions(view) == set()
    assert "没有可办理的操作" in view.readonly_label.text()
    assert not view.add_file_button.isEnabled()
    clerk = open_view("clerk", cid)
    assert "周八" in clerk.details.toPlainText() and "13766665555" in clerk.details.toPlainText()


def test_anonymous_complainant_is_never_named(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView]
) -> None:
    cid = office.register(anonymous=True, phone="13911110000")
    clerk = open_view("clerk", cid)
    text = clerk.details.toPlainText()
    assert "匿名" in text and "13911110000" in text  # the phone is kept for the reply
    inspector = open_view("inspector", cid)
    assert "13911110000" not in inspector.details.toPlainText()


def test_merge_into_a_suggested_case(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView]
) -> None:
    first = office.register(phone="13500001111", to="routed")
    second = office.register(phone="13500001111")
    view = open_view("clerk", second)
    dialog = click_action(qtbot, view, A.MERGE)
    with office.db.session() as s:
        number = complaints.get_complaint_detail(s, office.actors["clerk"], first).number
    assert dialog.number() == number  # the duplicate is offered first
    confirm(qtbot, dialog)
    detail = view.detail
    assert detail is not None and detail.state == ComplaintState.MERGED
    assert detail.merged_into_id == first
    with qtbot.waitSignal(view.caseRequested) as blocker:
        view.details.anchorClicked.emit(QUrl(f"case:{first}"))
    assert blocker.args == [first]


def test_merge_into_an_unknown_number_is_refused_at_the_field(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    cid = office.register()
    view = open_view("clerk", cid)
    dialog = click_action(qtbot, view, A.MERGE)
    dialog.into_combo.setEditText("效投1999-9999")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "找不到编号为「效投1999-9999」" in dialog.form.error_text("into_id")
    assert view.detail.state == ComplaintState.REGISTERED  # type: ignore[union-attr]


def test_supervision_notice(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], type_text: TypeText
) -> None:
    # The clerk repeated the caller's name and number in the summary, as clerks do.
    cid = office.register(to="routed", summary="张三丰（13812345678）说窗口让他来回跑了三趟")
    view = open_view("clerk", cid)
    assert not view.print_actions[ComplaintForm.SUPERVISION].isEnabled()
    dialog = click_action(qtbot, view, A.SUPERVISE)
    type_text(dialog.text_edit, "请于本周五前书面报告调查处理情况。")
    dialog.report_check.setChecked(True)
    confirm(qtbot, dialog, print_it=True)
    preview = wait_preview(qtbot, view, ComplaintForm.SUPERVISION)
    assert "不含投诉人身份信息" in preview.preview.fonts_label.text()
    # What goes to the unit: the printed notice itself carries no identity (the label above
    # would read the same either way).
    notice = pdf_text(preview.preview.pdf_bytes)
    assert "督办" in notice and "请于本周五前书面报告调查处理情况" in notice
    assert "说窗口让他来回跑了三趟" in notice
    assert "张三丰" not in notice and "13812345678" not in notice
    preview.close()
    assert view.print_actions[ComplaintForm.SUPERVISION].isEnabled()
    # Any form can be printed again from the menu.
    view.print_actions[ComplaintForm.REGISTRATION].trigger()
    registration = wait_preview(qtbot, view, ComplaintForm.REGISTRATION)
    assert "含投诉人身份信息" in registration.preview.fonts_label.text()
    assert "不含" not in registration.preview.fonts_label.text()
    # The office's own registration form does carry it, for the clerk.
    form = pdf_text(registration.preview.pdf_bytes)
    assert "张三丰" in form and "13812345678" in form


def test_attachments_are_listed(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView], tmp_path: Path
) -> None:
    from PySide6.QtGui import QColor, QImage

    cid = office.register(to="investigating")
    view = open_view("clerk", cid)
    assert view.side_tabs.tabText(1) == "附件（0）" and not view.open_file_button.isEnabled()
    picture = tmp_path / "现场照片.png"
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366aa"))
    assert image.save(str(picture))
    view.add_attachments([picture])
    assert view.side_tabs.tabText(1) == "附件（1）"
    assert view.attachment_list.item(0).text().startswith("现场照片.png")
    assert view.open_file_button.isEnabled()
    for box in view.findChildren(QMessageBox):
        assert "已添加 1 个文件" in box.text()
        box.close()


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click the box itself (its indicator), as a user does."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def test_the_print_choice_of_a_step_is_remembered(
    qtbot: QtBot, office: Office, open_view: Callable[[str, int], CaseView]
) -> None:
    first = office.register(summary="第一件")
    second = office.register(summary="第二件")
    view = open_view("clerk", first)
    dialog = click_action(qtbot, view, A.SUBMIT)
    assert not dialog.print_check.isChecked()  # no preview forced on the clerk
    tick(qtbot, dialog.print_check)
    assert dialog.print_check.isChecked()
    dialog.reject()
    again = click_action(qtbot, open_view("clerk", second), A.SUBMIT)
    assert again.print_check.isChecked()  # what the clerk chose last time
    tick(qtbot, again.print_check)
    again.reject()
    assert not click_action(qtbot, open_view("clerk", second), A.SUBMIT).print_check.isChecked()
