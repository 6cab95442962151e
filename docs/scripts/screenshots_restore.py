"""Screenshots for issue 18 (trust): the restore refused while another EffDesk has the database
open (a real second process), and the start-up message for a database that vanished.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_restore.py

Writes docs/screenshots/trust-restore-refused.png and trust-database-missing.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, prepare_environment, refused_restore, settle

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="effdesk-shots-trust-"))
    prepare_environment(work)

    from PySide6.QtWidgets import QMessageBox

    from effdesk.db.engine import open_database
    from effdesk.errors import EffDeskError
    from effdesk.paths import default_db_path
    from effdesk.security import backup, keys
    from effdesk.ui.app import create_application

    _app = create_application([])  # the QApplication lives while the dialogs show
    url = f"sqlite:///{work / 'office' / 'effdesk.sqlite'}"
    db = open_database(url, create=True)
    key = keys.generate_key()
    key_file = work / "effdesk.key"
    keys.write_key_file(key_file, key)
    archive = backup.create_backup(db, work / "bk", key).path
    db.dispose()
    OUT.mkdir(parents=True, exist_ok=True)
    refused_restore(url, archive, key_file, OUT / "trust-restore-refused.png").close()

    # A data folder with backups whose database has gone: refused, not recreated.
    (work / "data" / "backups").mkdir(parents=True, exist_ok=True)
    (work / "data" / "backups" / archive.name).write_bytes(archive.read_bytes())
    try:
        open_database(None)
    except EffDeskError as err:
        box = QMessageBox(QMessageBox.Icon.Critical, "找不到数据库", str(err))
        box.show()
        settle()
        box.grab().save(str(OUT / "trust-database-missing.png"))
        box.close()
    assert not default_db_path().exists()
    print(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
