"""What a file really is: type by content (never by name), size limits, EXIF facts.

Nothing here writes to the file it inspects; images are decoded only to prove they are readable
(JPEG at 1/8 scale in draft mode, which still walks every byte of the compressed data and so
catches truncation) and to hand a small decoded picture to the thumbnail builder.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import filetype
from PIL import Image, ImageFile, UnidentifiedImageError

from effdesk.enums import MediaKind
from effdesk.errors import EffDeskError
from effdesk.evidence import DEFAULT_MAX_FILE_MB
from effdesk.evidence.isobmff import read_movie_facts

# HEIC (the iPhone's default) is read through pillow-heif, a dependency; a build without it
# (a trimmed installer) still runs and refuses such photos with advice instead.
HEIF_DECODER = False
with contextlib.suppress(ImportError):
    importlib.import_module("pillow_heif").register_heif_opener()
    HEIF_DECODER = True

# Pillow's default pixel cap (≈179 MP) already refuses decompression bombs with an error;
# keep it, and refuse truncated files instead of padding them with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

THUMB_SIZE = 256
# Longest sides at which photos are printed: the inspection report's photo box at 150 dpi, and
# a circular's photo attachment pages (two to a page, ~145 dpi). Ingest makes these from the
# same decode as the thumbnail (JPEG draft mode at 1/4 scale covers 750 px for a 12 MP photo),
# so a report never has to decode an original again.
REPORT_PHOTO_PX = 485
DOCUMENT_PHOTO_PX = 750
DERIVATIVE_SIZES: tuple[int, ...] = (THUMB_SIZE, REPORT_PHOTO_PX, DOCUMENT_PHOTO_PX)
SNIFF_BYTES = 8192

# MIME (as detected by content) → kind. Images must also open in Pillow.
ACCEPTED: dict[str, MediaKind] = {
    "image/jpeg": MediaKind.PHOTO,
    "image/png": MediaKind.PHOTO,
    "image/webp": MediaKind.PHOTO,
    "image/tiff": MediaKind.PHOTO,
    "image/heic": MediaKind.PHOTO,
    "image/avif": MediaKind.PHOTO,
    "image/gif": MediaKind.PHOTO,
    "image/bmp": MediaKind.PHOTO,
    "video/mp4": MediaKind.VIDEO,
    "video/x-m4v": MediaKind.VIDEO,
    "video/quicktime": MediaKind.VIDEO,
    "video/x-msvideo": MediaKind.VIDEO,
    "video/3gpp": MediaKind.VIDEO,
    "video/x-matroska": MediaKind.VIDEO,
    "video/webm": MediaKind.VIDEO,
    "video/mpeg": MediaKind.VIDEO,
    "video/x-ms-wmv": MediaKind.VIDEO,
    "audio/mpeg": MediaKind.AUDIO,
    "audio/mp4": MediaKind.AUDIO,
    "audio/x-wav": MediaKind.AUDIO,
    "audio/amr": MediaKind.AUDIO,
    "audio/aac": MediaKind.AUDIO,
    "audio/ogg": MediaKind.AUDIO,
    "audio/x-flac": MediaKind.AUDIO,
    "application/pdf": MediaKind.DOCUMENT,
}

# What the name promises, so "照片.jpg" that is really a PDF is refused even though a PDF
# under its own name is a welcome scan.
_EXTENSION_KIND: dict[str, MediaKind] = {
    **dict.fromkeys(
        # Raw photos (dng) are not accepted, but the name still claims a picture.
        [
            *("jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff"),
            *("heic", "heif", "avif", "gif", "bmp", "dng"),
        ],
        MediaKind.PHOTO,
    ),
    **dict.fromkeys(
        ["mp4", "m4v", "mov", "avi", "3gp", "3gpp", "mkv", "webm", "mpg", "mpeg", "wmv"],
        MediaKind.VIDEO,
    ),
    **dict.fromkeys(["mp3", "m4a", "wav", "amr", "aac", "ogg", "flac"], MediaKind.AUDIO),
    "pdf": MediaKind.DOCUMENT,
}

# Recordings whose metadata (time, place) is read from the movie header boxes.
_ISOBMFF = {"video/mp4", "video/x-m4v", "video/quicktime", "video/3gpp", "audio/mp4"}

# Chinese names for what a refused file turned out to be.
_ACTUAL_NAMES: dict[str, str] = {
    "application/pdf": "PDF文档",
    "application/zip": "ZIP压缩包",
    "application/x-rar-compressed": "RAR压缩包",
    "application/x-7z-compressed": "7z压缩包",
    "application/gzip": "gzip压缩包",
    "application/x-tar": "tar归档",
    "application/msword": "Word文档",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word文档",
    "application/vnd.ms-excel": "Excel表格",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel表格",
    "application/vnd.ms-powerpoint": "PowerPoint演示文稿",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint演示文稿"
    ),
    "application/x-msdownload": "Windows可执行程序",
    "application/x-executable": "可执行程序",
    "application/x-sqlite3": "SQLite数据库",
    "application/rtf": "RTF文档",
    "image/x-canon-cr2": "相机RAW格式照片",
    "image/vnd.adobe.photoshop": "Photoshop文件",
    "image/x-icon": "图标文件",
    "image/vnd.dwg": "CAD图纸",
}


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one file, read from its content."""

    mime: str
    media_kind: MediaKind
    size: int
    width: int | None
    height: int | None
    captured_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None
    camera: str
    # Doubts read from the content (EvidenceFlag codes): a position outside China or
    # impossible, damaged EXIF. Flagged on the attachment, never a reason to refuse the file.
    doubts: tuple[str, ...] = ()


class BadEvidenceFile(EffDeskError):
    """A file that cannot be accepted as evidence; the message names the file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"「{name}」{reason}")
        self.name = name
        self.reason = reason


@dataclass
class Examined:
    """Result of :func:`examine`: the facts, and for images small oriented pictures by their
    longest side (the sizes asked for, never larger than the original)."""

    info: MediaInfo
    previews: dict[int, Image.Image] = field(default_factory=dict)

    @property
    def preview(self) -> Image.Image | None:
        """The smallest preview (the thumbnail), if any."""
        return self.previews[min(self.previews)] if self.previews else None


def inspect_file(path: Path, *, max_bytes: int | None = None, name: str | None = None) -> MediaInfo:
    """Check a candidate evidence file by content and read its EXIF facts.

    ``max_bytes`` defaults to the built-in limit; services pass the office setting
    ``evidence.max_file_mb``. ``name``: the name the user knows the file by (messages, and
    the type its extension promises), when the file on disk is named otherwise. Raises
    :class:`BadEvidenceFile` with the reason in Chinese.
    """
    return examine(path, max_bytes=max_bytes, preview_sizes=(), name=name).info


def examine(
    path: Path,
    *,
    max_bytes: int | None = None,
    preview_sizes: Sequence[int] = (THUMB_SIZE,),
    name: str | None = None,
) -> Examined:
    """:func:`inspect_file` plus, for images, oriented previews of each of ``preview_sizes``.

    Doing it all from one decode is what keeps ingest close to a plain thumbnail loop.
    """
    name = name or path.name
    limit = max_bytes if max_bytes is not None else DEFAULT_MAX_FILE_MB * 1024 * 1024
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadEvidenceFile(name, "不存在或已被移走") from None
    except OSError as exc:
        raise BadEvidenceFile(name, f"无法读取（{os_error_text(exc)}）") from None
    if not os.path.isfile(path):
        raise BadEvidenceFile(name, "不是文件")
    size = st.st_size
    if size == 0:
        raise BadEvidenceFile(name, "文件为空（0 字节）")
    if size > limit:
        raise BadEvidenceFile(
            name, f"文件过大（{_format_size(size)}，上限为 {_format_size(limit)}）"
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise BadEvidenceFile(name, f"无法读取（{os_error_text(exc)}）") from None

    mime = _sniff(head)
    kind = ACCEPTED.get(mime) if mime else None
    claimed = _EXTENSION_KIND.get(path.suffix.lower().lstrip("."))
    if name != path.name:
        claimed = _EXTENSION_KIND.get(Path(name).suffix.lower().lstrip("."), claimed)
    if kind is None or (claimed is not None and _kind_conflict(claimed, kind)):
        raise BadEvidenceFile(name, _wrong_type_reason(claimed, mime, head))
    assert mime is not None

    if kind is MediaKind.PHOTO:
        return _examine_image(path, name, mime, size, tuple(preview_sizes))
    if mime in _ISOBMFF:
        movie = read_movie_facts(path)
        camera = _camera_name(movie.make, movie.model)
        info = MediaInfo(
            mime,
            kind,
            size,
            movie.width,
            movie.height,
            movie.captured_at,
            movie.gps_lat,
            movie.gps_lon,
            camera,
            doubts=(GPS_OUTSIDE_CHINA,)
            if movie.gps_lat is not None
            and movie.gps_lon is not None
            and not in_china_box(movie.gps_lat, movie.gps_lon)
            else (),
        )
        return Examined(info)
    return Examined(MediaInfo(mime, kind, size, None, None, None, None, None, ""))


def _kind_conflict(claimed: MediaKind, actual: MediaKind) -> bool:
    # A video named .jpg is still visual evidence the user meant to give; a PDF or a
    # recording behind a picture's name is the kind of mix-up the user must hear about.
    visual = {MediaKind.PHOTO, MediaKind.VIDEO}
    if claimed in visual:
        return actual not in visual
    if claimed is MediaKind.AUDIO:
        return actual not in {MediaKind.AUDIO, MediaKind.VIDEO}
    return claimed is not actual


def _sniff(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    return str(kind.mime)


def _wrong_type_reason(claimed: MediaKind | None, mime: str | None, head: bytes) -> str:
    actual = _describe(mime, head)
    if claimed is MediaKind.AUDIO:
        return f"不是录音文件（实际为{actual}）"
    if claimed is MediaKind.DOCUMENT:
        return f"不是PDF扫描件（实际为{actual}）"
    if claimed is None and mime is None:
        return f"不是图片、视频、录音或PDF扫描件（实际为{actual}）"
    return f"不是图片或视频文件（实际为{actual}）"


def _describe(mime: str | None, head: bytes) -> str:
    if mime is None:
        return "文本文件" if _looks_like_text(head) else "无法识别的数据"
    if mime in _ACTUAL_NAMES:
        return _ACTUAL_NAMES[mime]
    kind = ACCEPTED.get(mime)
    if kind is not None:
        return f"{kind.label}（{mime}）"
    return mime


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return False


def os_error_text(exc: OSError) -> str:
    """A file-system error in words an office clerk can act on."""
    known = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EACCES: "没有访问权限",
        errno.EPERM: "没有访问权限",
        errno.ENOENT: "文件不存在",
        errno.EIO: "读写错误，磁盘或U盘可能已损坏",
        errno.EROFS: "存储位置为只读",
    }
    if exc.errno in known:
        return known[exc.errno]
    return str(exc.strerror or exc)


def _format_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


# --------------------------------------------------------------------------- images

_ORIENTATION_TRANSPOSE: dict[int, list[Image.Transpose]] = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}

TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
IFD_EXIF = 0x8769
IFD_GPS = 0x8825
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_OFFSET_TIME_DIGITIZED = 0x9012
TAG_OFFSET_TIME = 0x9010


def _examine_image(
    path: Path, name: str, mime: str, size: int, preview_sizes: tuple[int, ...]
) -> Examined:
    try:
        with Image.open(path) as im:
            exif, exif_broken = _safe_exif(im)
            raw = im.info.get("exif")
            raw_size = len(raw) if isinstance(raw, bytes) else 0
            full_w, full_h = im.size
            if im.format == "JPEG":
                # Decoding at 1/8 or 1/4 scale still reads the whole entropy-coded stream.
                im.draft("RGB", (max(preview_sizes, default=THUMB_SIZE),) * 2)
            im.load()
            previews = _make_previews(im, preview_sizes)
    except UnidentifiedImageError:
        if mime in {"image/heic", "image/avif"} and not HEIF_DECODER:
            raise BadEvidenceFile(
                name,
                "是HEIC/AVIF格式照片，本机缺少读取该格式的组件，无法核验。"
                "请在手机相机设置中选择“兼容性最佳”（JPEG）后重新导出，"
                "或请管理员安装 HEIC 支持",
            ) from None
        raise BadEvidenceFile(name, "图片已损坏，无法读取") from None
    except Image.DecompressionBombError:
        raise BadEvidenceFile(name, "图片像素过多，疑似异常文件，无法读取") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise BadEvidenceFile(name, "图片已损坏，无法读取") from None

    facts = _exif_facts(exif, raw_size)
    if facts.orientation in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w
    if facts.orientation in _ORIENTATION_TRANSPOSE:
        for px, preview in previews.items():
            for op in _ORIENTATION_TRANSPOSE[facts.orientation]:
                preview = preview.transpose(op)
            previews[px] = preview
    info = MediaInfo(
        mime=mime,
        media_kind=MediaKind.PHOTO,
        size=size,
        width=full_w,
        height=full_h,
        captured_at=facts.captured_at,
        gps_lat=facts.gps_lat,
        gps_lon=facts.gps_lon,
        camera=facts.camera,
        doubts=(*((EXIF_MALFORMED,) if exif_broken else ()), *facts.doubts),
    )
    return Examined(info, previews)


@dataclass(frozen=True)
class _ExifFacts:
    orientation: int = 1
    captured_at: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    camera: str = ""
    doubts: tuple[str, ...] = ()


# EvidenceFlag codes (the enum lives in effdesk.enums; the codes are what attachments store).
EXIF_MALFORMED = "exif_malformed"
GPS_IMPOSSIBLE = "gps_impossible"
GPS_OUTSIDE_CHINA = "gps_outside_china"
# A rough box around China (mainland, Hainan, Taiwan and the South China Sea islands north of
# 3.8°N): a photo of a county office taken outside it cannot be right. It also covers parts of
# the neighbouring countries, so it catches the absurd (another continent, a sign error), not
# the subtle; the GPS_OUTLIER flag compares the photos of one finding with each other.
CHINA_BOX = (3.8, 53.6, 73.5, 135.1)  # south, north, west, east (degrees)


def in_china_box(lat: float, lon: float) -> bool:
    south, north, west, east = CHINA_BOX
    return south <= lat <= north and west <= lon <= east


def _safe_exif(im: Image.Image) -> tuple[Image.Exif, bool]:
    # Broken EXIF is common (edited photos, odd phones); the picture itself may be fine.
    try:
        return im.getexif(), False
    except Exception:
        return Image.Exif(), True


def _exif_facts(exif: Image.Exif, raw_size: int = 0) -> _ExifFacts:
    # Pillow parses sub-IFDs lazily, so damaged offsets surface only here: a photo with
    # unreadable EXIF is still evidence (flagged), not a corrupt file.
    doubts: list[str] = []
    try:
        # A sub-IFD pointer that leads beyond the EXIF data (Pillow warns, gives nothing).
        for pointer in (IFD_EXIF, IFD_GPS):
            offset = _int_or_none(exif.get(pointer))
            if raw_size and offset is not None and offset >= raw_size:
                doubts.append(EXIF_MALFORMED)
    except Exception:
        doubts.append(EXIF_MALFORMED)
    try:
        lat, lon, gps_doubt = read_gps_checked(exif)
        if gps_doubt:
            doubts.append(gps_doubt)
    except Exception:
        lat = lon = None
        doubts.append(EXIF_MALFORMED)
    try:
        captured = read_capture_time(exif)
    except Exception:
        captured = None
        doubts.append(EXIF_MALFORMED)
    try:
        camera = read_camera(exif)
    except Exception:
        camera = ""
        doubts.append(EXIF_MALFORMED)
    try:
        orientation = _int_or_none(exif.get(TAG_ORIENTATION)) or 1
    except Exception:
        orientation = 1
        doubts.append(EXIF_MALFORMED)
    return _ExifFacts(orientation, captured, lat, lon, camera, tuple(dict.fromkeys(doubts)))


def _make_previews(im: Image.Image, sizes: tuple[int, ...]) -> dict[int, Image.Image]:
    """Each size from the next larger one (the largest from the decoded picture)."""
    previews: dict[int, Image.Image] = {}
    source = im
    for px in sorted(set(sizes), reverse=True):
        source = previews[px] = _make_preview(source, px)
    return previews


def _make_preview(im: Image.Image, size: int) -> Image.Image:
    if im.mode not in ("RGB", "L"):
        if im.mode in ("RGBA", "LA", "P", "PA"):
            rgba = im.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            im = background
        else:
            im = im.convert("RGB")
    small = im.copy()
    # Bicubic: these are printed (reports, circulars), not only shown as thumbnails.
    small.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return small


def read_capture_time(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal, else DateTimeDigitized, else DateTime; office local time."""
    sub = exif.get_ifd(IFD_EXIF)
    candidates = [
        (sub.get(TAG_DATETIME_ORIGINAL), sub.get(TAG_OFFSET_TIME_ORIGINAL)),
        (sub.get(TAG_DATETIME_DIGITIZED), sub.get(TAG_OFFSET_TIME_DIGITIZED)),
        (exif.get(TAG_DATETIME), sub.get(TAG_OFFSET_TIME)),
    ]
    for raw, offset in candidates:
        dt = _parse_exif_datetime(raw, offset)
        if dt is not None:
            return dt
    return None


_EXIF_DT = re.compile(r"^\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


def _parse_exif_datetime(raw: Any, offset: Any) -> datetime | None:
    text = _text(raw)
    if not text:
        return None
    m = _EXIF_DT.match(text)
    if not m:
        return None
    try:
        y, mo, d, h, mi, sec = (int(g) for g in m.groups())
        dt = datetime(y, mo, d, h, mi, sec)
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders
        return None
    om = _OFFSET.match(_text(offset))
    if om:
        # A camera set to another zone: express the moment in this PC's (the office's) time.
        minutes = int(om.group(2)) * 60 + int(om.group(3))
        tz = timezone(timedelta(minutes=minutes if om.group(1) == "+" else -minutes))
        dt = dt.replace(tzinfo=tz).astimezone().replace(tzinfo=None)
    return dt


def read_gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """GPS IFD degrees/minutes/seconds + N/S/E/W → signed decimal degrees."""
    lat, lon, _doubt = read_gps_checked(exif)
    return lat, lon


def read_gps_checked(exif: Image.Exif) -> tuple[float | None, float | None, str]:
    """:func:`read_gps` and a doubt: GPS_IMPOSSIBLE (position given but unreadable or out of
    range: dropped), GPS_OUTSIDE_CHINA (kept), or ""."""
    gps = exif.get_ifd(IFD_GPS)
    if not gps or (gps.get(2) is None and gps.get(4) is None):
        return None, None, ""
    lat = _dms(gps.get(2), _text(gps.get(1)), "S")
    lon = _dms(gps.get(4), _text(gps.get(3)), "W")
    if lat is None or lon is None:
        return None, None, GPS_IMPOSSIBLE
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None, None, GPS_IMPOSSIBLE
    if lat == 0.0 and lon == 0.0:  # a camera without a fix often writes zeros
        return None, None, ""
    return lat, lon, "" if in_china_box(lat, lon) else GPS_OUTSIDE_CHINA


def _dms(value: Any, ref: str, negative_ref: str) -> float | None:
    try:
        parts = [float(v) for v in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or any(math.isnan(p) or math.isinf(p) for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    if any(p < 0 for p in parts) or parts[1] > 60.0 or parts[2] > 60.0:
        return None  # minutes and seconds below 60, nothing negative: else not a position
    deg = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0
    return -deg if ref.strip().upper().startswith(negative_ref) else deg


def read_camera(exif: Image.Exif) -> str:
    """Make and Model, without repeating the make when the model already starts with it."""
    return _camera_name(_text(exif.get(TAG_MAKE)), _text(exif.get(TAG_MODEL)))


def _camera_name(make: str, model: str) -> str:
    if make and model.lower().startswith(make.lower()):
        make = ""
    return " ".join(p for p in (make, model) if p)[:120]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).replace("\x00", "").strip()


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
