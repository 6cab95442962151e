"""Shared text layout for the PDF report modules: shaping with per-character font fallback,
Chinese line breaking (禁则), justified drawing, and photo preparation.

Text is drawn only through ``draw_glyph_line`` so every character goes through
``FontSet.split_runs`` and no glyph prints as an empty box.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from effdesk.errors import ValidationError
from effdesk.reports.fonts import FallbackLog, FontFace, FontRole, FontSet, TextRun

MM = 72.0 / 25.4
A4_W = 210.0 * MM
A4_H = 297.0 * MM

# Images are embedded as JPEG as they are (DCTDecode); ASCII85 would only make files 25 %
# larger for the sake of 7-bit mail transport, which nobody needs.
rl_config.useA85 = 0

# Share of the font size above the baseline in the ideographic em box (CJK fonts put it at
# 880/1000). Placing every font's em box by this value keeps mixed fonts on one baseline.
EM_ASCENT = 0.88

# Line-breaking rules (禁则) as Word applies them for Simplified Chinese.
NO_LINE_START = frozenset(
    "!%),.:;>?]}¢¨°·ˇˉ―‖’”…‰′″›℃∶、。〃〉》」』】〕〗〞︶︺︾﹀﹄﹚﹜﹞！＂％＇），．：；？］｝～￠"
)
NO_LINE_END = frozenset("$([{£¥‘“〈《「『【〔〖〝﹙﹛﹝＄（［｛￡￥")
_UNSPLITTABLE_PAIRS = frozenset("—…")
_WORD_RE = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:[.,:/\-_@'+%&#][A-Za-z0-9\u00c0-\u024f]+)*")


def a4_canvas(out: Path | BinaryIO, fonts: FontSet, title: str) -> Canvas:
    """An A4 canvas for one of EffDesk's PDFs: compressed, the same bytes for the same
    content (invariant), titled, and naming no font it does not embed (FangSong, not
    Helvetica, is the font it starts with)."""
    canvas = Canvas(
        str(out) if isinstance(out, Path) else out,
        pagesize=(A4_W, A4_H),
        pageCompression=1,
        invariant=1,
        initialFontName=fonts.face(FontRole.FANGSONG).load().fontName,
        lang="zh-CN",
    )
    canvas.setTitle(title.replace("\n", ""))
    canvas.setCreator("EffDesk")
    return canvas


def mm(value: float) -> float:
    """Millimetres to PDF points."""
    return value * MM


@dataclass(frozen=True)
class Span:
    """A piece of source text in one role (a heading part in 黑体, the rest in 仿宋...)."""

    text: str
    role: FontRole


@dataclass(frozen=True)
class Glyph:
    ch: str
    face: FontFace
    width: float  # advance at the font size, in points
    fallback: bool = False
    missing: bool = False

    @property
    def is_space(self) -> bool:
        return self.ch.isspace()


def shape(spans: Iterable[Span], fonts: FontSet, size: float) -> list[Glyph]:
    """Turn spans into glyphs, each in a font that has it."""
    glyphs: list[Glyph] = []
    for span in spans:
        text = _clean(span.text)
        for run in fonts.split_runs(text, span.role):
            for ch in run.text:
                glyphs.append(
                    Glyph(ch, run.face, run.face.char_width(ch) * size, run.fallback, run.missing)
                )
    return glyphs


def shape_text(text: str, role: FontRole, fonts: FontSet, size: float) -> list[Glyph]:
    return shape([Span(text, role)], fonts, size)


def _clean(text: str) -> str:
    # Tabs and odd spaces become one space; control characters would print as boxes.
    text = text.replace("\t", " ")
    return "".join(ch for ch in text if ch == "\u3000" or ch.isprintable() or ch == " ")


def natural_width(glyphs: Sequence[Glyph], char_space: float) -> float:
    """Width from the first glyph's left edge to the last glyph's right edge."""
    if not glyphs:
        return 0.0
    return sum(g.width for g in glyphs) + char_space * (len(glyphs) - 1)


def _atoms(glyphs: Sequence[Glyph]) -> list[list[Glyph]]:
    """Unbreakable pieces: one hanzi, one Latin word or number, one space."""
    text = "".join(g.ch for g in glyphs)
    atoms: list[list[Glyph]] = []
    i = 0
    for m in _WORD_RE.finditer(text):
        atoms.extend([g] for g in glyphs[i : m.start()])
        atoms.append(list(glyphs[m.start() : m.end()]))
        i = m.end()
    atoms.extend([g] for g in glyphs[i:])
    return atoms


def clusters(glyphs: Sequence[Glyph]) -> list[list[Glyph]]:
    """Atoms glued by the 禁则: closing punctuation sticks to what precedes it, opening
    punctuation to what follows, and a —— or …… pair is never split."""
    out: list[list[Glyph]] = []
    glue_next = False
    for atom in _atoms(glyphs):
        first = atom[0].ch
        if out and (
            glue_next
            or first in NO_LINE_START
            or (first in _UNSPLITTABLE_PAIRS and out[-1][-1].ch == first)
        ):
            out[-1].extend(atom)
        else:
            out.append(list(atom))
        glue_next = atom[-1].ch in NO_LINE_END
    return out


def break_lines(
    glyphs: Sequence[Glyph],
    first_width: float,
    rest_width: float,
    char_space: float = 0.0,
) -> list[list[Glyph]]:
    """Greedy line breaking by cluster. A cluster longer than a whole line is cut by character
    (an endless URL must still print). Spaces at line ends are dropped."""
    lines: list[list[Glyph]] = []
    line: list[Glyph] = []
    width = first_width
    eps = 0.01

    def flush() -> None:
        nonlocal line, width
        while line and line[-1].is_space:
            line.pop()
        lines.append(line)
        line = []
        width = rest_width

    for cl in clusters(glyphs):
        if not line and all(g.is_space for g in cl) and lines:
            continue
        if natural_width(line + cl, char_space) <= width + eps:
            line.extend(cl)
            continue
        if line:
            flush()
            if all(g.is_space for g in cl):
                continue
            if natural_width(cl, char_space) <= width + eps:
                line.extend(cl)
                continue
        for g in cl:  # the cluster alone overflows a line: cut it
            if line and natural_width([*line, g], char_space) > width + eps:
                flush()
            line.append(g)
    if line or not lines:
        flush()
    return lines


def draw_glyph_line(
    canvas: Canvas,
    glyphs: Sequence[Glyph],
    x: float,
    baseline: float,
    size: float,
    char_space: float = 0.0,
    color: Color | None = None,
    horiz_scale: float = 100.0,
    log: FallbackLog | None = None,
) -> None:
    """Draw glyphs left to right from ``x`` on ``baseline``, switching fonts run by run."""
    if not glyphs:
        return
    # Text state (Tc, Tz) outlives BT/ET in PDF: confine it to this line with q/Q.
    canvas.saveState()
    tx = canvas.beginText()
    tx.setTextOrigin(x, baseline)
    tx.setCharSpace(char_space)
    if horiz_scale != 100.0:
        tx.setHorizScale(horiz_scale)
    if color is not None:
        tx.setFillColor(color)
    runs: list[TextRun] = []
    start = 0
    for i in range(1, len(glyphs) + 1):
        if i == len(glyphs) or (
            (glyphs[i].face, glyphs[i].fallback, glyphs[i].missing)
            != (glyphs[start].face, glyphs[start].fallback, glyphs[start].missing)
        ):
            g0 = glyphs[start]
            text = "".join(g.ch for g in glyphs[start:i])
            runs.append(TextRun(g0.face, text, g0.fallback, g0.missing))
            start = i
    for run in runs:
        tx.setFont(run.face.load().fontName, size)
        tx.textOut(run.text)
    canvas.drawText(tx)
    canvas.restoreState()
    if log is not None:
        log.record(runs)


def justified_space(glyphs: Sequence[Glyph], width: float, base_space: float, size: float) -> float:
    """Character spacing that makes ``glyphs`` fill ``width`` exactly; the base spacing when
    that would open gaps wider than one character (a line ending in a forced break)."""
    if len(glyphs) < 2:
        return base_space
    space = (width - sum(g.width for g in glyphs)) / (len(glyphs) - 1)
    if space > size or space < base_space - size * 0.25:
        return base_space
    return space


# --- photos -----------------------------------------------------------------------------


_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class PhotoInfo:
    """Pixel size of a photo as it should appear (EXIF orientation applied)."""

    path: Path
    width: int
    height: int

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 1.0


def photo_info(path: Path, field: str = "attachments") -> PhotoInfo:
    """Read only the header: size and EXIF orientation. The file is opened read-only."""
    try:
        with Image.open(path) as im:
            w, h = im.size
            orientation = im.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(field, f"无法读取照片“{path}”：{exc}") from exc
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return PhotoInfo(Path(path), w, h)


def prepare_photo(info: PhotoInfo, box_w_pt: float, box_h_pt: float, dpi: float, out: Path) -> None:
    """Write a JPEG of ``info.path`` downscaled to ``dpi`` for a box of the given size.

    Only reads the original. JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale directly,
    which is what makes 40 twelve-megapixel photos render in a couple of seconds.
    """
    scale = min(box_w_pt / info.width, box_h_pt / info.height)
    target_w = max(1, round(info.width * scale / 72.0 * dpi))
    target_h = max(1, round(info.height * scale / 72.0 * dpi))
    try:
        with Image.open(info.path) as src:
            orientation = src.getexif().get(_EXIF_ORIENTATION, 1)
            stored = (target_h, target_w) if orientation in (5, 6, 7, 8) else (target_w, target_h)
            if src.format == "JPEG":
                src.draft("RGB", stored)
            im = ImageOps.exif_transpose(src)
            # Draft decoding lands between 1x and 2x the target; up to a third more pixels
            # (≈ 200 dpi at the default 150) is kept as is, which saves a resize per photo.
            if im.width > target_w * 4 / 3 or im.height > target_h * 4 / 3:
                im.thumbnail((target_w, target_h), Image.Resampling.BICUBIC, reducing_gap=2.0)
            if im.mode in ("RGBA", "LA", "P", "PA"):
                rgba = im.convert("RGBA")
                im = Image.new("RGB", rgba.size, "white")
                im.paste(rgba, mask=rgba.getchannel("A"))
            elif im.mode != "RGB":
                im = im.convert("RGB")
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=80)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("attachments", f"无法读取照片“{info.path}”：{exc}") from exc
    out.write_bytes(buf.getvalue())
