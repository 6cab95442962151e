"""Official documents (公文) laid out to GB/T 9704-2012, drawn with ReportLab.

The page is a grid: a 156 × 225 mm type area at x 28 mm, y 37 mm holding 22 lines of 28
characters of 3号 (16 pt) 仿宋. Everything after the header of page 1 sits on that grid, so the
lines of facing pages line up as on offices' Word templates. The numbered rules quoted in the
comments are those of the project's layout brief, shared/GBT9704.md (GB/T 9704-2012 §7).

The spec is a plain dataclass; callers (the documents service) fill it from the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.colors import CMYKColor, Color, black
from reportlab.pdfgen.canvas import Canvas

from effdesk.chinese_dates import cn_date
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.reports._pdfutil import (
    A4_H,
    A4_W,
    EM_ASCENT,
    Glyph,
    PhotoInfo,
    Span,
    a4_canvas,
    break_lines,
    clusters,
    draw_glyph_line,
    justified_space,
    mm,
    natural_width,
    photo_info,
    prepare_photo,
    shape,
    shape_text,
)
from effdesk.reports.fonts import FallbackLog, FontRole, FontSet, default_fontset

# --- the grid (rules 1-3) ---------------------------------------------------------------

TYPE_LEFT_MM = 28.0
TYPE_TOP_MM = 37.0
TYPE_WIDTH_MM = 156.0
TYPE_HEIGHT_MM = 225.0
TYPE_RIGHT_MM = TYPE_LEFT_MM + TYPE_WIDTH_MM  # 184
TYPE_BOTTOM_MM = TYPE_TOP_MM + TYPE_HEIGHT_MM  # 262
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE_PITCH_MM = TYPE_HEIGHT_MM / LINES_PER_PAGE  # ≈ 10.23 mm ≈ 29 pt

SIZE_2HAO = 22.0
SIZE_3HAO = 16.0
SIZE_4HAO = 14.0

# Character spacing making 28 characters of 3号 span exactly 156 mm, first glyph's left edge
# to last glyph's right edge: a pitch of 5.57 mm.
BODY_CHAR_SPACE = (mm(TYPE_WIDTH_MM) - CHARS_PER_LINE * SIZE_3HAO) / (CHARS_PER_LINE - 1)
BODY_CHAR_PITCH = SIZE_3HAO + BODY_CHAR_SPACE

MARK_TOP_MM = TYPE_TOP_MM + 35.0  # rule 5
MARK_SIZE = 42.0  # pt; compressed horizontally when the name is long
MARK_MAX_WIDTH_MM = 150.0
MARK_MIN_SCALE = 0.55
RED_LINE_GAP_MM = 4.0  # rule 7
RED_LINE_WIDTH_MM = 0.5
COLOPHON_THICK_MM = 0.35  # rule 14
COLOPHON_THIN_MM = 0.25
PAGE_NUMBER_DASH_MM = TYPE_BOTTOM_MM + 7.0  # rule 15
SEAL_DIAMETER_MM = 42.0
# 信函格式 (GB/T 9704 §10.1): the mark's top 30 mm from the page's top; red double lines 170 mm
# long, centred, 4 mm below the mark (thick over thin) and 20 mm above the page's bottom (thin
# over thick); the number flush right 7/8 of a 3号 character below the first double line.
LETTER_MARK_TOP_MM = 30.0
LETTER_MARK_SIZE = 30.0  # pt
LETTER_LINE_MM = 170.0
LETTER_BOTTOM_LINE_MM = 297.0 - 20.0
LETTER_THICK_MM = 0.8
LETTER_THIN_MM = 0.25
LETTER_LINE_GAP_MM = 0.8  # between the two lines of a double line

# Rule 16: print red Y80 M80 (process colour, not RGB, so a print shop gets what it expects).
RED = CMYKColor(0, 0.8, 0.8, 0)

NUMBER_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")  # rule 6
DATE_RE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")  # rule 11

_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING_RULES: tuple[tuple[re.Pattern[str], FontRole], ...] = (
    (re.compile(rf"^[{_CN_NUM}]+、"), FontRole.HEITI),  # 一、
    (re.compile(rf"^[（(][{_CN_NUM}]+[）)]"), FontRole.KAITI),  # （一）
    (re.compile(r"^\d{1,3}[.．](?!\d)"), FontRole.FANGSONG),  # 1.
    (re.compile(r"^[（(]\d{1,3}[）)]"), FontRole.FANGSONG),  # （1）
)
# A heading that runs on into body text ends at the first of these (kept in heading font).
_HEADING_END = "。！？：:"


# --- the spec ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentImage:
    """A photo in an attachment. The file is only read, never modified."""

    path: Path
    caption: str = ""


@dataclass(frozen=True)
class Attachment:
    """One attachment (附件): a title, then paragraphs (str) and/or photos in order.

    Consecutive photos are laid out ``photos_per_page`` to a page (1-4; 4 means 2 × 2).
    """

    title: str
    content: Sequence[str | AttachmentImage] = ()
    photos_per_page: int = 2


@dataclass
class OfficialDocumentSpec:
    """Everything printed on a 公文. Empty strings / None mean "not printed"."""

    title: str
    body: Sequence[str] = ()
    red_header: bool = True
    # 信函格式 (§10.1) instead of the 文件 red header: letters such as a 答复函 to a complainant.
    letter_format: bool = False
    authority_mark: str = ""  # e.g. "××县机关效能建设领导小组办公室文件"
    number: str = ""  # e.g. "X效办〔2026〕7号"
    main_recipients: str | Sequence[str] = ""
    attachments: Sequence[Attachment] = ()
    signature: str = ""  # issuing body (发文机关署名)
    date: dt.date | None = None  # 成文日期
    with_seal: bool = False  # leave the seal's room (rule 11); the seal itself is not drawn
    # Draw where the seal will be pressed (a dashed red circle): for drafts and previews, so
    # the room left on the page reads as the seal's; never on the issued PDF that is printed.
    seal_marker: bool = False
    notes: str = ""  # 附注
    copy_to: Sequence[str] = ()  # 抄送
    printing_office: str = ""  # 印发机关
    print_date: dt.date | None = None  # 印发日期
    # Duplex printing puts the colophon on the back of the last sheet (an even page).
    colophon_on_even_page: bool = False
    image_dpi: float = 150.0

    def problems(self) -> list[FieldProblem]:
        out: list[FieldProblem] = []
        if not self.title.strip():
            out.append(FieldProblem("title", "公文标题不能为空。"))
        if (self.red_header or self.letter_format) and not self.authority_mark.strip():
            out.append(FieldProblem("authority_mark", "红头公文须填写发文机关标志。"))
        if self.number and not NUMBER_RE.match(self.number):
            out.append(
                FieldProblem(
                    "number",
                    f"发文字号“{self.number}”格式不对，应如“X效办〔2026〕7号”："
                    "年份用六角括号〔〕，序号不编虚位、不加“第”字。",
                )
            )
        if self.signature and self.date is None:
            out.append(FieldProblem("date", "有发文机关署名时须填写成文日期。"))
        if self.with_seal and not self.signature:
            out.append(FieldProblem("signature", "加盖印章的公文须有发文机关署名。"))
        for i, att in enumerate(self.attachments, 1):
            if not att.title.strip():
                out.append(FieldProblem("attachments", f"附件{i}缺少标题。"))
            if not 1 <= att.photos_per_page <= 4:
                out.append(FieldProblem("attachments", f"附件{i}每页照片数应为1至4张。"))
        return out

    def validate(self) -> None:
        """Raise ``ValidationErrors`` listing every problem (Chinese messages)."""
        problems = self.problems()
        if problems:
            raise ValidationErrors(problems)


@dataclass(frozen=True)
class SealPlacement:
    """Where the seal belongs (rule 11), for a later stamping step: mm from the top-left."""

    page: int
    center_x_mm: float
    center_y_mm: float
    diameter_mm: float = SEAL_DIAMETER_MM


@dataclass
class RenderInfo:
    pages: int
    fonts: list[str]  # per role: "仿宋 → FandolFang (内置)"
    fonts_used: list[str]  # labels of the fonts actually drawn
    fallback_chars: dict[str, str]  # character → font that stood in for the role's font
    missing_chars: set[str]  # characters no available font has
    numbered_pages: list[int]
    seal: SealPlacement | None = None
    font_notes: list[str] = field(default_factory=list)


format_cn_date = cn_date  # the name this module's callers know (rule 11: no padding)


def heading_spans(paragraph: str) -> list[Span]:
    """Split a body paragraph into its heading part (in the heading's font) and the rest.

    "（一）加强组织领导。各单位要……" → 楷体 "（一）加强组织领导。" + 仿宋 "各单位要……".
    """
    for pattern, role in _HEADING_RULES:
        if pattern.match(paragraph):
            if role is FontRole.FANGSONG:
                return [Span(paragraph, FontRole.FANGSONG)]
            end = min((i for i, ch in enumerate(paragraph) if ch in _HEADING_END), default=-1)
            if end < 0 or end == len(paragraph) - 1:
                return [Span(paragraph, role)]
            return [Span(paragraph[: end + 1], role), Span(paragraph[end + 1 :], FontRole.FANGSONG)]
    return [Span(paragraph, FontRole.FANGSONG)]


# --- grid geometry ----------------------------------------------------------------------


def band_top_mm(band: int) -> float:
    return TYPE_TOP_MM + band * LINE_PITCH_MM


def _baseline(band: int, size: float) -> float:
    """PDF y of the baseline placing a ``size`` em box in the middle of grid line ``band``."""
    em_top = mm(band_top_mm(band)) + (mm(LINE_PITCH_MM) - size) / 2
    return A4_H - (em_top + EM_ASCENT * size)


X0 = mm(TYPE_LEFT_MM)
X1 = mm(TYPE_RIGHT_MM)
WIDTH = mm(TYPE_WIDTH_MM)


# --- pagination -------------------------------------------------------------------------

DrawFn = Callable[[Canvas, int], None]


@dataclass
class _Row:
    """Something occupying ``lines`` grid lines; ``draw(canvas, first_band)`` paints it."""

    draw: DrawFn | None
    lines: int = 1
    blank: bool = False  # spacing: dropped at the top of a page
    keep_with_next: bool = False
    pull_prev: int = 0  # moving to a new page, take this many preceding rows along
    page_break_before: bool = False
    # "body": text a pull may take; "carry": taken along by a pull but not counted (the
    # attachment note); "fixed": never moved (titles, signature, photos).
    kind: str = "body"


@dataclass
class _Page:
    start: int = 0
    rows: list[tuple[int, _Row]] = field(default_factory=list)
    extra: list[Callable[[Canvas], None]] = field(default_factory=list)
    numbered: bool = True

    @property
    def cursor(self) -> int:
        if not self.rows:
            return self.start
        band, row = self.rows[-1]
        return band + row.lines

    @property
    def has_content(self) -> bool:
        return any(not row.blank for _band, row in self.rows) or bool(self.extra)


class _Flow:
    """Places rows on grid lines page by page, honouring keep-with-next and pulls."""

    def __init__(self, first_start: int) -> None:
        self.pages = [_Page(start=first_start)]
        self._pending: list[_Row] = []

    @property
    def page(self) -> _Page:
        return self.pages[-1]

    def new_page(self) -> _Page:
        self.pages.append(_Page())
        return self.page

    def add(self, row: _Row) -> None:
        self._pending.append(row)
        if not row.keep_with_next:
            self.flush()

    def remaining(self) -> int:
        pending = sum(r.lines for r in self._pending)
        return LINES_PER_PAGE - self.page.cursor - pending

    def flush(self) -> None:
        unit, self._pending = self._pending, []
        if not unit:
            return
        if unit[0].page_break_before and self.page.has_content:
            self.new_page()
        total = sum(r.lines for r in unit)
        if self.page.cursor + total <= LINES_PER_PAGE or total > LINES_PER_PAGE - 2:
            for row in unit:
                self._place(row)
            return
        carried: list[tuple[int, _Row]] = []
        pull = unit[0].pull_prev
        if pull:
            rows = self.page.rows
            idx = len(rows)
            taken = 0
            while idx > 0:
                prev = rows[idx - 1][1]
                if prev.kind == "body" and not prev.blank:
                    if taken == pull:
                        break
                    taken += 1
                elif prev.kind != "carry" and not (prev.blank and prev.kind == "body"):
                    break
                idx -= 1
            # Never empty the page: at least one line of text stays behind.
            if any(not r.blank for _b, r in rows[:idx]):
                carried = rows[idx:]
                del rows[idx:]
        self.new_page()
        for _band, row in carried:
            self._place(row)
        for row in unit:
            self._place(row)

    def _place(self, row: _Row) -> None:
        page = self.page
        if row.blank and page.cursor == page.start and not page.rows:
            return
        if page.cursor + row.lines > LINES_PER_PAGE:
            page = self.new_page()
            if row.blank:
                return
        page.rows.append((page.cursor, row))


# --- the builder ------------------------------------------------------------------------


class _Builder:
    def __init__(self, spec: OfficialDocumentSpec, fonts: FontSet) -> None:
        self.spec = spec
        self.fonts = fonts
        self.log = FallbackLog()
        self.photos: list[tuple[PhotoInfo, float, float, Path]] = []
        self._tmp: Path | None = None
        self._photo_count = 0
        self.seal_row: _Row | None = None
        self.seal_centre_x = 0.0

    # shaping helpers
    def glyphs(self, text: str, role: FontRole, size: float = SIZE_3HAO) -> list[Glyph]:
        return shape_text(text, role, self.fonts, size)

    def text_row(
        self,
        glyphs: Sequence[Glyph],
        x: float,
        size: float = SIZE_3HAO,
        char_space: float = BODY_CHAR_SPACE,
        justify_to: float | None = None,
        color: Color = black,
        keep_with_next: bool = False,
        kind: str = "body",
        page_break_before: bool = False,
    ) -> _Row:
        line = list(glyphs)
        space = char_space
        if justify_to is not None:
            space = justified_space(line, justify_to - x, char_space, size)
        log = self.log

        def draw(canvas: Canvas, band: int) -> None:
            draw_glyph_line(canvas, line, x, _baseline(band, size), size, space, color, log=log)

        return _Row(
            draw, keep_with_next=keep_with_next, kind=kind, page_break_before=page_break_before
        )

    def paragraph_rows(
        self,
        spans: Sequence[Span],
        indent_chars: float = 2.0,
        hang_x: float | None = None,
        keep: bool = False,
    ) -> list[_Row]:
        """A justified body paragraph on the grid: first line indented ``indent_chars``,
        continuation lines from ``hang_x`` (default: flush left)."""
        glyphs = shape(spans, self.fonts, SIZE_3HAO)
        if not glyphs:
            return [_Row(None, blank=True)]
        first_x = X0 + indent_chars * BODY_CHAR_PITCH
        rest_x = X0 if hang_x is None else hang_x
        lines = break_lines(glyphs, X1 - first_x, X1 - rest_x, BODY_CHAR_SPACE)
        rows = []
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            rows.append(
                self.text_row(
                    line,
                    first_x if i == 0 else rest_x,
                    justify_to=None if last else X1,
                    keep_with_next=keep,
                )
            )
        return rows

    # header (rules 5-7) ---------------------------------------------------------------
    def red_header(self, page: _Page) -> int:
        """Draw mark, number and red line on page 1; return the title's first grid line."""
        spec = self.spec
        mark = shape_text(spec.authority_mark.strip(), FontRole.XIAOBIAOSONG, self.fonts, 1.0)
        natural = sum(g.width for g in mark)  # at 1 pt
        size = MARK_SIZE
        scale = min(1.0, mm(MARK_MAX_WIDTH_MM) / (natural * size))
        if scale < MARK_MIN_SCALE:
            scale = MARK_MIN_SCALE
            size = mm(MARK_MAX_WIDTH_MM) / (natural * scale)
        mark_glyphs = self.glyphs(spec.authority_mark.strip(), FontRole.XIAOBIAOSONG, size)
        mark_w = natural * size * scale
        mark_top = mm(MARK_TOP_MM)
        mark_baseline = A4_H - (mark_top + EM_ASCENT * size)
        mark_x = max(X0, X0 + (WIDTH - mark_w) / 2)
        mark_bottom = mark_top + size

        number_em_top = mark_bottom + 2 * mm(LINE_PITCH_MM) + (mm(LINE_PITCH_MM) - SIZE_3HAO) / 2
        number_bottom = number_em_top + SIZE_3HAO
        red_y = number_bottom + mm(RED_LINE_GAP_MM)
        log = self.log

        def draw(canvas: Canvas) -> None:
            draw_glyph_line(
                canvas, mark_glyphs, mark_x, mark_baseline, size, 0.0, RED, scale * 100, log
            )
            if spec.number:
                num = self.glyphs(spec.number, FontRole.FANGSONG)
                w = natural_width(num, 0.0)
                draw_glyph_line(
                    canvas,
                    num,
                    X0 + (WIDTH - w) / 2,
                    A4_H - (number_em_top + EM_ASCENT * SIZE_3HAO),
                    SIZE_3HAO,
                    0.0,
                    black,
                    log=log,
                )
            canvas.saveState()
            canvas.setStrokeColor(RED)
            canvas.setLineWidth(mm(RED_LINE_WIDTH_MM))
            canvas.line(X0, A4_H - red_y, X1, A4_H - red_y)
            canvas.restoreState()

        page.extra.append(draw)
        # Two blank lines (rule 8): the first grid line at least two pitches below the red
        # line, allowing for the line it falls in being partly used.
        pitch = mm(LINE_PITCH_MM)
        band = math.ceil((red_y + 1.7 * pitch - mm(TYPE_TOP_MM)) / pitch)
        return band

    def letter_header(self, page: _Page) -> int:
        """信函格式 (§10.1) on page 1: mark, the two red double lines, the number; returns the
        title's first grid line (two blank lines below the last element above it)."""
        spec = self.spec
        mark_text = spec.authority_mark.strip()
        natural = sum(
            g.width for g in shape_text(mark_text, FontRole.XIAOBIAOSONG, self.fonts, 1.0)
        )
        size = min(LETTER_MARK_SIZE, mm(LETTER_LINE_MM) / natural)
        mark_glyphs = self.glyphs(mark_text, FontRole.XIAOBIAOSONG, size)
        mark_w = natural * size
        mark_top = mm(LETTER_MARK_TOP_MM)
        mark_baseline = A4_H - (mark_top + EM_ASCENT * size)
        mark_x = (A4_W - mark_w) / 2
        line_x0 = (A4_W - mm(LETTER_LINE_MM)) / 2
        line_x1 = line_x0 + mm(LETTER_LINE_MM)
        top_line = mark_top + size + mm(RED_LINE_GAP_MM)  # the thick line's centre
        bottom_line = mm(LETTER_BOTTOM_LINE_MM)  # the thin line's centre
        log = self.log
        below = top_line + mm(LETTER_THICK_MM + LETTER_LINE_GAP_MM + LETTER_THIN_MM)
        number_em_top = below + SIZE_3HAO * 7 / 8

        def double(canvas: Canvas, y: float, first: float, second: float) -> None:
            canvas.setLineWidth(mm(first))
            canvas.line(line_x0, A4_H - y, line_x1, A4_H - y)
            y2 = y + mm(first / 2 + LETTER_LINE_GAP_MM + second / 2)
            canvas.setLineWidth(mm(second))
            canvas.line(line_x0, A4_H - y2, line_x1, A4_H - y2)

        def draw(canvas: Canvas) -> None:
            draw_glyph_line(canvas, mark_glyphs, mark_x, mark_baseline, size, 0.0, RED, log=log)
            canvas.saveState()
            canvas.setStrokeColor(RED)
            double(canvas, top_line, LETTER_THICK_MM, LETTER_THIN_MM)
            double(canvas, bottom_line, LETTER_THIN_MM, LETTER_THICK_MM)
            canvas.restoreState()
            if spec.number:
                num = self.glyphs(spec.number, FontRole.FANGSONG)
                draw_glyph_line(
                    canvas,
                    num,
                    X1 - natural_width(num, 0.0),
                    A4_H - (number_em_top + EM_ASCENT * SIZE_3HAO),
                    SIZE_3HAO,
                    0.0,
                    black,
                    log=log,
                )

        page.extra.append(draw)
        page.numbered = False  # §10.1: the first page of a letter shows no page number
        last = number_em_top + SIZE_3HAO if spec.number else below
        pitch = mm(LINE_PITCH_MM)
        return math.ceil((last + 1.7 * pitch - mm(TYPE_TOP_MM)) / pitch)

    # title (rule 8) -------------------------------------------------------------------
    def title_rows(self, title: str, keep: bool = True) -> list[_Row]:
        rows = []
        for line in title_lines(title, self.fonts, SIZE_2HAO, WIDTH):
            w = natural_width(line, 0.0)
            rows.append(
                self.text_row(
                    line, X0 + (WIDTH - w) / 2, SIZE_2HAO, 0.0, kind="fixed", keep_with_next=keep
                )
            )
        return rows

    def main_recipient_rows(self) -> list[_Row]:
        value = self.spec.main_recipients
        text = value if isinstance(value, str) else "，".join(v.strip() for v in value if v.strip())
        text = text.strip().rstrip("：:，,。；;、")
        if not text:
            return []
        text += "："
        return self.paragraph_rows([Span(text, FontRole.FANGSONG)], indent_chars=0)

    # closing (rules 10-12) ------------------------------------------------------------
    def attachment_note_rows(self) -> list[_Row]:
        """Rule 10: "附件：1.××" one blank line below the body, two characters in; further
        attachments' numbers under "1.", wrapped names under the first character of the name."""
        atts = self.spec.attachments
        if not atts:
            return []
        rows: list[_Row] = [_Row(None, blank=True, keep_with_next=True, pull_prev=1, kind="carry")]
        label = self.glyphs("附件：", FontRole.FANGSONG)
        label_x = X0 + 2 * BODY_CHAR_PITCH
        num_x = label_x + natural_width(label, BODY_CHAR_SPACE) + BODY_CHAR_SPACE
        for i, att in enumerate(atts, 1):
            name = att.title.strip().replace("\n", "").rstrip("。，；：.,;:、 ")
            pre = self.glyphs(f"{i}." if len(atts) > 1 else "", FontRole.FANGSONG)
            text_x = num_x + (natural_width(pre, BODY_CHAR_SPACE) + BODY_CHAR_SPACE if pre else 0)
            lines = break_lines(
                self.glyphs(name, FontRole.FANGSONG), X1 - text_x, X1 - text_x, BODY_CHAR_SPACE
            )
            for j, line in enumerate(lines):
                head = ((label if i == 1 else []) + pre) if j == 0 else []
                head_x = label_x if i == 1 else num_x
                rows.append(self._note_row(head, head_x, line, text_x, j < len(lines) - 1))
        rows[-1].keep_with_next = False
        return rows

    def _note_row(
        self, head: list[Glyph], head_x: float, line: list[Glyph], text_x: float, justify: bool
    ) -> _Row:
        space = BODY_CHAR_SPACE
        if justify:
            space = justified_space(line, X1 - text_x, BODY_CHAR_SPACE, SIZE_3HAO)
        log = self.log

        def draw(canvas: Canvas, band: int) -> None:
            base = _baseline(band, SIZE_3HAO)
            if head:
                draw_glyph_line(canvas, head, head_x, base, SIZE_3HAO, BODY_CHAR_SPACE, log=log)
            draw_glyph_line(canvas, line, text_x, base, SIZE_3HAO, space, log=log)

        return _Row(draw, keep_with_next=True, kind="carry")

    def signature_rows(self) -> list[_Row]:
        spec = self.spec
        rows: list[_Row] = []
        if not spec.signature and spec.date is None:
            return rows
        issuer = self.glyphs(spec.signature.strip(), FontRole.FANGSONG)
        date = self.glyphs(format_cn_date(spec.date), FontRole.FANGSONG) if spec.date else []
        w_i = natural_width(issuer, BODY_CHAR_SPACE)
        w_d = natural_width(date, BODY_CHAR_SPACE)
        two = 2 * BODY_CHAR_PITCH
        if spec.with_seal:
            # Date ends four characters from the right; issuer centred over it (rule 11). An
            # issuer much longer than the date would run past the type area centred: it then
            # ends at the type area's right edge instead (GB/T 9704 7.3.5.1: nothing leaves
            # the type area), and the seal presses the middle of the two lines together.
            date_x = X1 - 4 * BODY_CHAR_PITCH - w_d
            centre = date_x + w_d / 2 if date else X1 - 4 * BODY_CHAR_PITCH - w_i / 2
            issuer_x = min(centre - w_i / 2, X1 - w_i)
            if date:
                left, right = min(issuer_x, date_x), max(issuer_x + w_i, date_x + w_d)
                centre = (left + right) / 2
            rows.append(_Row(None, blank=True, keep_with_next=True, pull_prev=2))
            rows.append(_Row(None, blank=True, keep_with_next=True))
        else:
            # Issuer two characters from the right, date starting two characters further
            # right than the issuer; a long date pushes the issuer right (rule 11).
            issuer_x = X1 - two - w_i
            date_x = issuer_x + two
            if date and date_x + w_d > X1 - two + 0.01:
                date_x = X1 - two - w_d
                issuer_x = date_x - two
            centre = date_x + w_d / 2
            rows.append(_Row(None, blank=True, keep_with_next=True, pull_prev=2))
        if issuer:
            rows.append(self.text_row(issuer, issuer_x, keep_with_next=True, kind="fixed"))
            if spec.with_seal:
                self.seal_row = rows[-1]
                self.seal_centre_x = centre
        if date:
            rows.append(self.text_row(date, date_x, keep_with_next=True, kind="fixed"))
        if spec.notes.strip():
            note = spec.notes.strip()
            if not (note.startswith(("（", "(")) and note.endswith(("）", ")"))):
                note = f"（{note}）"
            note_rows = self.paragraph_rows([Span(note, FontRole.FANGSONG)], keep=True)
            for r in note_rows:
                r.kind = "fixed"
            rows += note_rows
        rows[-1].keep_with_next = False
        return rows

    # attachments (rule 13) ------------------------------------------------------------
    def attachment_rows(self, flow: _Flow, index: int, att: Attachment) -> None:
        many = len(self.spec.attachments) > 1
        label = self.glyphs(f"附件{index}" if many else "附件", FontRole.HEITI)
        flow.add(self.text_row(label, X0, char_space=0.0, page_break_before=True, kind="fixed"))
        # Title on line 3: keep line 2 even though blank lines at a page top are dropped.
        flow.add(_Row(None, kind="fixed"))
        for row in self.title_rows(att.title, keep=False):
            flow.add(row)
        flow.add(_Row(None, blank=True))
        items = list(att.content)
        i = 0
        while i < len(items):
            item = items[i]
            if isinstance(item, AttachmentImage):
                j = i
                while j < len(items) and isinstance(items[j], AttachmentImage):
                    j += 1
                photos = [it for it in items[i:j] if isinstance(it, AttachmentImage)]
                self.photo_rows(flow, photos, att.photos_per_page)
                i = j
                continue
            for para in _paragraphs([item]):
                for row in self.body_paragraph(para):
                    flow.add(row)
            i += 1

    def body_paragraph(self, para: str) -> list[_Row]:
        if not para.strip():
            return [_Row(None, blank=True)]
        spans = heading_spans(para.strip())
        heading_only = len(spans) == 1 and spans[0].role is not FontRole.FANGSONG
        return self.paragraph_rows(spans, keep=heading_only)

    def photo_rows(self, flow: _Flow, photos: list[AttachmentImage], per_page: int) -> None:
        cols = 2 if per_page == 4 else 1
        rows_per_page = max(1, per_page // cols)
        full_slot = LINES_PER_PAGE // rows_per_page
        gap = mm(6.0)
        col_w = (WIDTH - gap * (cols - 1)) / cols
        groups = [photos[k : k + cols] for k in range(0, len(photos), cols)]
        infos = {id(p): photo_info(p.path) for p in photos}
        slot = full_slot
        for n, group in enumerate(groups):
            caption_lines = [
                break_lines(
                    self.glyphs(p.caption.strip(), FontRole.FANGSONG, SIZE_4HAO), col_w, col_w
                )
                if p.caption.strip()
                else []
                for p in group
            ]
            cap_n = min(3, max((len(c) for c in caption_lines), default=0))
            remaining = flow.remaining()
            if n == 0 and remaining < full_slot * rows_per_page:
                # Under the attachment's title: shrink the photos a little rather than
                # leave most of the page empty.
                shrunk = remaining // rows_per_page
                if shrunk >= math.ceil(full_slot * 0.75):
                    slot = shrunk
            if remaining < slot:
                slot = full_slot  # the row goes to a fresh page
            flow.add(self._photo_row(group, infos, caption_lines, cap_n, slot, col_w, gap))

    def _photo_row(
        self,
        group: list[AttachmentImage],
        infos: dict[int, PhotoInfo],
        caption_lines: list[list[list[Glyph]]],
        cap_n: int,
        slot: int,
        col_w: float,
        gap: float,
    ) -> _Row:
        pitch = mm(LINE_PITCH_MM)
        pad = mm(2.0)
        box_h = (slot - cap_n) * pitch - 2 * pad
        placements: list[tuple[Path, float, float, float, float]] = []
        for k, photo in enumerate(group):
            info = infos[id(photo)]
            scale = min(col_w / info.width, box_h / info.height)
            w, h = info.width * scale, info.height * scale
            assert self._tmp is not None
            self._photo_count += 1
            out = self._tmp / f"photo{self._photo_count:04d}.jpg"
            self.photos.append((info, w, h, out))
            x = X0 + k * (col_w + gap) + (col_w - w) / 2
            placements.append((out, x, w, h, box_h))
        log = self.log

        def draw(canvas: Canvas, band: int) -> None:
            top = mm(band_top_mm(band)) + pad
            for out, x, w, h, bh in placements:
                y_top = top + (bh - h) / 2
                canvas.drawImage(str(out), x, A4_H - y_top - h, w, h)
            for k, lines in enumerate(caption_lines):
                col_x = X0 + k * (col_w + gap)
                for n, line in enumerate(lines[:cap_n]):
                    lw = natural_width(line, 0.0)
                    draw_glyph_line(
                        canvas,
                        line,
                        col_x + (col_w - lw) / 2,
                        _baseline(band + slot - cap_n + n, SIZE_4HAO),
                        SIZE_4HAO,
                        0.0,
                        log=log,
                    )

        return _Row(draw, lines=slot, kind="fixed")

    # colophon (rule 14) ---------------------------------------------------------------
    def colophon(self) -> tuple[int, Callable[[Canvas], None]] | None:
        spec = self.spec
        copy = [c.strip().rstrip("，,、。；;") for c in spec.copy_to if c.strip()]
        has_print = bool(spec.printing_office.strip() or spec.print_date)
        if not copy and not has_print:
            return None
        size = SIZE_4HAO
        one = size  # one 4号 character
        blocks: list[list[tuple[list[Glyph], float]]] = []
        if copy:
            label = self.glyphs("抄送：", FontRole.FANGSONG, size)
            text_x = X0 + one + natural_width(label, 0.0)
            body = self.glyphs("，".join(copy) + "。", FontRole.FANGSONG, size)
            lines = break_lines(body, X1 - one - text_x, X1 - one - text_x)
            block = [(label + lines[0], X0 + one)] + [(ln, text_x) for ln in lines[1:]]
            blocks.append(block)
        if has_print:
            office = self.glyphs(spec.printing_office.strip(), FontRole.FANGSONG, size)
            date_txt = f"{format_cn_date(spec.print_date)}印发" if spec.print_date else ""
            date = self.glyphs(date_txt, FontRole.FANGSONG, size)
            blocks.append([(office, X0 + one), (date, X1 - one - natural_width(date, 0.0))])
        n_lines = sum(len(b) for b in blocks) - (1 if has_print else 0)
        log = self.log

        def draw(canvas: Canvas) -> None:
            first_band = LINES_PER_PAGE - n_lines
            band = first_band
            canvas.saveState()
            canvas.setStrokeColor(black)
            ys: list[float] = []
            for b_i, block in enumerate(blocks):
                ys.append(mm(band_top_mm(band)))
                is_print = has_print and b_i == len(blocks) - 1
                for i, (line, x) in enumerate(block):
                    line_band = band if is_print else band + i
                    draw_glyph_line(canvas, line, x, _baseline(line_band, size), size, log=log)
                band += 1 if is_print else len(block)
            ys.append(mm(band_top_mm(band)))
            for i, y in enumerate(ys):
                thick = i in (0, len(ys) - 1)
                canvas.setLineWidth(mm(COLOPHON_THICK_MM if thick else COLOPHON_THIN_MM))
                canvas.line(X0, A4_H - y, X1, A4_H - y)
            canvas.restoreState()

        return n_lines, draw


def _paragraphs(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.extend(item.replace("\r\n", "\n").split("\n"))
    return out


# --- title breaking (rule 8) ------------------------------------------------------------

_GOOD_AFTER = ("关于", "印发", "转发", "、", "，", "：", "》")
_GOOD_BEFORE = (
    "的通知",
    "的通报",
    "的决定",
    "的意见",
    "的批复",
    "的函",
    "的报告",
    "的请示",
    "的答复",
    "的复函",
    "的实施方案",
    "的工作方案",
    "《",
)
_FAIR_BEFORE = ("的", "情况", "工作", "问题", "有关", "等")
# Words that recur in 公文 titles; a title is not broken inside one of them. Not a general
# segmenter (none ships offline with a usable dictionary), so an unknown word may still be cut
# when no better break exists; an explicit newline in the title settles any such case.
_TITLE_WORDS_TEXT = """
        关于 印发 转发 开展 进一步 加强 做好 深入 推进 持续 全面 切实 建立 健全 完善 落实
        机关 效能 建设 作风 纪律 监督 监察 督查 督办 专项 明察暗访 暗访 检查 考核 考评 绩效
        问题 情况 工作 管理 办法 规定 制度 细则 方案 意见 决定 通知 通报 批复 报告 请示 答复
        整改 问责 告诫 批评 表扬 先进 典型 单位 部门 乡镇 街道 县直 窗口 政务 服务 中心 大厅
        群众 企业 投诉 举报 办理 受理 反馈 回访 营商 环境 优化 提升 效率 质量 市场 监管
        领导小组 办公室 委员会 人民政府 季度 年度 上半年 下半年 平台 系统 使用 实施 试行 暂行
        活动 发现 存在 突出 有关 部分 个别 结果 处理 评议 测评 满意度 指数 排名 名单
        """
_TITLE_WORDS = tuple(sorted(_TITLE_WORDS_TEXT.split(), key=len, reverse=True))


_COUNTERS = frozenset("年月日时号版个件人次家名项条期届批份%")


def _inside_word_offsets(text: str) -> set[int]:
    """Offsets strictly inside a known word or a Latin/digit run."""
    inside: set[int] = set()
    for word in _TITLE_WORDS:
        start = text.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    return inside


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def title_lines(title: str, fonts: FontSet, size: float, max_width: float) -> list[list[Glyph]]:
    """Break a title into centred lines: never inside a word or against the 禁则, preferring
    phrase boundaries ("关于…", "…的通报"), shaped as a trapezoid or diamond (rule 8).
    An explicit newline in the title is always honoured."""
    out: list[list[Glyph]] = []
    for part in title.strip().split("\n"):
        glyphs = shape_text(part.strip(), FontRole.XIAOBIAOSONG, fonts, size)
        if glyphs:
            out.extend(_break_title(glyphs, size, max_width))
    return out


def _break_title(glyphs: list[Glyph], size: float, max_width: float) -> list[list[Glyph]]:
    cls = clusters(glyphs)
    total = natural_width(glyphs, 0.0)
    if total <= max_width + 0.01:
        return [glyphs]
    text = "".join(g.ch for g in glyphs)
    # character offset of each cluster boundary
    offsets = []
    pos = 0
    for c in cls[:-1]:
        pos += len(c)
        offsets.append(pos)

    inside_word = _inside_word_offsets(text)

    def penalty(off: int) -> float:
        before, after = text[:off], text[off:]
        # Inside a document's name (《…》) only when nothing outside will do.
        extra = 25.0 if before.count("《") > before.count("》") else 0.0
        if any(before.endswith(s) for s in _GOOD_AFTER):
            return extra
        if any(after.startswith(s) for s in _GOOD_BEFORE):
            return extra
        if off in inside_word or (before[-1:].isdigit() and after[:1] in _COUNTERS):
            return extra + 30.0
        if after[:1] == "（" or _is_latin(before[-1:]) != _is_latin(after[:1]):
            return extra + 4.0  # before a parenthesis, or between scripts
        if any(after.startswith(s) for s in _FAIR_BEFORE):
            return extra + 5.0
        return extra + 12.0

    widths = [natural_width(c, 0.0) for c in cls]
    best: tuple[float, list[int]] | None = None
    min_lines = max(2, math.ceil(total / max_width))
    for n in (min_lines, min_lines + 1):
        for cuts in _combinations(len(cls), n):
            bounds = [0, *cuts, len(cls)]
            lws = [sum(widths[a:b]) for a, b in itertools.pairwise(bounds)]
            if max(lws) > max_width + 0.01:
                continue
            cost = sum(penalty(offsets[c - 1]) for c in cuts)
            cost += _shape_cost(lws, size) + (n - min_lines) * 15.0
            if best is None or cost < best[0]:
                best = (cost, cuts)
        if best is not None and n == min_lines and best[0] < 15:
            break
    if best is None:
        return break_lines(glyphs, max_width, max_width)
    bounds = [0, *best[1], len(cls)]
    return [[g for c in cls[a:b] for g in c] for a, b in itertools.pairwise(bounds)]


def _combinations(n_clusters: int, n_lines: int) -> list[list[int]]:
    from itertools import combinations

    if n_lines - 1 > 3 or n_clusters > 80:
        return []
    return [list(c) for c in combinations(range(1, n_clusters), n_lines - 1)]


def _shape_cost(widths: list[float], size: float) -> float:
    """Trapezoid (lengths monotonic) or diamond (longest inside) are good; a rectangle
    (equal lengths), an hourglass (a short middle) and a stub last line are not."""
    chars = [w / size for w in widths]
    cost = 0.0
    if min(chars) < 3:
        cost += 30.0
    for a, b in itertools.pairwise(chars):
        if abs(a - b) < 0.9:
            cost += 10.0  # rectangle
    if len(chars) >= 3:
        for i in range(1, len(chars) - 1):
            if chars[i] < chars[i - 1] and chars[i] < chars[i + 1]:
                cost += 25.0  # hourglass
    # Balance: prefer lines of similar length within the shape (no 18 + 2).
    cost += (max(chars) - min(chars)) * 1.5
    return cost


# --- rendering --------------------------------------------------------------------------


def render_official_document(
    spec: OfficialDocumentSpec, out: Path | BinaryIO, fonts: FontSet | None = None
) -> RenderInfo:
    """Lay out and write ``spec`` as a PDF to ``out`` (a path or a binary file object).

    Raises ``ValidationErrors`` for a spec that breaks the rules (bad document number...).
    """
    spec.validate()
    fonts = fonts or default_fontset()
    with tempfile.TemporaryDirectory(prefix="effdesk-pdf-") as tmp:
        builder = _Builder(spec, fonts)
        builder._tmp = Path(tmp)
        pages = _layout(builder)
        _prepare_photos(builder)
        canvas = a4_canvas(out, fonts, spec.title)
        canvas.setAuthor(spec.signature or spec.authority_mark)
        numbered: list[int] = []
        seal = _find_seal(builder, pages) if spec.with_seal else None
        for number, page in enumerate(pages, 1):
            for draw in page.extra:
                draw(canvas)
            if spec.seal_marker and seal is not None and seal.page == number:
                _draw_seal_marker(canvas, seal)
            for band, row in page.rows:
                if row.draw is not None:
                    row.draw(canvas, band)
            if page.numbered and page.has_content:
                _draw_page_number(canvas, builder, number)
                numbered.append(number)
            canvas.showPage()
        canvas.save()
    return RenderInfo(
        pages=len(pages),
        fonts=fonts.describe(),
        fonts_used=list(builder.log.used_fonts),
        fallback_chars=dict(builder.log.fallback),
        missing_chars=set(builder.log.missing),
        numbered_pages=numbered,
        seal=seal,
        font_notes=list(fonts.notes),
    )


def _layout(b: _Builder) -> list[_Page]:
    spec = b.spec
    first_band = 0
    flow = _Flow(0)
    if spec.letter_format:
        first_band = b.letter_header(flow.page)
        flow.page.start = first_band
    elif spec.red_header:
        first_band = b.red_header(flow.page)
        flow.page.start = first_band
    elif spec.number:
        num = b.glyphs(spec.number, FontRole.FANGSONG)
        flow.add(
            b.text_row(
                num, X1 - BODY_CHAR_PITCH - natural_width(num, 0.0), char_space=0.0, kind="fixed"
            )
        )
        flow.add(_Row(None, kind="fixed"))
    for row in b.title_rows(spec.title):
        flow.add(row)
    recipients = b.main_recipient_rows()
    flow.add(_Row(None, blank=True, keep_with_next=bool(recipients), kind="fixed"))
    for row in recipients:
        row.kind = "fixed"
        flow.add(row)
    for para in _paragraphs(spec.body):
        for row in b.body_paragraph(para):
            flow.add(row)
    for row in b.attachment_note_rows():
        flow.add(row)
    for row in b.signature_rows():
        flow.add(row)
    flow.flush()
    for i, att in enumerate(spec.attachments, 1):
        b.attachment_rows(flow, i, att)
        flow.flush()
    pages = flow.pages
    colophon = b.colophon()
    if colophon is not None:
        n_lines, draw = colophon
        last = pages[-1]
        fits = last.cursor + 1 + n_lines <= LINES_PER_PAGE
        if spec.colophon_on_even_page:
            if len(pages) % 2 == 0 and fits:
                last.extra.append(draw)
            else:
                if len(pages) % 2 == 0:
                    # Even page full: a blank page, then the colophon on the next even page;
                    # neither is numbered (GB/T 9704 §7.5).
                    pages.append(_Page(numbered=False))
                    pages.append(_Page(numbered=False))
                else:
                    pages.append(_Page())
                pages[-1].extra.append(draw)
        elif fits:
            last.extra.append(draw)
        else:
            pages.append(_Page())
            pages[-1].extra.append(draw)
    return pages


def _prepare_photos(b: _Builder) -> None:
    """Decode and downscale every photo in parallel (Pillow releases the GIL)."""
    if not b.photos:
        return
    dpi = b.spec.image_dpi
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(prepare_photo, info, w, h, dpi, out) for info, w, h, out in b.photos]
        for fut in futures:
            fut.result()


def _draw_page_number(canvas: Canvas, b: _Builder, number: int) -> None:
    """Rule 15: "— N —" in 4号 宋体, odd pages right / even pages left, one character in."""
    size = SIZE_4HAO
    glyphs = b.glyphs(f"— {number} —", FontRole.SONG, size)
    w = natural_width(glyphs, 0.0)
    x = X1 - size - w if number % 2 == 1 else X0 + size
    # The em dash sits at the middle of the em box; put that middle 7 mm below the type area.
    em_top = mm(PAGE_NUMBER_DASH_MM) - size / 2
    draw_glyph_line(canvas, glyphs, x, A4_H - (em_top + EM_ASCENT * size), size, log=b.log)


def _draw_seal_marker(canvas: Canvas, seal: SealPlacement) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(0.6)
    canvas.setDash(4, 3)
    canvas.circle(
        mm(seal.center_x_mm), A4_H - mm(seal.center_y_mm), mm(seal.diameter_mm / 2), stroke=1
    )
    canvas.restoreState()


def _find_seal(b: _Builder, pages: list[_Page]) -> SealPlacement | None:
    row = b.seal_row
    if row is None:
        return None
    for number, page in enumerate(pages, 1):
        for band, r in page.rows:
            if r is row:
                centre_y = band_top_mm(band)
                centre_x = b.seal_centre_x / mm(1.0)
                return SealPlacement(number, centre_x, centre_y)
    return None
