"""Encrypted backups of the database and the evidence files, and their restore.

What goes in
    A consistent snapshot of the SQLite database taken with SQLite's online backup API
    (``sqlite3.Connection.backup``, never a file copy of a live database), every evidence file
    under ``objects/`` of the evidence store (thumbnails are rebuilt, not saved), and a
    manifest with the SHA-256 of every file. PostgreSQL is not supported yet (next round: a
    ``pg_dump`` based snapshot); :class:`BackupNotSupported` says so.

Archive format (``.effbak``), version 1 — a streaming chunked AEAD, so gigabytes of evidence
never have to fit in memory::

    header  = magic "EFFDBAK\\0" (8) | version u16 = 1 | flags u16 = 0 | chunk_size u32
              | key_id (16) | salt (32) | id_len u16 | database_id (id_len bytes, UTF-8)
              (all integers big-endian)
    body    = chunk_0 | chunk_1 | ... | chunk_n
    chunk_i = AES-256-GCM(subkey, nonce_i, plaintext_i, aad=header)   -> ciphertext + 16-byte tag
    subkey  = HKDF-SHA256(backup key, salt, info="EffDesk backup v1"), a fresh salt per archive
    nonce_i = i as u64 big-endian | 00 00 00 | final flag (01 on the last chunk, else 00)

Every chunk but the last holds exactly ``chunk_size`` plaintext bytes (1 MiB); the last is
flagged final and may be shorter or empty. Because the index and the final flag are part of
the nonce and the header is the associated data of every chunk, reordered, dropped, repeated
or truncated chunks and an altered header all fail authentication (the STREAM construction).
``key_id`` = HMAC-SHA256(key, "EffDesk backup key id v1")[:16] tells a wrong key apart from a
damaged file before any decryption.

The decrypted stream is a POSIX tar: ``database.sqlite``, ``files/objects/<aa>/<sha256>`` …,
and ``manifest.json`` last (format, time, database id, schema revision, audit chain head,
and ``files: [{path, size, sha256}]`` for every member).

Beside each archive, ``<archive>.anchor.json`` holds the audit chain head just after the
backup's own BACKUP entry, keyed with the backup key, and the same head goes into a local mark
beside the database (:mod:`effdesk.security.anchors`): ``effdesk verify`` uses them to detect a
log whose newest entries were cut off or rewritten since.

Restore takes the database exclusively (refused while any other EffDesk has it open, see
:mod:`effdesk.db.presence`), decrypts and unpacks the WHOLE archive into a private staging
folder beside the database, checks every chunk, every manifest hash and the database's own
integrity, records the restore in the staged database, fsyncs it all, and only then moves the
current database and evidence folder aside (renamed with a timestamp, never deleted) and the
restored ones in, through a journal the next start completes if the process dies midway
(:mod:`effdesk.db.restore_journal`).

The plaintext database snapshot of a backup is written to a private folder beside the database
(``.effdesk-tmp/``, mode 0700), never to the backup destination; archives are created 0600.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import struct
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.engine import make_url

from effdesk import audit, settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db import presence, restore_journal
from effdesk.db.base import now
from effdesk.db.engine import Database, head_revision, open_database
from effdesk.db.models import Setting
from effdesk.enums import AuditAction
from effdesk.errors import EffDeskError, PackageRejected
from effdesk.paths import backup_dir, evidence_dir_for
from effdesk.permissions import Permission, require
from effdesk.security import anchors, keys

MAGIC = b"EFFDBAK\x00"
FORMAT_VERSION = 1
CHUNK_SIZE = 1024 * 1024
TAG_BYTES = 16
SALT_BYTES = 32
_FIXED = struct.Struct(">8sHHI16s32sH")
SUFFIX = ".effbak"
DB_MEMBER = "database.sqlite"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/objects/"
_MEMBER_RE = re.compile(r"^files/objects/[0-9a-f]{2}/[0-9a-f]{64}$")
DATABASE_ID_KEY = "security.database_id"


class BackupNotSupported(EffDeskError):
    pass


class BackupKeyMissing(EffDeskError):
    pass


class Progress(Protocol):
    def report(self, done: int, total: int, text: str = "") -> None: ...

    def check(self) -> None: ...


class _NoProgress:
    def report(self, done: int, total: int, text: str = "") -> None:
        return None

    def check(self) -> None:
        return None


# --------------------------------------------------------------------------- the stream format


@dataclass(frozen=True)
class ArchiveHeader:
    version: int
    chunk_size: int
    key_id: bytes
    salt: bytes
    database_id: str
    raw: bytes


def _subkey(key: bytes, salt: bytes) -> AESGCM:
    if len(key) != keys.KEY_BYTES:
        raise ValueError("backup key must be 32 bytes")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"EffDesk backup v1"
    ).derive(key)
    return AESGCM(derived)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(8, "big") + b"\x00\x00\x00" + (b"\x01" if final else b"\x00")


def _make_header(key: bytes, database_id: str, chunk_size: int) -> ArchiveHeader:
    salt = os.urandom(SALT_BYTES)
    db_id = database_id.encode("utf-8")
    raw = (
        _FIXED.pack(MAGIC, FORMAT_VERSION, 0, chunk_size, keys.key_id(key), salt, len(db_id))
        + db_id
    )
    return ArchiveHeader(FORMAT_VERSION, chunk_size, keys.key_id(key), salt, database_id, raw)


def read_header(fh: IO[bytes], name: str = "") -> ArchiveHeader:
    """Parse the plaintext header (no key needed): database id and key id."""
    label = name or "该文件"
    fixed = fh.read(_FIXED.size)
    if len(fixed) < _FIXED.size or not fixed.startswith(MAGIC):
        raise PackageRejected(
            f"{label}不是 EffDesk 备份文件，或其文件头已损坏（文件头标记不符），未做任何改动。"
        )
    _magic, version, flags, chunk_size, kid, salt, id_len = _FIXED.unpack(fixed)
    if version != FORMAT_VERSION:
        raise PackageRejected(
            f"{label}的备份格式版本为 {version}，本程序只认识版本 {FORMAT_VERSION}："
            "可能由更新版本的 EffDesk 生成（请用更新版本恢复），也可能文件头已损坏。未做任何改动。"
        )
    if flags != 0:
        raise PackageRejected(f"{label}的文件头已损坏（标志字段异常），未做任何改动。")
    if not 4096 <= chunk_size <= 64 * 1024 * 1024:
        raise PackageRejected(f"{label}的文件头已损坏（分块大小异常），未做任何改动。")
    db_id = fh.read(id_len)
    if len(db_id) != id_len:
        raise PackageRejected(f"{label}的文件头已损坏或被截断，未做任何改动。")
    return ArchiveHeader(
        version, chunk_size, kid, salt, db_id.decode("utf-8", "replace"), fixed + db_id
    )


def inspect_archive(path: Path) -> ArchiveHeader:
    with path.open("rb") as fh:
        return read_header(fh, path.name)


class _EncryptingWriter(io.RawIOBase):
    """File-like sink for tarfile: buffers plaintext, writes authenticated chunks."""

    def __init__(self, out: BinaryIO, key: bytes, header: ArchiveHeader) -> None:
        super().__init__()
        self._out = out
        self._aead = _subkey(key, header.salt)
        self._aad = header.raw
        self._size = header.chunk_size
        self._buf = bytearray()
        self._index = 0
        self._finished = False
        out.write(header.raw)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buf += view
        # Keep the last (possibly full) chunk back: only finish() knows it is final.
        while len(self._buf) > self._size:
            self._emit(bytes(self._buf[: self._size]), final=False)
            del self._buf[: self._size]
        return len(view)

    def _emit(self, plain: bytes, final: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._index, final), plain, self._aad))
        self._index += 1

    def finish(self) -> None:
        if not self._finished:
            self._emit(bytes(self._buf), final=True)
            self._buf.clear()
            self._finished = True


class _DecryptingReader(io.RawIOBase):
    """Reads an archive body, yielding plaintext; raises PackageRejected on any tampering."""

    def __init__(self, src: BinaryIO, key: bytes, header: ArchiveHeader, name: str) -> None:
        super().__init__()
        self._src = src
        self._aead = _subkey(key, header.salt)
        self._aad = header.raw
        self._ct_size = header.chunk_size + TAG_BYTES
        self._name = name
        self._index = 0
        self._plain = b""
        self._pos = 0
        self._done = False
        self._pending = src.read(self._ct_size)
        self.bytes_read = len(header.raw) + len(self._pending)

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        ct = self._pending
        nxt = self._src.read(self._ct_size) if len(ct) == self._ct_size else b""
        self.bytes_read += len(nxt)
        final = not nxt
        try:
            self._plain = self._aead.decrypt(_nonce(self._index, final), ct, self._aad)
        except InvalidTag:
            raise self._why_failed(ct, final) from None
        self._pos = 0
        self._pending = nxt
        self._index += 1
        self._done = final

    def _why_failed(self, ct: bytes, final: bool) -> PackageRejected:
        if final and len(ct) >= TAG_BYTES:
            try:
                self._aead.decrypt(_nonce(self._index, False), ct, self._aad)
            except InvalidTag:
                pass
            else:
                return PackageRejected(
                    f"备份文件「{self._name}」不完整（在第{self._index + 1}块后被截断），"
                    "恢复已拒绝，未做任何改动。"
                )
        if final and len(ct) < TAG_BYTES:
            return PackageRejected(
                f"备份文件「{self._name}」不完整（被截断），恢复已拒绝，未做任何改动。"
            )
        return PackageRejected(
            f"备份文件「{self._name}」第{self._index + 1}块校验失败（文件被截断、损坏或改动），"
            "恢复已拒绝，未做任何改动。"
        )

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        while self._pos >= len(self._plain):
            if self._done:
                return 0
            self._next_chunk()
        n = min(len(view), len(self._plain) - self._pos)
        view[:n] = self._plain[self._pos : self._pos + n]
        self._pos += n
        return n

    def drain(self) -> None:
        """Authenticate the rest (tar's end padding) so a cut tail is caught too."""
        while not self._done:
            self._next_chunk()
        self._plain = b""


def _key_id_damaged(fh: BinaryIO, key: bytes, header: ArchiveHeader) -> bool:
    """The header's key id differs from ``key``'s: is ``key`` nevertheless the right key and
    the key id field damaged? The first chunk decrypts under the header as it was written
    (with ``key``'s id) only then. Leaves ``fh`` where it was."""
    at = fh.tell()
    try:
        ct = fh.read(header.chunk_size + TAG_BYTES)
    finally:
        fh.seek(at)
    start = _FIXED.size - 2 - SALT_BYTES - 16  # magic, version, flags, chunk size precede it
    raw = header.raw[:start] + keys.key_id(key) + header.raw[start + 16 :]
    aead = _subkey(key, header.salt)
    for final in (False, True):
        try:
            aead.decrypt(_nonce(0, final), ct, raw)
        except InvalidTag:
            continue
        return True
    return False


class _HashingReader(io.RawIOBase):
    def __init__(self, src: BinaryIO, on_bytes: Callable[[int], None]) -> None:
        super().__init__()
        self._src = src
        self.sha = hashlib.sha256()
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._src.read(len(b))
        n = len(data)
        b[:n] = data
        self.sha.update(data)
        self._on_bytes(n)
        return n


# --------------------------------------------------------------------------- database identity


def database_id(db: Database) -> str:
    """The random id that names this database's backup key (created on first use)."""
    with db.session() as s:
        row = s.scalar(select(Setting).where(Setting.key == DATABASE_ID_KEY))
        if row is not None and isinstance(row.value, str) and row.value:
            return row.value
        import uuid

        value = str(uuid.uuid4())
        settings.seed_defaults(s, SYSTEM, {DATABASE_ID_KEY: value})
        return value


def _sqlite_path(url: str) -> Path:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        raise BackupNotSupported(
            "PostgreSQL 数据库的备份与恢复尚未支持（将在下一版本提供）。"
            "在此之前请由数据库管理员用 pg_dump 备份服务器，并单独备份证据文件夹。"
        )
    if not u.database or u.database == ":memory:":
        raise BackupNotSupported("内存数据库无法备份。")
    return Path(u.database)


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
            if f.is_file() and _MEMBER_RE.match(arc):
                yield arc, f


def archive_name(database_id: str, at: datetime, auto: bool = False) -> str:
    kind = "-auto" if auto else ""
    return f"effdesk-{database_id[:8]}{kind}-{at:%Y%m%d-%H%M%S}{SUFFIX}"


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_partials(dest_dir: Path) -> int:
    """Remove half-written archives left by a killed backup (never a finished one), and the
    plaintext snapshots older versions wrote beside them; returns how many."""
    removed = 0
    if not dest_dir.is_dir():
        return 0
    for p in [
        *dest_dir.glob(".effdesk-backup-*.partial"),
        *dest_dir.glob(".effdesk-backup-*.sqlite"),
    ]:
        m = re.match(r"\.effdesk-backup-(\d+)-", p.name)
        pid = int(m.group(1)) if m else 0
        alive = False
        if pid and pid != os.getpid():
            from effdesk.db.presence import pid_alive

            alive = pid_alive(pid)
        try:
            if alive and time.time() - p.stat().st_mtime < 3600:
                continue
            p.unlink()
            removed += 1
        except OSError:
            continue
    return removed


_clean_partials = clean_partials


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
    prog = progress or _NoProgress()
    src = _sqlite_path(db.url)
    db_id = database_id(db)
    _check_destination(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
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

        header = _make_header(key, db_id, chunk_size)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            writer = _EncryptingWriter(out, key, header)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for arc, path in [(DB_MEMBER, snap), *files]:
                    prog.check()
                    info = tar.gettarinfo(str(path), arcname=arc)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o444 if arc != DB_MEMBER else 0o600
                    with path.open("rb") as fh:
                        hashing = _HashingReader(fh, advance)
                        tar.addfile(info, hashing)
                    manifest_files.append(
                        {"path": arc, "size": info.size, "sha256": hashing.sha.hexdigest()}
                    )
                manifest = {
                    "format": FORMAT_VERSION,
                    "created_at": at.isoformat(timespec="seconds"),
                    "database_id": db_id,
                    "backend": "sqlite",
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
        _fsync_dir(dest_dir)
    except (OSError, sqlite3.OperationalError) as exc:
        raise io_error("备份", exc, dest_dir) from exc
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
    _fsync_dir(dest_dir)
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
    try:
        _sqlite_path(db.url)
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
    database: Path
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
