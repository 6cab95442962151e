"""The content-addressed store (effdesk.evidence.store)."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from evidence_helpers import make_jpeg, make_pdf, sha256_of
from PIL import Image

from effdesk.errors import NotFound
from effdesk.evidence.media import DERIVATIVE_SIZES
from effdesk.evidence.store import EvidenceStore


def test_put_stores_exact_bytes_read_only_under_hash(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    src = make_jpeg(tmp_path / "a.jpg")
    sha = sha256_of(src)
    blob = store.put(src)
    assert blob.sha256 == sha
    assert blob.created is True
    assert blob.size == src.stat().st_size
    assert blob.path == tmp_path / "files" / "objects" / sha[:2] / sha
    assert blob.path.read_bytes() == src.read_bytes()
    assert not blob.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.exists(sha) and store.path_of(sha) == blob.path
    with store.open(sha) as fh:
        assert fh.read() == src.read_bytes()
    # No temp files left behind.
    assert list((tmp_path / "files" / "tmp").iterdir()) == []


def test_put_is_idempotent_and_leaves_source_alone(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    src = make_jpeg(tmp_path / "a.jpg")
    copy = tmp_path / "copy-of-a.jpg"
    copy.write_bytes(src.read_bytes())
    old = datetime(2025, 6, 1).timestamp()
    os.utime(src, (old, old))
    before = sha256_of(src)
    first = store.put(src)
    second = store.put(src)
    third = store.put(copy)
    assert first.created and not second.created and not third.created
    assert first.sha256 == second.sha256 == third.sha256
    assert list(store.iter_blobs()) == [first.sha256]
    assert sha256_of(src) == before and src.stat().st_mtime == old


def test_put_bytes(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    a = store.put_bytes(b"%PDF-1.7 generated")
    b = store.put_bytes(b"%PDF-1.7 generated")
    assert a.created and not b.created and a.path.read_bytes() == b"%PDF-1.7 generated"


def test_malformed_hash_never_becomes_a_path(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    for bad in ("../../etc/passwd", "abc", "g" * 64):
        with pytest.raises(ValueError):
            store.path_of(bad)


def test_open_missing_blob_is_not_found(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    with pytest.raises(NotFound, match="缺失"):
        store.open("0" * 64)


def test_verify_blob_finds_changed_and_missing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    blob = store.put(make_jpeg(tmp_path / "a.jpg"))
    assert store.verify_blob(blob.sha256) is None
    os.chmod(blob.path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(blob.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.path.write_bytes(bytes(data))
    assert store.verify_blob(blob.sha256) == "内容已被修改"
    blob.path.unlink()
    assert store.verify_blob(blob.sha256) == "文件缺失"


def test_thumbnail_built_on_demand_cached_and_rebuildable(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    blob = store.put(make_jpeg(tmp_path / "p.jpg", size=(1600, 1200), orientation=6))
    thumb = store.thumbnail(blob.sha256)
    assert thumb is not None and thumb == store.thumb_path(blob.sha256, 256)
    with Image.open(thumb) as im:
        assert im.format == "JPEG"
        assert im.size == (192, 256)  # portrait: the EXIF orientation was applied
    mtime = thumb.stat().st_mtime_ns
    assert store.thumbnail(blob.sha256) == thumb
    assert thumb.stat().st_mtime_ns == mtime  # served from the cache
    small = store.thumbnail(blob.sha256, 64)
    assert small is not None and small != thumb

    thumb.unlink()
    small.unlink()
    assert store.rebuild_thumbnails(sizes=(256, 64)) == 2
    assert thumb.is_file() and small.is_file()
    # By default the print previews are rebuilt too (one decode for all sizes).
    assert store.rebuild_thumbnails() == len(DERIVATIVE_SIZES)
    assert all(store.thumb_path(blob.sha256, px).is_file() for px in DERIVATIVE_SIZES)
    # The original is untouched by any of it.
    assert store.verify_blob(blob.sha256) is None


def test_no_thumbnail_for_non_images(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    blob = store.put(make_pdf(tmp_path / "scan.pdf"))
    assert store.thumbnail(blob.sha256) is None
    assert store.thumbnail("1" * 64) is None  # not stored at all


def test_remove_and_clean_temp(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    blob = store.put(make_jpeg(tmp_path / "p.jpg"))
    assert store.thumbnail(blob.sha256) is not None
    stale = store.tmp / "put-stale.tmp"
    stale.write_bytes(b"half a file")
    os.utime(stale, (0, 0))
    assert store.clean_temp(older_than_s=60) == 1
    assert store.remove(blob.sha256)
    assert not store.exists(blob.sha256)
    assert not store.thumb_path(blob.sha256).exists()


def test_adding_the_original_again_repairs_a_damaged_blob(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "files")
    src = make_jpeg(tmp_path / "a.jpg")
    blob = store.put(src)
    os.chmod(blob.path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(blob.path.read_bytes())
    data[100] ^= 0x20
    blob.path.write_bytes(bytes(data))
    assert store.verify_blob(blob.sha256) == "内容已被修改"
    again = store.put(src)
    assert again.created is False  # already known: no new database row is needed
    assert store.verify_blob(blob.sha256) is None
    assert not blob.path.stat().st_mode & stat.S_IWUSR
