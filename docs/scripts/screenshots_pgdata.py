"""Screenshots for issue 17 (pgdata): backup and restore of an office on PostgreSQL.

    EFFDESK_SHOTS_PG_URL=postgresql+psycopg://user:pw@host/empty_db \\
        xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_pgdata.py

The database is wiped. A small demo office is built in SQLite and moved to the server with
``effdesk db copy``; then the backup page after a backup, the restore refused while another
EffDesk (a real second process) is connected, and the message after the restore.
Writes docs/screenshots/pgdata-backup-page.png, pgdata-restore-refused.png, pgdata-restored.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, prepare_environment, refused_restore, settle

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    pg = os.environ.get("EFFDESK_SHOTS_PG_URL") or os.environ.get("EFFDESK_TEST_PG_URL")
    if not pg:
        print("set EFFDESK_SHOTS_PG_URL to an empty PostgreSQL database", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="effdesk-shots-pgdata-"))
    prepare_environment(work)

    from PySide6.QtWidgets import QApplication, QMessageBox
    from sqlalchemy import create_engine, text

    from effdesk.auth import SYSTEM
    from effdesk.db import copy as dbcopy
    from effdesk.db.engine import open_database
    from effdesk.demo.generator import build_demo
    from effdesk.security import keys
    from effdesk.services import users
    from effdesk.ui.app import create_application
    from effdesk.ui.context import AppContext
    from effdesk.ui.security.backup_page import BackupPage
    from effdesk.ui.security.restore_dialog import restored_message
    from effdesk.ui.tasks import TaskRunner

    app = create_application([])
    engine = create_engine(pg)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    src = f"sqlite:///{work / 'office' / 'effdesk.sqlite'}"
    db = open_database(src, create=True)
    build_demo(db, complaints=60, today=date(2026, 11, 30))
    db.dispose()
    dbcopy.copy_database(src, pg)

    key_file = work / "effdesk.key"
    keys.write_key_file(key_file, keys.generate_key())
    db = open_database(pg)
    with db.session() as s:
        actor = users.actor_of(users.find_user(s, SYSTEM, "admin"))
    ctx = AppContext(db=db, actor=actor, tasks=TaskRunner(synchronous=True))
    OUT.mkdir(parents=True, exist_ok=True)

    page = BackupPage(ctx)
    page.resize(1100, 560)
    page.choose_key_file(key_file)
    # The "备份完成" message box is modal; the page behind it is what is shown here.
    QMessageBox.information = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)  # type: ignore[method-assign]
    page.backup_now(None)
    if page.key_dialog is not None:
        page.key_dialog.close()
    page.refresh()
    page.show()
    settle()
    page.grab().save(str(OUT / "pgdata-backup-page.png"))
    archive = page.last_result.path if page.last_result else None
    assert archive is not None
    page.close()
    db.dispose()

    dialog = refused_restore(pg, archive, key_file, OUT / "pgdata-restore-refused.png")
    dialog.restore_button.click()
    settle()
    assert dialog.result_ is not None, dialog.error_label.text()
    box = QMessageBox(QMessageBox.Icon.Information, "恢复完成", restored_message(dialog.result_))
    box.show()
    settle()
    box.grab().save(str(OUT / "pgdata-restored.png"))
    box.close()
    QApplication.processEvents()
    del app
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
