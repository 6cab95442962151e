"""Screenshots of the real EffDesk window on a demo database, for the README and the manual.

Run under a virtual X server (Debian: ``apt-get install -y xvfb fonts-noto-cjk``)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots.py

Writes ``docs/screenshots/<name>.png`` (main window 1440×900). Nothing touches the user's own
data: the demo database, QSettings and logs live in a temporary folder.

To add a screenshot of your page, append a :class:`Shot` to ``SHOTS``: a file name, the module
to show, and optionally ``prepare(window, page)`` that clicks through to the state you want and
returns the widget to grab (a dialog, say) or ``None`` for the whole window. Keep ``prepare``
to what a user would do (select a row, open a dialog); it runs on a fresh window each time.

Options: ``--only name1,name2`` makes some of them; ``--out DIR``; ``--complaints N``;
``--minimal`` builds a few units through the directory service instead of the demo office.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from effdesk.auth import Actor
    from effdesk.db.engine import Database

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "docs" / "screenshots"
WINDOW_SIZE = (1440, 900)
# A fixed, ordinary working day, so the pictures do not change with the calendar.
DEMO_TODAY = date(2026, 3, 18)
# The demo's own default seed: the pictures show what `effdesk demo` builds.
DEMO_SEED = 2026
SCREENSHOT_USER = "clerk1"


@dataclass(frozen=True)
class Shot:
    name: str
    module: str
    prepare: Callable[..., object] | None = None  # (window, page) -> QWidget | None
    description: str = ""


def _directory_selected(window: object, page: object) -> None:
    """Select the first unit with several persons so the right pane is filled."""
    view = page.units_view  # type: ignore[attr-defined]
    model = page.units_model  # type: ignore[attr-defined]
    for i, row in enumerate(model.rows()):
        if row.person_count >= 3:
            view.select_row(i)
            return
    view.select_row(0)


def _directory_search(window: object, page: object) -> None:
    page.units_view.set_query("gaj")  # type: ignore[attr-defined]
    page.units_view.select_row(0)  # type: ignore[attr-defined]


def _unit_dialog_error(window: object, page: object) -> object:
    """The edit dialog after a save with a duplicate name and a bad phone number."""
    _directory_selected(window, page)
    dialog = page.edit_unit()  # type: ignore[attr-defined]
    names = [r.name for r in page.units_model.rows()]  # type: ignore[attr-defined]
    other = next(n for n in names if n != dialog.name_edit.text())
    dialog.name_edit.setText(other)
    dialog.contact_phone_edit.setText("0571-123")
    dialog.submit()
    return dialog


def _person_dialog(window: object, page: object) -> object:
    _directory_selected(window, page)
    page.persons_view.select_row(0)  # type: ignore[attr-defined]
    return page.edit_person()  # type: ignore[attr-defined]


def _about(window: object, page: object) -> object:
    return window.show_about()  # type: ignore[attr-defined]


def _complaints_open(window: object, page: object) -> None:
    """The ledger filtered to cases still being handled: late and near ones in colour."""
    page.list_view.set_state_filter("open")  # type: ignore[attr-defined]
    page.list_view.view.select_row(0)  # type: ignore[attr-defined]


def _richest_open_case(page: object) -> int:
    """The open case with the longest history (reminders, notes, an extension …)."""
    from effdesk.services import complaints

    ctx = page.ctx  # type: ignore[attr-defined]
    view = page.list_view  # type: ignore[attr-defined]
    view.set_state_filter("open")
    best, most = view.rows()[0].id, -1
    with ctx.session() as s:
        for row in view.rows()[:60]:
            detail = complaints.get_complaint_detail(s, ctx.actor, row.id, with_identity=False)
            if len(detail.events) > most:
                best, most = row.id, len(detail.events)
    view.set_state_filter(None)
    return int(best)


def _complaints_case(window: object, page: object) -> None:
    page.open_case(_richest_open_case(page))  # type: ignore[attr-defined]


def _complaints_todo(window: object, page: object) -> None:
    page.tabs.setCurrentWidget(page.todo)  # type: ignore[attr-defined]


def _complaints_form(window: object, page: object) -> object:
    """The 交办单 of an assigned case in the preview (print / save as PDF)."""
    from effdesk.enums import HandlingMode
    from effdesk.reports.complaint_forms import ComplaintForm

    view = page.list_view  # type: ignore[attr-defined]
    view.set_state_filter("open")
    row = next(r for r in view.rows() if r.handling_mode == HandlingMode.ASSIGNED)
    case = page.open_case(row.id)  # type: ignore[attr-defined]
    preview = case.print_form(ComplaintForm.ASSIGNMENT)
    preview.resize(900, 960)
    return preview


def _complaints_intake(window: object, page: object) -> object:
    """A call being typed: the caller phoned before, so the duplicate panel lists that case."""
    view = page.list_view  # type: ignore[attr-defined]
    view.set_state_filter("open")
    row = next(r for r in view.rows() if r.complainant_phone and not r.anonymous and r.unit_id)
    view.set_state_filter(None)
    dialog = page.new_complaint()  # type: ignore[attr-defined]
    dialog.name_edit.setText(row.complainant_name)
    dialog.phone_edit.setText(row.complainant_phone)
    dialog.unit_picker.set_current(row.unit_id, row.unit_name)
    dialog.category_combo.setCurrentIndex(max(0, dialog.category_combo.findData(row.category_id)))
    dialog.summary_edit.setText("再次来电：" + row.summary)
    dialog.content_edit.setPlainText(
        "来电人称上次反映的问题至今没有答复，窗口仍要求其补交材料，希望尽快处理。"
    )
    dialog.check_duplicates()
    dialog.summary_edit.setFocus()
    return dialog


def _complaints_intake_errors(window: object, page: object) -> object:
    """Saving a half-typed call: each problem under its field, everything typed kept."""
    dialog = page.new_complaint()  # type: ignore[attr-defined]
    dialog.name_edit.setText("刘女士")
    dialog.phone_edit.setText("1381234")
    dialog.unit_picker.setText("不动产")
    dialog.content_edit.setPlainText("来电反映办理不动产登记时窗口要求提供与业务无关的证明。")
    dialog.submit()  # the unit is typed, not chosen: said before asking the service
    dialog.unit_picker.clear()
    dialog.submit()
    return dialog


def _complaints_intake_date_error(window: object, page: object) -> object:
    """A receipt time in the future: the message under the date field, whole (it was clipped)."""
    dialog = page.new_complaint()  # type: ignore[attr-defined]
    dialog.name_edit.setText("刘女士")
    dialog.phone_edit.setText("13812345678")
    dialog.unit_picker.setText("公安")
    dialog.unit_picker.search_now()
    dialog.unit_picker.choose_row(0)
    dialog.summary_edit.setText("窗口工作人员态度生硬")
    dialog.category_combo.setCurrentIndex(max(1, dialog.category_combo.currentIndex()))
    dialog.received_edit.setDateTime(dialog.received_edit.dateTime().addYears(2))
    dialog.submit()
    return dialog


SHOTS: list[Shot] = [
    Shot("dashboard", "dashboard", description="工作台"),
    Shot("complaints", "complaints", description="投诉受理"),
    Shot("inspections", "inspections", description="明察暗访"),
    Shot("accountability", "accountability", description="问责整改"),
    Shot("documents", "documents", description="公文通报"),
    Shot("statistics", "statistics", description="统计台账"),
    Shot("directory", "directory", _directory_selected, "单位人员：选中单位及其人员"),
    Shot("settings", "settings", description="系统设置"),
    Shot("directory-search", "directory", _directory_search, "单位人员：按拼音首字母查找"),
    Shot("directory-unit-dialog", "directory", _unit_dialog_error, "修改单位：字段旁的校验提示"),
    Shot("directory-person-dialog", "directory", _person_dialog, "修改人员"),
    Shot("about", "dashboard", _about, "关于 EffDesk"),
    Shot(
        "complaints-open",
        "complaints",
        _complaints_open,
        "投诉台账：办理中的件，超期红色、临期橙色",
    ),
    Shot("complaints-case", "complaints", _complaints_case, "投诉件：详情、办理经过、可办理的操作"),
    Shot("complaints-todo", "complaints", _complaints_todo, "投诉受理：我的待办"),
    Shot("complaints-form", "complaints", _complaints_form, "交办单预览（打印、另存为PDF）"),
    # Last: typing fills a draft, which later complaint shots would offer back.
    Shot("complaints-intake", "complaints", _complaints_intake, "投诉登记：重复件提示"),
    Shot(
        "complaints-intake-date-error",
        "complaints",
        _complaints_intake_date_error,
        "投诉登记：受理时间晚于现在",
    ),
    Shot(
        "complaints-intake-errors",
        "complaints",
        _complaints_intake_errors,
        "投诉登记：字段旁的校验提示",
    ),
]


def _prepare_environment(work: Path) -> None:
    os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        # No X server: render offscreen (same fonts via fontconfig, no window frame).
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _build_database(url: str, complaints: int, minimal: bool = False) -> Database:
    from effdesk.db.engine import open_database
    from effdesk.demo.generator import build_demo

    db = open_database(url, create=True)
    if minimal:
        print("--minimal: a small directory instead of the demo office", file=sys.stderr)
        _minimal_directory(db)
    else:
        build_demo(db, seed=DEMO_SEED, complaints=complaints, today=DEMO_TODAY)
    return db


def _minimal_directory(db: Database) -> None:
    """A few units and persons through the service, for when the demo generator is absent."""
    from effdesk.auth import SYSTEM
    from effdesk.enums import AssessmentCategory, UnitKind
    from effdesk.services import directory

    units = [
        ("县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        ("县市场监督管理局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        ("县政务服务中心", UnitKind.WINDOW, AssessmentCategory.SECOND),
        ("城关镇人民政府", UnitKind.TOWN, AssessmentCategory.THIRD),
    ]
    with db.session() as s:
        for name, kind, category in units:
            unit = directory.create_unit(
                s, SYSTEM, directory.UnitInput(name=name, kind=kind, category=category)
            )
            for person, post in [("王伟", "科长"), ("李娜", "科员"), ("张敏", "窗口受理员")]:
                directory.create_person(
                    s, SYSTEM, directory.PersonInput(unit_id=unit.id, name=person, post=post)
                )


def _actor(db: Database) -> Actor:
    from effdesk.auth import SYSTEM
    from effdesk.errors import EffDeskError
    from effdesk.services import users

    try:
        with db.session() as s:
            actor: Actor = users.actor_of(users.find_user(s, SYSTEM, SCREENSHOT_USER))
            return actor
    except EffDeskError:
        print(f"no user {SCREENSHOT_USER}: screenshots show the system actor", file=sys.stderr)
        return SYSTEM


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="EffDesk screenshots")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", default="", help="comma-separated shot names")
    parser.add_argument("--complaints", type=int, default=500)
    parser.add_argument("--list", action="store_true", help="list the shots and exit")
    parser.add_argument(
        "--minimal", action="store_true", help="a few units via the service instead of the demo"
    )
    args = parser.parse_args(argv)
    if args.list:
        for shot in SHOTS:
            print(f"{shot.name:28} {shot.module:15} {shot.description}")
        return 0
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - {s.name for s in SHOTS}
    if unknown:
        print(f"unknown shots: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="effdesk-shots-") as tmp:
        work = Path(tmp)
        _prepare_environment(work)

        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication, QWidget

        from effdesk.ui.app import create_application
        from effdesk.ui.context import AppContext
        from effdesk.ui.main_window import MainWindow
        from effdesk.ui.tasks import TaskRunner
        from effdesk.ui.widgets import clock

        clock.pin_today(DEMO_TODAY)

        app = create_application([sys.argv[0]])
        app.setApplicationName("EffDeskScreenshots")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "qs"))

        db = _build_database(f"sqlite:///{work / 'demo.sqlite'}", args.complaints, args.minimal)
        actor = _actor(db)
        print(f"platform {app.platformName()}, font {app.font().family()}, user {actor.label}")
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            for shot in SHOTS:
                if wanted and shot.name not in wanted:
                    continue
                # Synchronous tasks: every list is loaded before the picture is taken.
                ctx = AppContext(db=db, actor=actor, tasks=TaskRunner(synchronous=True))
                window = MainWindow(ctx)
                window.resize(*WINDOW_SIZE)
                window.show()
                page = window.show_module(shot.module)
                _settle(app)
                target: object = window
                if shot.prepare is not None:
                    result = shot.prepare(window, page)
                    if isinstance(result, QWidget):
                        target = result
                        result.show()
                _settle(app)
                assert isinstance(target, QWidget)
                path = args.out / f"{shot.name}.png"
                if not target.grab().save(str(path)):
                    print(f"could not write {path}", file=sys.stderr)
                    return 1
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
                for w in QApplication.topLevelWidgets():
                    if w is not window and w.isVisible():
                        w.close()
                window.close()
                window.deleteLater()
                _settle(app)
        finally:
            db.dispose()
    return 0


def _settle(app: object) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(150, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
