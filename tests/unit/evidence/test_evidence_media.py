"""Checking files by content and reading EXIF (effdesk.evidence.media)."""

from __future__ import annotations

import os
import re
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from evidence_helpers import (
    make_jpeg,
    make_movie,
    make_mp4,
    make_pdf,
    make_png,
    make_zip,
    sha256_of,
    truncate,
)
from PIL import Image

from effdesk.enums import MediaKind
from effdesk.evidence import media
from effdesk.evidence.media import BadEvidenceFile, examine, inspect_file


def test_exif_time_gps_camera_read_back(tmp_path: Path) -> None:
    p = make_jpeg(
        tmp_path / "IMG_0001.jpg",
        when=datetime(2026, 3, 3, 9, 10, 11),
        gps=(30.2741, 120.1551),
        make="HUAWEI",
        model="ELS-AN00",
    )
    info = inspect_file(p)
    assert info.mime == "image/jpeg"
    assert info.media_kind is MediaKind.PHOTO
    assert info.size == p.stat().st_size
    assert (info.width, info.height) == (640, 480)
    assert info.captured_at == datetime(2026, 3, 3, 9, 10, 11)
    assert info.gps_lat == pytest.approx(30.2741, abs=1e-5)
    assert info.gps_lon == pytest.approx(120.1551, abs=1e-5)
    assert info.camera == "HUAWEI ELS-AN00"


def test_southern_western_gps_is_negative_and_model_not_doubled(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "sw.jpg", gps=(-33.8688, -70.6693), make="Canon", model="Canon EOS R6")
    info = inspect_file(p)
    assert info.gps_lat == pytest.approx(-33.8688, abs=1e-5)
    assert info.gps_lon == pytest.approx(-70.6693, abs=1e-5)
    assert info.camera == "Canon EOS R6"


def test_capture_time_falls_back_to_digitized_then_datetime(tmp_path: Path) -> None:
    a = make_jpeg(tmp_path / "a.jpg", digitized=datetime(2026, 3, 4, 8, 0, 0))
    b = make_jpeg(tmp_path / "b.jpg", plain_datetime=datetime(2026, 3, 5, 7, 30, 0))
    c = make_jpeg(tmp_path / "c.jpg")
    assert inspect_file(a).captured_at == datetime(2026, 3, 4, 8, 0, 0)
    assert inspect_file(b).captured_at == datetime(2026, 3, 5, 7, 30, 0)
    assert inspect_file(c).captured_at is None
    assert inspect_file(c).gps_lat is None and inspect_file(c).camera == ""


def test_capture_time_with_offset_is_converted_to_local_time(tmp_path: Path) -> None:
    when = datetime(2026, 3, 3, 1, 10, 0)
    p = make_jpeg(tmp_path / "utc.jpg", when=when, offset="+00:00")
    expected = when.replace(tzinfo=timezone(timedelta(0))).astimezone().replace(tzinfo=None)
    assert inspect_file(p).captured_at == expected


def test_orientation_swaps_reported_size_and_preview(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "portrait.jpg", size=(800, 600), orientation=6)
    ex = examine(p, preview_sizes=(256,))
    assert (ex.info.width, ex.info.height) == (600, 800)
    assert ex.preview is not None
    assert ex.preview.size[1] > ex.preview.size[0]
    assert max(ex.preview.size) <= 256


@pytest.mark.parametrize(
    ("maker", "actual"),
    [
        (lambda p: p.write_text("这不是照片，是一段文字\n" * 20, encoding="utf-8"), "文本文件"),
        (make_zip, "ZIP压缩包"),
        (make_pdf, "PDF文档"),
        (lambda p: p.write_bytes(bytes([0, 1, 2, 3, 250, 251]) * 200), "无法识别的数据"),
    ],
    ids=["text", "zip", "pdf", "binary"],
)
def test_not_an_image_named_jpg_is_refused(tmp_path: Path, maker: object, actual: str) -> None:
    p = tmp_path / "现场照片.jpg"
    maker(p)  # type: ignore[operator]
    with pytest.raises(BadEvidenceFile) as err:
        inspect_file(p)
    assert str(err.value) == f"「现场照片.jpg」不是图片或视频文件（实际为{actual}）"
    assert err.value.name == "现场照片.jpg"


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.jpg"
    p.touch()
    with pytest.raises(BadEvidenceFile, match=re.escape("「empty.jpg」文件为空")):
        inspect_file(p)


def test_too_big_file(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "big.jpg", size=(1200, 900))
    limit = p.stat().st_size - 1
    with pytest.raises(BadEvidenceFile, match=re.escape("「big.jpg」文件过大")) as err:
        inspect_file(p, max_bytes=limit)
    assert "上限" in str(err.value)
    assert inspect_file(p, max_bytes=p.stat().st_size).size == p.stat().st_size


def test_truncated_jpeg_is_corrupt(tmp_path: Path) -> None:
    good = make_jpeg(tmp_path / "good.jpg", size=(1600, 1200))
    bad = truncate(good, tmp_path / "cut.jpg", keep=0.6)
    with pytest.raises(BadEvidenceFile, match=re.escape("「cut.jpg」图片已损坏，无法读取")):
        inspect_file(bad)


def test_jpeg_header_only_is_corrupt(tmp_path: Path) -> None:
    good = make_jpeg(tmp_path / "good.jpg")
    bad = tmp_path / "head.jpg"
    bad.write_bytes(good.read_bytes()[:200])
    with pytest.raises(BadEvidenceFile, match="图片已损坏"):
        inspect_file(bad)


def test_accepted_kinds_by_content_not_name(tmp_path: Path) -> None:
    png_as_jpg = make_png(tmp_path / "微信图片.jpg")
    info = inspect_file(png_as_jpg)
    assert (info.mime, info.media_kind, info.width) == ("image/png", MediaKind.PHOTO, 300)
    pdf = inspect_file(make_pdf(tmp_path / "扫描件.pdf"))
    assert (pdf.mime, pdf.media_kind) == ("application/pdf", MediaKind.DOCUMENT)
    video = inspect_file(make_mp4(tmp_path / "VID_0001.mp4"))
    assert (video.mime, video.media_kind) == ("video/mp4", MediaKind.VIDEO)
    no_ext = make_jpeg(tmp_path / "mmexport1709430000000")
    assert inspect_file(no_ext).media_kind is MediaKind.PHOTO


def test_pdf_named_as_recording_is_refused(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "录音.mp3")
    with pytest.raises(
        BadEvidenceFile, match=re.escape("「录音.mp3」不是录音文件（实际为PDF文档）")
    ):
        inspect_file(p)


def test_jpeg_named_pdf_is_refused(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "扫描件.pdf")
    with pytest.raises(BadEvidenceFile, match="不是PDF扫描件"):
        inspect_file(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadEvidenceFile, match=re.escape("「gone.jpg」不存在")):
        inspect_file(tmp_path / "gone.jpg")


def test_inspection_never_modifies_the_original(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "orig.jpg", when=datetime(2026, 3, 3, 9, 0), orientation=6)
    old = datetime(2025, 1, 1).timestamp()
    os.utime(p, (old, old))
    before = sha256_of(p)
    examine(p, preview_sizes=(256,))
    inspect_file(p)
    assert sha256_of(p) == before
    assert p.stat().st_mtime == old


def _local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def test_android_video_time_place_and_size(tmp_path: Path) -> None:
    created = datetime(2026, 3, 3, 1, 12, 30)  # UTC, as phones write it
    p = make_movie(
        tmp_path / "VID_20260303_091230.mp4",
        created_utc=created,
        size=(1920, 1080),
        rotate_90=True,
        xyz="+30.2741+120.1551/",
    )
    info = inspect_file(p)
    assert (info.mime, info.media_kind) == ("video/mp4", MediaKind.VIDEO)
    assert info.captured_at == _local(created)
    assert (info.gps_lat, info.gps_lon) == (30.2741, 120.1551)
    assert (info.width, info.height) == (1080, 1920)  # portrait recording
    assert info.camera == "Xiaomi"


def test_iphone_video_uses_local_creation_date_and_location(tmp_path: Path) -> None:
    p = make_movie(
        tmp_path / "IMG_0420.MOV",
        brand=b"qt  ",
        created_utc=datetime(2026, 3, 3, 1, 0, 0),
        apple={
            "com.apple.quicktime.creationdate": "2026-03-03T09:12:00+0800",
            "com.apple.quicktime.location.ISO6709": "+30.2760+120.1580+012.000/",
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 15",
        },
    )
    info = inspect_file(p)
    assert info.mime == "video/quicktime"
    expected = (
        datetime(2026, 3, 3, 9, 12, tzinfo=timezone(timedelta(hours=8)))
        .astimezone()
        .replace(tzinfo=None)
    )
    assert info.captured_at == expected
    assert (info.gps_lat, info.gps_lon) == (30.2760, 120.1580)
    assert info.camera == "Apple iPhone 15"


def test_movie_without_metadata_or_malformed(tmp_path: Path) -> None:
    bare = inspect_file(make_movie(tmp_path / "bare.mp4", size=None))
    assert bare.captured_at is None and bare.width is None and bare.gps_lat is None
    # A box claiming more bytes than the file has must not break inspection.
    broken = tmp_path / "broken.mp4"
    data = bytearray(
        make_movie(tmp_path / "src.mp4", created_utc=datetime(2026, 3, 3)).read_bytes()
    )
    broken.write_bytes(bytes(data[:-20]))
    info = inspect_file(broken)
    assert info.media_kind is MediaKind.VIDEO


def test_broken_exif_does_not_reject_a_readable_photo(tmp_path: Path) -> None:
    # IFD0 pointing its GPS and Exif sub-IFDs far beyond the end of the data.
    tiff = b"II*\x00" + struct.pack("<IH", 8, 2)
    tiff += struct.pack("<HHII", 0x8825, 4, 1, 0xFFFF00)
    tiff += struct.pack("<HHII", 0x8769, 4, 1, 0xFFFF00) + struct.pack("<I", 0)
    p = tmp_path / "broken_exif.jpg"
    Image.new("RGB", (64, 48), "red").save(p, exif=b"Exif\x00\x00" + tiff)
    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        info = inspect_file(p)
    assert (info.media_kind, info.width, info.captured_at, info.gps_lat) == (
        MediaKind.PHOTO,
        64,
        None,
        None,
    )


def test_heic_without_decoder_is_refused_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build without pillow-heif: the file is recognised as HEIC and refused with advice.
    monkeypatch.setattr(media, "HEIF_DECODER", False)
    p = tmp_path / "IMG_0001.HEIC"
    p.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(4000))
    with pytest.raises(BadEvidenceFile, match="HEIC") as err:
        inspect_file(p)
    assert "兼容性最佳" in str(err.value)


def _heic(path: Path, *, orientation: int = 1) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2026:03:03 09:10:00"
    Image.new("RGB", (1600, 1200), (120, 160, 200)).save(
        path, format="HEIF", exif=exif.tobytes(), quality=60
    )
    return path


def test_iphone_heic_photo_is_read_like_a_jpeg(tmp_path: Path) -> None:
    from effdesk.evidence.media import DERIVATIVE_SIZES

    assert media.HEIF_DECODER
    p = _heic(tmp_path / "IMG_0002.HEIC", orientation=6)
    ex = examine(p, preview_sizes=DERIVATIVE_SIZES)
    assert ex.info.mime == "image/heic" and ex.info.media_kind is MediaKind.PHOTO
    assert ex.info.captured_at == datetime(2026, 3, 3, 9, 10)
    assert ex.info.camera == "Apple iPhone 15"
    # Turned once (portrait), whether the decoder or EXIF carried the rotation.
    assert (ex.info.width, ex.info.height) == (1200, 1600)
    assert ex.previews[750].size == (562, 750)


def test_broken_heic_is_reported_as_damaged_when_the_decoder_is_there(tmp_path: Path) -> None:
    p = tmp_path / "IMG_0003.HEIC"
    p.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(4000))
    with pytest.raises(BadEvidenceFile) as err:
        inspect_file(p)
    assert err.value.reason == "图片已损坏，无法读取"


def test_one_decode_gives_the_thumbnail_and_the_print_sizes(tmp_path: Path) -> None:
    from effdesk.evidence.media import DERIVATIVE_SIZES

    p = make_jpeg(tmp_path / "portrait.jpg", size=(2000, 1500), orientation=6)
    ex = examine(p, preview_sizes=DERIVATIVE_SIZES)
    assert sorted(ex.previews) == sorted(DERIVATIVE_SIZES)
    for px, image in ex.previews.items():
        assert max(image.size) == px  # the original is larger than every size
        assert image.size[1] > image.size[0]  # each one oriented
        assert image.mode == "RGB"
    assert ex.preview is ex.previews[min(DERIVATIVE_SIZES)]


def test_previews_never_upscale_a_small_photo(tmp_path: Path) -> None:
    from effdesk.evidence.media import DERIVATIVE_SIZES

    p = make_jpeg(tmp_path / "small.jpg", size=(400, 300))
    ex = examine(p, preview_sizes=DERIVATIVE_SIZES)
    assert ex.previews[750].size == (400, 300) and ex.previews[256].size == (256, 192)


def test_report_photo_box_fits_the_ingest_derivative() -> None:
    import math

    from effdesk.reports import inspection_report as report

    needed = math.ceil(report.PHOTO_BOX_W / 72 * report.PHOTO_DPI)
    assert needed <= report.PRINT_PX
