"""Helpers for the trust tests: a small office with evidence and a backup, and child processes.

Imported by name (the folder is not a package), like sec_helpers.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sec_helpers import put_evidence
from sqlalchemy import select

from effdesk.auth import SYSTEM
from effdesk.db.engine import open_database
from effdesk.db.models import StoredFile
from effdesk.enums import AssessmentCategory, MediaKind, UnitKind
from effdesk.security import backup, keys
from effdesk.services import directory

AFTER_BACKUP_UNIT = "备份后新增"


@dataclass
class Office:
    folder: Path
    db_path: Path
    url: str
    files_dir: Path
    archive: Path
    key: bytes
    blobs_at_backup: set[str]
    blobs_after: set[str]


def _register_blob(url: str, files_dir: Path, data: bytes) -> str:
    path = put_evidence(files_dir, data)
    db = open_database(url)
    try:
        with db.session() as s:
            s.add(
                StoredFile(
                    sha256=path.name,
                    size=len(data),
                    mime="application/pdf",
                    media_kind=MediaKind.DOCUMENT,
                )
            )
    finally:
        db.dispose()
    return path.name


def make_office(folder: Path) -> Office:
    """An office database with 3 evidence files, a backup of it, then one more unit and file."""
    db_path = folder / "effdesk.sqlite"
    url = f"sqlite:///{db_path}"
    from effdesk.cli import main

    assert main(["--db", url, "db", "upgrade"]) == 0  # a new database, made explicitly
    db = open_database(url)
    files_dir = db.files_dir
    with db.session() as s:
        directory.create_unit(
            s,
            SYSTEM,
            directory.UnitInput("县政务服务中心", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        )
    db.dispose()
    before = {_register_blob(url, files_dir, f"photo {i}".encode() * 5000) for i in range(3)}
    key = keys.generate_key()
    db = open_database(url)
    try:
        archive = backup.create_backup(db, folder.parent / f"{folder.name}-bk", key).path
        with db.session() as s:
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(AFTER_BACKUP_UNIT, UnitKind.TOWN, AssessmentCategory.SECOND),
            )
    finally:
        db.dispose()
    after = before | {_register_blob(url, files_dir, b"taken after the backup" * 3000)}
    return Office(folder, db_path, url, files_dir, archive, key, before, after)


def copy_office(office: Office, folder: Path) -> Office:
    shutil.copytree(office.folder, folder)
    db_path = folder / office.db_path.name
    return Office(
        folder,
        db_path,
        f"sqlite:///{db_path}",
        folder / office.files_dir.name,
        office.archive,
        office.key,
        office.blobs_at_backup,
        office.blobs_after,
    )


def blobs_on_disk(files_dir: Path) -> set[str]:
    objects = files_dir / "objects"
    return {p.name for p in objects.rglob("*") if p.is_file()} if objects.is_dir() else set()


def unit_names(url: str) -> set[str]:
    db = open_database(url)
    try:
        with db.session() as s:
            from effdesk.db.models import Unit

            return set(s.scalars(select(Unit.name)))
    finally:
        db.dispose()
