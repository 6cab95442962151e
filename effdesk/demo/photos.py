"""Generated evidence photos: small JPEG "scenes" carrying EXIF capture time, camera and GPS.

Each picture is a soft colour field (upscaled seeded noise, so no two are alike) with a few
shapes standing for a counter, a desk or a door, and a caption bar naming the place. Content is
fully determined by the generator's random state, so a demo build is reproducible.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import IFDRational

from effdesk.demo._common import Rand

WIDTH, HEIGHT = 640, 480
IFD_EXIF = 0x8769
IFD_GPS = 0x8825
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_WALLS = ((226, 221, 205), (214, 222, 226), (236, 232, 222), (205, 214, 200), (230, 224, 214))
_FLOORS = ((150, 140, 128), (120, 118, 112), (176, 160, 140), (140, 150, 155))
_FURNITURE = ((139, 94, 60), (170, 170, 165), (200, 200, 195), (90, 110, 140), (160, 120, 80))


@lru_cache(maxsize=1)
def _caption_font() -> Font:
    """The bundled 黑体 for Chinese captions; Pillow's own font (ASCII only) if it is missing."""
    try:
        from effdesk.resources import resource_path

        return ImageFont.truetype(str(resource_path("fonts", "WenQuanYiZenHei-subset.ttf")), 22)
    except (OSError, FileNotFoundError):
        return ImageFont.load_default()


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 1000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 1000)


def make_photo(
    rng: Rand,
    caption: str,
    captured_at: datetime | None,
    gps: tuple[float, float] | None,
    camera: tuple[str, str],
) -> bytes:
    """One JPEG. ``captured_at`` None: no EXIF time at all (as after a messenger app strips
    it); ``gps`` None: no position."""
    # A wall of a muted colour with soft seeded blotches, a floor, then counters and desks.
    wall = rng.pick(_WALLS)
    noise = Image.frombytes("RGB", (8, 6), rng.randbytes(8 * 6 * 3))
    noise = noise.point(lambda v: 128 + (v - 128) // 5)
    image = Image.new("RGB", (WIDTH, HEIGHT), wall)
    # Upscaled in two steps: a bicubic blur at low resolution, then a cheap bilinear stretch.
    blotches = noise.resize((WIDTH // 8, HEIGHT // 8), Image.Resampling.BICUBIC).resize(
        (WIDTH, HEIGHT), Image.Resampling.BILINEAR
    )
    image = Image.blend(image, blotches, 0.35)
    draw = ImageDraw.Draw(image)
    floor = HEIGHT - 56 - rng.randint(90, 150)
    draw.rectangle((0, floor, WIDTH, HEIGHT), fill=rng.pick(_FLOORS))
    for _ in range(rng.randint(2, 5)):
        w, h = rng.randint(80, 240), rng.randint(50, 150)
        x0 = rng.randint(0, WIDTH - w)
        y0 = floor - h + rng.randint(0, 60)
        colour = rng.pick(_FURNITURE)
        draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour, outline=(60, 60, 60), width=2)
        if rng.chance(0.5):  # a screen on the desk
            sx = x0 + rng.randint(5, max(6, w - 60))
            draw.rectangle((sx, y0 - 45, sx + 55, y0 - 5), fill=(35, 45, 60), outline=(20, 20, 20))
    draw.rectangle((0, HEIGHT - 56, WIDTH, HEIGHT), fill=(20, 20, 20))
    font = _caption_font()
    draw.text((14, HEIGHT - 46), caption, fill=(255, 255, 255), font=font)
    if captured_at is not None:
        stamp = f"{captured_at:%Y-%m-%d %H:%M}"
        draw.text((WIDTH - 200, 12), stamp, fill=(255, 200, 0), font=font)

    exif = Image.Exif()
    exif[TAG_MAKE] = camera[0]
    exif[TAG_MODEL] = camera[1]
    if captured_at is not None:
        text = f"{captured_at:%Y:%m:%d %H:%M:%S}"
        exif[TAG_DATETIME] = text
        sub = exif.get_ifd(IFD_EXIF)
        sub[TAG_DATETIME_ORIGINAL] = text
        sub[TAG_DATETIME_DIGITIZED] = text
    if gps is not None:
        lat, lon = gps
        g = exif.get_ifd(IFD_GPS)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(abs(lat))
        g[3] = "E" if lon >= 0 else "W"
        g[4] = _dms(abs(lon))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, exif=exif.tobytes())
    return out.getvalue()
