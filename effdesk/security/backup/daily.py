"""The daily automatic backup at the first start of a day, and its rotation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from effdesk import settings
from effdesk.auth import SYSTEM
from effdesk.db.base import now
from effdesk.db.engine import Database
from effdesk.paths import backup_dir
from effdesk.progress import Progress
from effdesk.security import keys
from effdesk.security.backup.archive import (
    SUFFIX,
    BackupKeyMissing,
    BackupNotSupported,
)
from effdesk.security.backup.create import (
    anchor_path,
    create_backup,
)
from effdesk.security.backup.identity import (
    KeyChoice,
    backup_key,
    database_id,
    is_server,
    sqlite_path,
)

# --------------------------------------------------------------------------- daily backup


@dataclass
class DailyBackupResult:
    path: Path | None = None
    skipped: str = ""  # why nothing was written (already done today, no key …)
    new_recovery_key: str | None = None
    removed: list[Path] = field(default_factory=list)


def _auto_archives(dest_dir: Path, db_id: str) -> list[Path]:
    pattern = f"effdesk-{db_id[:8]}-auto-*{SUFFIX}"
    return sorted(dest_dir.glob(pattern), key=lambda p: p.name)


def maybe_daily_backup(
    db: Database,
    dest_dir: Path | None = None,
    *,
    key: bytes | None = None,
    allow_create_key: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> DailyBackupResult:
    """At the first start of a day write an automatic backup, keeping ``backup.keep`` of them.

    Without a key in the keyring nothing is written unless ``allow_create_key`` (pass True only
    when an admin is logged in: the new recovery key must be shown to them, and is returned).
    The backup is the system's own act (whoever is logged in), so it is recorded as SYSTEM.
    """
    if not is_server(db):
        try:
            sqlite_path(db.url)
        except BackupNotSupported as exc:
            return DailyBackupResult(skipped=str(exc))
    dest = dest_dir or backup_dir()
    db_id = database_id(db)
    day = today or now().date()
    stamp = f"-auto-{day:%Y%m%d}-"
    if any(stamp in p.name for p in _auto_archives(dest, db_id)):
        return DailyBackupResult(skipped="今天已自动备份。")
    created: KeyChoice | None = None
    if key is None:
        try:
            created = backup_key(db, create=allow_create_key)
        except (BackupKeyMissing, keys.KeyringUnavailable) as exc:
            return DailyBackupResult(skipped=str(exc))
        key = created.key
    stamp_at = datetime.combine(day, now().time())
    result = create_backup(db, dest, key, actor=SYSTEM, auto=True, progress=progress, at=stamp_at)
    with db.session() as s:
        keep = max(1, int(settings.get(s, "backup.keep")))
    archives = _auto_archives(dest, db_id)
    removed = archives[: max(0, len(archives) - keep)]
    for old in removed:
        old.unlink(missing_ok=True)
        anchor_path(old).unlink(missing_ok=True)
    return DailyBackupResult(
        path=result.path,
        new_recovery_key=created.recovery_key if created and created.created else None,
        removed=removed,
    )


def latest_backup(directory: Path | None = None) -> Path | None:
    """The newest archive in the backup folder (for the corrupt-database offer)."""
    folder = directory or backup_dir()
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"effdesk-*{SUFFIX}") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None
