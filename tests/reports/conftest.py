"""Fixtures for the PDF report tests: fonts without system fonts, photos, PDF reading helpers.

Every report test runs with system font discovery off, so the PDFs are the same on every
machine and the checks below see the bundled fonts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from effdesk.reports.fonts import ENV_NO_SYSTEM_FONTS, FontFace, FontRole, FontSet

MM = 72.0 / 25.4

Char = dict[str, Any]


def to_mm(points: float) -> float:
    return points / MM


@pytest.fixture(autouse=True)
def _no_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_NO_SYSTEM_FONTS, "1")


@pytest.fixture(scope="session")
def fonts() -> FontSet:
    return FontSet(use_system_fonts=False)


def make_photo(path: Path, width: int, height: int, orientation: int | None = None) -> Path:
    """A JPEG with a dark block in its stored top-left corner (to see rotation) and stripes."""
    im = Image.new("RGB", (width, height), (70, 120, 190))
    draw = ImageDraw.Draw(im)
    step = max(1, width // 16)
    for x in range(0, width, step):
        draw.line([(x, 0), (width - x, height)], fill=(240, 240, 240), width=max(1, width // 300))
    draw.rectangle([width // 10, height // 10, width // 3, height // 3], fill=(20, 20, 20))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    im.save(path, "JPEG", quality=88, exif=exif)
    return path


@pytest.fixture
def photo_factory(tmp_path: Path) -> Iterator[Any]:
    counter = iter(range(1, 10_000))

    def factory(width: int = 1600, height: int = 1200, orientation: int | None = None) -> Path:
        return make_photo(tmp_path / f"photo{next(counter)}.jpg", width, height, orientation)

    yield factory


@dataclass
class TextLine:
    chars: list[Char]

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def baseline(self) -> float:
        return to_mm(baseline(self.chars[0]))

    @property
    def top(self) -> float:
        """Top of the ideographic em box (baseline - 0.88 em), in mm, whatever the font's
        own ascent: pdfplumber's ``top`` depends on each font's declared descent."""
        return self.baseline - to_mm(0.88 * self.size)

    @property
    def bottom(self) -> float:
        return self.baseline + to_mm(0.12 * self.size)

    @property
    def x0(self) -> float:
        return to_mm(self.chars[0]["x0"])

    @property
    def x1(self) -> float:
        return to_mm(self.chars[-1]["x1"])

    @property
    def size(self) -> float:
        return float(max(c["size"] for c in self.chars))


def baseline(c: Char) -> float:
    """Baseline in points from the page top (font-independent, unlike top/bottom)."""
    page_height = c["top"] + c["y1"]
    return float(page_height - c["matrix"][5])


def text_lines(chars: list[Char], tolerance_mm: float = 1.5) -> list[TextLine]:
    """Group characters into visual lines by their baseline, left to right."""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (round(baseline(c), 1), c["x0"])):
        if lines and abs(to_mm(baseline(ch) - baseline(lines[-1][0]))) <= tolerance_mm:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [TextLine(sorted(line, key=lambda c: c["x0"])) for line in lines if line]


def is_red(color: Any) -> bool:
    c = tuple(float(v) for v in (color or ()))
    if len(c) == 4:
        return c[0] < 0.1 and c[3] < 0.1 and c[1] > 0.6 and c[2] > 0.6
    if len(c) == 3:
        return c[0] > 0.8 and c[1] < 0.4 and c[2] < 0.4
    return False


def is_black(color: Any) -> bool:
    c = tuple(float(v) for v in (color or (0.0,)))
    if len(c) == 1:
        return c[0] < 0.05
    if len(c) == 3:
        return max(c) < 0.05
    if len(c) == 4:
        return c[3] > 0.95 or max(c) < 0.05
    return False


def ps_name(face: FontFace) -> str:
    name = face.load().face.name
    return name.decode() if isinstance(name, bytes) else str(name)


def face_of(fonts: FontSet, fontname: str) -> FontFace:
    """The FontFace a PDF font name (e.g. "AAAAAA+FandolFang-Regular-EffDesk") came from."""
    base = fontname.split("+", 1)[-1]
    for role in FontRole:
        for face in fonts.chain(role):
            if ps_name(face) == base:
                return face
    raise AssertionError(f"unknown font in PDF: {fontname}")


def role_of(fonts: FontSet, fontname: str) -> FontRole:
    face = face_of(fonts, fontname)
    for role in FontRole:
        if fonts.face(role) is face:
            return role
    raise AssertionError(f"{fontname} stands for no role")


def embedded_font_problems(path: Path) -> list[str]:
    """Fonts in the PDF that are not embedded as TrueType (FontFile2)."""
    problems = []
    reader = PdfReader(str(path))
    for n, page in enumerate(reader.pages, 1):
        resources = page.get("/Resources")
        if resources is None:
            continue
        fonts = resources.get_object().get("/Font")
        if fonts is None:
            continue
        for key, ref in fonts.get_object().items():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:
                problems.append(f"page {n} {key} {font.get('/BaseFont')}: no descriptor")
                continue
            if "/FontFile2" not in descriptor.get_object():
                problems.append(f"page {n} {key} {font.get('/BaseFont')}: not embedded")
    return problems


@pytest.fixture
def open_pdf() -> Iterator[Any]:
    opened: list[Any] = []

    def opener(path: Path) -> Any:
        pdf = pdfplumber.open(str(path))
        opened.append(pdf)
        return pdf

    yield opener
    for pdf in opened:
        pdf.close()


class PdfCheck:
    """The helpers above, handed to tests as a fixture (test modules don't import conftest)."""

    MM = MM
    to_mm = staticmethod(to_mm)
    text_lines = staticmethod(text_lines)
    is_red = staticmethod(is_red)
    is_black = staticmethod(is_black)
    face_of = staticmethod(face_of)
    role_of = staticmethod(role_of)
    ps_name = staticmethod(ps_name)
    embedded_font_problems = staticmethod(embedded_font_problems)
    make_photo = staticmethod(make_photo)
    TextLine = TextLine


@pytest.fixture(scope="session")
def pdfcheck() -> PdfCheck:
    return PdfCheck()
