"""Screenshots of 明察暗访 (the real window on a demo database) and of the inspection report.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_inspections.py

Builds a demo office (effdesk.demo.generator) in a temporary folder, logs in as the demo
inspector 「inspector1」, and writes ``docs/screenshots/inspections-*.png``:

* the page with a campaign selected (targets and progress), the findings tab with a finding's
  evidence as thumbnails, the campaign editor, the finding entry dialog, the viewer;
* the field laptop: a second database opened from the exported task package, in field mode;
* the first pages of the inspection report PDF (pdftoppm; Debian: poppler-utils).

Uses docs/scripts/screenshots.py for the window setup; nothing touches the user's own data.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, demo_office

OUT = ROOT / "docs" / "screenshots"
USER = "inspector1"


def _campaign_with_most_findings(page: object) -> None:
    rows = page.campaigns_model.rows()  # type: ignore[attr-defined]
    best = max(range(len(rows)), key=lambda i: (rows[i].finding_count, -i))
    page.campaigns_view.select_row(best)  # type: ignore[attr-defined]


def _select_finding_with_photos(page: object) -> None:
    _campaign_with_most_findings(page)
    page.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    rows = page.findings_model.rows()  # type: ignore[attr-defined]
    best = max(range(len(rows)), key=lambda i: (min(rows[i].attachment_count, 4), -i))
    page.findings_view.select_row(best)  # type: ignore[attr-defined]


def shot_targets(window: object, page: object) -> object:
    _campaign_with_most_findings(page)
    page.targets_view.select_row(0)  # type: ignore[attr-defined]
    return None


def shot_findings(window: object, page: object) -> object:
    _select_finding_with_photos(page)
    return None


def shot_campaign_dialog(window: object, page: object) -> object:
    _campaign_with_most_findings(page)
    return page.edit_campaign()  # type: ignore[attr-defined]


def shot_finding_dialog(window: object, page: object) -> object:
    _select_finding_with_photos(page)
    return page.edit_finding()  # type: ignore[attr-defined]


def shot_new_finding_error(window: object, page: object) -> object:
    _campaign_with_most_findings(page)
    dialog = page.new_finding()  # type: ignore[attr-defined]
    dialog.place_edit.setText("二楼综合窗口")
    dialog.submit()  # nothing else filled in: messages at the fields
    return dialog


def shot_viewer(window: object, page: object) -> object:
    _select_finding_with_photos(page)
    viewer = page.evidence_panel.open_viewer(0)  # type: ignore[attr-defined]
    viewer.resize(1200, 800)
    return viewer


SHOTS: list[tuple[str, Callable[[object, object], object]]] = [
    ("inspections-targets", shot_targets),
    ("inspections-findings", shot_findings),
    ("inspections-campaign-dialog", shot_campaign_dialog),
    ("inspections-finding-dialog", shot_finding_dialog),
    ("inspections-finding-errors", shot_new_finding_error),
    ("inspections-viewer", shot_viewer),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="明察暗访 screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=60)
    # Seed 1: the demo generator's default screenshot seed (20260318) currently fails with a
    # duplicate campaign target (reported); any seed that builds gives the same kind of office.
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with demo_office(
        "effdesk-shots-insp-", args.out, seed=args.seed, complaints=args.complaints
    ) as office:
        from effdesk.auth import SYSTEM
        from effdesk.db.engine import open_database
        from effdesk.reports.inspection_report import render_inspection_report
        from effdesk.services import inspections, users
        from effdesk.services.inspections.field_export import export_campaign
        from effdesk.services.inspections.field_import import open_campaign_package

        db = office.db
        actor = office.actor(USER)
        office.shoot(actor, "inspections", SHOTS)

        # The field laptop: export the busiest running campaign, open it in a new database.
        with db.session() as s:
            rows = inspections.list_campaigns(s, actor).rows
            live = [r for r in rows if r.status.value in ("planned", "in_progress")] or rows
            campaign = max(live, key=lambda r: r.target_count)
            task = office.work / "task.zip"
            export_campaign(s, SYSTEM, campaign.id, task)
        laptop = open_database(f"sqlite:///{office.work / 'laptop' / 'laptop.sqlite'}", create=True)
        try:
            with laptop.session() as s:
                result = open_campaign_package(s, SYSTEM, task)
                lap_actor = users.actor_of(users.find_user(s, SYSTEM, USER))
            print(result.summary().splitlines()[0])
            window, page = office.window(lap_actor, "inspections", db=laptop)
            page.campaigns_view.select_row(0)  # type: ignore[union-attr]
            office.grab("inspections-field-mode", window)
            office.close(window)
        finally:
            laptop.dispose()

        # The inspection report of the campaign with most findings.
        with db.session() as s:
            rows = inspections.list_campaigns(s, actor).rows
            best = max(rows, key=lambda r: r.finding_count)
            pdf = office.work / "report.pdf"
            info = render_inspection_report(s, actor, db.evidence, best.id, pdf)
        print(info.summary(pdf))
        for page_no in (1, 2):
            office.pdf_page(pdf, page_no, f"inspection-report-p{page_no}", dpi=70)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
