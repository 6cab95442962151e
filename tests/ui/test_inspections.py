"""明察暗访 through the real page and dialogs (pytest-qt, synchronous task runner).

Campaign planning, fast finding entry with evidence (file dialog and drag and drop), the bad
files of a batch named in one summary, the viewer with its read-only hand-off, status moves,
permissions, and the field laptop round trip driven from two pages on two databases.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Attachment, Finding, ProblemCategory, User, UserRole
from effdesk.enums import CampaignKind, CampaignStatus, FindingStatus, Role, TargetStatus
from effdesk.services import inspections
from effdesk.ui.context import AppContext
from effdesk.ui.inspections.campaign_dialog import CampaignDialog
from effdesk.ui.inspections.finding_dialog import FindingDialog
from effdesk.ui.inspections.page import InspectionsPage
from effdesk.ui.inspections.viewer import EvidenceViewer
from effdesk.ui.tasks import TaskRunner

START, END = date(2026, 3, 2), date(2026, 3, 6)


def jpeg(path: Path, taken: datetime | None = None, seed: int = 0) -> Path:
    img = Image.new("RGB", (640, 480), (90, 140 + seed % 100, 200))
    for x in range(0, 640, 20):
        img.paste((seed * 37 % 256, x % 256, 80), (x, 0, x + 8, 480))
    exif = Image.Exif()
    exif[0x0110] = "HUAWEI P40"
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buf = BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif)
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def categories(db: Database) -> dict[str, int]:
    with db.session() as s:
        out = {}
        for i, (code, name) in enumerate(
            [("discipline", "违反工作纪律"), ("attitude", "服务态度差"), ("other", "其他")]
        ):
            cat = ProblemCategory(code=code, name=name, sort_order=i)
            s.add(cat)
            s.flush()
            out[code] = cat.id
    return out


@pytest.fixture
def campaign_id(db: Database, ui_actors: dict[str, Actor], directory_data: Any) -> int:
    with db.session() as s:
        c = inspections.create_campaign(
            s,
            ui_actors["inspector"],
            inspections.CampaignInput(
                name="2026年3月上班纪律暗访",
                kind=CampaignKind.UNDERCOVER,
                start_date=START,
                end_date=END,
                theme="上下班纪律",
                member_ids=[ui_actors["inspector"].user_id or 0],
                target_unit_ids=[
                    directory_data.units["县公安局"],
                    directory_data.units["县政务服务中心"],
                ],
            ),
        )
        return c.id


@pytest.fixture
def page_for(
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    categories: dict[str, int],
    campaign_id: int,
) -> Callable[[str], InspectionsPage]:
    def make(role: str) -> InspectionsPage:
        page = InspectionsPage(make_ctx(ui_actors[role]))
        qtbot.addWidget(page)
        page.resize(1400, 850)
        page.show()
        qtbot.waitExposed(page)
        return page

    return make


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def close_messages() -> None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


# --- campaigns ----------------------------------------------------------------------------
def test_lists_campaign_with_targets(page_for: Callable[[str], InspectionsPage]) -> None:
    page = page_for("clerk")
    assert [r.name for r in page.campaigns_model.rows()] == ["2026年3月上班纪律暗访"]
    assert page.campaign is not None
    assert {r.unit_name for r in page.targets_model.rows()} == {"县公安局", "县政务服务中心"}
    assert all(r.status is TargetStatus.PENDING for r in page.targets_model.rows())
    assert "检查对象 2 个，已检查 0 个" in page.facts_label.text()
    # A clerk may look but not plan or record.
    assert not page.new_button.isEnabled() and page.edit_button.text() == "查看活动"
    assert not page.add_finding_button.isEnabled()
    assert not page.export_action.isEnabled()
    assert not page.banner.isVisible()


def test_plan_campaign_in_dialog(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    type_text: Callable[..., None],
    directory_data: Any,
) -> None:
    page = page_for("inspector")
    dialog = page.new_campaign()
    assert isinstance(dialog, CampaignDialog)
    qtbot.waitExposed(dialog)
    # Save with nothing filled in: messages at the fields, nothing lost.
    dialog.submit()
    assert "请至少添加一个检查对象" in dialog.form.error_text("target_unit_ids")
    type_text(dialog.name_edit, "窗口服务明察")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(CampaignKind.OPEN.value))
    dialog.theme_combo.setCurrentText("窗口服务")
    type_text(dialog.targets_editor.picker, "zwfw")
    dialog.targets_editor.picker.search_now()
    dialog.targets_editor.picker.choose_row(0)
    assert dialog.targets_editor.value() == [directory_data.units["县政务服务中心"]]
    dialog.submit()
    assert "活动名称不能为空" not in dialog.form.error_text("name")
    qtbot.waitUntil(lambda: page.dialog is None)
    names = [r.name for r in page.campaigns_model.rows()]
    assert "窗口服务明察" in names
    assert page.campaign is not None and page.campaign.name == "窗口服务明察"
    assert page.campaign.theme == "窗口服务"
    assert [m.username for m in page.campaign.members] == ["inspector"]


# --- findings -----------------------------------------------------------------------------
def test_fast_finding_entry_with_photos(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    type_text: Callable[..., None],
    tmp_path: Path,
    db: Database,
    categories: dict[str, int],
    directory_data: Any,
) -> None:
    page = page_for("inspector")
    page.targets_view.select_row(
        [r.unit_name for r in page.targets_model.rows()].index("县政务服务中心")
    )
    dialog = page.new_finding_for_target()
    assert isinstance(dialog, FindingDialog)
    qtbot.waitExposed(dialog)
    assert dialog.unit_edit.current_id() == directory_data.units["县政务服务中心"]
    # Missing description: shown at the field.
    dialog.observed_edit.setDateTime(
        dialog.observed_edit.dateTime().fromString("2026-03-03 09:10", "yyyy-MM-dd HH:mm")
    )
    dialog.submit()
    assert "请填写问题描述" in dialog.form.error_text("description")
    type_text(dialog.description_edit, "3号窗口工作人员上班时间玩手机游戏")
    type_text(dialog.place_edit, "二楼综合窗口")
    dialog.category_combo.setCurrentIndex(dialog.category_combo.findData(categories["discipline"]))
    type_text(dialog.persons_editor.picker, "zl")
    dialog.persons_editor.picker.search_now()
    dialog.persons_editor.picker.choose_row(0)
    type_text(dialog.persons_editor.describe_edit, "戴眼镜的男子")
    dialog.persons_editor.add_description()
    photos = [jpeg(tmp_path / f"IMG_{i}.jpg", datetime(2026, 3, 3, 9, 10 + i), i) for i in range(3)]
    dialog.evidence_panel.add_files(photos)
    assert dialog.evidence_panel.model.rowCount() == 3
    assert "待添加 3 个文件" in dialog.evidence_panel.count_label.text()
    dialog.submit()
    qtbot.waitUntil(lambda: page.dialog is None)
    summary = dialog.evidence_panel.last_report
    assert summary is not None and len(summary.added) == 3
    assert "已添加 3 个文件" in summary.summary()
    close_messages()

    rows = page.findings_model.rows()
    assert len(rows) == 1
    row = rows[0]
    assert row.persons_text == "赵丽（综合窗口受理员）、戴眼镜的男子"
    assert row.attachment_count == 3 and row.category_name == "违反工作纪律"
    assert row.observed_at == datetime(2026, 3, 3, 9, 10)
    # Progress of the target follows.
    target = next(t for t in page.targets_model.rows() if t.unit_name == "县政务服务中心")
    assert target.status is TargetStatus.ISSUES
    # The selected finding's evidence shows as thumbnails.
    page.findings_view.select_row(0)
    assert page.evidence_panel.model.rowCount() == 3
    icon = page.evidence_panel.model.data(
        page.evidence_panel.model.index(0), Qt.ItemDataRole.DecorationRole
    )
    assert not icon.isNull()
    assert count(db, Attachment) == 3


def test_save_and_continue_keeps_the_visit(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    type_text: Callable[..., None],
    directory_data: Any,
) -> None:
    page = page_for("inspector")
    dialog = page.new_finding(directory_data.units["县公安局"])
    assert isinstance(dialog, FindingDialog)
    dialog.observed_edit.setDateTime(
        dialog.observed_edit.dateTime().fromString("2026-03-04 08:50", "yyyy-MM-dd HH:mm")
    )
    type_text(dialog.place_edit, "户籍大厅")
    type_text(dialog.description_edit, "8:50 户籍窗口无人")
    dialog.submit_and_continue()
    assert dialog.isVisible() and dialog.record_id is None
    assert dialog.description_edit.toPlainText() == ""
    assert dialog.place_edit.text() == "户籍大厅"
    assert dialog.unit_edit.current_id() == directory_data.units["县公安局"]
    type_text(dialog.description_edit, "大厅取号机故障无人处理")
    dialog.submit()
    qtbot.waitUntil(lambda: page.dialog is None)
    assert page.findings_model.total == 2


def _finding(db: Database, actor: Actor, unit_id: int, campaign_id: int) -> int:
    with db.session() as s:
        return inspections.create_finding(
            s,
            actor,
            inspections.FindingInput(
                unit_id=unit_id,
                observed_at=datetime(2026, 3, 3, 9, 10),
                description="窗口无人在岗",
                campaign_id=campaign_id,
                place="一楼大厅",
            ),
        ).id


def drop_files(widget: Any, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)
    assert event.isAccepted()


def test_drop_batch_with_bad_files_one_summary(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    db: Database,
    ui_actors: dict[str, Actor],
    directory_data: Any,
    campaign_id: int,
    tmp_path: Path,
) -> None:
    fid = _finding(db, ui_actors["inspector"], directory_data.units["县公安局"], campaign_id)
    page = page_for("inspector")
    page.tabs.setCurrentIndex(1)
    page.findings_view.select_row(0)
    good = jpeg(tmp_path / "IMG_0001.jpg", datetime(2026, 3, 3, 9, 10), 1)
    fake = tmp_path / "假照片.jpg"
    fake.write_text("这不是照片", encoding="utf-8")
    empty = tmp_path / "空文件.jpg"
    empty.write_bytes(b"")
    corrupt = tmp_path / "损坏.jpg"
    corrupt.write_bytes(good.read_bytes()[:3000])
    dup = tmp_path / "副本.jpg"
    dup.write_bytes(good.read_bytes())
    huge = tmp_path / "VID_超大.mp4"
    with open(huge, "wb") as fh:  # 200 MB, sparse: costs no disk
        fh.truncate(200 * 1024 * 1024)
    with db.session() as s:
        settings.put(s, ui_actors["admin"], "evidence.max_file_mb", 100)
    drop_files(page.evidence_panel.grid, [good, fake, empty, corrupt, dup, huge])
    report = page.evidence_panel.last_report
    assert report is not None
    assert [a.original_name for a in report.added] == ["IMG_0001.jpg"]
    assert {p.name for p in report.problems} == {
        "假照片.jpg",
        "空文件.jpg",
        "损坏.jpg",
        "VID_超大.mp4",
    }
    assert report.duplicates == ["副本.jpg"]
    box = page.evidence_panel.last_message
    assert box is not None and box.isVisible()
    text = box.text()
    assert "文件过大" in text and "文件为空" in text
    for name in ("假照片.jpg", "空文件.jpg", "损坏.jpg", "副本.jpg", "VID_超大.mp4"):
        assert name in text
    assert box.icon() == QMessageBox.Icon.Warning
    close_messages()
    with db.session() as s:
        n = s.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.finding_id == fid)
        )
    assert n == 1
    assert page.evidence_panel.model.rowCount() == 1


def test_viewer_zoom_navigation_and_read_only_handoff(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    db: Database,
    ui_actors: dict[str, Actor],
    directory_data: Any,
    campaign_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fid = _finding(db, ui_actors["inspector"], directory_data.units["县公安局"], campaign_id)
    page = page_for("inspector")
    page.tabs.setCurrentIndex(1)
    page.findings_view.select_row(0)
    video = tmp_path / "VID_0001.mp4"
    video.write_bytes(
        b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
        + b"\x00\x00\x00\x08free\x00\x00\x10\x08mdat"
        + bytes(4096)
    )
    files = [jpeg(tmp_path / f"IMG_{i}.jpg", datetime(2026, 3, 3, 9, i), i) for i in range(2)]
    page.evidence_panel.add_files([*files, video])
    close_messages()
    assert page.evidence_panel.model.rowCount() == 3
    viewer = page.evidence_panel.open_viewer(0)
    assert isinstance(viewer, EvidenceViewer)
    qtbot.waitExposed(viewer)
    assert viewer.image is not None and viewer.image.width() == 640
    assert viewer.position_label.text() == "1 / 3"
    fitted = viewer.zoom
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert viewer.zoom == pytest.approx(fitted * 1.25)
    qtbot.keyClick(viewer, Qt.Key.Key_1)
    assert viewer.zoom == 1.0 and viewer.picture.pixmap().width() == 640
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.position_label.text() == "2 / 3"
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert "系统程序打开" in viewer.picture.text()  # the video
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    copy = viewer.open_external()
    assert copy is not None and opened == [str(copy)]
    assert copy.name == "VID_0001.mp4"
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(video.read_bytes()).digest()
    assert not os.stat(copy).st_mode & stat.S_IWUSR  # read-only copy
    row = viewer.current
    assert copy != page.evidence_panel.store.path_of(row.sha256)
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.position_label.text() == "2 / 3"
    viewer.close()
    del fid


def test_status_moves_and_dismissal_reason(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    db: Database,
    ui_actors: dict[str, Actor],
    directory_data: Any,
    campaign_id: int,
) -> None:
    fid = _finding(db, ui_actors["inspector"], directory_data.units["县公安局"], campaign_id)
    page = page_for("leader")
    page.tabs.setCurrentIndex(1)
    page.findings_view.select_row(0)
    texts = [a.text() for a in page.transition_menu.actions()]
    assert texts == ["核实认定", "不予认定…"]
    page.change_finding_status(FindingStatus.VERIFIED)
    assert page.findings_view.selected().status is FindingStatus.VERIFIED
    assert [a.text() for a in page.transition_menu.actions()] == ["标记已处理", "退回待核实…"]
    page.change_finding_status(FindingStatus.PENDING, note="证据不足，补充调查")
    page.change_finding_status(FindingStatus.DISMISSED, note="")
    box = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )
    assert "不予认定时请填写理由" in box.text()
    close_messages()
    with db.session() as s:
        f = s.get(Finding, fid)
        assert f is not None and f.status is FindingStatus.PENDING
        assert "证据不足" in f.verification_note


def test_campaign_status_buttons(page_for: Callable[[str], InspectionsPage]) -> None:
    page = page_for("inspector")
    visible = [b.text() for b in page.status_buttons.values() if b.isVisibleTo(page)]
    assert visible == ["开始检查", "取消活动"]
    page.set_campaign_status(CampaignStatus.IN_PROGRESS)
    assert page.campaign is not None and page.campaign.status is CampaignStatus.IN_PROGRESS
    visible = [b.text() for b in page.status_buttons.values() if b.isVisibleTo(page)]
    assert visible == ["完成活动", "取消活动"]


def test_record_visit_without_findings(
    qtbot: QtBot, page_for: Callable[[str], InspectionsPage]
) -> None:
    page = page_for("inspector")
    page.targets_view.select_row(0)
    dialog = page.record_visit()
    assert dialog is not None
    dialog.time_edit.setDateTime(
        dialog.time_edit.dateTime().fromString(  # type: ignore[attr-defined]
            "2026-03-05 08:40", "yyyy-MM-dd HH:mm"
        )
    )
    dialog.notes_edit.setText("秩序良好")  # type: ignore[attr-defined]
    dialog.submit(clear=False)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.dialog is None)
    first = page.targets_model.rows()[0]
    assert first.status is TargetStatus.NO_ISSUE and first.notes == "秩序良好"


def test_report_from_page(page_for: Callable[[str], InspectionsPage], tmp_path: Path) -> None:
    page = page_for("clerk")
    out = tmp_path / "报告.pdf"
    page.render_report(out)
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")
    box = page.field.last_message
    assert box is not None and "已生成督查情况报告" in box.text()
    close_messages()


# --- the field laptop, from two pages on two databases ---------------------------------
def _laptop(tmp_path: Path) -> tuple[Database, Actor]:
    laptop = open_database(f"sqlite:///{tmp_path / 'laptop' / 'laptop.sqlite'}", create=True)
    with laptop.session() as s:
        admin = User(username="ladmin", display_name="笔记本管理员", must_change_password=False)
        admin.roles = [UserRole(role=Role.ADMIN)]
        s.add(admin)
        s.flush()
        actor = Actor(admin.id, "ladmin", frozenset({Role.ADMIN}))
    return laptop, actor


def test_field_round_trip_through_the_gui(
    qtbot: QtBot,
    page_for: Callable[[str], InspectionsPage],
    db: Database,
    tmp_path: Path,
    type_text: Callable[..., None],
) -> None:
    office = page_for("inspector")
    task = tmp_path / "任务包.zip"
    office.export_campaign(task)
    assert task.is_file() and "已导出督查任务包" in office.field.last_message.text()  # type: ignore[union-attr]
    close_messages()

    laptop_db, laptop_admin = _laptop(tmp_path)
    try:
        admin_page = InspectionsPage(
            AppContext(laptop_db, laptop_admin, TaskRunner(synchronous=True))
        )
        qtbot.addWidget(admin_page)
        admin_page.open_task_package(task)
        assert "现场模式" in admin_page.field.last_message.text()  # type: ignore[union-attr]
        close_messages()
        with laptop_db.session() as s:
            user = s.scalar(select(User).where(User.username == "inspector"))
            assert user is not None
            # Their first login changed the one-time password (else no write: effdesk.access).
            user.must_change_password = False
            insp = Actor(user.id, user.username, user.role_set, user.display_name)
        page = InspectionsPage(AppContext(laptop_db, insp, TaskRunner(synchronous=True)))
        qtbot.addWidget(page)
        page.resize(1400, 850)
        page.show()
        assert page.banner.isVisible() and "现场模式" in page.banner.text()
        assert page.pack_action.isEnabled()
        dialog = page.new_finding()
        assert isinstance(dialog, FindingDialog)
        type_text(dialog.unit_edit, "gaj")
        dialog.unit_edit.search_now()
        dialog.unit_edit.choose_row(0)
        dialog.observed_edit.setDateTime(
            dialog.observed_edit.dateTime().fromString("2026-03-03 09:10", "yyyy-MM-dd HH:mm")
        )
        type_text(dialog.description_edit, "户籍窗口9:10无人在岗")
        dialog.evidence_panel.add_files(
            [jpeg(tmp_path / "IMG_1.jpg", datetime(2026, 3, 3, 9, 10), 1)]
        )
        dialog.submit()
        qtbot.waitUntil(lambda: page.dialog is None)
        close_messages()
        package = tmp_path / "现场数据包.zip"
        page.pack_findings(package)
        assert "已生成现场数据包" in page.field.last_message.text()  # type: ignore[union-attr]
        close_messages()
    finally:
        laptop_db.dispose()

    before = count(db, Finding)
    office.import_findings(package)
    assert "新增问题 1 条" in office.field.last_message.text()  # type: ignore[union-attr]
    close_messages()
    assert count(db, Finding) == before + 1
    office.tabs.setCurrentIndex(1)
    rows = office.findings_model.rows()
    assert [r.description for r in rows] == ["户籍窗口9:10无人在岗"]
    assert rows[0].origin.value == "field" and rows[0].attachment_count == 1
    # Again: refused nothing, changed nothing.
    office.import_findings(package)
    assert "本次未做任何更改" in office.field.last_message.text()  # type: ignore[union-attr]
    close_messages()
    assert count(db, Finding) == before + 1


def test_hostile_package_message_in_gui(
    page_for: Callable[[str], InspectionsPage], tmp_path: Path, db: Database
) -> None:
    import zipfile

    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../../evil.txt", "x")
    page = page_for("inspector")
    before = count(db, Finding)
    page.import_findings(bad)
    box = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )
    assert "被拒绝，未导入任何内容" in box.text() and "跳出解压目录" in box.text()
    close_messages()
    assert count(db, Finding) == before


def test_the_campaign_header_and_its_findings_list_agree(
    db: Database,
    ui_actors: dict[str, Actor],
    directory_data: Any,
    campaign_id: int,
    page_for: Callable[[str], InspectionsPage],
) -> None:
    inspector, leader = ui_actors["inspector"], ui_actors["leader"]
    with db.session() as s:
        ids = [
            inspections.create_finding(
                s,
                inspector,
                inspections.FindingInput(
                    unit_id=directory_data.units["县公安局"],
                    observed_at=datetime(2026, 3, 3, 9, k),
                    description=f"窗口无人值守（第{k}次）",
                    campaign_id=campaign_id,
                ),
            ).id
            for k in range(1, 5)
        ]
        inspections.change_finding_status(
            s, leader, ids[0], FindingStatus.DISMISSED, "系正常轮岗交接"
        )
    page = page_for("inspector")
    facts = page.facts_label.text()
    assert "发现问题 3 条，另有不予认定 1 条" in facts
    listed = page.findings_model.rows()
    assert len(listed) == 4  # the list shows every finding recorded: 3 + 1, as the header says
    assert sum(1 for r in listed if r.status is FindingStatus.DISMISSED) == 1


def test_dropped_photos_are_previewed_off_the_gui_thread(
    qtbot: QtBot,
    db: Database,
    ui_actors: dict[str, Actor],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from effdesk.evidence import thumbnails
    from effdesk.ui.inspections.evidence_grid import EvidencePanel

    decoded_on: list[bool] = []
    real = thumbnails.preview_rgba

    def spy(path: Path, size: int) -> tuple[int, int, bytes] | None:
        decoded_on.append(threading.current_thread() is threading.main_thread())
        return real(path, size)

    monkeypatch.setattr(thumbnails, "preview_rgba", spy)
    ctx = AppContext(db=db, actor=ui_actors["inspector"], tasks=TaskRunner())  # real threads
    panel = EvidencePanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    photos = [jpeg(tmp_path / f"{i}.jpg", datetime(2026, 3, 3, 9, i), seed=i) for i in range(3)]
    panel.add_files(photos)
    # The grid paints at once with placeholders; the previews arrive from a worker.
    assert len(panel.model.missing_previews) == 3
    qtbot.waitUntil(lambda: not panel.model.missing_previews, timeout=10_000)
    assert decoded_on == [False, False, False]
    icon = panel.model.data(panel.model.index(0), Qt.ItemDataRole.DecorationRole)
    assert not icon.pixmap(160, 120).isNull()
