"""Where EffDesk keeps its data on this PC (platformdirs), overridable for tests and portables."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR_NAME = "EffDesk"


def data_dir() -> Path:
    """The user data folder; ``EFFDESK_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("EFFDESK_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_DIR_NAME, False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)  # readable by this user only
    return path


def default_db_path() -> Path:
    return data_dir() / "effdesk.sqlite"


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


def evidence_dir_for(db_url: str) -> Path:
    """The evidence store belongs to its database: beside a SQLite file, else in the data dir."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db_file = Path(url.database)
        return db_file.with_name(db_file.stem + "-files")
    # Shared server databases: a configured shared folder (issue on PostgreSQL) or local dir.
    return data_dir() / "files"


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
