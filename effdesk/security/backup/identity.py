"""The database's identity and its backup key (keyring, key file, recovery key)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from effdesk import settings
from effdesk.auth import SYSTEM
from effdesk.db.engine import Database
from effdesk.db.evidence_folder import OFFICE_ID_KEY, office_id
from effdesk.security import keys
from effdesk.security.backup.archive import (
    BackupKeyMissing,
    BackupNotSupported,
)

DATABASE_ID_KEY = OFFICE_ID_KEY  # one id names the backup key and the shared evidence folder


# --------------------------------------------------------------------------- database identity


def database_id(db: Database) -> str:
    """The random id that names this database's backup key (created on first use)."""
    with db.session() as s:
        existing = office_id(s, create=False)
        if existing is not None:
            return existing
        import uuid

        value = str(uuid.uuid4())
        settings.seed_defaults(s, SYSTEM, {DATABASE_ID_KEY: value})
        return value


def sqlite_path(url: str) -> Path:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        raise BackupNotSupported(
            "PostgreSQL 数据库没有本机数据库文件：它的备份是把服务器上的数据复制成快照"
            "（effdesk backup 会自动这样做）。"
        )
    if not u.database or u.database == ":memory:":
        raise BackupNotSupported("内存数据库无法备份。")
    return Path(u.database)


def is_server(db: Database) -> bool:
    """A server database (PostgreSQL): backed up by copying its rows (effdesk.db.copy)."""
    return db.backend != "sqlite"


def mark_base(db: Database) -> Path:
    """What this database's local audit mark (:func:`effdesk.security.anchors.mark_path`) and
    private temporary folder are named after: the SQLite file itself; for a server database a
    name beside its evidence folder, ``<evidence folder>-postgresql-<id>`` (on every PC that
    shares the evidence folder, the same mark)."""
    if not is_server(db):
        return sqlite_path(db.url)
    files = db.files_dir
    return files.with_name(f"{files.name}-{db.backend}-{database_id(db)[:8]}")


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class KeyChoice:
    key: bytes
    database_id: str
    created: bool  # True: a new key; show its recovery key to the admin now
    source: str  # "keyring" or the key file path

    @property
    def recovery_key(self) -> str:
        return keys.recovery_key(self.key)


def configured_key_file(db: Database) -> Path | None:
    """The office's backup key file (setting ``backup.key_file``, chosen in the setup wizard
    or on the backup page), if one is set."""
    with db.session() as s:
        value = str(settings.get(s, "backup.key_file") or "")
    return Path(value) if value else None


def backup_key(db: Database, key_file: Path | None = None, create: bool = True) -> KeyChoice:
    """This database's backup key, from ``key_file``, else the office's configured key file
    when it is there, else the OS keyring; made on first use."""
    db_id = database_id(db)
    if key_file is None:
        configured = configured_key_file(db)
        if configured is not None and (configured.exists() or not keys.keyring_available()):
            key_file = configured
    if key_file is not None:
        if key_file.exists():
            return KeyChoice(keys.read_key_file(key_file), db_id, False, str(key_file))
        if not create:
            raise BackupKeyMissing(f"找不到密钥文件 {key_file}。")
        key = keys.generate_key()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        keys.write_key_file(key_file, key)
        return KeyChoice(key, db_id, True, str(key_file))
    found = keys.get_backup_key(db_id)
    if found is not None:
        return KeyChoice(found, db_id, False, "keyring")
    if not create:
        raise BackupKeyMissing(
            "尚未设置备份密钥。请系统管理员在「系统设置 → 备份与恢复」中执行一次备份，"
            "并打印保存显示的恢复密钥。"
        )
    key = keys.generate_key()
    keys.store_backup_key(db_id, key)
    return KeyChoice(key, db_id, True, "keyring")
