"""Screenshots of every page of the setup wizard (设置向导) on an empty database.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_setup.py

Writes ``docs/screenshots/setup-<n>-<page>.png`` and ``setup-recovery-sheet.pdf`` beside a
temporary data folder; nothing touches the user's own data. The pages are filled as a new
office would fill them (青山县), so the pictures show a realistic first day.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, prepare_environment, settle, start_application

DEFAULT_OUT = ROOT / "docs" / "screenshots"
TODAY = date(2026, 12, 6)
PAGE_FILES = ("office", "numbers", "admin", "directory", "deadlines", "calendar", "backup")
# Then setup-8-help-f1.png: F1 on 投诉受理 after the wizard, the manual at its chapter.


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="effdesk-setup-shots-") as tmp:
        work = Path(tmp)
        prepare_environment(work)
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        from PySide6.QtWidgets import QWizard

        from effdesk.db.engine import open_database
        from effdesk.enums import AssessmentCategory, UnitKind
        from effdesk.ui.app import prepare_database
        from effdesk.ui.setup.wizard import SetupWizard

        app = start_application(work)
        db = open_database(f"sqlite:///{work / 'data' / 'effdesk.sqlite'}", create=True)
        prepare_database(db)
        wizard = SetupWizard(db, today=TODAY)
        wizard.resize(900, 640)
        wizard.show()

        def shot(n: int) -> None:
            settle()
            path = args.out / f"setup-{n}-{PAGE_FILES[n - 1]}.png"
            if not wizard.grab().save(str(path)):
                raise SystemExit(f"could not write {path}")
            print(path)

        shot(1)
        o = wizard.office_page
        o.name.setText("青山县机关效能建设领导小组办公室")
        o.county.setText("青山县")
        o.mark.setText("青山县机关效能建设领导小组办公室文件")
        o.short.setText("县效能办")
        wizard.next()
        shot(2)
        wizard.next()
        a = wizard.admin_page
        a.display_name.setText("王明")
        a.password.setText("short")
        a.confirm.setText("short")
        wizard.button(QWizard.WizardButton.NextButton).click()  # refused: shows the rule
        shot(3)
        a.password.setText("Qingshan#2026")
        a.confirm.setText("Qingshan#2026")
        wizard.next()
        d = wizard.directory_page
        d.add_unit("青山县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST)
        d.add_unit("青山县政务服务中心", UnitKind.WINDOW, AssessmentCategory.SECOND)
        d.add_unit("青山镇人民政府", UnitKind.TOWN, AssessmentCategory.THIRD)
        d.add_person("青山县公安局", "李明", "户籍科科长")
        d.add_person("青山县政务服务中心", "赵敏", "综合窗口")
        shot(4)
        wizard.next()
        shot(5)
        wizard.next()
        shot(6)
        wizard.next()
        usb = work / "U盘"
        usb.mkdir()
        b = wizard.backup_page
        b.use_file.setChecked(True)
        b.folder.setText(str(usb))
        sheet = b.make_key(args.out / "setup-recovery-sheet.pdf")
        print(sheet)
        shot(7)
        wizard.next()  # 完成: everything is saved
        wizard.close()

        # F1 on 投诉受理 after the first login: the manual at that chapter, in the app.
        from effdesk.services import users
        from effdesk.ui.context import AppContext
        from effdesk.ui.main_window import MainWindow

        with db.session() as s:
            admin = users.authenticate(s, "admin", "Qingshan#2026")
        window = MainWindow(AppContext(db=db, actor=admin), today=TODAY)
        window.show()
        window.show_module("complaints")
        helper = window.show_help()
        helper.resize(980, 760)
        settle()
        path = args.out / "setup-8-help-f1.png"
        helper.grab().save(str(path))
        print(path)
        helper.close()
        window.close()
        db.dispose()
        del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
