"""Screenshots for issue 18 (trust): the identity typed into free text, as the clerk is warned
at intake and as an inspector sees the case; a session ended after the user was deactivated.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_trust.py

Writes ``docs/screenshots/trust-*.png``. Everything lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
SUMMARY = "张三丰（138-1234-5678）来电反映户籍窗口推诿，让其来回跑了三趟"


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="effdesk-shots-"))
    os.environ["EFFDESK_DATA_DIR"] = str(tmp)
    os.environ.setdefault("EFFDESK_NO_SYSTEM_FONTS", "1")
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    QCoreApplication.setOrganizationName("EffDeskShots")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    app = QApplication(sys.argv)
    from effdesk.auth import SYSTEM
    from effdesk.db.engine import open_database
    from effdesk.enums import AssessmentCategory, Channel, Role, UnitKind
    from effdesk.services import complaints, directory, users
    from effdesk.services.categories import ensure_default_categories
    from effdesk.ui.app import choose_ui_font
    from effdesk.ui.complaints.case_view import CaseView
    from effdesk.ui.complaints.intake import IntakeDialog
    from effdesk.ui.complaints.list_view import ComplaintListView  # noqa: F401
    from effdesk.ui.complaints.page import ComplaintsPage
    from effdesk.ui.context import AppContext
    from effdesk.ui.session_guard import SessionGuard
    from effdesk.ui.tasks import TaskRunner

    font = choose_ui_font()
    if font is not None:
        app.setFont(font)
    db = open_database(f"sqlite:///{tmp / 'effdesk.sqlite'}", create=True)
    actors = {}
    with db.session() as s:
        ensure_default_categories(s)
        unit = directory.create_unit(
            s,
            SYSTEM,
            directory.UnitInput("县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        )
        for name, display, role in (
            ("clerk1", "王受理", Role.CLERK),
            ("insp1", "李督查", Role.INSPECTOR),
            ("admin", "系统管理员", Role.ADMIN),
        ):
            user, _pw = users.create_user(s, SYSTEM, users.UserInput(name, display, {role}))
            user.must_change_password = False
            actors[name] = users.actor_of(user)
        category = complaints.category_choices(s, actors["clerk1"])[0].id
        case = complaints.register_complaint(
            s,
            actors["clerk1"],
            complaints.ComplaintInput(
                received_at=datetime(2026, 3, 18, 9, 30),
                channel=Channel.PHONE,
                summary=SUMMARY,
                category_id=category,
                unit_id=unit.id,
                content="来电人张三丰称其在三丰商贸有限公司工作，电话13812345678，办理户口迁移时被推诿。",
                complainant_name="张三丰",
                complainant_phone="13812345678",
                complainant_company="三丰商贸有限公司",
            ),
            at=datetime(2026, 3, 18, 9, 30),
        )
        case_id = case.id

    def ctx(who: str) -> AppContext:
        return AppContext(db=db, actor=actors[who], tasks=TaskRunner(synchronous=True))

    def settle() -> None:
        for _ in range(20):
            app.processEvents()

    def grab(widget: QWidget, name: str) -> None:
        settle()
        path = OUT / f"trust-{name}.png"
        widget.grab().save(str(path))
        print(path)

    # 1. The clerk types the caller's phone into the summary: a warning, not a refusal.
    dialog = IntakeDialog(ctx("clerk1"), offer_drafts=False)
    dialog.resize(1300, 820)
    dialog.show()
    dialog.name_edit.setText("刘晓燕")
    dialog.phone_edit.setText("13905551234")
    dialog.summary_edit.setText("刘晓燕来电（139 0555 1234）反映不动产登记窗口推诿")
    grab(dialog, "intake-warning")
    dialog.close()

    # 2. The inspector's list and case view: ××× where the identity was typed.
    page = ComplaintsPage(ctx("insp1"))
    page.resize(1440, 900)
    page.show()
    grab(page, "inspector-list")
    view = CaseView(ctx("insp1"), case_id)
    view.resize(1200, 860)
    view.show()
    grab(view, "inspector-case")
    view.close()
    page.close()

    # 3. Photos whose facts cannot be right, flagged in the inspector's evidence panel.
    from PIL import Image

    from effdesk.db.models import Campaign, Finding
    from effdesk.enums import CampaignKind
    from effdesk.evidence.store import EvidenceStore
    from effdesk.services import evidence
    from effdesk.ui.inspections.evidence_grid import EvidencePanel, describe

    def photo(name: str, when: datetime | None, gps: tuple[float, float] | None) -> Path:
        exif = Image.Exif()
        if when is not None:
            exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
        if gps is not None:
            g = exif.get_ifd(0x8825)
            g[1], g[2] = ("N" if gps[0] >= 0 else "S"), (abs(gps[0]), 0.0, 0.0)
            g[3], g[4] = ("E" if gps[1] >= 0 else "W"), (abs(gps[1]), 0.0, 0.0)
        path = tmp / "photos" / name
        path.parent.mkdir(exist_ok=True)
        Image.effect_noise((640, 480), 60).convert("RGB").save(path, "JPEG", exif=exif)
        return path

    with db.session() as s:
        campaign = Campaign(
            name="2026年3月上班纪律暗访",
            kind=CampaignKind.UNDERCOVER,
            start_date=datetime(2026, 3, 16).date(),
            end_date=datetime(2026, 3, 20).date(),
        )
        s.add(campaign)
        s.flush()
        finding = Finding(
            campaign_id=campaign.id,
            unit_id=unit.id,
            place="一楼办事大厅3号窗口",
            observed_at=datetime(2026, 3, 17, 9, 10),
            description="工作时间窗口无人",
        )
        s.add(finding)
        s.flush()
        finding_id = finding.id
        window = (datetime(2026, 3, 16), datetime(2026, 3, 20, 23, 59, 59))
        evidence.attach_files(
            s,
            actors["insp1"],
            EvidenceStore(db.files_dir),
            evidence.AttachmentOwner(finding_id=finding_id),
            [
                photo("窗口无人.jpg", datetime(2026, 3, 17, 9, 12), (30.27, 120.15)),
                photo("境外坐标.jpg", datetime(2026, 3, 17, 9, 13), (-33.87, 151.21)),
                photo("未来时间.jpg", datetime(2099, 1, 1, 8, 0), (30.27, 120.15)),
            ],
            window=window,
            workers=1,
        )
    panel = EvidencePanel(ctx("insp1"))
    panel.resize(760, 420)
    panel.set_finding(finding_id, window)
    panel.show()
    grab(panel, "evidence-flags")
    for row in panel.rows:
        print(describe(row).replace("\n", " | "))
    panel.close()

    # The same photos in the inspection report: the doubts are printed under each picture.
    import subprocess

    from effdesk.reports.inspection_report import render_inspection_report

    pdf = tmp / "report.pdf"
    with db.session() as s:
        render_inspection_report(s, actors["insp1"], EvidenceStore(db.files_dir), campaign.id, pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", str(pdf), str(tmp / "rep")],
        check=True,
    )
    page_png = next(tmp.glob("rep*.png"))
    (OUT / "trust-report-flags.png").write_bytes(page_png.read_bytes())
    print(OUT / "trust-report-flags.png")

    # 4. The clerk was deactivated by the admin while working.
    window = QMainWindow()
    window.resize(900, 600)
    window.setWindowTitle("EffDesk")
    window.show()
    guard = SessionGuard(ctx("clerk1"), window)
    with db.session() as s:
        users.set_active(s, actors["admin"], actors["clerk1"].user_id or 0, False)
    guard.check()
    assert guard.box is not None
    grab(guard.box, "session-ended")
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
