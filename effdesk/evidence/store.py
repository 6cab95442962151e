"""Content-addressed storage of evidence originals (and issued PDFs).

Layout under the database's files folder::

    objects/<sha256[:2]>/<sha256>          exact original bytes, read-only
    thumbs/<sha256[:2]>/<sha256>-<size>.jpg  derived previews, rebuildable
    tmp/                                    files being written (renamed into objects/)

A blob's name is the SHA-256 of its bytes, so the same content is stored once and any change
to a stored file is detectable by re-hashing it. Writes go to a temp file that is fsynced and
then renamed into place, so a crash never leaves half a file under a valid name. Storing
content that is already present renames the fresh copy over the old one: harmless when the
old one is intact, a repair when it was damaged, and it refreshes the blob's mtime, which
garbage collection's grace period relies on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from effdesk.errors import EvidenceFolderUnavailable, NotFound
from effdesk.evidence import shared as shared_roots
from effdesk.evidence import thumbnails
from effdesk.evidence.media import DERIVATIVE_SIZES, THUMB_SIZE, os_error_text

CHUNK = 1024 * 1024
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")

MISSING = "文件缺失"
MODIFIED = "内容已被修改"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    created: bool  # False: the same content was already stored


def hash_file(path: Path, *, chunk: int = CHUNK) -> str:
    """SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class EvidenceStore:
    """The evidence folder of one database (``Database.files_dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.thumbs = self.root / "thumbs"
        self.tmp = self.root / "tmp"

    # ------------------------------------------------------------------ paths

    def path_of(self, sha256: str) -> Path:
        sha = _check_sha(sha256)
        return self.objects / sha[:2] / sha

    def thumb_path(self, sha256: str, size: int = THUMB_SIZE) -> Path:
        sha = _check_sha(sha256)
        return self.thumbs / sha[:2] / f"{sha}-{size}.jpg"

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored original for reading; :class:`NotFound` if it is missing."""
        try:
            return open(self.path_of(sha256), "rb")
        except FileNotFoundError:
            raise NotFound(f"证据文件 {sha256[:12]}… 在存储中缺失。") from None

    def iter_blobs(self) -> Iterator[str]:
        """SHA-256 of every blob present on disk."""
        if not self.objects.is_dir():
            return
        for sub in sorted(self.objects.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for f in sorted(sub.iterdir()):
                if _SHA_RE.match(f.name) and f.name.startswith(sub.name):
                    yield f.name

    # ------------------------------------------------------------------ writing

    @property
    def shared(self) -> bool:
        return shared_roots.marker_for(self.root) is not None

    def check_writable(self) -> None:
        """Shared folder only: refuse (Chinese message) while the folder or its marker is not
        reachable. A local folder is created as needed, as always."""
        marker = shared_roots.marker_for(self.root)
        if marker is None:
            return
        try:
            present = (self.root / marker).is_file()
        except OSError as exc:
            raise EvidenceFolderUnavailable(self.root, os_error_text(exc)) from exc
        if not present:
            raise EvidenceFolderUnavailable(self.root, "文件夹或其标记文件当前无法访问")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        self.check_writable()
        try:
            yield
        except OSError as exc:
            if self.shared and not _reachable(self.root):
                raise EvidenceFolderUnavailable(self.root, os_error_text(exc)) from exc
            raise

    def put(self, src: Path) -> StoredBlob:
        """Store a copy of ``src`` (only read), hashing while copying; idempotent."""
        with self._writing():
            return self._put(src)

    def _put(self, src: Path) -> StoredBlob:
        h = hashlib.sha256()
        size = 0
        with open(src, "rb") as fin, self._temp() as (fout, tmp):
            while block := fin.read(CHUNK):
                h.update(block)
                fout.write(block)
                size += len(block)
            return self._commit(fout, tmp, h.hexdigest(), size)

    def put_bytes(self, data: bytes) -> StoredBlob:
        """Store generated content (an issued PDF); idempotent."""
        sha = hashlib.sha256(data).hexdigest()
        with self._writing(), self._temp() as (fout, tmp):
            fout.write(data)
            return self._commit(fout, tmp, sha, len(data))

    @contextlib.contextmanager
    def _temp(self) -> Iterator[tuple[BinaryIO, Path]]:
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="put-", suffix=".tmp", dir=self.tmp)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fout:
                yield fout, tmp
        finally:
            # After a successful commit the temp name no longer exists.
            tmp.unlink(missing_ok=True)

    def _commit(self, fout: BinaryIO, tmp: Path, sha: str, size: int) -> StoredBlob:
        dest = self.path_of(sha)
        existed = dest.is_file()
        fout.flush()
        os.fsync(fout.fileno())
        fout.close()
        dest.parent.mkdir(parents=True, exist_ok=True)
        # The fresh copy replaces an existing blob too: its bytes were just hashed, so adding
        # the original again repairs a blob that was damaged in the store.
        try:
            os.replace(tmp, dest)
        except PermissionError:
            # Windows: the target is read-only, or open in another process.
            if not dest.is_file():
                raise
            try:
                os.chmod(dest, stat.S_IREAD | stat.S_IWRITE)
                os.replace(tmp, dest)
            except OSError:
                _make_read_only(dest)
                return StoredBlob(sha, size, dest, False)
        _make_read_only(dest)
        _fsync_dir(dest.parent)
        return StoredBlob(sha, size, dest, not existed)

    # ------------------------------------------------------------------ checking

    def verify_blob(self, sha256: str) -> str | None:
        """None if the stored bytes still hash to their name, else the problem in Chinese."""
        path = self.path_of(sha256)
        try:
            actual = hash_file(path)
        except FileNotFoundError:
            return MISSING
        except OSError as exc:
            return f"无法读取（{os_error_text(exc)}）"
        return None if actual == sha256 else MODIFIED

    # ------------------------------------------------------------------ thumbnails

    def thumbnail(self, sha256: str, size: int = THUMB_SIZE) -> Path | None:
        """Cached JPEG preview of a stored photo, built on demand; None for non-images."""
        cached = self.thumb_path(sha256, size)
        if cached.is_file():
            return cached
        original = self.path_of(sha256)
        if not original.is_file():
            return None
        preview = thumbnails.render(original, size)
        if preview is None:
            return None
        thumbnails.save_jpeg_atomic(preview, cached)
        return cached

    def save_thumbnail(self, sha256: str, image: Image.Image, size: int = THUMB_SIZE) -> Path:
        """Cache a preview already decoded at ingest (saves decoding the original twice)."""
        dest = self.thumb_path(sha256, size)
        thumbnails.save_jpeg_atomic(image, dest)
        return dest

    def save_derivatives(self, sha256: str, previews: Mapping[int, Image.Image]) -> None:
        """Cache the previews made at ingest (thumbnail and print sizes) not cached yet."""
        for size, image in previews.items():
            if not self.thumb_path(sha256, size).is_file():
                self.save_thumbnail(sha256, image, size)

    def rebuild_thumbnails(
        self,
        sizes: tuple[int, ...] = DERIVATIVE_SIZES,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> int:
        """Throw away every cached thumbnail and print preview and build them again (one decode
        per photo); returns how many were built."""
        if self.thumbs.exists():
            shutil.rmtree(self.thumbs)
        blobs = list(self.iter_blobs())
        built = 0
        for i, sha in enumerate(blobs):
            if progress:
                progress(i, len(blobs), sha[:12])
            previews = thumbnails.render_sizes(self.path_of(sha), sizes)
            self.save_derivatives(sha, previews)
            built += len(previews)
        if progress:
            progress(len(blobs), len(blobs), "")
        return built

    # ------------------------------------------------------------------ removal

    def remove(self, sha256: str) -> bool:
        """Delete a blob and its thumbnails (gc only: callers check it is unreferenced)."""
        path = self.path_of(sha256)
        removed = False
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IREAD | stat.S_IWRITE)  # Windows refuses read-only
            path.unlink()
            removed = True
        thumb_dir = self.thumbs / sha256[:2]
        if thumb_dir.is_dir():
            for t in thumb_dir.glob(f"{sha256}-*.jpg"):
                t.unlink(missing_ok=True)
        return removed

    def age_seconds(self, sha256: str) -> float:
        try:
            return time.time() - self.path_of(sha256).stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def clean_temp(self, older_than_s: float = 3600.0) -> int:
        """Remove temp files and folders (an unpacked package of a killed import) left by
        interrupted writes, older than the given age."""
        if not self.tmp.is_dir():
            return 0
        n = 0
        limit = time.time() - older_than_s
        for f in self.tmp.iterdir():
            with contextlib.suppress(OSError):
                if f.stat().st_mtime >= limit:
                    continue
                if f.is_dir() and not f.is_symlink():
                    shutil.rmtree(f)
                else:
                    f.unlink()
                n += 1
        return n


def _reachable(root: Path) -> bool:
    try:
        return root.is_dir() and os.access(root, os.W_OK)
    except OSError:
        return False


def _check_sha(sha256: str) -> str:
    sha = sha256.lower()
    if not _SHA_RE.match(sha):
        # A malformed name must never become a path (it may come from a package manifest).
        raise ValueError(f"不是有效的 SHA-256：{sha256!r}")
    return sha


def _make_read_only(path: Path) -> None:
    # mkstemp made it private (0600); evidence on a shared folder must be readable by all.
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _fsync_dir(path: Path) -> None:
    # POSIX: make the rename itself durable. Windows cannot open directories this way.
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
