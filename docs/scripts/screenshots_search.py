"""Screenshots of the complaint list on the million-case demo database: a filtered view whose
total is first estimated ("约 N 件") and then counted exactly, off the GUI thread (issue 21).

    .venv/bin/python benchmarks/build_large_db.py /tmp/effdesk-1m.sqlite
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_search.py \\
        /tmp/effdesk-1m.sqlite

Writes docs/screenshots/search-estimate.png (the estimate, while the exact count runs) and
docs/screenshots/search-exact.png (after it arrived). The database is only read; the exact
count is held back until the first picture is taken, so the picture shows the real estimate.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--unit", default="", help="被投诉单位 (default: any)")
    parser.add_argument("--text", default="")
    parser.add_argument("--channel", default="phone")
    parser.add_argument("--state", default="archived")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="effdesk-shots-"))
    os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from effdesk.auth import Actor
    from effdesk.db.engine import open_database
    from effdesk.db.models import Unit, User
    from effdesk.enums import Role
    from effdesk.services import complaints
    from effdesk.ui.complaints.list_view import ComplaintListView
    from effdesk.ui.context import AppContext
    from effdesk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv)
    db = open_database(f"sqlite:///{args.db.resolve()}", migrate=False)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "clerk1"))
        unit = s.scalar(select(Unit.id).where(Unit.name == args.unit))
    actor = Actor(
        user_id=user.id if user else None,
        username="clerk1",
        roles=frozenset({Role.CLERK}),
        display_name=user.display_name if user else "受理员",
    )
    gate = threading.Event()
    real_count = complaints.count_complaints

    def held(*a: object, **k: object) -> int:
        gate.wait(60)
        return real_count(*a, **k)  # type: ignore[arg-type]

    complaints.count_complaints = held  # type: ignore[assignment]
    view = ComplaintListView(AppContext(db=db, actor=actor, tasks=TaskRunner()))
    view.resize(1440, 820)
    view.show()

    def settle(until: object, seconds: float = 30) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until():  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.02)
        for _ in range(20):
            app.processEvents()

    if unit is not None:
        view.unit_picker.set_current(unit)
    view.channel_combo.setCurrentIndex(view.channel_combo.findData(args.channel))
    view.set_state_filter(args.state)
    view.view.set_query(args.text)
    settle(lambda: view.estimated_count is not None or view.exact_count is not None)
    OUT.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(OUT / "search-estimate.png"))
    print("estimate:", view.count_label.text())
    gate.set()
    settle(lambda: view.exact_count is not None)
    view.grab().save(str(OUT / "search-exact.png"))
    print("exact:", view.count_label.text())
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
