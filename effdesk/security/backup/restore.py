"""Restore: unpack and check everything in staging, then swap through the journal."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.db import presence, restore_journal
from effdesk.db.base import now
from effdesk.db.engine import head_revision, is_sqlite_url, open_database
from effdesk.enums import AuditAction
from effdesk.errors import EffDeskError, PackageRejected
from effdesk.paths import evidence_dir_for
from effdesk.permissions import Permission, require
from effdesk.security import anchors, keys
from effdesk.security.backup.archive import (
    _MEMBER_RE,
    DB_MEMBER,
    MANIFEST_MEMBER,
    Progress,
    _DecryptingReader,
    _key_id_damaged,
    _NoProgress,
    inspect_archive,
    read_header,
)
from effdesk.security.backup.create import (
    io_error,
)
from effdesk.security.backup.identity import (
    _sqlite_path,
)

# --------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database_id: str
    schema_revision: str | None
    audit_head_seq: int
    files: int
    data: dict[str, Any]


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    manifest: Manifest
    database: Path | str  # a server database: its address (without the password)
    files_dir: Path
    kept_database: Path | None  # where the previous database was moved (never deleted)
    kept_files: Path | None


def _safe_member(member: tarfile.TarInfo) -> bool:
    if not member.isfile():
        return False
    return member.name in (DB_MEMBER, MANIFEST_MEMBER) or bool(_MEMBER_RE.match(member.name))


def unpack_archive(
    archive: Path, key: bytes, staging: Path, progress: Progress | None = None
) -> Manifest:
    """Decrypt and unpack everything into ``staging``, checking every chunk and every hash.

    Raises :class:`PackageRejected` on a wrong key, a truncated or altered archive, a missing or
    extra file, or a hash mismatch. Nothing outside ``staging`` is written.
    """
    prog = progress or _NoProgress()
    name = archive.name
    total = archive.stat().st_size
    staging.mkdir(parents=True, exist_ok=True)
    seen: dict[str, tuple[int, str]] = {}
    manifest_blob: bytes | None = None
    with archive.open("rb") as fh:
        header = read_header(fh, f"「{name}」")
        if header.key_id != keys.key_id(key):
            if _key_id_damaged(fh, key, header):
                raise PackageRejected(
                    f"备份文件「{name}」已损坏：文件头中的密钥标识被改动（所用密钥是正确的），"
                    "恢复已拒绝，未做任何改动。请改用其他备份文件。"
                )
            raise PackageRejected(
                f"密钥不正确：备份文件「{name}」是用另一把密钥加密的（数据库标识 "
                f"{header.database_id}）。请使用打印保存的恢复密钥或正确的密钥文件。未做任何改动。"
            )
        reader = _DecryptingReader(fh, key, header, name)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    prog.check()
                    if not _safe_member(member):
                        raise PackageRejected(
                            f"备份文件「{name}」含有不应出现的条目「{member.name}」，恢复已拒绝。"
                        )
                    src = tar.extractfile(member)
                    assert src is not None
                    if member.name == MANIFEST_MEMBER:
                        manifest_blob = src.read(16 * 1024 * 1024)
                        continue
                    if member.name in seen:
                        raise PackageRejected(f"备份文件「{name}」中「{member.name}」重复出现。")
                    target = staging / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    sha = hashlib.sha256()
                    size = 0
                    with os.fdopen(
                        os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb"
                    ) as out:
                        while block := src.read(1024 * 1024):
                            sha.update(block)
                            size += len(block)
                            out.write(block)
                            prog.report(reader.bytes_read, total, "正在解密并校验备份…")
                    if member.name != DB_MEMBER:
                        os.chmod(target, 0o444)  # as the evidence store keeps its originals
                    seen[member.name] = (size, sha.hexdigest())
            reader.drain()
        except tarfile.TarError as exc:
            raise PackageRejected(
                f"备份文件「{name}」内容结构损坏（{exc}），恢复已拒绝，未做任何改动。"
            ) from exc
    if manifest_blob is None:
        raise PackageRejected(f"备份文件「{name}」缺少清单（manifest），恢复已拒绝。")
    try:
        data = json.loads(manifest_blob)
        listed = {f["path"]: (int(f["size"]), str(f["sha256"])) for f in data["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageRejected(f"备份文件「{name}」的清单无法解读，恢复已拒绝。") from exc
    bad = sorted(p for p in set(listed) | set(seen) if listed.get(p) != seen.get(p))
    if bad:
        raise PackageRejected(
            f"备份文件「{name}」与其清单不符（{len(bad)}个文件）："
            + "、".join(bad[:5])
            + "。恢复已拒绝，未做任何改动。"
        )
    if DB_MEMBER not in seen:
        raise PackageRejected(f"备份文件「{name}」中没有数据库，恢复已拒绝。")
    db_file = staging / DB_MEMBER
    con = sqlite3.connect(str(db_file))
    try:
        check = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        check = [str(exc)]
    finally:
        con.close()
    if check != ["ok"]:
        raise PackageRejected(
            f"备份文件「{name}」中的数据库未通过完整性检查：{'；'.join(check[:3])}。"
        )
    return Manifest(
        created_at=str(data.get("created_at", "")),
        database_id=str(data.get("database_id", "")),
        schema_revision=data.get("schema_revision"),
        audit_head_seq=int((data.get("audit_head") or {}).get("seq", 0)),
        files=len(seen) - 1,
        data=data,
    )


def verify_archive(archive: Path, key: bytes, progress: Progress | None = None) -> Manifest:
    """Check a whole archive (every chunk, every hash) without restoring it."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="effdesk-verify-") as tmp:
        return unpack_archive(archive, key, Path(tmp), progress)


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
    db_path = _sqlite_path(db_url)
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
            _check_revision(manifest)
            (staging / "files").mkdir(exist_ok=True)
            restore_journal.crash_point("unpacked")
            _stage_restore_record(staging / DB_MEMBER, actor, archive, manifest, kept_db)
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


def _check_revision(manifest: Manifest) -> None:
    rev = manifest.schema_revision
    if rev and rev != head_revision():
        from alembic.script import ScriptDirectory

        from effdesk.db.engine import MIGRATIONS_DIR

        if ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(rev) is None:
            raise PackageRejected(
                f"此备份由更新版本的 EffDesk 生成（架构版本 {rev}），请升级后再恢复。"
            )


def _stage_restore_record(
    staged: Path, actor: Actor, archive: Path, manifest: Manifest, kept_db: Path | None
) -> None:
    """Migrate the staged database and record the restore in it, before it replaces anything,
    so the swap is the last step and the restored database is complete the moment it is in."""
    database = open_database(f"sqlite:///{staged}")
    try:
        with database.session() as s:
            audit.record(
                s,
                actor,
                AuditAction.RESTORE,
                "database",
                "",
                f"从备份「{archive.name}」恢复（备份时间 {manifest.created_at}）；"
                f"原数据已保留为 {kept_db.name if kept_db else '（无）'}",
                None,
                {"archive": archive.name, "files": manifest.files},
            )
    finally:
        database.dispose()
    # One self-contained file: no -wal may travel separately from it.
    con = sqlite3.connect(str(staged))
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{staged}{suffix}").unlink(missing_ok=True)


def key_for_archive(archive: Path) -> bytes | None:
    """The key for an archive from this PC's keyring (by the database id in its header)."""
    header = inspect_archive(archive)
    return keys.get_backup_key(header.database_id)
