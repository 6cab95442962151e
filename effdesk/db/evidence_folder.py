"""The office's shared evidence folder (server databases): reachable, and the right one.

With several PCs on one PostgreSQL database, evidence originals live in a network folder every
PC reaches (configured per PC in the connection profile), still content-addressed
(:mod:`effdesk.evidence.store`). Two things can go wrong that a local folder never had:

* the folder is not there (share offline, drive not mapped, no rights): refused at open and at
  every write with :class:`~effdesk.errors.EvidenceFolderUnavailable` — never a silent write
  into an empty local mount point;
* it is another office's folder (or a test copy's): the marker file ``effdesk-office.json``
  names the database it belongs to (the random ``security.database_id`` kept in the database's
  settings); a different id is refused with :class:`~effdesk.errors.WrongEvidenceFolder`.

The marker is written once, into an empty folder, the first time the office opens it.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from effdesk.db.profile import shared_evidence_dir
from effdesk.errors import EvidenceFolderUnavailable, WrongEvidenceFolder
from effdesk.evidence import shared as shared_roots
from effdesk.paths import evidence_dir_for

MARKER_NAME = "effdesk-office.json"
OFFICE_ID_KEY = "security.database_id"  # the same id names the backup key


def office_id(session: Session, *, create: bool = True) -> str | None:
    """The database's random id (made on first use when ``create``)."""
    from effdesk.db.models import Setting  # opening a SQLite file does not need the models

    row = session.scalar(select(Setting).where(Setting.key == OFFICE_ID_KEY))
    if row is not None and isinstance(row.value, str) and row.value:
        return row.value
    if not create:
        return None
    value = str(uuid.uuid4())
    if row is None:
        session.add(Setting(key=OFFICE_ID_KEY, value=value))
    else:
        row.value = value
    session.flush()
    return value


def unavailable(folder: Path, detail: str = "") -> EvidenceFolderUnavailable:
    return EvidenceFolderUnavailable(folder, detail)


def read_marker(folder: Path) -> dict[str, str] | None:
    path = folder / MARKER_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise unavailable(folder, f"标记文件 {MARKER_NAME} 无法读取：{exc}") from exc
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def reachable(folder: Path) -> None:
    """Refuse a folder that is not there (a share not mounted, a network that is down)."""
    try:
        is_dir = folder.is_dir()
    except OSError as exc:
        raise unavailable(folder, str(exc)) from exc
    if not is_dir:
        raise unavailable(folder, "文件夹不存在或当前无法连接")


def check_folder(folder: Path, expected_id: str, database: str) -> None:
    """Refuse an unreachable or foreign folder; write the marker into a new, empty one."""
    reachable(folder)
    marker = read_marker(folder)
    if marker is not None:
        found = marker.get("office_id", "")
        if found != expected_id:
            raise WrongEvidenceFolder(
                f"共享证据文件夹 {folder} 属于另一个数据库（{marker.get('database', '未知')}，"
                f"标识 {found[:8]}…），不是当前数据库 {database}（标识 {expected_id[:8]}…）的证据"
                "文件夹。请在「系统设置 → 数据库连接」中选择本单位的证据文件夹。"
            )
        if not os.access(folder, os.W_OK):
            raise unavailable(folder, "没有写入权限")
        return
    try:
        entries = [p.name for p in folder.iterdir()]
    except OSError as exc:
        raise unavailable(folder, str(exc)) from exc
    if "objects" in entries:
        raise WrongEvidenceFolder(
            f"文件夹 {folder} 中已有证据文件，但没有标明所属数据库的标记文件 {MARKER_NAME}，"
            "无法确认它属于当前数据库。请选择本单位的证据文件夹，或选择一个空文件夹"
            "（搬迁办公室数据请用 effdesk db copy，证据会一并复制）。"
        )
    write_marker(folder, expected_id, database)


def write_marker(folder: Path, office: str, database: str) -> None:
    data = {"office_id": office, "database": database, "note": "EffDesk 共享证据文件夹，勿删"}
    tmp = folder / f".{MARKER_NAME}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, folder / MARKER_NAME)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise unavailable(folder, f"无法写入：{exc}") from exc


def folder_for_open(url: str, engine: Engine, database: str) -> tuple[Path, bool]:
    """The evidence folder of the database being opened, and whether it is the shared one.

    SQLite and a server database without a configured folder: the local folder
    (:func:`effdesk.paths.evidence_dir_for`, created if need be). A configured shared folder
    is checked (reachable, marker) and never created.
    """
    shared = None if engine.dialect.name == "sqlite" else shared_evidence_dir(url)
    if shared is None:
        files = evidence_dir_for(url)
        files.mkdir(parents=True, exist_ok=True)
        return files, False
    with Session(engine) as s, s.begin():
        expected = office_id(s)
    assert expected is not None
    check_folder(shared, expected, database)
    shared_roots.register(shared, MARKER_NAME)
    return shared, True
