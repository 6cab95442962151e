"""The archive format: the header, the streaming chunked AEAD writer and reader."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from effdesk.errors import EffDeskError, PackageRejected
from effdesk.security import keys

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
MEMBER_RE = re.compile(r"^files/objects/[0-9a-f]{2}/[0-9a-f]{64}$")


class BackupNotSupported(EffDeskError):
    pass


class BackupKeyMissing(EffDeskError):
    pass


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


def make_header(key: bytes, database_id: str, chunk_size: int) -> ArchiveHeader:
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


class EncryptingWriter(io.RawIOBase):
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


class DecryptingReader(io.RawIOBase):
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


def key_id_damaged(fh: BinaryIO, key: bytes, header: ArchiveHeader) -> bool:
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


class HashingReader(io.RawIOBase):
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
