"""An office's first day: the setup wizard on an empty database, then a clerk's first case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard
from pytestqt.qtbot import QtBot
from test_complaints_intake import choose, choose_first_category, open_intake

from effdesk import settings
from effdesk.auth import SYSTEM
from effdesk.db.engine import Database
from effdesk.enums import AssessmentCategory, Role, UnitKind
from effdesk.security import keys
from effdesk.services import directory, users
from effdesk.services import setup as setup_service
from effdesk.ui.app import prepare_database
from effdesk.ui.complaints.page import ComplaintsPage
from effdesk.ui.context import AppContext
from effdesk.ui.settings.calendar_dialog import HolidayYearDialog
from effdesk.ui.setup.wizard import SetupWizard
from effdesk.ui.tasks import TaskRunner

TypeText = Callable[[QWidget, str], None]


@pytest.fixture
def empty_db(db: Database) -> Database:
    if db.backend != "sqlite":
        pytest.skip("the first day is played on the local SQLite file")
    prepare_database(db)
    return db


def fill_office(wizard: SetupWizard) -> None:
    page = wizard.office_page
    page.name.setText("青山县机关效能建设领导小组办公室")
    page.county.setText("青山县")
    page.mark.setText("青山县机关效能建设领导小组办公室文件")
    page.short.setText("县效能办")


def test_first_start_needs_the_wizard_and_after_it_not(empty_db: Database) -> None:
    with empty_db.session() as s:
        assert setup_service.needs_setup(s)
        assert setup_service.current(s).office.name == ""  # no "××县" placeholder to erase


def test_new_office_from_wizard_to_first_complaint(
    qtbot: QtBot, empty_db: Database, tmp_path: Path, type_text: TypeText
) -> None:
    db = empty_db
    wizard = SetupWizard(db, SYSTEM)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    nxt = wizard.button(QWizard.WizardButton.NextButton)

    # 本单位: 下一步 waits for the required fields.
    assert not nxt.isEnabled()
    fill_office(wizard)
    assert nxt.isEnabled()
    nxt.click()
    # 文号: the defaults are there, one is changed.
    assert wizard.currentPage() is wizard.numbers_page
    prefixes = wizard.numbers_page.prefixes
    assert prefixes["notice"].text() == "青效办"  # "X效办" with the county's character
    assert prefixes["warning_notice"].text() == "青效告"
    prefixes["circular"].setText("青效通")
    nxt.click()
    # 管理员: a weak password is refused on the page, with the rule.
    assert wizard.currentPage() is wizard.admin_page
    admin = wizard.admin_page
    admin.display_name.setText("王明")
    admin.password.setText("short")
    admin.confirm.setText("short")
    nxt.click()
    assert wizard.currentPage() is admin
    assert "至少需要8个字符" in admin.error.text()
    admin.password.setText("Qingshan#2026")
    admin.confirm.setText("Qingshan#2026")
    nxt.click()
    # 单位名录 typed in; a person of an unknown unit is refused by row, then fixed.
    d = wizard.directory_page
    assert wizard.currentPage() is d
    d.add_unit("青山县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST)
    d.add_unit("青山县政务服务中心", UnitKind.WINDOW, AssessmentCategory.SECOND)
    d.add_person("青山县公安局", "李明", "户籍科科长")
    bad = d.add_person("青山县公安厅", "赵四", "科员")
    nxt.click()
    assert wizard.currentPage() is d
    assert "人员表第2行" in d.error.text() and "青山县公安厅" in d.error.text()
    d.persons.item(bad, 0).setText("青山县政务服务中心")
    nxt.click()
    # 办理时限: defaults from DOMAIN.md, each with the working-day rule.
    assert wizard.currentPage() is wizard.deadlines_page
    spins = wizard.deadlines_page.spins
    assert spins["deadline.acceptance_days"].value() == 3
    assert spins["conclusion.normal"].value() == 15
    assert "工作日" in spins["conclusion.normal"].toolTip()
    spins["conclusion.complex"].setValue(25)
    nxt.click()
    # 工作日历: which years are known.
    assert wizard.currentPage() is wizard.calendar_page
    status = wizard.calendar_page.status.text()
    assert f"{wizard.today.year}年" in status and f"{wizard.today.year + 1}年" in status
    wizard.calendar_page.enter_button.click()  # the holiday dialog of 系统设置 → 节假日
    holiday_dialog = wizard.calendar_page.findChild(HolidayYearDialog)
    assert holiday_dialog is not None and holiday_dialog.isVisible()
    assert holiday_dialog.year.value() == wizard.today.year + 1
    holiday_dialog.reject()
    nxt.click()
    # 数据与备份: no keyring here → a key file on the "USB stick" and the recovery sheet.
    page = wizard.backup_page
    assert wizard.currentPage() is page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # not before the recovery key sheet exists
    usb = tmp_path / "usb"
    usb.mkdir()
    page.use_file.setChecked(True)
    page.folder.setText(str(usb))
    sheet = page.make_key(tmp_path / "恢复密钥表.pdf")
    assert sheet is not None and finish.isEnabled()
    key = keys.read_key_file(usb / "effdesk-backup-key.txt")
    with pdfplumber.open(sheet) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    assert "青山县机关效能建设领导小组办公室" in text
    for group in keys.recovery_key(key).split("-"):
        assert group in text
    finish.click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.result_summary is not None
    assert wizard.result_summary.units == 2 and wizard.result_summary.persons == 2

    with db.session() as s:
        assert not setup_service.needs_setup(s)
        assert settings.get(s, "office.name") == "青山县机关效能建设领导小组办公室"
        assert settings.get(s, "document.prefixes")["circular"] == "青效通"
        assert settings.get(s, "document.prefixes")["reply_letter"] == "青效函"
        assert settings.get(s, "deadline.conclusion_days")["complex"] == 25
        admin_actor = users.authenticate(s, "admin", "Qingshan#2026")
        assert Role.ADMIN in admin_actor.roles
        assert not users.must_change_password(s, admin_actor)
        units = {u.name for u in directory.list_units(s, admin_actor).rows}
        assert units == {"青山县公安局", "青山县政务服务中心"}
        # The admin adds the first clerk.
        users.create_user(
            s,
            admin_actor,
            users.UserInput("shouli", "陈受理", {Role.CLERK}),
            password="Shouli#2026",
        )
    with db.session() as s:
        clerk = users.authenticate(s, "shouli", "Shouli#2026")
        # First login: the one-time password is changed before any work (the login dialog
        # insists; every write checks it).
        users.change_password(s, clerk, "Shouli#2026", "Chen#Shouli2026")

    # The clerk registers the office's first complaint.
    complaints_page = ComplaintsPage(AppContext(db=db, actor=clerk, tasks=TaskRunner(True)))
    qtbot.addWidget(complaints_page)
    complaints_page.resize(1400, 860)
    complaints_page.show()
    qtbot.waitExposed(complaints_page)
    dialog = open_intake(qtbot, complaints_page)
    type_text(dialog.name_edit, "王小二")
    choose(qtbot, dialog.unit_picker, "qsxgaj")
    choose(qtbot, dialog.person_picker, "lm")
    choose_first_category(qtbot, dialog)
    type_text(dialog.summary_edit, "户籍窗口办理迁移推诿")
    dialog.content_edit.setFocus()
    type_text(dialog.content_edit, "来电人称三次到户籍窗口均被告知材料不全。")
    with qtbot.waitSignal(dialog.registered) as blocker:
        dialog.summary_edit.setFocus()
        qtbot.keyClick(dialog.summary_edit, Qt.Key.Key_Return)  # Enter registers
    assert blocker.args[0] > 0
    assert [r.id for r in complaints_page.list_view.rows()] == [blocker.args[0]]


def test_demo_button_ends_the_wizard_with_the_demo_result(qtbot: QtBot, empty_db: Database) -> None:
    wizard = SetupWizard(empty_db, SYSTEM)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.office_page.demo_button.click()
    assert wizard.demo_chosen and not wizard.isVisible()
    with empty_db.session() as s:
        assert setup_service.needs_setup(s)  # nothing written to the office's database


def test_wizard_again_from_settings_keeps_the_admin(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    with empty_db.session() as s:
        admin, _pw = users.create_user(
            s, SYSTEM, users.UserInput("boss", "管理员", {Role.ADMIN}), password="Boss#20261"
        )
        admin.must_change_password = False  # as after the first login
        actor = users.actor_of(admin)
    wizard = SetupWizard(empty_db, actor)
    qtbot.addWidget(wizard)
    assert not wizard.admin_page.needed
    fill_office(wizard)
    wizard.backup_page.use_file.setChecked(True)
    wizard.backup_page.folder.setText(str(tmp_path))
    assert wizard.backup_page.isComplete()  # not the first run: the key sheet is optional
    assert wizard.save()
    with empty_db.session() as s:
        assert settings.get(s, "office.county") == "青山县"
        assert [u.username for u in users.list_users(s, actor)] == ["boss"]


def test_settings_page_runs_the_wizard_again(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    from effdesk.ui.settings.page import SettingsPage

    with empty_db.session() as s:
        admin, _pw = users.create_user(
            s, SYSTEM, users.UserInput("boss", "管理员", {Role.ADMIN}), password="Boss#20261"
        )
        admin.must_change_password = False  # as after the first login
        actor = users.actor_of(admin)
    page = SettingsPage(AppContext(db=empty_db, actor=actor, tasks=TaskRunner(True)))
    qtbot.addWidget(page)
    office = page.show_tab("office")
    wizard = office.run_wizard()  # type: ignore[attr-defined]
    assert isinstance(wizard, SetupWizard) and wizard.isVisible()
    assert not wizard.admin_page.needed
    wizard.close()


def test_demo_office_lives_in_its_own_folder(qtbot: QtBot, empty_db: Database) -> None:
    from effdesk import paths
    from effdesk.ui.setup.demo import is_demo_database, open_demo_office

    demo = open_demo_office(complaints=3)
    try:
        assert demo.url != empty_db.url
        assert is_demo_database(demo.url) and not is_demo_database(empty_db.url)
        assert demo.url.endswith(str(paths.data_dir() / "demo" / "effdesk.sqlite"))
        with demo.session() as s:
            assert not setup_service.needs_setup(s)
        with empty_db.session() as s:
            assert setup_service.needs_setup(s)  # the office's own database stays empty
    finally:
        demo.dispose()


def test_run_gui_shows_the_wizard_only_before_the_office_is_set_up(
    qtbot: QtBot, empty_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from effdesk.db.engine import open_database
    from effdesk.ui import app
    from effdesk.ui.setup import demo, wizard

    shown: list[Database] = []
    demo_db = open_database(f"sqlite:///{tmp_path / 'demo.sqlite'}", create=True)
    monkeypatch.setattr(demo, "open_demo_office", lambda: demo_db)
    monkeypatch.setattr(app.QMessageBox, "information", lambda *a, **k: None)

    def wizard_chooses_demo(db: Database, parent: object = None) -> int:
        shown.append(db)
        return wizard.DEMO_RESULT

    monkeypatch.setattr(wizard, "run_setup_wizard", wizard_chooses_demo)
    opened, is_demo = app.first_start(empty_db)
    assert shown == [empty_db] and opened is demo_db and is_demo
    demo_db.dispose()

    # Once an admin exists the wizard is not shown again at the start.
    with empty_db.session() as s:
        users.create_user(
            s, SYSTEM, users.UserInput("boss", "管理员", {Role.ADMIN}), password="Boss#20261"
        )
    db2 = open_database(empty_db.url)
    opened, is_demo = app.first_start(db2)
    assert opened is db2 and not is_demo and len(shown) == 1
    db2.dispose()


def test_seal_image_is_stored_and_previewed_again(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    from PySide6.QtGui import QColor, QPixmap

    picture = QPixmap(120, 120)
    picture.fill(QColor("red"))
    seal_file = tmp_path / "seal.png"
    assert picture.save(str(seal_file))
    with empty_db.session() as s:
        admin, _pw = users.create_user(
            s, SYSTEM, users.UserInput("boss", "管理员", {Role.ADMIN}), password="Boss#20261"
        )
        admin.must_change_password = False  # as after the first login
        actor = users.actor_of(admin)
    wizard = SetupWizard(empty_db, actor)
    qtbot.addWidget(wizard)
    assert wizard.office_page.seal_preview.pixmap().isNull()
    wizard.office_page.set_seal(setup_service.read_seal_file(seal_file))
    fill_office(wizard)
    assert wizard.save()
    with empty_db.session() as s:
        assert setup_service.seal_image(s) == seal_file.read_bytes()
    again = SetupWizard(empty_db, actor)
    qtbot.addWidget(again)
    preview = again.office_page.seal_preview.pixmap()
    assert not preview.isNull() and preview.toImage().pixelColor(40, 40) == QColor("red")


def test_the_directory_comes_in_from_the_offices_excel_list(
    qtbot: QtBot, empty_db: Database, tmp_path: Path
) -> None:
    """120 units and their staff from the organisation department's spreadsheet: one bad row
    refused by row and column first, nothing written; fixed, all imported."""
    from openpyxl import load_workbook

    wizard = SetupWizard(empty_db, SYSTEM)
    qtbot.addWidget(wizard)
    page = wizard.directory_page
    page.import_button.click()
    dialog = wizard.import_dialog
    assert dialog is not None and dialog.isVisible()
    template = dialog.save_template(tmp_path / "单位人员名录.xlsx")
    assert template is not None
    book = load_workbook(template)
    units, persons = book["单位名录"], book["人员名录"]
    for i in range(1, 121):
        units.append([f"青山县第{i}局", "", "", ["一类", "二类", "三类"][i % 3]])
    units.append(["青山县第121局", "", "", "五类"])  # no such 考评类别
    for i in range(1, 41):
        persons.append([f"干部{i}", f"青山县第{i}局", "科员"])
    book.save(template)

    dialog.set_file(template)
    table = dialog.problems_table
    qtbot.waitUntil(lambda: table.rowCount() >= 1, timeout=20_000)  # analysed by a worker
    assert table.item(0, 0).text() == "124" and "考评类别" in table.item(0, 1).text()
    assert not dialog.import_button.isEnabled()
    with empty_db.session() as s:
        assert directory.list_units(s, SYSTEM).total == 0  # nothing written

    units.delete_rows(124)  # the office fixes its list
    book.save(template)
    dialog.set_file(template)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=20_000)
    assert not dialog.problems_box.isVisibleTo(dialog)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    for box in dialog.findChildren(QWidget):
        if box.windowTitle() and box is not dialog and box.isVisible():
            box.close()
    dialog.done(0)
    with empty_db.session() as s:
        assert directory.list_units(s, SYSTEM).total == 120
        assert directory.list_persons(s, SYSTEM).total == 40
    assert "120 个单位" in page.existing_label.text()
