"""Writing an archive: snapshot, evidence files, manifest, and the audit anchors."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import socket
import sqlite3
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.db import restore_journal
from effdesk.db.base import now
from effdesk.db.copy import snapshot_to_sqlite
from effdesk.db.engine import Database
from effdesk.db.restore_journal import fsync_dir
from effdesk.enums import AuditAction
from effdesk.errors import EffDeskError
from effdesk.paths import backup_dir
from effdesk.permissions import Permission, require
from effdesk.progress import NoProgress, Progress
from effdesk.security import anchors
from effdesk.security.backup.archive import (
    CHUNK_SIZE,
    DB_MEMBER,
    FILES_PREFIX,
    FORMAT_VERSION,
    MANIFEST_MEMBER,
    MEMBER_RE,
    SUFFIX,
    EncryptingWriter,
    HashingReader,
    make_header,
)
from effdesk.security.backup.identity import (
    database_id,
    is_server,
    mark_base,
)

# --------------------------------------------------------------------------- backup


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    files: int
    database_bytes: int
    seconds: float


def _snapshot_sqlite(src: Path, dest: Path) -> None:
    """Online backup API: a consistent copy even while other connections write."""
    source = sqlite3.connect(str(src), timeout=30)
    try:
        target = sqlite3.connect(str(dest))
        try:
            source.backup(target)
            # A self-contained single file, independent of the live database's WAL.
            target.execute("PRAGMA journal_mode=DELETE")
            problems = [r[0] for r in target.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise EffDeskError(
                    "当前数据库未通过完整性检查，备份已中止：" + "；".join(problems[:3])
                )
        finally:
            target.close()
    finally:
        source.close()


def _snapshot_facts(path: Path) -> dict[str, Any]:
    con = sqlite3.connect(str(path))
    try:
        rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        head = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return {
        "schema_revision": rev[0] if rev else None,
        "audit_head": {"seq": head[0], "hash": head[1]} if head else {"seq": 0, "hash": ""},
    }


def _evidence_files(files_dir: Path) -> Iterator[tuple[str, Path]]:
    objects = files_dir / "objects"
    if not objects.is_dir():
        return
    for sub in sorted(objects.iterdir()):
        if not sub.is_dir():
            continue
        for f in sorted(sub.iterdir()):
            arc = f"{FILES_PREFIX}{sub.name}/{f.name}"
            if f.is_file() and MEMBER_RE.match(arc):
                yield arc, f


def archive_name(database_id: str, at: datetime, auto: bool = False) -> str:
    kind = "-auto" if auto else ""
    return f"effdesk-{database_id[:8]}{kind}-{at:%Y%m%d-%H%M%S}{SUFFIX}"


def io_error(what: str, exc: BaseException, where: Path) -> EffDeskError:
    """A disk problem during ``what`` as a Chinese message naming the file (nothing was kept)."""
    from effdesk.evidence.media import os_error_text

    if isinstance(exc, OSError):
        reason = os_error_text(exc)
        name = exc.filename or where
    else:
        text = str(exc)
        reason = (
            "磁盘空间不足" if "full" in text else ("没有写入权限" if "readonly" in text else text)
        )
        name = where
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        reason = "磁盘空间不足"
    return EffDeskError(
        f"{what}失败：{reason}（{name}）。未完成的文件已删除，数据库未做任何改动；"
        "请腾出空间或换一个位置后重试。"
    )


def _check_destination(dest_dir: Path) -> None:
    if dest_dir.exists() and not dest_dir.is_dir():
        raise EffDeskError(
            f"备份位置 {dest_dir} 是一个已有的文件，不是文件夹。请指定一个文件夹"
            "（备份文件名由程序生成），原文件未做任何改动。"
        )


def _tidy_before_backup(db: Database) -> None:
    """Leftovers of killed work (temp files, orphan evidence) must not ride along."""
    from effdesk.security.housekeeping import tidy

    tidy(db, at_start=False)


def create_backup(
    db: Database,
    dest_dir: Path,
    key: bytes,
    *,
    actor: Actor = SYSTEM,
    auto: bool = False,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    at: datetime | None = None,
) -> BackupResult:
    """Write one encrypted archive of the database and its evidence files into ``dest_dir``.

    The archive appears under its final name only when complete (written as ``.partial``,
    flushed to disk, then renamed), so a crash never leaves a half archive that looks whole.
    """
    require(actor, Permission.BACKUP)
    started = time.monotonic()
    prog = progress or NoProgress()
    server = is_server(db)
    src = mark_base(db)  # SQLite: the file; server: a name beside its evidence folder
    db_id = database_id(db)
    _check_destination(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    from effdesk.security.housekeeping import clean_partials

    clean_partials(dest_dir)
    _tidy_before_backup(db)
    at = at or now()
    final_path = dest_dir / archive_name(db_id, at, auto)
    n = 1
    while final_path.exists():
        n += 1
        final_path = dest_dir / archive_name(db_id, at, auto).replace(SUFFIX, f"-{n}{SUFFIX}")
    partial = dest_dir / f".effdesk-backup-{os.getpid()}-{at:%Y%m%d%H%M%S}.partial"
    # The plaintext snapshot stays on the database's own disk, in a folder only this user can
    # read, named for this process (removed at the next start if the backup is killed).
    from effdesk.security.housekeeping import private_temp_dir

    snap = private_temp_dir(src) / f"backup-{at:%Y%m%d%H%M%S}-{os.getpid()}.sqlite"
    try:
        prog.report(0, 0, "正在生成数据库快照…")
        if server:
            # The server's rows, from one consistent snapshot, into a SQLite file: the
            # archive has the same format as a SQLite office's (effdesk.db.copy).
            snapshot_to_sqlite(db, snap, progress=prog)
        else:
            _snapshot_sqlite(src, snap)
        restore_journal.crash_point("backup-snapshot")
        facts = _snapshot_facts(snap)
        files = list(_evidence_files(db.files_dir))
        total = snap.stat().st_size + sum(p.stat().st_size for _, p in files)
        done = 0
        manifest_files: list[dict[str, Any]] = []

        def advance(k: int) -> None:
            nonlocal done
            done += k
            prog.report(done, total, "正在加密写入备份…")

        header = make_header(key, db_id, chunk_size)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            writer = EncryptingWriter(out, key, header)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for arc, path in [(DB_MEMBER, snap), *files]:
                    prog.check()
                    info = tar.gettarinfo(str(path), arcname=arc)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o444 if arc != DB_MEMBER else 0o600
                    with path.open("rb") as fh:
                        hashing = HashingReader(fh, advance)
                        tar.addfile(info, hashing)
                    manifest_files.append(
                        {"path": arc, "size": info.size, "sha256": hashing.sha.hexdigest()}
                    )
                manifest = {
                    "format": FORMAT_VERSION,
                    "created_at": at.isoformat(timespec="seconds"),
                    "database_id": db_id,
                    "backend": db.backend,
                    "host": socket.gethostname(),
                    **facts,
                    "files": manifest_files,
                }
                blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST_MEMBER)
                info.size = len(blob)
                info.mtime = int(time.time())
                info.mode = 0o444
                tar.addfile(info, io.BytesIO(blob))
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final_path)
        fsync_dir(dest_dir)
    except (OSError, sqlite3.OperationalError) as exc:
        raise io_error("备份", exc, dest_dir) from exc
    except SQLAlchemyOperationalError as exc:
        raise EffDeskError(
            f"备份失败：读取数据库服务器时出错（{exc.orig or exc}）。未完成的文件已删除，"
            "数据库未做任何改动；请确认服务器可用后重试。"
        ) from exc
    finally:
        for leftover in (snap, Path(f"{snap}-journal"), partial):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
    with db.session() as s:
        audit.record(
            s,
            actor,
            AuditAction.BACKUP,
            "backup",
            "",
            f"{'自动' if auto else ''}备份到 {final_path}（{len(files)} 个证据文件）",
            None,
            {"file": final_path.name, "audit_head": facts["audit_head"]["seq"]},
        )
    # The anchors cover the BACKUP entry just committed (anchors module).
    with db.session() as s:
        anchors.record_backup_anchors(s, key, db_id, final_path, src, at)
    fsync_dir(dest_dir)
    return BackupResult(
        path=final_path,
        size=final_path.stat().st_size,
        files=len(files),
        database_bytes=manifest_files[0]["size"],
        seconds=time.monotonic() - started,
    )


# --------------------------------------------------------------------------- audit anchors
#
# See effdesk/security/anchors.py: the chain head, keyed with the backup key, beside every
# archive and in a local high-water mark, written after the backup's own BACKUP entry.

ANCHOR_SUFFIX = anchors.ANCHOR_SUFFIX
AuditAnchor = anchors.AuditAnchor
anchor_path = anchors.anchor_path


def latest_anchor(
    database_id: str, folder: Path | None = None, key: bytes | None = None
) -> AuditAnchor | None:
    """The anchor with the highest chain position among this database's backups in
    ``folder`` (default: the backup folder); one that does not verify under ``key`` first."""
    found = anchors.backup_anchors(database_id, folder or backup_dir(), key)
    forged = [a for a in found if a.authentic is False]
    if forged:
        return forged[0]
    return found[-1] if found else None
