"""Screenshots of 统计台账 and of the dashboard per role (real windows on a demo database).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_statistics.py

Builds a demo office in a temporary folder and writes ``docs/screenshots/``:
statistics-units.png (this year by unit), statistics-month.png (by month),
statistics-clickthrough.png (a unit's 按期办结率 clicked: its cases in the complaint list),
statistics-measures.png (the measures behind 问责人次), dashboard-leader.png,
dashboard-clerk.png, dashboard-inspector.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, demo_office

OUT = ROOT / "docs" / "screenshots"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="统计台账 / 工作台 screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with demo_office(
        "effdesk-shots-stats-", args.out, seed=args.seed, complaints=args.complaints
    ) as office:
        from effdesk.services.statistics import GroupBy
        from effdesk.ui.statistics.page import COLUMNS, StatisticsPage

        col = {h: i for i, (h, *_r) in enumerate(COLUMNS, start=1)}
        window, page = office.window(office.actor("leader1"), "statistics")
        assert isinstance(page, StatisticsPage)
        page.period_combo.setCurrentIndex(page.period_combo.findData("this_year"))
        office.grab("statistics-units", window)
        page.set_group(GroupBy.MONTH)
        office.grab("statistics-month", window)
        page.set_group(GroupBy.UNIT)
        page.open_figure(page.table.ref_at(0, col["问责人次"]))  # type: ignore[arg-type]
        office.grab("statistics-measures", page.dialogs[-1])
        page.dialogs[-1].accept()
        ref = page.table.ref_at(1, col["按期办结率"])
        assert ref is not None
        page.open_figure(ref)
        office.grab("statistics-clickthrough", window)
        office.close(window)

        for username, name in (
            ("leader1", "dashboard-leader"),
            ("clerk1", "dashboard-clerk"),
            ("inspector1", "dashboard-inspector"),
        ):
            window, _page = office.window(office.actor(username), "dashboard")
            office.grab(name, window)
            office.close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
