"""Building real test media: JPEGs with EXIF written by Pillow, and other small files."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from PIL import Image, TiffImagePlugin

# Two spots in the same county town a few hundred metres apart, and one in another city.
NEAR_A = (30.2741, 120.1551)
NEAR_B = (30.2760, 120.1580)
NEAR_C = (30.2750, 120.1560)
FAR = (31.2304, 121.4737)  # ≈ 165 km away


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = Fraction((minutes_f - minutes) * 60).limit_denominator(10000)
    return (
        TiffImagePlugin.IFDRational(deg, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds.numerator, seconds.denominator),
    )


def exif_for(
    *,
    when: datetime | None = None,
    digitized: datetime | None = None,
    plain_datetime: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    make: str = "",
    model: str = "",
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    if plain_datetime:
        exif[0x0132] = plain_datetime.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    if when:
        sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    if digitized:
        sub[0x9004] = digitized.strftime("%Y:%m:%d %H:%M:%S")
    if offset:
        sub[0x9011] = offset
    if gps:
        g = exif.get_ifd(0x8825)
        lat, lon = gps
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(lat)
        g[3] = "E" if lon >= 0 else "W"
        g[4] = _dms(lon)
    return exif


def make_jpeg(
    path: Path,
    *,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    **exif_args: object,
) -> Path:
    """A noisy JPEG (so every file differs) with the EXIF given."""
    im = Image.effect_noise(size, 30 + seed % 50).convert("RGB")
    # Make each seed's content distinct even if the noise generator repeats.
    im.putpixel((0, 0), (seed % 256, (seed // 256) % 256, 7))
    exif = exif_for(**exif_args)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=85, exif=exif)
    return path


def make_png(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    Image.new("RGBA", size, (200, 30, 30, 128)).save(path, "PNG")
    return path


def make_pdf(path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buf, "PDF")
    path.write_bytes(buf.getvalue())
    return path


def make_mp4(path: Path) -> Path:
    """The start of an MP4 (ftyp box) is what content detection looks at."""
    ftyp = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    mdat = b"\x00\x00\x10\x08mdat" + bytes(range(256)) * 16
    path.write_bytes(ftyp + mdat)
    return path


def make_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a photo")
    return path


def truncate(src: Path, dest: Path, keep: float = 0.5) -> Path:
    data = src.read_bytes()
    dest.write_bytes(data[: int(len(data) * keep)])
    return dest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- ISO media boxes


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mvhd(created_utc: datetime) -> bytes:
    seconds = int((created_utc - datetime(1904, 1, 1)).total_seconds())
    body = struct.pack(">B3xIIII", 0, seconds, seconds, 600, 6000) + bytes(80)
    return box(b"mvhd", body)


def _tkhd(width: int, height: int, rotate_90: bool = False) -> bytes:
    one = 0x00010000
    matrix = (0, one, 0, -one, 0, 0, 0, 0, 0x40000000) if rotate_90 else (
        one, 0, 0, 0, one, 0, 0, 0, 0x40000000
    )  # fmt: skip
    body = struct.pack(">B3xIIIII", 0, 0, 0, 1, 0, 6000)
    body += bytes(8) + struct.pack(">hhhh", 0, 0, 0, 0)
    body += struct.pack(">9i", *matrix)
    body += struct.pack(">II", width << 16, height << 16)
    return box(b"tkhd", body)


def _udta_text(kind: bytes, text: str) -> bytes:
    raw = text.encode()
    return box(kind, struct.pack(">HH", len(raw), 0x15C7) + raw)


def _apple_meta(items: dict[str, str]) -> bytes:
    hdlr = box(b"hdlr", bytes(8) + b"mdta" + bytes(13))
    keys_body = struct.pack(">B3xI", 0, len(items))
    ilst_body = b""
    for i, (key, value) in enumerate(items.items(), start=1):
        keys_body += struct.pack(">I4s", 8 + len(key), b"mdta") + key.encode()
        data = box(b"data", struct.pack(">II", 1, 0) + value.encode())
        ilst_body += box(struct.pack(">I", i), data)
    return box(b"meta", hdlr + box(b"keys", keys_body) + box(b"ilst", ilst_body))


def make_movie(
    path: Path,
    *,
    brand: bytes = b"mp42",
    created_utc: datetime | None = None,
    size: tuple[int, int] | None = (1920, 1080),
    rotate_90: bool = False,
    xyz: str = "",
    apple: dict[str, str] | None = None,
    mdat_bytes: int = 300_000,
) -> Path:
    """A phone-style recording: ftyp, a large mdat, then moov at the end."""
    moov = b""
    if created_utc:
        moov += _mvhd(created_utc)
    if size:
        moov += box(b"trak", _tkhd(*size, rotate_90=rotate_90))
    if xyz:
        moov += box(b"udta", _udta_text(b"\xa9xyz", xyz) + _udta_text(b"\xa9mak", "Xiaomi"))
    if apple:
        moov += _apple_meta(apple)
    compatible = brand if brand == b"qt  " else brand + b"isom"
    ftyp = box(b"ftyp", brand + b"\x00\x00\x00\x00" + compatible)
    mdat = box(b"mdat", bytes(range(256)) * (mdat_bytes // 256))
    path.write_bytes(ftyp + mdat + box(b"moov", moov))
    return path
