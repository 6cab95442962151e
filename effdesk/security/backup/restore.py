"""Restore: unpack and check everything in staging, then swap through the journal."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from effdesk.auth import SYSTEM, Actor
from effdesk.db import presence, restore_journal
from effdesk.db.base import now
from effdesk.db.engine import is_sqlite_url, open_database
from effdesk.errors import EffDeskError
from effdesk.paths import evidence_dir_for
from effdesk.permissions import Permission, require
from effdesk.progress import Progress
from effdesk.security import anchors, keys
from effdesk.security.backup.archive import (
    DB_MEMBER,
    inspect_archive,
)
from effdesk.security.backup.create import (
    io_error,
)
from effdesk.security.backup.identity import (
    sqlite_path,
)
from effdesk.security.backup.unpack import (
    RestoreResult,
    check_revision,
    stage_restore_record,
    unpack_archive,
)

# --------------------------------------------------------------------------- restore


def _aside(path: Path, stamp: str) -> Path:
    return restore_journal.aside_name(path, stamp)


def restore_backup(
    archive: Path,
    key: bytes,
    db_url: str,
    *,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
    remember_key: bool = True,
) -> RestoreResult:
    """Replace the database at ``db_url`` and its evidence folder with the archive's content.

    The database is taken exclusively first: while any other EffDesk (this process's own
    open databases included) has it open the restore is refused, naming who holds it. Then:
    unpack and verify everything in a private staging folder beside the database; open the
    staged database (migrating an older schema) and record the restore in its audit trail;
    fsync it all; then swap through a journal (:mod:`effdesk.db.restore_journal`): the current
    database (with its -wal/-shm) and evidence folder are renamed ``*.before-restore-<time>``
    (never deleted) and the restored ones moved in. A crash at any point leaves the complete
    old or, after the next start rolls the journal forward, the complete new data.
    """
    require(actor, Permission.RESTORE)
    if not is_sqlite_url(db_url):
        from effdesk.security.backup.server import restore_to_server

        return restore_to_server(archive, key, db_url, actor=actor, progress=progress)
    db_path = sqlite_path(db_url)
    files_dir = evidence_dir_for(db_url)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with presence.exclusive(db_path, "从备份恢复"):
        restore_journal.recover(db_path)
        stamp = now().strftime("%Y%m%d-%H%M%S")
        staging = db_path.parent / f".effdesk-restore-{stamp}-{os.getpid()}"
        kept_db = _aside(db_path, stamp) if db_path.exists() else None
        kept_files = _aside(files_dir, stamp) if files_dir.exists() else None
        try:
            staging.mkdir(mode=0o700)
            manifest = unpack_archive(archive, key, staging, progress)
            check_revision(manifest)
            (staging / "files").mkdir(exist_ok=True)
            restore_journal.crash_point("unpacked")
            stage_restore_record(staging / DB_MEMBER, actor, archive, manifest, kept_db)
            restore_journal.fsync_tree(staging)
            restore_journal.crash_point("staged")
            try:
                restore_journal.swap_in(db_path, files_dir, staging, stamp)
            except OSError as exc:
                # Undo what was moved (the journal says what); nothing is lost either way.
                restore_journal.recover(db_path)
                raise EffDeskError(
                    f"无法换入恢复的数据（{exc.strerror or exc}：{exc.filename or db_path}）。"
                    "当前数据已保持原样。请关闭所有 EffDesk 窗口、确认磁盘可写后再恢复。"
                ) from exc
        except OSError as exc:
            raise io_error("恢复", exc, staging) from exc
        finally:
            if not restore_journal.journal_path(db_path).exists():
                shutil.rmtree(staging, ignore_errors=True)
    # A new local mark for the restored log (effdesk/security/anchors.py): older anchors, of
    # the log that was replaced, no longer apply.
    database = open_database(db_url)
    try:
        with database.session() as s:
            anchors.mark_after_restore(s, key, manifest.database_id, db_path)
    finally:
        database.dispose()
    if remember_key and manifest.database_id and keys.keyring_available():
        try:
            if keys.get_backup_key(manifest.database_id) is None:
                keys.store_backup_key(manifest.database_id, key)
        except EffDeskError:
            pass  # the keyring is a convenience here; the restore itself succeeded
    return RestoreResult(
        archive=archive,
        manifest=manifest,
        database=db_path,
        files_dir=files_dir,
        kept_database=kept_db,
        kept_files=kept_files,
    )


def key_for_archive(archive: Path) -> bytes | None:
    """The key for an archive from this PC's keyring (by the database id in its header)."""
    header = inspect_archive(archive)
    return keys.get_backup_key(header.database_id)
