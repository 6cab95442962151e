"""Attaching evidence, flags, verification and garbage collection (effdesk.services.evidence)."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from evidence_helpers import (
    FAR,
    NEAR_A,
    NEAR_B,
    NEAR_C,
    make_jpeg,
    make_movie,
    make_mp4,
    make_pdf,
    make_zip,
    sha256_of,
    truncate,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.models import Attachment, AuditEntry, Document, Finding, StoredFile
from effdesk.enums import AuditAction, EvidenceFlag, MediaKind
from effdesk.errors import NotFound, PermissionDenied
from effdesk.evidence.media import DERIVATIVE_SIZES
from effdesk.evidence.store import EvidenceStore
from effdesk.security.housekeeping import gc_orphans
from effdesk.services.evidence import (
    AttachmentOwner,
    attach_files,
    detach,
    gps_outliers,
    haversine_m,
    list_attachments,
    set_caption,
    verify_files,
    window_for_dates,
)

IN_CAMPAIGN = datetime(2026, 3, 3, 9, 12)
WINDOW = window_for_dates(datetime(2026, 3, 2).date(), datetime(2026, 3, 6).date())


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _blobs(store: EvidenceStore) -> set[str]:
    return set(store.iter_blobs())


def test_batch_keeps_good_files_and_names_each_bad_one(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    settings.seed_defaults(session, SYSTEM, {"evidence.max_file_mb": 0.25})
    good1 = make_jpeg(tmp_path / "窗口无人1.jpg", seed=1, when=IN_CAMPAIGN, gps=NEAR_A)
    good2 = make_jpeg(tmp_path / "窗口无人2.jpg", seed=2, when=IN_CAMPAIGN, gps=NEAR_B)
    video = make_mp4(tmp_path / "现场视频.mp4")
    not_image = tmp_path / "假照片.jpg"
    not_image.write_text("这是一段文字，不是照片", encoding="utf-8")
    zipped = make_zip(tmp_path / "压缩包.jpg")
    pdf_as_jpg = make_pdf(tmp_path / "扫描.jpg")
    empty = tmp_path / "空文件.jpg"
    empty.touch()
    big = make_jpeg(tmp_path / "超大照片.jpg", size=(1600, 1200), seed=3)
    assert big.stat().st_size > 0.25 * 1024 * 1024
    corrupt = truncate(
        make_jpeg(tmp_path / "src.jpg", size=(900, 700), seed=4), tmp_path / "损坏.jpg"
    )
    bad = [not_image, zipped, pdf_as_jpg, empty, big, corrupt]
    bad_hashes = {sha256_of(p) for p in bad if p.stat().st_size}

    report = attach_files(
        session,
        actors["inspector"],
        store,
        AttachmentOwner(finding_id=finding.id),
        [good1, not_image, zipped, good2, pdf_as_jpg, empty, big, corrupt, video],
        window=WINDOW,
    )

    assert [a.original_name for a in report.added] == [
        "窗口无人1.jpg",
        "窗口无人2.jpg",
        "现场视频.mp4",
    ]
    problems = {p.name: p.message for p in report.problems}
    assert problems == {
        "假照片.jpg": "不是图片或视频文件（实际为文本文件）",
        "压缩包.jpg": "不是图片或视频文件（实际为ZIP压缩包）",
        "扫描.jpg": "不是图片或视频文件（实际为PDF文档）",
        "空文件.jpg": "文件为空（0 字节）",
        "超大照片.jpg": problems["超大照片.jpg"],
        "损坏.jpg": "图片已损坏，无法读取",
    }
    assert problems["超大照片.jpg"].startswith("文件过大")
    summary = report.summary()
    assert summary.startswith("已添加 3 个文件；6 个文件未能添加：")
    for p in bad:
        assert f"「{p.name}」" in summary
    # Nothing was written for the bad files; the good ones are stored, hashed and recorded.
    assert _blobs(store) == {sha256_of(good1), sha256_of(good2), sha256_of(video)}
    assert not (_blobs(store) & bad_hashes)
    assert _count(session, StoredFile) == 3
    assert _count(session, Attachment) == 3
    rows = list_attachments(session, actors["clerk"], AttachmentOwner(finding_id=finding.id))
    assert [r.media_kind for r in rows] == [MediaKind.PHOTO, MediaKind.PHOTO, MediaKind.VIDEO]
    assert rows[0].sha256 == sha256_of(good1)
    assert rows[0].captured_at == IN_CAMPAIGN
    assert rows[0].gps == pytest.approx(NEAR_A, abs=1e-5)
    assert rows[0].imported_by == "inspector"
    assert rows[0].flags == ()
    assert rows[2].mime == "video/mp4" and rows[2].flags == ()
    # The thumbnail and the print previews of every photo were made at ingest (one decode).
    for size in DERIVATIVE_SIZES:
        assert store.thumb_path(rows[0].sha256, size).is_file()
        assert store.thumb_path(rows[1].sha256, size).is_file()
        assert not store.thumb_path(rows[2].sha256, size).exists()


def test_duplicates_are_stored_once_and_reported(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    other_finding: Finding,
    tmp_path: Path,
) -> None:
    a = make_jpeg(tmp_path / "a.jpg", seed=1, when=IN_CAMPAIGN)
    same_as_a = tmp_path / "a（副本）.jpg"
    same_as_a.write_bytes(a.read_bytes())
    b = make_jpeg(tmp_path / "b.jpg", seed=2, when=IN_CAMPAIGN)
    owner = AttachmentOwner(finding_id=finding.id)
    inspector = actors["inspector"]

    first = attach_files(session, inspector, store, owner, [a, same_as_a, b])
    assert [x.original_name for x in first.added] == ["a.jpg", "b.jpg"]
    assert first.duplicates == ["a（副本）.jpg"]
    assert "1 个重复已跳过（「a（副本）.jpg」）" in first.summary()

    again = attach_files(session, inspector, store, owner, [b])
    assert again.added == [] and again.duplicates == ["b.jpg"]
    assert again.summary() == "已添加 0 个文件；1 个重复已跳过（「b.jpg」）。"

    # The same content on another finding is a new attachment sharing the stored file.
    other = attach_files(
        session, inspector, store, AttachmentOwner(finding_id=other_finding.id), [a]
    )
    assert len(other.added) == 1
    assert other.added[0].file_id == first.added[0].file_id
    assert _count(session, StoredFile) == 2
    assert _count(session, Attachment) == 3
    assert len(_blobs(store)) == 2


def test_originals_are_never_modified(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    files = [
        make_jpeg(tmp_path / "o1.jpg", seed=1, when=IN_CAMPAIGN, orientation=6, gps=NEAR_A),
        make_pdf(tmp_path / "o2.pdf"),
        make_mp4(tmp_path / "o3.mp4"),
    ]
    old = datetime(2025, 12, 31, 23, 0).timestamp()
    before = {}
    for f in files:
        os.utime(f, (old, old))
        before[f] = (sha256_of(f), f.stat().st_size)
    attach_files(session, actors["inspector"], store, AttachmentOwner(finding_id=finding.id), files)
    for f in files:
        assert (sha256_of(f), f.stat().st_size) == before[f]
        assert f.stat().st_mtime == old
        # The stored copy is byte-identical to the original.
        assert store.path_of(before[f][0]).read_bytes() == f.read_bytes()


def test_flags_no_time_and_outside_campaign(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    no_time = make_jpeg(tmp_path / "no_time.jpg", seed=1)
    before = make_jpeg(tmp_path / "before.jpg", seed=2, when=datetime(2026, 3, 1, 23, 59, 59))
    last_day = make_jpeg(tmp_path / "last_day.jpg", seed=3, when=datetime(2026, 3, 6, 23, 59, 59))
    after = make_jpeg(tmp_path / "after.jpg", seed=4, when=datetime(2026, 3, 7, 0, 0, 0))
    scan = make_pdf(tmp_path / "scan.pdf")  # documents need no capture time
    report = attach_files(
        session,
        actors["inspector"],
        store,
        AttachmentOwner(finding_id=finding.id),
        [no_time, before, last_day, after, scan],
        window=WINDOW,
    )
    flags = {a.original_name: a.flags for a in report.added}
    assert flags == {
        "no_time.jpg": [EvidenceFlag.NO_CAPTURE_TIME.value],
        "before.jpg": [EvidenceFlag.OUTSIDE_CAMPAIGN.value],
        "last_day.jpg": [],
        "after.jpg": [EvidenceFlag.OUTSIDE_CAMPAIGN.value],
        "scan.pdf": [],
    }
    assert "已标记疑点：无拍摄时间 1 个，拍摄时间不在活动期间 2 个" in report.summary()
    rows = list_attachments(session, actors["leader"], AttachmentOwner(finding_id=finding.id))
    assert rows[0].flag_labels == ["无拍摄时间"]
    # Without a window there is nothing to be outside of.
    other = make_jpeg(tmp_path / "other.jpg", seed=9, when=datetime(2020, 1, 1))
    r2 = attach_files(
        session, actors["inspector"], store, AttachmentOwner(finding_id=finding.id), [other]
    )
    assert r2.added[0].flags == []


def test_gps_outlier_flag_is_recomputed_after_each_batch(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    owner = AttachmentOwner(finding_id=finding.id)
    inspector = actors["inspector"]
    code = EvidenceFlag.GPS_OUTLIER.value

    def flags() -> dict[str, tuple[EvidenceFlag, ...]]:
        return {r.original_name: r.flags for r in list_attachments(session, inspector, owner)}

    a = make_jpeg(tmp_path / "a.jpg", seed=1, when=IN_CAMPAIGN, gps=NEAR_A)
    far = make_jpeg(tmp_path / "far.jpg", seed=2, when=IN_CAMPAIGN, gps=FAR)
    r1 = attach_files(session, inspector, store, owner, [a, far])
    # Two photos 165 km apart: neither can vouch for the other.
    assert all(code in x.flags for x in r1.added)

    b = make_jpeg(tmp_path / "b.jpg", seed=3, when=IN_CAMPAIGN, gps=NEAR_B)
    c = make_jpeg(tmp_path / "c.jpg", seed=4, when=IN_CAMPAIGN, gps=NEAR_C)
    no_gps = make_jpeg(tmp_path / "no_gps.jpg", seed=5, when=IN_CAMPAIGN)
    attach_files(session, inspector, store, owner, [b, c, no_gps])
    assert flags() == {
        "a.jpg": (),
        "far.jpg": (EvidenceFlag.GPS_OUTLIER,),
        "b.jpg": (),
        "c.jpg": (),
        "no_gps.jpg": (),
    }

    # The threshold is an office setting.
    settings.seed_defaults(session, SYSTEM, {"evidence.gps_outlier_m": 200_000})
    d = make_jpeg(tmp_path / "d.jpg", seed=6, when=IN_CAMPAIGN, gps=NEAR_A)
    attach_files(session, inspector, store, owner, [d])
    assert all(f == () for f in flags().values())


def test_gps_math() -> None:
    # One degree of latitude ≈ 111.2 km.
    assert haversine_m(30.0, 120.0, 31.0, 120.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(*NEAR_A, *NEAR_A) == 0.0
    points = {1: NEAR_A, 2: NEAR_B, 3: NEAR_C, 4: FAR}
    assert gps_outliers(points, 2000) == {4}
    assert gps_outliers({1: NEAR_A}, 2000) == set()
    assert gps_outliers({1: NEAR_A, 2: FAR}, 2000) == {1, 2}


def test_cancelled_batch_adds_no_rows(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    files = [make_jpeg(tmp_path / f"p{i}.jpg", seed=i, when=IN_CAMPAIGN) for i in range(12)]
    audit_before = _count(session, AuditEntry)
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append(done)

    report = attach_files(
        session,
        actors["inspector"],
        store,
        AttachmentOwner(finding_id=finding.id),
        files,
        progress=progress,
        cancelled=lambda: len(seen) > 3,
    )
    assert report.cancelled
    assert report.added == [] and report.summary() == "已取消，本批文件均未添加。"
    assert _count(session, Attachment) == 0
    assert _count(session, StoredFile) == 0
    assert _count(session, AuditEntry) == audit_before
    assert max(seen) < len(files)  # it really stopped early

    # A progress callback that raises (the GUI's Progress.check) cancels the same way.
    class Stop(Exception):
        pass

    def stopping(done: int, total: int, name: str) -> None:
        if done >= 2:
            raise Stop

    with pytest.raises(Stop):
        attach_files(
            session,
            actors["inspector"],
            store,
            AttachmentOwner(finding_id=finding.id),
            files,
            progress=stopping,
        )
    assert _count(session, Attachment) == 0

    # The blobs written before the cancel are unreferenced and collected by gc.
    written = _blobs(store)
    assert written
    assert gc_orphans(session, store, min_age_s=0) == len(written)
    assert _blobs(store) == set()


def test_permissions_and_missing_owner(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    document: Document,
    tmp_path: Path,
) -> None:
    p = make_jpeg(tmp_path / "p.jpg", when=IN_CAMPAIGN)
    with pytest.raises(PermissionDenied, match="录入督查发现问题"):
        attach_files(session, actors["clerk"], store, AttachmentOwner(finding_id=finding.id), [p])
    with pytest.raises(PermissionDenied, match="起草公文"):
        attach_files(session, actors["admin"], store, AttachmentOwner(document_id=document.id), [p])
    with pytest.raises(NotFound, match="督查发现问题"):
        attach_files(session, actors["inspector"], store, AttachmentOwner(finding_id=99999), [p])
    report = attach_files(
        session, actors["clerk"], store, AttachmentOwner(document_id=document.id), [p]
    )
    assert len(report.added) == 1 and report.added[0].document_id == document.id
    with pytest.raises(ValueError):
        AttachmentOwner()
    with pytest.raises(ValueError):
        AttachmentOwner(finding_id=1, document_id=2)
    assert _blobs(store) == {sha256_of(p)}


def test_each_batch_is_audited(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    p = make_jpeg(tmp_path / "p.jpg", when=IN_CAMPAIGN)
    empty = tmp_path / "e.jpg"
    empty.touch()
    attach_files(
        session, actors["inspector"], store, AttachmentOwner(finding_id=finding.id), [p, empty]
    )
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None
    assert entry.action is AuditAction.CREATE
    assert entry.object_type == "finding" and entry.object_uuid == finding.uuid
    assert entry.username == "inspector"
    assert "添加证据附件 1 个" in entry.summary and "未能添加 1 个" in entry.summary
    assert entry.after is not None
    assert entry.after["added"][0]["sha256"] == sha256_of(p)


def test_original_names_replace_file_names(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    p = make_jpeg(tmp_path / "0123abcd", when=IN_CAMPAIGN)
    report = attach_files(
        session,
        actors["inspector"],
        store,
        AttachmentOwner(finding_id=finding.id),
        [p],
        original_names=["IMG_20260303_091200.jpg"],
    )
    assert report.added[0].original_name == "IMG_20260303_091200.jpg"


def test_verify_files_names_changed_and_missing_files(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    document: Document,
    tmp_path: Path,
) -> None:
    photos = [make_jpeg(tmp_path / f"现场{i}.jpg", seed=i, when=IN_CAMPAIGN) for i in range(3)]
    attach_files(
        session, actors["inspector"], store, AttachmentOwner(finding_id=finding.id), photos
    )
    pdf_blob = store.put_bytes(b"%PDF-1.7 issued circular")
    pdf_row = StoredFile(
        sha256=pdf_blob.sha256, size=pdf_blob.size, mime="application/pdf",
        media_kind=MediaKind.DOCUMENT,
    )  # fmt: skip
    session.add(pdf_row)
    session.flush()
    document.pdf_file_id = pdf_row.id
    document.number = "X效办〔2026〕7号"
    session.flush()
    assert verify_files(session, store) == []

    # Tamper: change one byte of one stored photo.
    target = store.path_of(sha256_of(photos[1]))
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(target.read_bytes())
    data[-10] ^= 0xFF
    target.write_bytes(bytes(data))
    # And lose the issued PDF.
    os.chmod(pdf_blob.path, stat.S_IRUSR | stat.S_IWUSR)
    pdf_blob.path.unlink()

    calls: list[tuple[int, int]] = []
    problems = verify_files(session, store, progress=lambda d, t, _n: calls.append((d, t)))
    assert calls[-1] == (4, 4)
    assert [p.name for p in problems] == ["现场1.jpg", "X效办〔2026〕7号.pdf"]
    assert problems[0].message.startswith("内容已被修改")
    assert f"督查发现问题#{finding.id}（县市场监督管理局，2026-03-03 09:10）" in problems[0].message
    assert problems[1].message.startswith("文件缺失")
    assert "关于2026年3月暗访情况的通报" in problems[1].message


def test_gc_removes_only_unreferenced_blobs(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    kept = make_jpeg(tmp_path / "kept.jpg", when=IN_CAMPAIGN)
    attach_files(
        session, actors["inspector"], store, AttachmentOwner(finding_id=finding.id), [kept]
    )
    orphan = store.put(make_jpeg(tmp_path / "orphan.jpg", seed=7))
    assert store.thumbnail(orphan.sha256) is not None
    # Fresh orphans are spared: an ingest elsewhere may not have committed its rows yet.
    assert gc_orphans(session, store) == 0
    assert gc_orphans(session, store, min_age_s=0) == 1
    assert _blobs(store) == {sha256_of(kept)}
    assert not store.thumb_path(orphan.sha256).exists()
    assert store.thumb_path(sha256_of(kept)).is_file()
    assert verify_files(session, store) == []


def test_detach_and_caption(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    owner = AttachmentOwner(finding_id=finding.id)
    inspector = actors["inspector"]
    photos = [
        make_jpeg(tmp_path / "a.jpg", seed=1, when=IN_CAMPAIGN, gps=NEAR_A),
        make_jpeg(tmp_path / "wrong.jpg", seed=3, when=IN_CAMPAIGN, gps=FAR),
    ]
    report = attach_files(session, inspector, store, owner, photos)
    a, wrong = report.added
    # Two photos far apart: both doubtful until one goes.
    assert EvidenceFlag.GPS_OUTLIER.value in a.flags
    assert EvidenceFlag.GPS_OUTLIER.value in wrong.flags

    set_caption(session, inspector, a.id, "  9:12 三号窗口无人  ")
    assert list_attachments(session, inspector, owner)[0].caption == "9:12 三号窗口无人"
    with pytest.raises(PermissionDenied):
        set_caption(session, actors["clerk"], a.id, "x")

    wrong_sha = wrong.file.sha256
    with pytest.raises(PermissionDenied):
        detach(session, actors["clerk"], wrong.id)
    detach(session, inspector, wrong.id, reason="误传，非本单位照片")
    rows = list_attachments(session, inspector, owner)
    assert [(r.original_name, r.flags) for r in rows] == [("a.jpg", ())]
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action is AuditAction.DELETE
    assert "误传" in entry.summary and entry.before is not None
    assert entry.before["sha256"] == wrong_sha
    # The StoredFile row remains (it is evidence history), so gc keeps the blob.
    assert store.exists(wrong_sha)
    assert gc_orphans(session, store, min_age_s=0) == 0
    with pytest.raises(NotFound):
        detach(session, inspector, wrong.id)


def test_recordings_are_flagged_by_their_own_time(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    late = make_movie(tmp_path / "late.mp4", created_utc=datetime(2026, 3, 20, 2, 0))
    untimed = make_movie(tmp_path / "untimed.mp4", size=None)
    report = attach_files(
        session,
        actors["inspector"],
        store,
        AttachmentOwner(finding_id=finding.id),
        [late, untimed],
        window=WINDOW,
    )
    assert [a.flags for a in report.added] == [[EvidenceFlag.OUTSIDE_CAMPAIGN.value], []]
    rows = list_attachments(session, actors["inspector"], AttachmentOwner(finding_id=finding.id))
    assert rows[0].captured_at is not None and rows[0].width == 1920
