"""Capture time, place and frame size of MP4/MOV/3GP/M4A recordings (ISO base media format).

Phones write when a recording started into the movie header (``mvhd``, seconds since 1904 in
UTC) and, on iPhones, a local time with its offset into the QuickTime metadata
(``com.apple.quicktime.creationdate``); the place as an ISO 6709 string (``©xyz`` in
``udta`` on Android, ``com.apple.quicktime.location.ISO6709`` on iPhones). Only box headers
are read and skipped over, so a 500 MB video costs a few dozen small reads: the ``moov`` box
is often at the very end of a phone recording.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
# The metadata we want lives in small boxes; never read a huge one whole.
_MAX_BOX_READ = 4 * 1024 * 1024
_MAX_BOXES = 10_000
_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
_CONTAINERS = {b"moov", b"trak", b"udta", b"mdia", b"minf", b"stbl"}


@dataclass(frozen=True)
class MovieFacts:
    captured_at: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    width: int | None = None
    height: int | None = None
    make: str = ""
    model: str = ""


def read_movie_facts(path: Path) -> MovieFacts:
    """What the file's own metadata says; empty facts when it says nothing or is malformed."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            moov = _find_top_level(fh, size, b"moov")
            if moov is None:
                return MovieFacts()
            start, length = moov
            if length > 64 * _MAX_BOX_READ:
                return MovieFacts()
            fh.seek(start)
            data = fh.read(length)
    except OSError:
        return MovieFacts()
    try:
        return _parse_moov(data)
    except (struct.error, ValueError, IndexError, OverflowError):
        return MovieFacts()


def _find_top_level(fh: BinaryIO, size: int, want: bytes) -> tuple[int, int] | None:
    pos = 0
    for _ in range(_MAX_BOXES):
        if pos + 8 > size:
            return None
        fh.seek(pos)
        header = fh.read(16)
        if len(header) < 8:
            return None
        box_size, box_type = struct.unpack(">I4s", header[:8])
        header_len = 8
        if box_size == 1:
            if len(header) < 16:
                return None
            box_size = struct.unpack(">Q", header[8:16])[0]
            header_len = 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < header_len:
            return None
        if box_type == want:
            return pos + header_len, box_size - header_len
        pos += box_size
    return None


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    count = 0
    while pos + 8 <= end and count < _MAX_BOXES:
        count += 1
        box_size, box_type = struct.unpack_from(">I4s", data, pos)
        header_len = 8
        if box_size == 1:
            box_size = struct.unpack_from(">Q", data, pos + 8)[0]
            header_len = 16
        elif box_size == 0:
            box_size = end - pos
        if box_size < header_len or pos + box_size > end:
            return
        yield box_type, pos + header_len, pos + box_size
        pos += box_size


def _parse_moov(data: bytes) -> MovieFacts:
    mvhd_time: datetime | None = None
    apple_time: datetime | None = None
    location = ""
    width: int | None = None
    height: int | None = None
    make = model = ""
    for kind, s, e in _boxes(data):
        if kind == b"mvhd":
            mvhd_time = _mvhd_time(data[s:e])
        elif kind == b"trak" and width is None:
            width, height = _track_size(data, s, e)
        elif kind == b"udta":
            for k2, s2, e2 in _boxes(data, s, e):
                if k2 == b"\xa9xyz":
                    location = location or _udta_text(data[s2:e2])
                elif k2 == b"\xa9mak":
                    make = make or _udta_text(data[s2:e2])
                elif k2 == b"\xa9mod":
                    model = model or _udta_text(data[s2:e2])
        elif kind == b"meta":
            keys = _apple_keys(data, s, e)
            apple_time = _parse_iso(keys.get("com.apple.quicktime.creationdate", ""))
            location = keys.get("com.apple.quicktime.location.ISO6709", "") or location
            make = keys.get("com.apple.quicktime.make", "") or make
            model = keys.get("com.apple.quicktime.model", "") or model
    lat, lon = _iso6709(location)
    return MovieFacts(
        captured_at=apple_time or mvhd_time,
        gps_lat=lat,
        gps_lon=lon,
        width=width,
        height=height,
        make=make.strip(),
        model=model.strip(),
    )


def _mvhd_time(payload: bytes) -> datetime | None:
    version = payload[0]
    if version == 1:
        seconds = struct.unpack_from(">Q", payload, 4)[0]
    else:
        seconds = struct.unpack_from(">I", payload, 4)[0]
    if seconds == 0:  # not set
        return None
    moment = _EPOCH_1904 + timedelta(seconds=seconds)
    # Office local time, like every other time in EffDesk.
    return moment.astimezone().replace(tzinfo=None)


def _track_size(data: bytes, start: int, end: int) -> tuple[int | None, int | None]:
    for kind, s, _e in _boxes(data, start, end):
        if kind != b"tkhd":
            continue
        version = data[s]
        # version/flags, times, track id, reserved, duration, reserved, layer... then matrix.
        matrix_at = s + (4 + 8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4 + 4)
        matrix_at += 8 + 2 + 2 + 2 + 2
        a, b, _u, c, d = struct.unpack_from(">iiiii", data, matrix_at)
        w_fixed, h_fixed = struct.unpack_from(">II", data, matrix_at + 36)
        w, h = w_fixed >> 16, h_fixed >> 16
        if w == 0 or h == 0:  # an audio track
            return None, None
        if a == 0 and d == 0 and b != 0 and c != 0:  # shown rotated by 90° or 270°
            w, h = h, w
        return w, h
    return None, None


def _udta_text(payload: bytes) -> str:
    # QuickTime international text: 16-bit length, 16-bit language, then the text.
    if len(payload) < 4:
        return ""
    length = struct.unpack_from(">H", payload, 0)[0]
    return payload[4 : 4 + length].decode("utf-8", errors="replace")


def _apple_keys(data: bytes, start: int, end: int) -> dict[str, str]:
    names: list[str] = []
    values: dict[int, str] = {}
    # QuickTime's meta has no version/flags; the ISO (MP4) one does.
    if data[start + 4 : start + 8] != b"hdlr" and data[start + 8 : start + 12] == b"hdlr":
        start += 4
    for kind, s, e in _boxes(data, start, end):
        if kind == b"keys":
            count = struct.unpack_from(">I", data, s + 4)[0]
            pos = s + 8
            for _ in range(min(count, 1000)):
                size = struct.unpack_from(">I", data, pos)[0]
                if size < 8 or pos + size > e:
                    break
                names.append(data[pos + 8 : pos + size].decode("utf-8", errors="replace"))
                pos += size
        elif kind == b"ilst":
            for item, s2, e2 in _boxes(data, s, e):
                index = struct.unpack(">I", item)[0]
                for k3, s3, e3 in _boxes(data, s2, e2):
                    # data box: type indicator (4), locale (4), value; 1 = UTF-8 text.
                    if k3 == b"data" and struct.unpack_from(">I", data, s3)[0] == 1:
                        values[index] = data[s3 + 8 : e3].decode("utf-8", errors="replace")
    return {names[i - 1]: v for i, v in values.items() if 0 < i <= len(names)}


def _parse_iso(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    # "2026-03-03T09:12:00+0800" → a colon in the offset for fromisoformat on Python 3.11.
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone().replace(tzinfo=None)
    return dt.replace(microsecond=0)


def _iso6709(text: str) -> tuple[float | None, float | None]:
    m = _ISO6709.match(text or "")
    if not m:
        return None, None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lat, lon
