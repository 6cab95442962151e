"""The audit anchors of an open database (SQLite file or server), checked against the
backups' anchors and this PC's local mark (:mod:`effdesk.security.anchors`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from effdesk.db.engine import Database
from effdesk.errors import EffDeskError
from effdesk.paths import backup_dir
from effdesk.security import keys
from effdesk.security.anchors import AnchorReport, advance_mark, check_anchors
from effdesk.security.backup.identity import database_id, mark_base


def check_database(
    db: Database,
    key: bytes | None = None,
    *,
    folders: Sequence[Path] = (),
    use_keyring: bool = True,
    advance: bool = False,
) -> AnchorReport | None:
    """:func:`check_anchors` for an open database (SQLite or server): the key
    given, else this database's key from the keyring when ``use_keyring``; the default backup
    folder and ``folders``. ``advance``: move the local mark up when all is in order."""
    db_id = database_id(db)
    if key is None and use_keyring:
        try:
            key = keys.get_backup_key(db_id)
        except EffDeskError:  # no keyring service on this PC, or a damaged key
            key = None
    db_path = mark_base(db)
    with db.session() as s:
        report = check_anchors(s, db_id, db_path, key, [backup_dir(), *folders])
        if advance and report.ok and key is not None and report.checked:
            advance_mark(s, key, db_id, db_path)
    return report
