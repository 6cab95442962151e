"""Screenshots for issue 18 (trust): the restore refused while another EffDesk has the database
open (a real second process), and the start-up message for a database that vanished.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_trust.py

Writes docs/screenshots/trust-restore-refused.png and trust-database-missing.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "screenshots"

HOLDER = """
import sys
from effdesk.db.engine import open_database
db = open_database(sys.argv[1])
print("READY", flush=True)
sys.stdin.read()
db.dispose()
"""


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="effdesk-shots-trust-"))
    os.environ["EFFDESK_DATA_DIR"] = str(work / "data")
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QMessageBox

    from effdesk.db.engine import open_database
    from effdesk.errors import EffDeskError
    from effdesk.paths import default_db_path
    from effdesk.security import backup, keys
    from effdesk.ui.app import create_application, first_start
    from effdesk.ui.security.restore_dialog import RestoreDialog
    from effdesk.ui.tasks import TaskRunner

    app = create_application([])
    url = f"sqlite:///{work / 'office' / 'effdesk.sqlite'}"
    db = open_database(url, create=True)
    key = keys.generate_key()
    key_file = work / "effdesk.key"
    keys.write_key_file(key_file, key)
    archive = backup.create_backup(db, work / "bk", key).path
    db.dispose()
    other = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    other.stdout.readline()
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        dialog = RestoreDialog(None, url, archive, tasks=TaskRunner(synchronous=True))
        dialog.source_file.setChecked(True)
        dialog.key_file_edit.setText(str(key_file))
        dialog.show()
        dialog.restore_button.click()
        _settle(app)
        dialog.grab().save(str(OUT / "trust-restore-refused.png"))
        dialog.close()
    finally:
        other.stdin.close()
        other.wait(timeout=60)

    # A data folder with backups whose database has gone: refused, not recreated.
    (work / "data" / "backups").mkdir(parents=True, exist_ok=True)
    (work / "data" / "backups" / archive.name).write_bytes(archive.read_bytes())
    assert not first_start(None)
    try:
        open_database(None)
    except EffDeskError as err:
        box = QMessageBox(QMessageBox.Icon.Critical, "找不到数据库", str(err))
        box.show()
        _settle(app)
        box.grab().save(str(OUT / "trust-database-missing.png"))
        box.close()
    assert not default_db_path().exists()
    print(f"written to {OUT}")
    return 0


def _settle(app: object) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
