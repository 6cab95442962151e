"""Screenshots for issue 20 (shared): the intake dialog after its split into form, draft keeper
and duplicate hints — a saved draft offered back, a call whose phone matches a registered case.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_shared.py

Writes ``docs/screenshots/shared-*.png``. Everything lives in a temporary folder.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, demo_office

if TYPE_CHECKING:
    from effdesk.db.engine import Database

OUT = ROOT / "docs" / "screenshots"


def _small_office(db: Database) -> None:
    """One unit, one clerk, one registered call and one draft left from another call."""
    from effdesk.auth import SYSTEM
    from effdesk.enums import AssessmentCategory, Channel, Role, UnitKind
    from effdesk.services import complaints, directory, users
    from effdesk.services.categories import ensure_default_categories
    from effdesk.services.complaints import ComplaintInput

    with db.session() as s:
        ensure_default_categories(s)
        unit_id = directory.create_unit(
            s,
            SYSTEM,
            directory.UnitInput("县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        ).id
        user, _pw = users.create_user(s, SYSTEM, users.UserInput("clerk", "王受理", {Role.CLERK}))
        user.must_change_password = False
        clerk = users.actor_of(user)
        at = datetime(2026, 3, 18, 9, 30)
        called = ComplaintInput(
            received_at=at,
            channel=Channel.PHONE,
            summary="户籍窗口推诿，让群众来回跑了三趟",
            category_id=complaints.category_choices(s, clerk)[0].id,
            unit_id=unit_id,
            complainant_name="张三丰",
            complainant_phone="13812345678",
        )
        complaints.register_complaint(s, clerk, called, at=at)
        left = ComplaintInput(
            received_at=datetime(2026, 3, 19, 15, 5),
            channel=Channel.PHONE,
            summary="不动产登记窗口午休时间无人值守",
            complainant_phone="13905551234",
        )
        complaints.save_draft(s, clerk, complaints.input_to_draft(left), None)


def main() -> int:
    with demo_office("effdesk-shared-shots-", OUT, seed=0, build=_small_office) as office:
        from effdesk.ui.complaints.intake import IntakeDialog

        dialog = IntakeDialog(office.context(office.actor("clerk")))
        dialog.resize(1300, 820)
        dialog.show()
        office.grab("shared-intake-draft-offered", dialog)  # the draft keeper's banner
        dialog.restore_selected_draft()
        dialog.phone_edit.setText("13812345678")  # the same caller as the registered case
        dialog.check_duplicates()
        assert len(dialog.hint_cards) == 1, dialog.hint_cards
        office.grab("shared-intake-duplicate-hint", dialog)
        dialog.throw_away()
        dialog.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
