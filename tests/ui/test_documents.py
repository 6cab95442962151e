"""公文通报 driven as a leader: pick findings, edit the draft, issue, preview, print."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from unit.documents.office_data import COMPLAINANT_NAME, Office, build_office

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import Document, StoredFile
from effdesk.enums import DocumentState
from effdesk.services import documents as docs
from effdesk.ui.context import AppContext
from effdesk.ui.documents.heading_editor import HeadingEditor, heading_level, next_number
from effdesk.ui.documents.page import DocumentsPage, create_page

YEAR = date.today().year


@pytest.fixture(autouse=True)
def _bundled_fonts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")


@pytest.fixture
def office(db: Database, ui_actors: dict[str, Actor], tmp_path: Path) -> Office:
    with db.session() as s:
        return build_office(s, SYSTEM, db.files_dir, tmp_path / "photos")


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` as key events (QTest.keyClicks only knows ASCII; this is what an IME
    delivers: key events carrying the committed text)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _page(qtbot: QtBot, ctx: AppContext) -> DocumentsPage:
    page = create_page(ctx)
    assert isinstance(page, DocumentsPage)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    return page


def test_leader_composes_edits_issues_previews_and_prints(
    qtbot: QtBot,
    db: Database,
    office: Office,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
    tmp_path: Path,
) -> None:
    page = _page(qtbot, make_ctx(ui_actors["leader"]))
    assert page.model.total == 0

    # Pick the campaign's findings, leaving one out and one's photos off the attachment.
    dialog = page.findings_dialog()
    qtbot.addWidget(dialog)
    assert dialog.campaign_combo.count() == 1
    assert dialog.table.rowCount() == 5
    dialog.set_checked(office.finding_ids[4], False)
    dialog.set_checked(office.finding_ids[1], True, photos=False)
    assert "已选 4 个问题，涉及 3 个单位，照片 3 张" in dialog.summary.text()
    doc_id = page.draft_from_findings(dialog.selected_ids(), dialog.photo_ids(), dialog.tone())
    assert doc_id is not None
    assert page.model.total == 1
    view = page.current
    assert view is not None and view.id == doc_id and view.state is DocumentState.DRAFT
    assert page.editor.title_edit.text() == "关于2025年3月机关作风明察暗访情况的通报"
    assert "城关镇人民政府" not in page.editor.body.text()  # its finding was left out
    assert page.issue_button.isEnabled() and not page.void_button.isEnabled()

    # Edit: a new paragraph at the end becomes the next （N） under 四、工作要求.
    body = page.editor.body
    body.edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(body.edit, Qt.Key.Key_Return)
    type_text(body.edit, "加强学习培训。各单位要组织干部职工认真学习本通报。")
    assert body.current_level() == 0
    qtbot.mouseClick(body.buttons[2], Qt.MouseButton.LeftButton)
    last = body.text().split("\n")[-1]
    assert last == "（五）加强学习培训。各单位要组织干部职工认真学习本通报。"
    assert "二级标题" in body.level_label.text()
    type_text(page.editor.title_edit, "（修订）")
    assert page.dirty
    assert page.save()
    assert not page.dirty
    with db.session() as s:
        saved = s.get(Document, doc_id)
        assert saved is not None and saved.title.endswith("（修订）")
        assert saved.body.endswith("（五）加强学习培训。各单位要组织干部职工认真学习本通报。")

    # Preview the draft (rendered by the task runner).
    with qtbot.waitSignal(page.previewReady, timeout=60_000):
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    assert page.preview_pane.page_count >= 3
    assert "仿宋 → " in page.preview_pane.fonts_label.text()
    assert "(内置)" in page.preview_pane.fonts_label.text()
    assert "草稿预览" in page.preview_pane.title_label.text()

    # Issue: the first number of the year; then the document is locked.
    with qtbot.waitSignal(page.documentIssued, timeout=60_000) as issued:
        page.issue(confirm=False)
    assert issued.args == [f"X效办〔{YEAR}〕1号"]
    view = page.current
    assert view is not None and view.state is DocumentState.ISSUED
    assert view.number == f"X效办〔{YEAR}〕1号"
    assert page.editor.read_only
    assert "已印发的公文不能修改，如需更正请新建公文" in page.editor.lock_label.text()
    assert not page.save_button.isEnabled() and not page.issue_button.isEnabled()
    assert page.void_button.isEnabled() and page.correct_button.isEnabled()
    type_text(page.editor.title_edit, "再改")
    assert not page.editor.title_edit.text().endswith("再改")
    qtbot.mouseClick(body.buttons[1], Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert body.text() == view.data.body

    # The preview shows the stored original (hash checked), with its embedded fonts.
    with db.session() as s:
        stored = s.scalar(select(StoredFile).join(Document, Document.pdf_file_id == StoredFile.id))
        assert stored is not None
    assert hashlib.sha256(page.preview_pane.pdf_bytes).hexdigest() == stored.sha256
    assert "印发时嵌入的字体：仿宋 → FandolFang (内置)" in page.preview_pane.fonts_label.text()
    assert not page.preview_pane.warning_label.isVisible()
    assert page.preview_pane.page_count >= 3

    # Print (to a PDF printer here; the dialog is the system's) and save as PDF.
    printer = page.preview_pane.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed_file = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed_file))
    assert page.preview_pane.print_to(printer) == page.preview_pane.page_count
    assert printed_file.stat().st_size > 10_000
    copy = tmp_path / "copy.pdf"
    page.preview_pane.save_to(copy)
    assert copy.read_bytes() == page.preview_pane.pdf_bytes

    # The next document of the year gets the next number.
    second = page.draft_from_complaints([office.complaint_id])
    assert second is not None
    assert COMPLAINANT_NAME not in page.editor.body.text()
    with qtbot.waitSignal(page.documentIssued, timeout=60_000) as issued2:
        page.issue(confirm=False)
    assert issued2.args == [f"X效办〔{YEAR}〕2号"]
    assert page.model.total == 2


def test_voiding_and_a_changed_archive_file(
    qtbot: QtBot,
    db: Database,
    office: Office,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    page = _page(qtbot, make_ctx(ui_actors["leader"]))
    doc_id = page.draft_from_findings(office.finding_ids[:1], [])
    assert doc_id is not None
    with qtbot.waitSignal(page.documentIssued, timeout=60_000):
        page.issue(confirm=False)
    with db.session() as s:
        path = docs.stored_pdf(s, SYSTEM, doc_id, db.files_dir).path
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-200] ^= 0x01  # one flipped bit, the PDF still opens
    path.write_bytes(bytes(data))
    page.current = None
    with qtbot.waitSignal(page.previewReady, timeout=30_000):
        page.open_document(doc_id)
    assert page.preview_pane.warning_label.isVisible()
    assert "已被修改" in page.preview_pane.warning_label.text()

    page.void("")  # no reason: refused, shown as a message
    assert page.current is not None and page.current.state is DocumentState.ISSUED
    page.void("发文字号有误")
    assert page.current is not None and page.current.state is DocumentState.VOIDED
    assert "作废" in page.status_label.text() and "发文字号有误" in page.status_label.text()
    assert not page.void_button.isEnabled()
    assert page.current.number == f"X效办〔{YEAR}〕1号"


def test_clerk_drafts_but_cannot_issue(
    qtbot: QtBot,
    office: Office,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    page = _page(qtbot, make_ctx(ui_actors["clerk"]))
    assert page.from_findings_button.isEnabled()
    doc_id = page.draft_from_findings(office.finding_ids, [])
    assert doc_id is not None
    assert page.save_button.isEnabled() and not page.issue_button.isEnabled()
    page.issue(confirm=False)  # the service refuses; the document stays a draft
    assert page.current is not None and page.current.state is DocumentState.DRAFT


def test_admin_sees_the_register_read_only(
    qtbot: QtBot, ui_actors: dict[str, Actor], make_ctx: Callable[[Actor], AppContext]
) -> None:
    page = _page(qtbot, make_ctx(ui_actors["admin"]))
    assert not page.from_findings_button.isEnabled()
    assert not page.new_button.isEnabled()


def test_heading_numbering_rules(qtbot: QtBot) -> None:
    paras = ["一、甲", "（一）a", "（二）b", "二、乙", "x", "（一）c", "1.d", "y"]
    assert next_number(paras, 4, 2) == 1  # under 二、 numbering restarts
    assert next_number(paras, 7, 3) == 2
    assert next_number(paras, 7, 1) == 3
    assert [heading_level(p) for p in paras] == [1, 2, 2, 1, 0, 2, 3, 0]
    assert heading_level("（1）细则") == 4 and heading_level("2026年") == 0
    editor = HeadingEditor()
    qtbot.addWidget(editor)
    editor.set_text("一、总体要求\n（三）错误序号的段落")
    editor.edit.moveCursor(QTextCursor.MoveOperation.End)
    editor.apply_level(2)
    assert editor.text().split("\n")[1] == "（一）错误序号的段落"
    editor.apply_level(0)
    assert editor.text().split("\n")[1] == "错误序号的段落"
    assert "正文" in editor.level_label.text()


def test_issued_record_without_archived_pdf_shows_a_marked_copy(
    qtbot: QtBot,
    db: Database,
    office: Office,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
) -> None:
    """Demo data and records typed in from paper have no archived original."""
    page = _page(qtbot, make_ctx(ui_actors["leader"]))
    doc_id = page.draft_from_findings(office.finding_ids[:1], [])
    assert doc_id is not None
    with qtbot.waitSignal(page.documentIssued, timeout=60_000):
        page.issue(confirm=False)
    with db.session() as s:
        # Core UPDATE: what an import writes; the ORM guard is for edits through sessions.
        s.execute(update(Document).where(Document.id == doc_id).values(pdf_file_id=None))
    page.current = None
    with qtbot.waitSignal(page.previewReady, timeout=60_000):
        page.open_document(doc_id)
    assert "副本" in page.preview_pane.title_label.text()
    assert "没有存档的印发原件" in page.preview_pane.warning_label.text()
    assert page.preview_pane.page_count >= 1


def test_from_a_campaign_to_the_issued_pdf_in_five_actions(
    qtbot: QtBot,
    db: Database,
    office: Office,
    ui_actors: dict[str, Actor],
    make_ctx: Callable[[Actor], AppContext],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from effdesk.ui.inspections.page import InspectionsPage
    from effdesk.ui.main_window import MainWindow

    out_dir = tmp_path / "文档"
    out_dir.mkdir()
    QSettings().setValue("pdf/save_dir", str(out_dir))  # the folder the leader used last
    window = MainWindow(make_ctx(ui_actors["leader"]))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    inspections_page = window.show_module("inspections")
    assert isinstance(inspections_page, InspectionsPage)
    assert inspections_page.campaign is not None
    campaign_id = inspections_page.campaign.id
    actions = 0

    # 1. 起草通报 on the campaign: 公文通报 opens its picker on this campaign.
    qtbot.mouseClick(inspections_page.circular_button, Qt.MouseButton.LeftButton)
    actions += 1
    page = window.pages["documents"]
    assert isinstance(page, DocumentsPage) and window.current_module() == "documents"
    picker = page.picker
    assert picker is not None and picker.campaign_id() == campaign_id
    assert len(picker.selected_ids()) == 5  # its verified findings, ticked

    # 2. 起草通报 in the picker: the draft opens in the editor.
    ok = picker.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    actions += 1
    assert page.current is not None and page.current.state is DocumentState.DRAFT

    # 3-4. 签发印发 and its confirmation.
    def confirm() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        yes = next(b for b in box.buttons() if b.text() == "确定")
        qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, confirm)
    with qtbot.waitSignal(page.previewReady, timeout=60_000):
        qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    actions += 2
    assert page.current is not None and page.current.state is DocumentState.ISSUED
    saved = list(out_dir.glob("*.pdf"))
    assert len(saved) == 1 and saved[0].name.startswith(page.current.number or "?")
    assert saved[0].read_bytes() == page.preview_pane.pdf_bytes  # the issued original
    assert str(saved[0]) in page.preview_pane.saved_label.text()
    assert "打开所在文件夹" in page.preview_pane.saved_label.text()

    # 5. 打印…: the print dialog (replaced here) gets the issued PDF.
    printed: list[int] = []
    monkeypatch.setattr(page.preview_pane, "print_with_dialog", lambda: printed.append(1))
    page.preview_pane.print_button.clicked.disconnect()
    page.preview_pane.print_button.clicked.connect(page.preview_pane.print_with_dialog)
    qtbot.mouseClick(page.preview_pane.print_button, Qt.MouseButton.LeftButton)
    actions += 1
    assert printed == [1]
    assert actions <= 5


def test_save_as_starts_in_the_documents_folder_and_remembers(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from effdesk.ui.documents.preview import PdfPreview

    pane = PdfPreview()
    qtbot.addWidget(pane)
    pane.show_pdf(b"%PDF-1.4\n%%EOF", title="t", fonts="", suggested_name="通报.pdf")
    asked: list[str] = []
    target = tmp_path / "别处"
    target.mkdir()

    def fake(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return str(target / "通报.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    pane.save_with_dialog()
    docs_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    expected_first = Path(docs_dir) if docs_dir and Path(docs_dir).is_dir() else Path.home()
    assert Path(asked[0]).parent == expected_first  # never the program's working folder
    assert (target / "通报.pdf").exists()
    assert "别处" in pane.saved_label.text() and not pane.saved_label.isHidden()
    pane.save_with_dialog()
    assert Path(asked[1]).parent == target  # remembered
