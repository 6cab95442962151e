"""Screenshots of 问责整改 (the real window on a demo database) and of a rectification notice.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_accountability.py

Builds a demo office in a temporary folder, logs in as the demo leader 「leader1」, and writes
``docs/screenshots/accountability-*.png``: the register with a person's history, the measure
dialog prefilled from a verified finding, the rectification list with a selected record, the
check dialog of a failed 验收, a concluded case with its 问责整改 section and buttons, the
dashboard's 待办 with the 整改 groups, and the first page of an issued 整改通知书 (pdftoppm).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, demo_office

OUT = ROOT / "docs" / "screenshots"
USER = "leader1"


def _busiest_person_row(reg: Any) -> None:
    from effdesk.enums import MeasureType, SubjectKind

    rows = reg.model.rows()
    warned: dict[int, int] = {}
    for r in rows:
        if r.subject_kind is SubjectKind.PERSON and r.measure is MeasureType.EFFICIENCY_WARNING:
            warned[r.person_id] = warned.get(r.person_id, 0) + 1
    if warned:
        pid = max(warned, key=lambda k: warned[k])
        key = next(r.id for r in rows if r.person_id == pid)
    else:
        key = next(r.id for r in rows if r.subject_kind is SubjectKind.PERSON)
    reg.view.select_key(key)


def shot_register(window: Any, page: Any) -> object:
    page.tabs.setCurrentIndex(0)
    reg = page.register
    reg.period_combo.setCurrentText("全部时间")
    _busiest_person_row(reg)
    return None


def shot_measure_dialog(window: Any, page: Any) -> object:
    from effdesk.auth import SYSTEM
    from effdesk.enums import FindingStatus
    from effdesk.services import inspections

    ctx = page.ctx
    with ctx.session() as s:
        rows = inspections.list_findings(s, SYSTEM, status=FindingStatus.VERIFIED, limit=500).rows
    with_person = [r for r in rows if r.persons_text and r.proposed_measure] or list(rows)
    dialog = page.record_measures(finding_id=with_person[0].id)
    dialog.resize(640, 560)
    return dialog


def _select_rect(page: Any, want: str) -> None:
    rv = page.rectifications
    page.tabs.setCurrentIndex(1)
    rows = rv.model.rows()
    pick = next((r for r in rows if r.state.value == want and r.report_count), None)
    pick = pick or next((r for r in rows if r.state.value == want), rows[0])
    rv.view.select_key(pick.id)


def shot_rectifications(window: Any, page: Any) -> object:
    _select_rect(page, "in_progress")
    return None


def shot_check_dialog(window: Any, page: Any) -> object:
    _select_rect(page, "in_progress")
    dialog = page.rectifications.check()
    dialog.failed_radio.setChecked(True)
    dialog.reasons_edit.setPlainText(
        "复查时户籍窗口仍有工作人员上班时间玩手机，首问负责制度未上墙。"
    )
    dialog.deadline.days.setValue(10)
    return dialog


def shot_case(window: Any, page: Any) -> object:
    from effdesk.auth import SYSTEM
    from effdesk.services.accountability import measures as ms

    with page.ctx.session() as s:
        rows = ms.list_measures(
            s, SYSTEM, ms.MeasureFilter(basis_kind=ms.BasisKind.COMPLAINT), 0, 50
        ).rows
    cp = window.show_module("complaints")
    view = cp.open_case(rows[0].complaint_id)
    bar = view.details.verticalScrollBar()
    bar.setValue(bar.maximum())  # the 问责整改 section closes the case's details
    return None


def shot_todo(window: Any, page: Any) -> object:
    window.show_module("dashboard")
    return None


def _third_warning(db: Any, actor: Any, today: Any) -> None:
    """Give one person of the demo their 3rd 效能告诫 this year, so the register shows the
    count reaching the limit (recorded through the service, as a leader would)."""
    from datetime import timedelta

    from effdesk.enums import MeasureType, SubjectKind
    from effdesk.services.accountability import measures as ms

    with db.session() as s:
        rows = ms.list_measures(
            s, actor, ms.MeasureFilter(measure=MeasureType.EFFICIENCY_WARNING), 0, 500
        ).rows
        person = next(r for r in rows if r.subject_kind is SubjectKind.PERSON)
        for n, note in ((9, "上班时间串岗聊天"), (2, "再次迟到早退")):
            ms.record_measure(
                s,
                actor,
                ms.MeasureInput(
                    subject_kind=SubjectKind.PERSON,
                    measure=MeasureType.EFFICIENCY_WARNING,
                    decided_date=today - timedelta(days=n),
                    person_id=person.person_id,
                    deciding_body=person.deciding_body,
                    notes=note,
                ),
            )


SHOTS: list[tuple[str, Callable[[Any, Any], object]]] = [
    ("accountability-register", shot_register),
    ("accountability-measure-dialog", shot_measure_dialog),
    ("accountability-rectifications", shot_rectifications),
    ("accountability-check-dialog", shot_check_dialog),
    ("accountability-case", shot_case),
    ("accountability-todo", shot_todo),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="问责整改 screenshots")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--complaints", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    with demo_office(
        "effdesk-shots-acc-", args.out, seed=args.seed, complaints=args.complaints
    ) as office:
        from effdesk.enums import RectificationNoticeKind
        from effdesk.reports.documents import render_document_bytes
        from effdesk.services import directory, documents
        from effdesk.services.accountability import notice
        from effdesk.services.accountability import rectification as rs

        db = office.db
        actor = office.actor(USER)
        _third_warning(db, actor, office.today)
        office.shoot(actor, "accountability", SHOTS)

        # A 整改通知书 issued through the services, its first page rendered.
        with db.session() as s:
            unit = directory.list_units(s, actor, "政务服务中心").rows[0]
            rect = rs.create_rectification(
                s,
                actor,
                rs.RectificationInput(
                    unit_id=unit.id,
                    items=[
                        "综合窗口工作人员上班时间使用手机玩游戏，群众等候办事无人理会",
                        "部分窗口工作人员脱岗，未放置暂离牌",
                        "首问负责、一次性告知制度落实不到位，群众反映办事需来回跑",
                    ],
                    issued_date=office.today,
                    deadline_days=15,
                    notice_kind=RectificationNoticeKind.RECTIFICATION,
                ),
            )
            doc = notice.create_notice_draft(s, actor, rect.id, rect.version, office.today)
            notice.issue_notice(
                s, actor, rect.id, db.files_dir, doc.version, renderer=render_document_bytes
            )
            pdf = documents.stored_pdf(s, actor, doc.id, db.files_dir).path
        office.pdf_page(pdf, 1, "accountability-notice-p1")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
