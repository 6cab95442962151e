"""Unpacking an archive into staging and checking it, shared by the restore of a SQLite file
(:mod:`.restore`) and of a server database (:mod:`.server`)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.engine import head_revision, open_database
from effdesk.enums import AuditAction
from effdesk.errors import PackageRejected
from effdesk.progress import NoProgress, Progress
from effdesk.security import keys
from effdesk.security.backup.archive import (
    DB_MEMBER,
    MANIFEST_MEMBER,
    MEMBER_RE,
    DecryptingReader,
    key_id_damaged,
    read_header,
)


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
    return member.name in (DB_MEMBER, MANIFEST_MEMBER) or bool(MEMBER_RE.match(member.name))


def unpack_archive(
    archive: Path, key: bytes, staging: Path, progress: Progress | None = None
) -> Manifest:
    """Decrypt and unpack everything into ``staging``, checking every chunk and every hash.

    Raises :class:`PackageRejected` on a wrong key, a truncated or altered archive, a missing or
    extra file, or a hash mismatch. Nothing outside ``staging`` is written.
    """
    prog = progress or NoProgress()
    name = archive.name
    total = archive.stat().st_size
    staging.mkdir(parents=True, exist_ok=True)
    seen: dict[str, tuple[int, str]] = {}
    manifest_blob: bytes | None = None
    with archive.open("rb") as fh:
        header = read_header(fh, f"「{name}」")
        if header.key_id != keys.key_id(key):
            if key_id_damaged(fh, key, header):
                raise PackageRejected(
                    f"备份文件「{name}」已损坏：文件头中的密钥标识被改动（所用密钥是正确的），"
                    "恢复已拒绝，未做任何改动。请改用其他备份文件。"
                )
            raise PackageRejected(
                f"密钥不正确：备份文件「{name}」是用另一把密钥加密的（数据库标识 "
                f"{header.database_id}）。请使用打印保存的恢复密钥或正确的密钥文件。未做任何改动。"
            )
        reader = DecryptingReader(fh, key, header, name)
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


def check_revision(manifest: Manifest) -> None:
    rev = manifest.schema_revision
    if rev and rev != head_revision():
        from alembic.script import ScriptDirectory

        from effdesk.db.engine import MIGRATIONS_DIR

        if ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(rev) is None:
            raise PackageRejected(
                f"此备份由更新版本的 EffDesk 生成（架构版本 {rev}），请升级后再恢复。"
            )


def stage_restore_record(
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
