"""The 导入台账 and 导出台账 dialogs driven as a clerk would."""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook
from PySide6.QtWidgets import QComboBox, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from ui_complaint_support import Office

from effdesk.db.models import Complaint
from effdesk.services import ledger_export as le
from effdesk.ui.ledgers.export_dialog import ExportDialog
from effdesk.ui.ledgers.import_dialog import UNSURE_BG, ImportDialog
from effdesk.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "ledgers"))
from ledger_builders import ROWS, build_xlsx


def _count(office: Office) -> int:
    with office.db.session() as s:
        return s.scalar(select(func.count(Complaint.id))) or 0


def _close_boxes(dialog: object) -> None:
    for box in dialog.findChildren(QMessageBox):  # type: ignore[attr-defined]
        box.close()


def test_import_dialog_shows_mapping_preview_and_units_then_imports(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    dialog = ImportDialog(office.ctx("clerk"))
    qtbot.addWidget(dialog)
    dialog.set_file(build_xlsx(tmp_path / "台账.xlsx"))

    assert dialog.plan is not None and not dialog.plan.problems
    mapping = dialog.mapping_table()
    headers = [mapping.item(r, 1).text() for r in range(mapping.rowCount())]
    assert headers[:3] == ["序号", "投诉时间", "来源"]
    combo = mapping.cellWidget(1, 2)
    assert isinstance(combo, QComboBox) and combo.currentText() == "受理日期（必填）"
    preview = dialog.preview_table()
    assert preview.rowCount() == len(ROWS)
    assert preview.verticalHeaderItem(0).text() == "4"  # Excel's row number
    assert preview.item(0, 7).text() == "窗口人员态度生硬"
    assert "跳过空行1行、合计/小计行1行" in dialog.summary.text()
    # 县市场监督管理局 is in the office's directory; nothing to create, nothing unsure.
    assert not dialog.units_box.isVisibleTo(dialog)
    assert dialog.import_button.isEnabled()

    dialog.import_button.click()
    assert dialog.report is not None and dialog.report.created == {"投诉件": len(ROWS)}
    assert _count(office) == len(ROWS)
    _close_boxes(dialog)


def test_unsure_column_is_highlighted_and_confirmed_by_choosing(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    book = Workbook()
    book.active.append(["受理日期", "被投诉单位", "群众反映的主要问题情况", "新单位"])
    book.active.append(["2025-05-06", "县农业农村局", "农机补贴迟迟不发", ""])
    path = tmp_path / "简易台账.xlsx"
    book.save(path)
    dialog = ImportDialog(office.ctx("clerk"))
    qtbot.addWidget(dialog)
    dialog.set_file(path)

    mapping = dialog.mapping_table()
    assert mapping.item(2, 1).background().color() == UNSURE_BG
    assert dialog.units_label.text().endswith("县农业农村局")
    assert dialog.confirm_check.isVisibleTo(dialog)
    assert not dialog.import_button.isEnabled()

    combo = mapping.cellWidget(2, 2)
    assert isinstance(combo, QComboBox)
    # The clerk picks 内容摘要 from the list (as proposed): confirmed, analysed again.
    combo.activated.emit(combo.findData("summary"))
    assert dialog.plan is not None and not dialog.plan.unsure
    assert dialog.mapping_table().item(2, 3).text().endswith("（用户确认）")
    assert not dialog.import_button.isEnabled()  # the new unit still needs the clerk's word
    dialog.confirm_check.setChecked(True)
    dialog.import_button.click()
    assert _count(office) == 1
    _close_boxes(dialog)


def test_refused_ledger_lists_rows_and_saves_the_list(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][1] = "2025年2月30日"
    rows[3][4] = "电话不详"
    dialog = ImportDialog(office.ctx("clerk"))
    qtbot.addWidget(dialog)
    dialog.set_file(build_xlsx(tmp_path / "台账.xlsx", rows))

    table = dialog.problems_table
    assert dialog.problems_box.isVisibleTo(dialog)
    assert [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(2)] == [
        ("4", "投诉时间"),
        ("8", "联系电话"),
    ]
    assert not dialog.import_button.isEnabled()
    saved = dialog.save_problems(tmp_path / "错误清单.xlsx")
    assert saved is not None
    sheet = load_workbook(saved).active
    assert sheet["A4"].value == 4 and "不是有效的日期" in sheet["C4"].value
    assert _count(office) == 0


def test_export_dialog_writes_and_says_where(qtbot: QtBot, office: Office, tmp_path: Path) -> None:
    office.register()
    dialog = ExportDialog(office.ctx("inspector"))
    qtbot.addWidget(dialog)
    assert "不含投诉人身份信息" in dialog.identity_note.text()
    target = tmp_path / "导出" / "投诉台账.xlsx"
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    assert dialog.result_path == target
    assert str(target) in dialog.result_label.text()
    headers = [c.value for c in load_workbook(target).active[3]]
    assert "投诉人" not in headers and "被投诉单位" in headers
    _close_boxes(dialog)


def test_file_menu_has_the_ledger_commands(qtbot: QtBot, office: Office) -> None:
    window = MainWindow(office.ctx("clerk"))
    qtbot.addWidget(window)
    texts = [a.text() for a in window.file_menu.actions()]
    assert "导入台账(&I)…" in texts and "导出台账(&E)…" in texts
    dialog = window.show_export_dialog()
    assert isinstance(dialog, ExportDialog) and dialog.kind == le.LedgerExportKind.COMPLAINTS
    dialog.close()
    leader = MainWindow(office.ctx("leader"))
    qtbot.addWidget(leader)
    assert not leader.import_ledger_action.isEnabled()  # 导入台账: clerks and the admin


def test_directory_import_from_the_saved_template(
    qtbot: QtBot, office: Office, tmp_path: Path
) -> None:
    """What the setup wizard does: save the template, fill it in, import it."""
    from effdesk.db.models import Person
    from effdesk.services import ledger_import as li

    dialog = ImportDialog(office.ctx("admin"), kind=li.LedgerKind.DIRECTORY)
    qtbot.addWidget(dialog)
    assert dialog.template_button.isVisibleTo(dialog)
    template = dialog.save_template(tmp_path / "模板.xlsx")
    assert template is not None
    book = load_workbook(template)
    book["人员名录"].append(["孙悦", "县政务服务中心", "综合窗口受理员"])
    book.save(template)
    dialog.set_file(template)
    assert [dialog.sheet_tabs.tabText(i) for i in range(2)] == [
        "单位名录（单位名录）",
        "人员名录（人员名录）",
    ]
    dialog.import_button.click()
    assert dialog.report is not None
    assert dialog.report.created["新建人员"] == 1
    with office.db.session() as s:
        assert s.scalar(select(func.count(Person.id)).where(Person.name == "孙悦")) == 1
    _close_boxes(dialog)


def test_complaint_list_has_an_export_button(qtbot: QtBot, office: Office) -> None:
    from effdesk.ui.complaints.page import ComplaintsPage

    page = ComplaintsPage(office.ctx("clerk"))
    qtbot.addWidget(page)
    dialog = page.export_ledger()
    assert isinstance(dialog, ExportDialog)
    assert dialog.kind == le.LedgerExportKind.COMPLAINTS
    assert "含投诉人姓名" in dialog.identity_note.text()
    dialog.close()
    assert page.export_button.text() == "导出"
