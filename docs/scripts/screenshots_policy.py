"""Screenshots of the complaint policy as a user meets it in the case view: a step the policy
refuses is greyed with the refusal as its tooltip, and a form the case has no grounds for is
greyed in the print menu with the reason.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_policy.py

Builds the demo office (500 complaints, the README's demo day) in a temporary folder and writes
docs/screenshots/policy-awaiting-instruction.png (交办/转办 greyed before the leader's 批示),
policy-extension-late.png (申请延期 greyed on an overdue case) and policy-print-menu.png.
Tooltips and menus are windows of their own: the pictures are taken of the screen (X server).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import DEMO_TODAY, ROOT, Office, demo_office

OUT = ROOT / "docs" / "screenshots"
SIZE = (1300, 760)


def main() -> int:
    if not os.environ.get("DISPLAY"):
        print("needs an X server (xvfb-run): tooltips are separate windows", file=sys.stderr)
        return 2
    from effdesk.demo.generator import DEFAULT_SEED

    with demo_office("effdesk-shots-policy-", OUT, seed=DEFAULT_SEED, complaints=500) as office:
        return _shots(office)


def _shots(office: Office) -> int:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QPushButton, QToolTip, QWidget
    from sqlalchemy import select

    from effdesk.db.models import Complaint
    from effdesk.enums import ComplaintState, HandlingMode
    from effdesk.services.complaints import ComplaintAction
    from effdesk.ui.complaints.case_view import CaseView

    app, db = office.app, office.db
    clerk = office.actor("clerk1")
    with db.session() as s:
        awaiting = s.scalars(
            select(Complaint.id).where(Complaint.state == ComplaintState.AWAITING_INSTRUCTION)
        ).first()
        overdue = s.scalars(
            select(Complaint.id)
            .where(
                Complaint.state == ComplaintState.INVESTIGATING,
                Complaint.due_date < DEMO_TODAY,
                Complaint.handling_mode == HandlingMode.SELF,
            )
            .order_by(Complaint.due_date.desc())
        ).first()
    ctx = office.context(clerk)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def screen_shot(widget: QWidget, name: str) -> None:
        top_left = widget.mapToGlobal(QPoint(0, 0))
        picture = app.primaryScreen().grabWindow(
            0, top_left.x(), top_left.y(), widget.width(), widget.height()
        )
        path = OUT / name
        picture.save(str(path))
        print(path.relative_to(ROOT))

    def with_tooltip(case_id: int | None, action: ComplaintAction, name: str) -> None:
        if case_id is None:
            print(f"no case for {name}", file=sys.stderr)
            return
        view = CaseView(ctx, case_id)
        view.resize(*SIZE)
        view.move(20, 20)
        view.show()
        settle()
        button: QPushButton = view.action_buttons[action]
        print(f"{name}: {button.text()} enabled={button.isEnabled()} tip={button.toolTip()}")
        QToolTip.showText(button.mapToGlobal(button.rect().bottomLeft()), button.toolTip(), button)
        settle()
        screen_shot(view, name)
        QToolTip.hideText()
        view.close()

    with_tooltip(awaiting, ComplaintAction.ROUTE, "policy-awaiting-instruction.png")
    with_tooltip(overdue, ComplaintAction.REQUEST_EXTENSION, "policy-extension-late.png")
    if overdue is not None:
        view = CaseView(ctx, overdue)
        view.resize(*SIZE)
        view.move(20, 20)
        view.show()
        settle()
        button = view.print_button
        # Opened to the left of the button's right edge, so it stays inside the view.
        corner = button.mapToGlobal(button.rect().bottomRight())
        view.print_menu.popup(corner - QPoint(view.print_menu.sizeHint().width(), 0))
        settle()
        for act in view.print_menu.actions():
            print(f"  {act.text()} enabled={act.isEnabled()}")
        screen_shot(view, "policy-print-menu.png")
        view.print_menu.hide()
        view.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
