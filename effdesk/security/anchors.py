"""Audit anchors: the head of the audit chain, recorded OUTSIDE the database and keyed.

The audit chain (:mod:`effdesk.audit`) proves that no entry was changed inside the log, not
that the newest entries are all still there: cutting off the tail, or rewriting it and
recomputing every later hash, leaves a valid chain. So every backup leaves the chain head in
two places the database does not control:

- beside the archive, ``<archive>.anchor.json`` (it travels with the backup);
- in the data folder, ``<database file>.audit-anchor.json``: the local high-water mark.

Both are written AFTER the backup's own BACKUP entry, so they cover it: deleting that entry
(the newest one) is a cut like any other. Each is authenticated with HMAC-SHA256 under the
database's backup key — the secret that is in the keyring of the PC that backs up, in the key
file (``--key-file``) and behind the printed recovery key, never in the database or in the
data folder. Somebody with the files but without the key cannot write an anchor that verifies.

``effdesk verify`` (:func:`check_anchors`) reports as a problem, not as success: an anchor or
mark that does not verify under the key; a mark that is missing while the log records backups;
the anchor of the newest backup missing beside it; a backup recorded in the log after the
newest anchor; any anchored entry gone or changed. Without the key it still compares, but says
that it could not authenticate (use ``--key-file``).

A restore legitimately takes the log back: :func:`mark_after_restore` writes a new mark whose
``since`` retires the anchors written before the restore.

Limits (README, security): entries written after the newest anchor are protected by the chain
alone; somebody with the key can forge anchors; somebody who deletes the mark, every anchor
and the tail together leaves only "no backup yet" — keep backups on another disk too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.db.base import now
from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction

ANCHOR_SUFFIX = ".anchor.json"
MARK_SUFFIX = ".audit-anchor.json"
ARCHIVE_SUFFIX = ".effbak"
_MAC_CONTEXT = b"effdesk-audit-anchor\0"


@dataclass(frozen=True)
class AuditAnchor:
    path: Path
    database_id: str
    seq: int
    hash: str
    created_at: str
    # True/False: the HMAC was checked with the backup key; None: no key to check it with.
    authentic: bool | None
    archive: str = ""  # the mark: the newest backup's archive (full path)
    since: str = ""  # the mark: anchors written before this time were retired by a restore


def anchor_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ANCHOR_SUFFIX)


def mark_path(db_path: Path) -> Path:
    """The local high-water mark beside the database file (outside the database)."""
    return db_path.with_name(db_path.name + MARK_SUFFIX)


def _body(data: dict[str, Any]) -> dict[str, Any]:
    body = {
        "database_id": str(data["database_id"]),
        "seq": int(data["seq"]),
        "hash": str(data["hash"]),
        "created_at": str(data["created_at"]),
    }
    for optional in ("archive", "since"):
        if data.get(optional):
            body[optional] = str(data[optional])
    return body


def _mac(key: bytes, body: dict[str, Any]) -> str:
    payload = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hmac.new(key, _MAC_CONTEXT + payload, hashlib.sha256).hexdigest()


def write_anchor(
    dest: Path,
    key: bytes,
    database_id: str,
    seq: int,
    hash_: str,
    at: datetime,
    *,
    archive: str = "",
    since: str = "",
) -> None:
    """Write one keyed anchor file atomically (temp file, fsync, rename)."""
    body = _body(
        {
            "database_id": database_id,
            "seq": seq,
            "hash": hash_,
            "created_at": at.isoformat(timespec="seconds"),
            "archive": archive,
            "since": since,
        }
    )
    data = {**body, "mac": _mac(key, body)}
    tmp = dest.with_name(dest.name + ".partial")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest)


def read_anchor(path: Path, database_id: str, key: bytes | None) -> AuditAnchor | None:
    """The anchor in ``path``; None when it belongs to another database. A file that cannot
    be read is returned with ``authentic=False`` (damage must not pass silently)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        body = _body(data)
    except (OSError, ValueError, KeyError, TypeError):
        return AuditAnchor(path, database_id, 0, "", "", authentic=False)
    if body["database_id"] != database_id:
        return None
    authentic = (
        None if key is None else hmac.compare_digest(str(data.get("mac", "")), _mac(key, body))
    )
    return AuditAnchor(
        path,
        database_id,
        body["seq"],
        body["hash"],
        body["created_at"],
        authentic,
        body.get("archive", ""),
        body.get("since", ""),
    )


def backup_anchors(database_id: str, folder: Path, key: bytes | None) -> list[AuditAnchor]:
    """The anchors of this database's backups in ``folder``, oldest chain position first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(f"effdesk-*{ARCHIVE_SUFFIX}{ANCHOR_SUFFIX}")):
        anchor = read_anchor(path, database_id, key)
        if anchor is not None:
            found.append(anchor)
    return sorted(found, key=lambda a: (a.seq, a.created_at))


def record_backup_anchors(
    session: Session, key: bytes, database_id: str, archive: Path, db_path: Path, at: datetime
) -> tuple[int, str]:
    """After the BACKUP entry is committed: anchor the head beside ``archive`` and in the
    local mark. Returns the anchored ``(seq, hash)``."""
    seq, hash_ = audit.chain_head(session)
    write_anchor(anchor_path(archive), key, database_id, seq, hash_, at)
    mark = mark_path(db_path)
    since = ""
    old = read_anchor(mark, database_id, key) if mark.exists() else None
    if old is not None and old.authentic:
        since = old.since
    write_anchor(mark, key, database_id, seq, hash_, at, archive=str(archive), since=since)
    return seq, hash_


def mark_after_restore(session: Session, key: bytes, database_id: str, db_path: Path) -> None:
    """A restore took the log back to the archive's: the new mark anchors the restored head
    (with its RESTORE entry) and retires every anchor written up to this second (anchors hold
    whole seconds; a backup in the same second as a restore is covered by the mark alone)."""
    seq, hash_ = audit.chain_head(session)
    at = now()
    write_anchor(
        mark_path(db_path),
        key,
        database_id,
        seq,
        hash_,
        at,
        since=at.isoformat(timespec="seconds"),
    )


def advance_mark(session: Session, key: bytes, database_id: str, db_path: Path) -> None:
    """Move the local mark up to the current head (after a clean, keyed verify)."""
    mark = mark_path(db_path)
    old = read_anchor(mark, database_id, key) if mark.exists() else None
    if old is None or not old.authentic:
        return
    seq, hash_ = audit.chain_head(session)
    if seq <= old.seq:
        return
    write_anchor(
        mark,
        key,
        database_id,
        seq,
        hash_,
        now(),
        archive=old.archive,
        since=old.since,
    )


@dataclass
class AnchorReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[AuditAnchor] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _newest_backup_entry(session: Session) -> int:
    seq = session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.action == AuditAction.BACKUP)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return int(seq or 0)


def check_anchors(
    session: Session,
    database_id: str,
    db_path: Path,
    key: bytes | None,
    folders: list[Path],
) -> AnchorReport:
    """Compare the audit log with the mark and the backups' anchors (see the module doc)."""
    report = AnchorReport()
    mark_file = mark_path(db_path)
    mark = read_anchor(mark_file, database_id, key) if mark_file.exists() else None
    dirs = list(dict.fromkeys(folders))
    if mark is not None and mark.archive:
        dirs.append(Path(mark.archive).parent)
    anchors: dict[Path, AuditAnchor] = {}
    for folder in dict.fromkeys(dirs):
        for a in backup_anchors(database_id, folder, key):
            anchors[a.path.resolve()] = a
    found = list(anchors.values())
    newest_backup = _newest_backup_entry(session)

    if key is None and (mark is not None or found):
        report.problems.append(
            "没有本数据库的备份密钥，审计锚点无法认证（可能被伪造）："
            "请用 --key-file 指定密钥文件，或在保存了备份密钥的电脑上校验。"
        )
    for a in [*([mark] if mark is not None else []), *found]:
        if a.authentic is False:
            report.problems.append(f"审计锚点文件 {a.path} 无法读取或与备份密钥不符（被改动）。")
    since = mark.since if mark is not None and mark.authentic is not False else ""
    if mark is None:
        if newest_backup or found:
            report.problems.append(
                f"本地审计锚点 {mark_file} 缺失（被删除？）：审计日志记录过备份，"
                "数据文件夹中却没有备份时留下的锚点。"
            )
    elif mark.archive and mark.authentic is not False:
        beside = anchor_path(Path(mark.archive))
        if not beside.exists():
            gone = "" if Path(mark.archive).exists() else "（备份文件本身也不在原处）"
            report.problems.append(
                f"最近一次备份旁的审计锚点 {beside} 缺失{gone}：锚点文件被删除或移走。"
                "如备份已移到其他位置，请在那里校验。"
            )
    usable = [
        a
        for a in ([mark] if mark is not None else []) + found
        if a.authentic is not False and (not since or a is mark or a.created_at > since)
    ]
    anchored = max((a.seq for a in usable), default=0)
    if newest_backup > anchored:
        report.problems.append(
            f"审计日志第{newest_backup}条记录了一次备份，但找不到覆盖它的审计锚点"
            "（锚点文件被删除，或被换成了旧的）。"
        )
    seen: set[tuple[int, str]] = set()
    for a in sorted(usable, key=lambda a: -a.seq):
        if (a.seq, a.hash) in seen:
            continue
        seen.add((a.seq, a.hash))
        for p in audit.check_anchor(session, a.seq, a.hash):
            said = p.message if p.message.startswith("审计日志") else str(p)
            report.problems.append(f"{said}（对照 {a.created_at} 的审计锚点 {a.path.name}）")
        report.checked.append(a)
    if not usable and not report.problems:
        report.notes.append(
            "审计日志与锚点的比对：尚未备份，没有锚点可比对（最新的日志只受哈希链保护）。"
        )
    return report
