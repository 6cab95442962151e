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
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as base

ROOT = Path(__file__).resolve().parents[2]
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
    with tempfile.TemporaryDirectory(prefix="effdesk-shots-insp-") as tmp:
        work = Path(tmp)
        base._prepare_environment(work)
        os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"

        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication, QWidget

        from effdesk.auth import SYSTEM
        from effdesk.db.engine import open_database
        from effdesk.demo.generator import build_demo
        from effdesk.evidence.store import EvidenceStore
        from effdesk.reports.inspection_report import render_inspection_report
        from effdesk.services import inspections, users
        from effdesk.services.inspections.field_export import export_campaign
        from effdesk.services.inspections.field_import import open_campaign_package
        from effdesk.ui.app import create_application
        from effdesk.ui.context import AppContext
        from effdesk.ui.main_window import MainWindow
        from effdesk.ui.tasks import TaskRunner
        from effdesk.ui.widgets import clock

        clock.pin_today(base.DEMO_TODAY)
        app = create_application([sys.argv[0]])
        app.setApplicationName("EffDeskScreenshots")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))

        db = open_database(f"sqlite:///{work / 'demo.sqlite'}", create=True)
        build_demo(db, seed=args.seed, complaints=args.complaints, today=base.DEMO_TODAY)
        with db.session() as s:
            actor = users.actor_of(users.find_user(s, SYSTEM, USER))
        args.out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []

        def grab(name: str, target: QWidget) -> None:
            path = args.out / f"{name}.png"
            if not target.grab().save(str(path)):
                raise SystemExit(f"could not write {path}")
            written.append(path)
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)

        def fresh_window(ctx: AppContext) -> tuple[MainWindow, QWidget]:
            window = MainWindow(ctx)
            window.resize(*base.WINDOW_SIZE)
            window.show()
            page = window.show_module("inspections")
            base._settle(app)
            return window, page

        def close_all(window: MainWindow) -> None:
            for w in QApplication.topLevelWidgets():
                if w is not window and w.isVisible():
                    w.close()
            window.close()
            window.deleteLater()
            base._settle(app)

        try:
            for name, prepare in SHOTS:
                ctx = AppContext(db=db, actor=actor, tasks=TaskRunner(synchronous=True))
                window, page = fresh_window(ctx)
                result = prepare(window, page)
                target = result if isinstance(result, QWidget) else window
                target.show()
                base._settle(app)
                grab(name, target)
                close_all(window)

            # The field laptop: export the busiest running campaign, open it in a new database.
            with db.session() as s:
                rows = inspections.list_campaigns(s, actor).rows
                live = [r for r in rows if r.status.value in ("planned", "in_progress")] or rows
                campaign = max(live, key=lambda r: r.target_count)
                task = work / "task.zip"
                export_campaign(s, SYSTEM, campaign.id, task)
            laptop = open_database(f"sqlite:///{work / 'laptop' / 'laptop.sqlite'}", create=True)
            with laptop.session() as s:
                result = open_campaign_package(s, SYSTEM, task)
                lap_actor = users.actor_of(users.find_user(s, SYSTEM, USER))
            print(result.summary().splitlines()[0])
            ctx = AppContext(db=laptop, actor=lap_actor, tasks=TaskRunner(synchronous=True))
            window, page = fresh_window(ctx)
            page.campaigns_view.select_row(0)  # type: ignore[attr-defined]
            base._settle(app)
            grab("inspections-field-mode", window)
            close_all(window)
            laptop.dispose()

            # The inspection report of the campaign with most findings.
            with db.session() as s:
                rows = inspections.list_campaigns(s, actor).rows
                best = max(rows, key=lambda r: r.finding_count)
                pdf = work / "report.pdf"
                info = render_inspection_report(s, actor, EvidenceStore(db.files_dir), best.id, pdf)
            print(info.summary(pdf))
            for page_no in (1, 2):
                stem = args.out / f"inspection-report-p{page_no}"
                subprocess.run(
                    [
                        "pdftoppm",
                        "-r",
                        "70",
                        "-png",
                        "-singlefile",
                        "-f",
                        str(page_no),
                        "-l",
                        str(page_no),
                        str(pdf),
                        str(stem),
                    ],
                    check=True,
                )
                written.append(stem.with_suffix(".png"))
                print(stem.with_suffix(".png"))
        finally:
            db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
