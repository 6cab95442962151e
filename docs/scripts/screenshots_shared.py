"""Screenshots for issue 20 (shared): the intake dialog after its split into form, draft keeper
and duplicate hints — a saved draft offered back, a call whose phone matches a registered case.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_shared.py

Writes ``docs/screenshots/shared-*.png``. Everything lives in a temporary folder.
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
    from PySide6.QtWidgets import QApplication, QWidget

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
    from effdesk.ui.complaints.intake import IntakeDialog
    from effdesk.ui.context import AppContext
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
        path = OUT / f"shared-{name}.png"
        widget.grab().save(str(path))
        print(path)

    # 1. A draft the clerk left yesterday is offered back (the draft keeper's banner).
    with db.session() as s:
        complaints.save_draft(
            s,
            actors["clerk1"],
            complaints.input_to_draft(
                complaints.ComplaintInput(
                    received_at=datetime(2026, 3, 19, 15, 5),
                    channel=Channel.PHONE,
                    summary="不动产登记窗口午休时间无人值守",
                    complainant_phone="13905551234",
                )
            ),
            None,
        )
    dialog = IntakeDialog(ctx("clerk1"))
    dialog.resize(1300, 820)
    dialog.show()
    grab(dialog, "intake-draft-offered")
    # 2. The draft restored: its phone matches nothing; a call from 13812345678 does (hints).
    dialog.restore_selected_draft()
    dialog.phone_edit.setText("13812345678")
    dialog.check_duplicates()
    grab(dialog, "intake-duplicate-hint")
    assert len(dialog.hint_cards) == 1, dialog.hint_cards
    dialog.throw_away()
    dialog.close()
    print("case", case_id)
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
