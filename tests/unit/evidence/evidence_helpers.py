"""Building real test media: JPEGs with EXIF written by Pillow, and other small files."""

from __future__ import annotations

import hashlib
import io
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
