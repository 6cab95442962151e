"""问责整改 driven through the real widgets: measures recorded from a concluded complaint and
a verified finding, a rectification through report, failed check, report, passed check; the
register's totals against the records and measure_counts; voiding; the 4th 效能告诫 warning;
the 不属实 refusal; 待办; links one click apart through the shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from ui_complaint_support import Office

from effdesk.calendar import compute_deadline
from effdesk.db.engine import Database
from effdesk.db.models import AccountabilityMeasure, Rectification
from effdesk.enums import (
    CampaignKind,
    DocumentState,
    FindingStatus,
    MeasureType,
    RectificationState,
    SubjectKind,
    Verification,
)
from effdesk.office_calendar import load_calendar
from effdesk.reports.documents import render_document_bytes
from effdesk.services import complaints, inspections
from effdesk.services.accountability import measures as ms
from effdesk.services.measure_counts import measure_totals
from effdesk.ui.accountability.measure_dialog import MeasureDialog
from effdesk.ui.accountability.page import AccountabilityPage
from effdesk.ui.accountability.rectification_dialogs import (
    CheckDialog,
    RectificationDialog,
    ReportDialog,
)
from effdesk.ui.complaints.case_view import CaseView
from effdesk.ui.complaints.todo_view import TodoWidget
from effdesk.ui.inspections.page import InspectionsPage
from effdesk.ui.main_window import MainWindow
from effdesk.ui.widgets import clock

S = RectificationState
TypeText = Callable[[QWidget, str], None]


@pytest.fixture(autouse=True)
def _close_boxes() -> Iterator[None]:
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


def conclude(office: Office, verification: Verification = Verification.SUBSTANTIATED) -> int:
    cid = office.register(to="investigating")
    with office.db.session() as s:
        case = complaints.get_complaint_detail(s, office.actors["clerk"], cid)
        complaints.draft_conclusion(
            s,
            office.actors["clerk"],
            cid,
            verification=verification,
            handling_result="经核查属实，已责令整改。",
            expected_version=case.version,
        )
        case = complaints.get_complaint_detail(s, office.actors["leader"], cid)
        complaints.sign_off(s, office.actors["leader"], cid, expected_version=case.version)
    return cid


def show(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(1400, 850)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def measures_in_db(db: Database) -> list[AccountabilityMeasure]:
    with db.session() as s:
        return list(s.scalars(select(AccountabilityMeasure).order_by(AccountabilityMeasure.id)))


def rect_state(db: Database, rid: int) -> S:
    with db.session() as s:
        r = s.get(Rectification, rid)
        assert r is not None
        return r.state


def test_complaint_to_measure_and_a_full_rectification_cycle(
    qtbot: QtBot,
    office: Office,
    tmp_path: Path,
    type_text: TypeText,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cid = conclude(office)
    view = show(qtbot, CaseView(office.ctx("leader"), cid))
    assert isinstance(view, CaseView)
    button = view.accountability.measure_button
    assert button.isVisible() and button.isEnabled()
    button.click()
    dialog = view.accountability.dialog
    assert isinstance(dialog, MeasureDialog)
    # Prefilled from the complaint: the unit complained about, the complaint as the basis.
    assert dialog.unit_picker.text() == "县公安局"
    assert "效投" in dialog.basis_label.text()
    dialog.measure_combo.setCurrentIndex(
        dialog.measure_combo.findData(MeasureType.CIRCULATED_CRITICISM.value)
    )
    type_text(dialog.number_edit, "X效办〔2026〕3号")
    dialog.save_button.click()
    (m,) = measures_in_db(office.db)
    assert m.complaint_id == cid and m.subject_kind is SubjectKind.UNIT
    assert m.measure is MeasureType.CIRCULATED_CRITICISM
    assert m.document_number == "X效办〔2026〕3号"
    # The case shows its measure as a link (one click to the register).
    assert f"measure:{m.id}" in view.details.toHtml()

    # The leader orders a rectification from the same case.
    view.accountability.rect_button.click()
    rdialog = view.accountability.dialog
    assert isinstance(rdialog, RectificationDialog)
    assert rdialog.unit_picker.current_id() == office.units["县公安局"]
    assert "窗口工作人员态度生硬" in rdialog.items_edit.toPlainText()
    rdialog.items_edit.appendPlainText("建立窗口服务首问负责制度")
    # The due date the working days give is shown before saving.
    rdialog.deadline.days.setValue(10)
    with office.db.session() as s:
        due = compute_deadline(load_calendar(s), clock.today(), 10)
    assert rdialog.deadline.preview.text() == f"即 {due.label()} 前"
    rdialog.ok_button.click()
    with office.db.session() as s:
        (rect,) = s.scalars(select(Rectification))
        rid = rect.id
        assert rect.complaint_id == cid and len(rect.items) == 2
    assert f"rectification:{rid}" in view.details.toHtml()

    # The clerk, in 问责整改, records the unit's report with its scanned file.
    page = show(qtbot, AccountabilityPage(office.ctx("clerk")))
    assert isinstance(page, AccountabilityPage)
    page.open_rectification(rid)
    rv = page.rectifications
    assert rv.current is not None and rv.current.row.state is S.PENDING
    assert rv.report_button.isEnabled() and not rv.check_button.isEnabled()
    rv.report_button.click()
    report = rv.dialog
    assert isinstance(report, ReportDialog)
    scan = tmp_path / "县公安局整改报告.png"
    Image.new("RGB", (60, 40), "white").save(scan)
    type_text(report.text_edit, "已对当事民警批评教育，调整岗位")
    report.add_files([scan])
    report.ok_button.click()
    assert rect_state(office.db, rid) is S.IN_PROGRESS
    assert "县公安局整改报告.png" in rv.detail.toHtml()
    # The original opens from the evidence store, byte for byte what the unit sent.
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert rv.current is not None
    (att,) = rv.current.attachments
    rv.detail.anchorClicked.emit(QUrl(f"file:{att.id}"))
    (url,) = opened
    assert Path(url.toLocalFile()).read_bytes() == scan.read_bytes()

    # The check fails: reasons and a new deadline; the cycle restarts.
    rv.check_button.click()
    check = rv.dialog
    assert isinstance(check, CheckDialog)
    check.failed_radio.setChecked(True)
    check.ok_button.click()  # no reasons yet: refused at the field
    assert "未通过的原因" in check.form.error_text("reasons")
    type_text(check.reasons_edit, "制度未落实到位")
    check.deadline.days.setValue(5)
    check.ok_button.click()
    assert rect_state(office.db, rid) is S.PENDING
    assert rv.current is not None and rv.current.checks[-1].reasons == "制度未落实到位"
    assert "验收未通过" in rv.detail.toHtml()

    # Second report, then the check passes: 已整改.
    rv.report_button.click()
    report = rv.dialog
    assert isinstance(report, ReportDialog)
    type_text(report.text_edit, "首问负责制度已上墙并执行")
    report.ok_button.click()
    rv.check_button.click()
    check = rv.dialog
    assert isinstance(check, CheckDialog)
    check.ok_button.click()
    assert rect_state(office.db, rid) is S.DONE
    assert rv.current is not None and rv.current.row.completed_date == clock.today()
    row = rv.model.rows()[0]
    assert row.state is S.DONE


def window_finding(office: Office) -> int:
    """A campaign with a finding (赵丽 named, 效能告诫 proposed), not yet verified."""
    leader = office.actors["leader"]
    with office.db.session() as s:
        campaign = inspections.create_campaign(
            s,
            leader,
            inspections.CampaignInput(
                name="窗口纪律暗访",
                kind=CampaignKind.UNDERCOVER,
                start_date=date(2026, 3, 2),
                end_date=date(2026, 3, 6),
                theme="上下班纪律",
                member_ids=[leader.user_id or 0],
                target_unit_ids=[office.units["县政务服务中心"]],
            ),
        )
        return inspections.create_finding(
            s,
            leader,
            inspections.FindingInput(
                unit_id=office.units["县政务服务中心"],
                observed_at=datetime(2026, 3, 3, 9, 10),
                description="综合窗口受理员上班时间玩手机游戏",
                campaign_id=campaign.id,
                place="综合窗口",
                persons=[inspections.FindingPersonInput(person_id=office.persons["赵丽"])],
                proposed_measure=MeasureType.EFFICIENCY_WARNING,
            ),
        ).id


def test_finding_to_measures_and_the_fourth_warning(qtbot: QtBot, office: Office) -> None:
    leader = office.actors["leader"]
    person = office.persons["赵丽"]
    fid = window_finding(office)
    with office.db.session() as s:
        # Three 效能告诫 already this year.
        for _ in range(3):
            ms.record_measure(
                s,
                leader,
                ms.MeasureInput(
                    subject_kind=SubjectKind.PERSON,
                    measure=MeasureType.EFFICIENCY_WARNING,
                    decided_date=date(clock.today().year, 1, 1),
                    person_id=person,
                ),
            )
    page = show(qtbot, InspectionsPage(office.ctx("leader")))
    assert isinstance(page, InspectionsPage)
    page.tabs.setCurrentIndex(1)
    page.findings_view.select_key(fid)
    # Not verified yet: no 记录问责 button.
    assert not page.accountability.measure_button.isVisibleTo(page)
    with office.db.session() as s:
        inspections.change_finding_status(s, leader, fid, FindingStatus.VERIFIED)
    page.findings_view.refresh(select_key=fid)
    page._finding_selected(page.findings_view.selected())
    button = page.accountability.measure_button
    assert button.isVisibleTo(page) and button.isEnabled()
    button.click()
    dialog = page.accountability.dialog
    assert isinstance(dialog, MeasureDialog)
    assert dialog.person_picker.current_id() == person
    assert dialog.measure_combo.currentData() == MeasureType.EFFICIENCY_WARNING.value
    # The count is visible before saving, and says what a 4th would be.
    assert "效能告诫 3 次" in dialog.count_label.text()
    assert "第 4 次" in dialog.count_label.text()
    dialog.save_button.click()
    assert dialog.last_warnings and "已被效能告诫 4 次" in dialog.last_warnings[0]
    assert dialog.warning_box is not None and "4 次" in dialog.warning_box.text()
    measures = measures_in_db(office.db)
    assert len(measures) == 4 and measures[-1].finding_id == fid
    assert measures[-1].unit_id == office.units["县政务服务中心"]
    # The finding shows its measure as a link.
    assert f"measure:{measures[-1].id}" in page.finding_links.text()
    # Through the shell: the measure in the register, one click to its finding and back.
    window = MainWindow(office.ctx("leader"))
    qtbot.addWidget(window)
    window.resize(1400, 850)
    window.show()
    acc = window.open_record("accountability", measures[-1].id)
    assert isinstance(acc, AccountabilityPage)
    selected = acc.register.selected()
    assert selected is not None and selected.id == measures[-1].id
    assert "效能告诫 4 次" in acc.register.history.toPlainText()
    acc.register.open_basis()
    assert window.current_module() == "inspections"
    insp = window.page("inspections")
    assert isinstance(insp, InspectionsPage)
    found = insp.findings_view.selected()
    assert found is not None and found.id == fid
    with qtbot.waitSignal(insp.open_record_requested) as blocker:
        insp.finding_links.linkActivated.emit(f"measure:{measures[-1].id}")
    assert blocker.args == ["accountability", measures[-1].id]
    assert window.current_module() == "accountability"


def test_unfounded_complaint_cannot_ground_a_measure(qtbot: QtBot, office: Office) -> None:
    cid = conclude(office, Verification.UNFOUNDED)
    view = show(qtbot, CaseView(office.ctx("leader"), cid))
    assert isinstance(view, CaseView)
    button = view.accountability.measure_button
    assert button.isVisible() and not button.isEnabled()
    assert "不属实" in button.toolTip()
    # Through the register's own path the service refuses with the same reason.
    page = show(qtbot, AccountabilityPage(office.ctx("leader")))
    assert isinstance(page, AccountabilityPage)
    assert page.record_measures(complaint_id=cid) is None
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("不属实" in b.text() for b in boxes if b.isVisible())
    assert measures_in_db(office.db) == []


def _record(office: Office, **kw: Any) -> int:
    with office.db.session() as s:
        return ms.record_measure(s, office.actors["leader"], ms.MeasureInput(**kw)).id


def test_register_totals_match_the_records_and_voiding(qtbot: QtBot, office: Office) -> None:
    today = clock.today()
    cid = conclude(office)
    person = office.persons["李明"]
    ids = [
        _record(
            office,
            subject_kind=SubjectKind.PERSON,
            measure=MeasureType.CRITICISM_EDUCATION,
            decided_date=today,
            person_id=person,
            complaint_id=cid,
        ),
        _record(
            office,
            subject_kind=SubjectKind.PERSON,
            measure=MeasureType.PAY_DEDUCTION,
            decided_date=today,
            person_id=office.persons["赵丽"],
            amount="800",
        ),
    ]
    for unit in ("县公安局", "县市场监督管理局", "县市场监督管理局"):
        ids.append(
            _record(
                office,
                subject_kind=SubjectKind.UNIT,
                measure=MeasureType.CIRCULATED_CRITICISM,
                decided_date=today,
                unit_id=office.units[unit],
            )
        )
    page = show(qtbot, AccountabilityPage(office.ctx("leader")))
    assert isinstance(page, AccountabilityPage)
    reg = page.register
    reg.refresh()
    year = (date(today.year, 1, 1), date(today.year, 12, 31))
    with office.db.session() as s:
        expected = measure_totals(s, *year)
    assert (expected.persons, expected.units) == (2, 2)
    assert reg.totals_label.text() == "问责 2 人次、单位 2 个"
    assert reg.model.total == 5
    # Filters: the unit picker and the measure type.
    reg.measure_filter.setCurrentIndex(reg.measure_filter.findData("pay_deduction"))
    assert [r.id for r in reg.model.rows()] == [ids[1]]
    assert reg.totals_label.text() == "问责 1 人次、单位 0 个"
    assert reg.model.rows()[0].amount is not None
    reg.measure_filter.setCurrentIndex(0)
    reg.person_filter.set_current_id(office.persons["赵丽"])
    assert [r.id for r in reg.model.rows()] == [ids[1]]
    reg.person_filter.set_current(None)
    reg.unit_filter.set_current_id(office.units["县市场监督管理局"])
    assert len(reg.model.rows()) == 2
    assert reg.totals_label.text() == "问责 0 人次、单位 1 个"
    reg.unit_filter.set_current(None)
    reg.view.set_query("李明")
    assert [r.id for r in reg.model.rows()] == [ids[0]]
    # Person history with the 效能告诫 count.
    reg.view.select_key(ids[0])
    assert "效能告诫 0 次" in reg.history.toPlainText()
    reg.view.set_query("")
    # Void one with a reason: the totals drop, the record stays under 已作废.
    reg.view.select_key(ids[0])
    assert reg.void_button.isEnabled()
    reg.void(reason="对象登记错误")
    assert reg.totals_label.text() == "问责 1 人次、单位 2 个"
    with office.db.session() as s:
        assert ms.register_totals(s, office.actors["leader"]) == measure_totals(s, *year)
    reg.state_filter.setCurrentIndex(1)
    (voided,) = reg.model.rows()
    assert voided.id == ids[0] and voided.void_reason == "对象登记错误"
    assert reg.totals_label.text() == "问责 0 人次、单位 0 个"


def test_clerk_may_read_but_not_decide(qtbot: QtBot, office: Office) -> None:
    page = show(qtbot, AccountabilityPage(office.ctx("clerk")))
    assert isinstance(page, AccountabilityPage)
    assert not page.register.new_button.isEnabled()
    assert page.rectifications.new_button.isEnabled()  # clerks manage rectification
    inspector = show(qtbot, AccountabilityPage(office.ctx("admin")))
    assert isinstance(inspector, AccountabilityPage)
    assert not inspector.rectifications.new_button.isEnabled()


def test_todo_lists_rectifications_and_the_shell_opens_them(qtbot: QtBot, office: Office) -> None:
    from effdesk.services.accountability import rectification as rs

    cid = conclude(office)
    with office.db.session() as s:
        late = rs.create_rectification(
            s,
            office.actors["clerk"],
            rs.RectificationInput(
                unit_id=office.units["县公安局"],
                items=["窗口服务态度问题"],
                issued_date=date(2026, 3, 2),
                deadline=date(2026, 3, 9),
                complaint_id=cid,
            ),
        ).id
    todo = show(qtbot, TodoWidget(office.ctx("clerk")))
    assert isinstance(todo, TodoWidget)
    assert any(label.startswith("逾期未整改（1）") for label in todo.group_labels())
    index = todo.group_labels().index("逾期未整改（1）")
    with qtbot.waitSignal(todo.recordRequested) as blocker:
        todo._activated(todo.item_at(index, 0))
    assert blocker.args == ["accountability:rectification", late]

    window = MainWindow(office.ctx("leader"))
    qtbot.addWidget(window)
    page = window.open_record("accountability:rectification", late)
    assert isinstance(page, AccountabilityPage)
    assert page.rectifications.current is not None
    assert page.rectifications.current.id == late
    assert page.rectifications.current.row.state is S.OVERDUE
    # One click to the basis: the complaint opens in 投诉受理.
    with qtbot.waitSignal(page.open_record_requested) as blocker:
        page.rectifications.detail.anchorClicked.emit(QUrl(f"complaint:{cid}"))
    assert blocker.args == ["complaints", cid]
    assert window.current_module() == "complaints"
    # And back: the case's rectification link asks for the accountability record.
    cp = window.page("complaints")
    view = cp.case_views()[0]  # type: ignore[union-attr]
    assert view.complaint_id == cid
    assert f"rectification:{late}" in view.details.toHtml()


def test_stale_edit_names_the_other_change_and_keeps_the_input(
    qtbot: QtBot, office: Office, type_text: TypeText
) -> None:
    mid = _record(
        office,
        subject_kind=SubjectKind.PERSON,
        measure=MeasureType.CRITICISM_EDUCATION,
        decided_date=clock.today(),
        person_id=office.persons["李明"],
    )
    page = show(qtbot, AccountabilityPage(office.ctx("leader")))
    assert isinstance(page, AccountabilityPage)
    page.open_record(mid)
    dialog = page.register.edit()
    assert isinstance(dialog, MeasureDialog)
    # Meanwhile, on another PC, the clerk's leader colleague corrects the document number.
    with office.db.session() as s:
        row = ms.get_measure(s, office.actors["leader"], mid)
        data = row.to_input()
        data.document_number = "X效办〔2026〕9号"
        ms.update_measure(s, office.actors["leader"], mid, data, row.version)
    type_text(dialog.notes_edit, "当事人已作书面检查")
    dialog.save_button.click()
    box = dialog.conflict_box
    assert "已被其他人修改" in box.text()
    assert "最近一次修改：leader" in box.text() and "修改问责" in box.text()
    refresh = next(b for b in box.buttons() if b.text() == "刷新")
    refresh.click()
    assert dialog.notes_edit.toPlainText() == "当事人已作书面检查"  # kept
    assert dialog.number_edit.text() == "X效办〔2026〕9号"  # the other change loaded
    dialog.save_button.click()
    with office.db.session() as s:
        saved = ms.get_measure(s, office.actors["leader"], mid)
    assert (saved.notes, saved.document_number) == ("当事人已作书面检查", "X效办〔2026〕9号")


def test_notice_drafted_previewed_issued_and_opened_in_documents(
    qtbot: QtBot, office: Office
) -> None:
    from effdesk.services.accountability import rectification as rs

    with office.db.session() as s:
        rid = rs.create_rectification(
            s,
            office.actors["clerk"],
            rs.RectificationInput(
                unit_id=office.units["县政务服务中心"],
                items=["综合窗口工作人员脱岗", "群众等候无人理会"],
                issued_date=clock.today(),
                deadline_days=10,
            ),
        ).id
    window = MainWindow(office.ctx("leader"))
    qtbot.addWidget(window)
    window.resize(1400, 850)
    window.show()
    page = window.open_record("accountability:rectification", rid)
    assert isinstance(page, AccountabilityPage)
    rv = page.rectifications
    assert rv.notice_button.isEnabled() and not rv.issue_button.isEnabled()
    rv.notice_button.click()
    assert rv.current is not None and rv.current.row.notice_document_id is not None
    doc_id = rv.current.row.notice_document_id
    assert rv.issue_button.isEnabled() and not rv.notice_button.isEnabled()
    dialog = rv.preview_notice()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview.page_count > 0)
    assert "草稿预览：关于县政务服务中心限期整改有关问题的通知" in dialog.preview.title_label.text()
    dialog.close()
    rv.issue_notice(confirm=False)
    assert rv.current is not None
    assert rv.current.row.notice_number.endswith(f"〔{clock.today().year}〕1号")
    number = rv.current.row.notice_number
    assert f"{number}（{DocumentState.ISSUED.label}）" in rv.detail.toPlainText()
    # One click to the document register, where the issued notice is shown locked.
    rv.document_button.click()
    assert window.current_module() == "documents"
    docs_page = window.page("documents")
    assert docs_page is not None and docs_page.current is not None  # type: ignore[attr-defined]
    assert docs_page.current.id == doc_id  # type: ignore[attr-defined]


def test_admin_sets_the_measure_types_the_office_offers(qtbot: QtBot, office: Office) -> None:
    from PySide6.QtCore import Qt

    leader_page = show(qtbot, AccountabilityPage(office.ctx("leader")))
    assert isinstance(leader_page, AccountabilityPage)
    assert not leader_page.register.types_button.isVisibleTo(leader_page)
    page = show(qtbot, AccountabilityPage(office.ctx("admin")))
    assert isinstance(page, AccountabilityPage)
    assert page.register.types_button.isVisibleTo(page)
    dialog = page.register.edit_types()
    rows = list(MeasureType)
    for row, m in enumerate(rows):
        if m not in (MeasureType.CRITICISM_EDUCATION, MeasureType.EFFICIENCY_WARNING):
            item = dialog.table.item(row, 0)
            assert item is not None
            item.setCheckState(Qt.CheckState.Unchecked)
    name = dialog.table.item(rows.index(MeasureType.EFFICIENCY_WARNING), 1)
    assert name is not None
    name.setText("效能告诫（书面）")
    dialog.window_combo.setCurrentIndex(dialog.window_combo.findData("rolling"))
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    labels = [
        page.register.measure_filter.itemText(i)
        for i in range(page.register.measure_filter.count())
    ]
    assert labels == ["全部措施", "批评教育", "效能告诫（书面）"]
    # A leader's new measure dialog offers only these.
    dialog2 = MeasureDialog(office.ctx("leader"))
    qtbot.addWidget(dialog2)
    offered = [dialog2.measure_combo.itemText(i) for i in range(dialog2.measure_combo.count())]
    assert offered == ["批评教育", "效能告诫（书面）"]
    with office.db.session() as s:
        assert ms.warning_count(s, office.persons["李明"], clock.today()).window_label == "近一年"


def test_measures_announced_by_a_circular(qtbot: QtBot, office: Office) -> None:
    from effdesk.services import composition
    from effdesk.services import documents as docs

    leader = office.actors["leader"]
    fid = window_finding(office)
    with office.db.session() as s:
        inspections.change_finding_status(s, leader, fid, FindingStatus.VERIFIED)
        doc = composition.start_circular_from_findings(s, leader, [fid], today=clock.today())
        docs.issue_document(
            s, leader, doc.id, doc.version, office.db.files_dir, renderer=render_document_bytes
        )
        doc_id, number = doc.id, doc.number
    page = show(qtbot, AccountabilityPage(office.ctx("leader")))
    assert isinstance(page, AccountabilityPage)
    assert page.register.circulars() == [(doc_id, f"{number}　{doc.title}")]
    dialog = page.register.from_circular(doc_id)
    assert isinstance(dialog, MeasureDialog)
    assert dialog.number_edit.text() == number
    assert dialog.person_picker.current_id() == office.persons["赵丽"]
    dialog.save_button.click()
    (m,) = measures_in_db(office.db)
    assert (m.document_id, m.document_number, m.finding_id) == (doc_id, number, fid)
    assert page.register.totals_label.text() == "问责 1 人次、单位 0 个"
