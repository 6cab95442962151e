"""``effdesk thumbnails`` rebuilds every thumbnail and print preview; originals untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from evidence_helpers import make_jpeg, sha256_of

from effdesk.cli import main
from effdesk.db.engine import open_database
from effdesk.db.models import StoredFile
from effdesk.enums import MediaKind
from effdesk.evidence.media import DERIVATIVE_SIZES
from effdesk.evidence.store import EvidenceStore


def test_thumbnails_command_rebuilds_all_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}"
    db = open_database(url, create=True)
    store = EvidenceStore(db.files_dir)
    photos = [make_jpeg(tmp_path / f"p{i}.jpg", size=(1200, 900 + i)) for i in range(3)]
    shas = [store.put(p).sha256 for p in photos]
    assert shas == [sha256_of(p) for p in photos]
    with db.session() as s:  # referenced, as stored evidence is (loose blobs are orphans)
        for p, h in zip(photos, shas, strict=True):
            s.add(
                StoredFile(
                    sha256=h, size=p.stat().st_size, mime="image/jpeg", media_kind=MediaKind.PHOTO
                )
            )
    db.dispose()
    (store.thumbs / "stale.jpg").parent.mkdir(parents=True, exist_ok=True)
    (store.thumbs / "stale.jpg").write_bytes(b"old")

    rc = main(["--db", url, "thumbnails"])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"已重建 {len(photos) * len(DERIVATIVE_SIZES)} 张缩略图和预览图（证据文件 3 个" in out
    assert all(store.thumb_path(h, px).is_file() for h in shas for px in DERIVATIVE_SIZES)
    assert all(store.verify_blob(h) is None for h in shas)  # originals untouched
    assert not (store.thumbs / "stale.jpg").exists()  # the old cache was thrown away
