"""A4 tabular forms (登记表, 呈批单, 交办单, 催办/督办通知书...) drawn with ReportLab.

A form is a title, optionally a subtitle and a header line (编号 / 日期), then blocks in order:
paragraphs, a table of label/value cells, a signature, a line of signing fields, a cut line
for a tear-off receipt. The table grows rows to fit wrapped Chinese text and splits a row too
tall for the page. All text goes through ``FontSet.split_runs``: no character prints as a box.

The type area and page numbers follow GB/T 9704 (x 28-184 mm, y 37-262 mm, "— N —" at 269 mm)
so forms and official documents of one office look alike.

Example::

    spec = FormSpec(
        title="××县机关效能投诉受理登记表",
        header_left="编号：X效投〔2026〕15号",
        header_right="受理日期：2026年3月5日",
        columns=(1, 2, 1, 2),
        rows=[
            field_row(("投诉人", "张三"), ("联系电话", "138…")),
            text_row("投诉内容", long_text, min_height_mm=40),
            instruction_row("领导批示", "", height_mm=60),
        ],
        after=[FormFields(("受理人：李四", "审核人："))],
    )
    render_form(spec, Path("out.pdf"))
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from effdesk.chinese_dates import cn_date
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.reports._pdfutil import (
    A4_H,
    EM_ASCENT,
    Glyph,
    a4_canvas,
    break_lines,
    draw_glyph_line,
    justified_space,
    mm,
    natural_width,
    shape_text,
)
from effdesk.reports.fonts import FallbackLog, FontRole, FontSet, default_fontset

LEFT_MM = 28.0
TOP_MM = 37.0
WIDTH_MM = 156.0
BOTTOM_MM = 262.0
PAGE_NUMBER_MIDDLE_MM = BOTTOM_MM + 7.0

TITLE_SIZE = 22.0  # 2号
TEXT_SIZE = 16.0  # 3号: paragraphs
CELL_SIZE = 14.0  # 4号: table cells, header line
SMALL_SIZE = 12.0  # 小4号: footnotes
MIN_LABEL_SIZE = 10.5  # 5号
MIN_FLEX_SCALE = 0.6
LINE_FACTOR = 1.5  # line height ÷ font size inside cells
PARA_LINE_MM = 225.0 / 22  # paragraphs on the 公文 line pitch
CELL_PAD_MM = 1.8
OUTER_RULE_MM = 0.5
INNER_RULE_MM = 0.25

X0 = mm(LEFT_MM)
X1 = mm(LEFT_MM + WIDTH_MM)
WIDTH = mm(WIDTH_MM)


class CellKind(StrEnum):
    LABEL = "label"  # 黑体, centred: "投诉人", "领导批示"
    VALUE = "value"  # 仿宋, left, wraps


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Cell:
    """One table cell spanning ``span`` columns.

    ``footer`` is printed at the cell's bottom right (e.g. "签名：　　　　年　　月　　日" under
    a leader's instruction); ``top`` puts the text at the top instead of the middle.
    """

    text: str = ""
    span: int = 1
    kind: CellKind = CellKind.VALUE
    align: Align | None = None  # default: centre for labels, left for values
    top: bool = False
    footer: str = ""
    size: float = CELL_SIZE


@dataclass(frozen=True)
class FormRow:
    """A table row at least ``min_height_mm`` tall. A ``flexible`` row (a box left for
    handwriting) gives up to 40 % of that height when that keeps the form on one page."""

    cells: Sequence[Cell]
    min_height_mm: float = 10.0
    flexible: bool = False


def label(text: str, span: int = 1) -> Cell:
    return Cell(text, span, CellKind.LABEL)


def value(text: str, span: int = 1, align: Align | None = None) -> Cell:
    return Cell(text, span, CellKind.VALUE, align)


def field_row(*pairs: tuple[str, str], min_height_mm: float = 10.0) -> FormRow:
    """Label/value pairs on one row: ``field_row(("投诉人", "张三"), ("电话", "138…"))``."""
    cells: list[Cell] = []
    for name, text in pairs:
        cells += [label(name), value(text)]
    return FormRow(cells, min_height_mm)


def text_row(name: str, text: str, columns: int = 4, min_height_mm: float = 10.0) -> FormRow:
    """A label and one wide value filling the rest of a ``columns``-column table."""
    return FormRow([label(name), value(text, span=columns - 1)], min_height_mm)


def instruction_row(
    name: str = "领导批示",
    text: str = "",
    columns: int = 4,
    height_mm: float = 60.0,
    sign_line: str = "签名：　　　　　　　年　　月　　日",
) -> FormRow:
    """A big box for a leader's handwritten instruction, with a signature/date line."""
    return FormRow(
        [label(name), Cell(text, columns - 1, CellKind.VALUE, top=True, footer=sign_line)],
        height_mm,
        flexible=True,
    )


@dataclass(frozen=True)
class FormParagraph:
    """Text outside the table. ``indent`` = two-character first-line indent (body text);
    ``hanging`` wraps further lines under the text after a leading label like "事由："."""

    text: str
    indent: bool = True
    align: Align = Align.LEFT
    role: FontRole = FontRole.FANGSONG
    size: float = TEXT_SIZE
    hanging: bool = False


@dataclass(frozen=True)
class FormSignature:
    """Issuer and date at the right (as GB/T 9704 rule 11 without a seal)."""

    issuer: str
    date: dt.date | None = None
    blank_lines_before: int = 1


@dataclass(frozen=True)
class FormFields:
    """Signing fields spread across one line: ("填表人：张三", "审核人：", "日期：")."""

    items: Sequence[str]
    size: float = CELL_SIZE


@dataclass(frozen=True)
class FormSpace:
    height_mm: float = 5.0


@dataclass(frozen=True)
class FormCutLine:
    """A dashed line across the page for a tear-off receipt (回执)."""

    text: str = "（沿此线剪开）"


@dataclass(frozen=True)
class FormTable:
    rows: Sequence[FormRow]
    columns: Sequence[float] = (1.0, 2.0, 1.0, 2.0)


FormBlock = FormParagraph | FormTable | FormSignature | FormFields | FormSpace | FormCutLine


@dataclass
class FormSpec:
    """A form: title, header line, then ``before`` blocks, the table of ``rows``, ``after``."""

    title: str
    rows: Sequence[FormRow] = ()
    columns: Sequence[float] = (1.0, 2.0, 1.0, 2.0)  # relative column widths
    subtitle: str = ""  # centred under the title, e.g. "（2026年第3期）"
    header_left: str = ""  # above the table at the left, e.g. "编号：X效投〔2026〕15号"
    header_right: str = ""  # at the right, e.g. "受理日期：2026年3月5日"
    before: Sequence[FormBlock] = ()
    after: Sequence[FormBlock] = ()
    footer: str = ""  # small print under everything, e.g. "注：本单一式两份。"
    page_numbers: bool | None = None  # None: only when the form runs to several pages
    title_role: FontRole = FontRole.XIAOBIAOSONG

    def problems(self) -> list[FieldProblem]:
        out: list[FieldProblem] = []
        if not self.title.strip():
            out.append(FieldProblem("title", "表单标题不能为空。"))
        tables = [FormTable(self.rows, self.columns)] if self.rows else []
        tables += [b for b in (*self.before, *self.after) if isinstance(b, FormTable)]
        for table in tables:
            if not table.columns or any(w <= 0 for w in table.columns):
                out.append(FieldProblem("columns", "表格列宽须为正数。"))
                continue
            for n, row in enumerate(table.rows, 1):
                spans = sum(c.span for c in row.cells)
                if spans != len(table.columns) or any(c.span < 1 for c in row.cells):
                    out.append(
                        FieldProblem(
                            "rows",
                            f"表格第{n}行占{spans}列，与表格的{len(table.columns)}列不符。",
                        )
                    )
        return out

    def validate(self) -> None:
        problems = self.problems()
        if problems:
            raise ValidationErrors(problems)


@dataclass
class FormRenderInfo:
    pages: int
    fonts: list[str]
    fonts_used: list[str]
    fallback_chars: dict[str, str]
    missing_chars: set[str]


# --- layout -------------------------------------------------------------------------------


@dataclass
class _CellLayout:
    cell: Cell
    x: float
    width: float
    lines: list[list[Glyph]]
    footer: list[Glyph] = field(default_factory=list)
    size: float = CELL_SIZE
    ends: set[int] = field(default_factory=set)  # id() of lines ending a paragraph

    @property
    def line_height(self) -> float:
        return self.size * LINE_FACTOR

    def derive(self, lines: list[list[Glyph]], footer: list[Glyph] | None = None) -> _CellLayout:
        return _CellLayout(self.cell, self.x, self.width, lines, footer or [], self.size, self.ends)


class _FormRenderer:
    def __init__(
        self,
        spec: FormSpec,
        fonts: FontSet,
        canvas: Canvas,
        numbering: bool,
        flex_scale: float = 1.0,
        unbounded: bool = False,
    ) -> None:
        self.spec = spec
        self.numbering = numbering
        self.flex_scale = flex_scale
        self.unbounded = unbounded  # measuring: one endless page
        self.fonts = fonts
        self.canvas = canvas
        self.log = FallbackLog()
        self.y = mm(TOP_MM)  # from the page top, in points
        self.page = 1
        self.page_started = False
        self._table_bottom: float | None = None

    # primitives
    def glyphs(self, text: str, role: FontRole, size: float) -> list[Glyph]:
        return shape_text(text, role, self.fonts, size)

    def draw(
        self, glyphs: Sequence[Glyph], x: float, top: float, size: float, space: float = 0.0
    ) -> None:
        """Draw a line whose em box starts ``top`` points below the page top."""
        baseline = A4_H - (top + EM_ASCENT * size)
        draw_glyph_line(self.canvas, glyphs, x, baseline, size, space, black, log=self.log)
        self.page_started = True

    def room(self) -> float:
        return 1e9 if self.unbounded else mm(BOTTOM_MM) - self.y

    def finish_page(self) -> None:
        if self.numbering:
            _page_number(self.canvas, self.fonts, self.log, self.page)
        self.canvas.showPage()

    def new_page(self) -> None:
        self.finish_page()
        self.page += 1
        self.y = mm(TOP_MM)
        self.page_started = False

    def ensure(self, height: float) -> None:
        if height > self.room() + 0.01 and self.y > mm(TOP_MM) + 0.01:
            self.new_page()

    # blocks
    def title(self) -> None:
        spec = self.spec
        from effdesk.reports.gbt9704 import title_lines  # shared title breaking

        pitch = mm(PARA_LINE_MM)
        for line in title_lines(spec.title, self.fonts, TITLE_SIZE, WIDTH):
            w = natural_width(line, 0.0)
            self.draw(line, X0 + (WIDTH - w) / 2, self.y + (pitch - TITLE_SIZE) / 2, TITLE_SIZE)
            self.y += pitch
        if spec.subtitle.strip():
            sub = self.glyphs(spec.subtitle.strip(), FontRole.FANGSONG, TEXT_SIZE)
            for line in break_lines(sub, WIDTH, WIDTH):
                w = natural_width(line, 0.0)
                self.draw(line, X0 + (WIDTH - w) / 2, self.y + (pitch - TEXT_SIZE) / 2, TEXT_SIZE)
                self.y += pitch
        self.y += mm(3)
        if spec.header_left.strip() or spec.header_right.strip():
            left = self.glyphs(spec.header_left.strip(), FontRole.FANGSONG, CELL_SIZE)
            right = self.glyphs(spec.header_right.strip(), FontRole.FANGSONG, CELL_SIZE)
            height = CELL_SIZE * LINE_FACTOR
            top = self.y + (height - CELL_SIZE) / 2
            self.draw(left, X0, top, CELL_SIZE)
            self.draw(right, X1 - natural_width(right, 0.0), top, CELL_SIZE)
            self.y += height + mm(1)

    def paragraph(self, block: FormParagraph) -> None:
        size = block.size
        pitch = mm(PARA_LINE_MM) if size >= TEXT_SIZE else size * 1.75
        glyphs = self.glyphs(block.text.strip(), block.role, size)
        if not glyphs:
            self.y += pitch
            return
        one = size  # one full-width character
        first_x = X0 + (2 * one if block.indent and block.align is Align.LEFT else 0.0)
        rest_x = X0
        if block.hanging:
            colon = next((i for i, g in enumerate(glyphs) if g.ch in "：:"), -1)
            if colon >= 0:
                rest_x = first_x + natural_width(glyphs[: colon + 1], 0.0)
        lines = break_lines(glyphs, X1 - first_x, X1 - rest_x)
        for i, line in enumerate(lines):
            self.ensure(pitch)
            x = first_x if i == 0 else rest_x
            space = 0.0
            w = natural_width(line, 0.0)
            if block.align is Align.CENTER:
                x = X0 + (WIDTH - w) / 2
            elif block.align is Align.RIGHT:
                x = X1 - w
            elif i < len(lines) - 1:
                space = justified_space(line, X1 - x, 0.0, size)
            self.draw(line, x, self.y + (pitch - size) / 2, size, space)
            self.y += pitch

    def signature(self, block: FormSignature) -> None:
        pitch = mm(PARA_LINE_MM)
        size = TEXT_SIZE
        issuer = self.glyphs(block.issuer.strip(), FontRole.FANGSONG, size)
        date = self.glyphs(cn_date(block.date), FontRole.FANGSONG, size) if block.date else []
        two = 2 * size
        w_i, w_d = natural_width(issuer, 0.0), natural_width(date, 0.0)
        issuer_x = X1 - two - w_i
        date_x = issuer_x + two
        if date and date_x + w_d > X1 - two:
            date_x = X1 - two - w_d
            issuer_x = date_x - two
        lines = [(issuer, issuer_x)] + ([(date, date_x)] if date else [])
        self.ensure(pitch * (len(lines) + block.blank_lines_before))
        self.y += pitch * block.blank_lines_before
        for glyphs, x in lines:
            self.draw(glyphs, x, self.y + (pitch - size) / 2, size)
            self.y += pitch

    def fields(self, block: FormFields) -> None:
        size = block.size
        height = size * 2.2
        self.ensure(height)
        items = [self.glyphs(t, FontRole.FANGSONG, size) for t in block.items if t is not None]
        if items:
            slot = WIDTH / len(items)
            for i, glyphs in enumerate(items):
                # Left-aligned in equal slots, but never past the right edge.
                x = min(X0 + i * slot, X1 - natural_width(glyphs, 0.0))
                self.draw(glyphs, x, self.y + (height - size) / 2, size)
        self.y += height

    def cut_line(self, block: FormCutLine) -> None:
        height = mm(12)
        self.ensure(height)
        mid = self.y + height / 2
        text = self.glyphs(block.text, FontRole.FANGSONG, SMALL_SIZE)
        w = natural_width(text, 0.0)
        c = self.canvas
        c.saveState()
        c.setDash(4, 3)
        c.setLineWidth(0.6)
        gap = mm(2)
        c.line(X0, A4_H - mid, X0 + (WIDTH - w) / 2 - gap, A4_H - mid)
        c.line(X0 + (WIDTH + w) / 2 + gap, A4_H - mid, X1, A4_H - mid)
        c.restoreState()
        self.draw(text, X0 + (WIDTH - w) / 2, mid - SMALL_SIZE / 2, SMALL_SIZE)
        self.y += height

    # the table
    def table(self, table: FormTable) -> None:
        total = sum(table.columns)
        col_x = [X0]
        for w in table.columns:
            col_x.append(col_x[-1] + WIDTH * w / total)
        self.y += mm(1)
        first_on_page = True
        full_page = mm(BOTTOM_MM - TOP_MM)
        for row in table.rows:
            pending: list[_CellLayout] | None = self._layout_row(row, col_x)
            min_h = row.min_height_mm * (self.flex_scale if row.flexible else 1.0)
            while pending is not None:
                height = self._row_height(pending, min_h)
                if height <= self.room() + 0.01:
                    self._draw_row(pending, height, first_on_page)
                    first_on_page = False
                    break
                if height <= full_page and not first_on_page:
                    # The whole row fits on a fresh page: move it rather than cut it.
                    self._close_table_page()
                    self.new_page()
                    first_on_page = True
                    continue
                part, rest = self._split(pending, self.room())
                if part is None:
                    if first_on_page and self.y <= mm(TOP_MM) + 0.01:
                        part, rest = pending, None  # cannot happen with sane sizes; draw anyway
                    else:
                        self._close_table_page()
                        self.new_page()
                        first_on_page = True
                        continue
                self._draw_row(part, max(self.room(), self._row_height(part, 0)), first_on_page)
                self._close_table_page()
                if rest is None:
                    break
                self.new_page()
                first_on_page = True
                pending, min_h = rest, 0.0
        self._close_table_page()
        self.y += mm(2)

    def _layout_row(self, row: FormRow, col_x: list[float]) -> list[_CellLayout]:
        out: list[_CellLayout] = []
        col = 0
        pad = mm(CELL_PAD_MM)
        for cell in row.cells:
            x, x_end = col_x[col], col_x[col + cell.span]
            col += cell.span
            role = FontRole.HEITI if cell.kind is CellKind.LABEL else FontRole.FANGSONG
            inner = x_end - x - 2 * pad
            size = cell.size
            if cell.kind is CellKind.LABEL and "\n" not in cell.text:
                # A label shrinks (down to 5号) rather than leave one character on a line.
                width = natural_width(self.glyphs(cell.text.strip(), role, 1.0), 0.0)
                if width * size > inner and width * MIN_LABEL_SIZE <= inner:
                    size = inner / width
            lines: list[list[Glyph]] = []
            ends: set[int] = set()
            for para in cell.text.replace("\r\n", "\n").split("\n"):
                glyphs = self.glyphs(para.strip(), role, size)
                para_lines = break_lines(glyphs, inner, inner) if glyphs else [[]]
                ends.add(id(para_lines[-1]))
                lines += para_lines
            if all(not ln for ln in lines):
                lines = []
            footer = self.glyphs(cell.footer, FontRole.FANGSONG, size) if cell.footer else []
            out.append(_CellLayout(cell, x, x_end - x, lines, footer, size, ends))
        return out

    def _row_height(self, cells: list[_CellLayout], min_height_mm: float) -> float:
        pad = mm(CELL_PAD_MM)
        need = 0.0
        for c in cells:
            h = len(c.lines) * c.line_height + (c.line_height if c.footer else 0.0)
            need = max(need, h + 2 * pad)
        return max(need, mm(min_height_mm))

    def _split(
        self, cells: list[_CellLayout], room: float
    ) -> tuple[list[_CellLayout] | None, list[_CellLayout] | None]:
        """Cut a row too tall for the page after as many text lines as fit in ``room``.
        Labels stay whole in the first part; the continuation shows "（续）"."""
        avail = room - 2 * mm(CELL_PAD_MM)
        if avail < max(c.line_height for c in cells) * 2:
            return None, cells
        part: list[_CellLayout] = []
        rest: list[_CellLayout] = []
        for c in cells:
            if c.cell.kind is CellKind.LABEL:
                part.append(c.derive(c.lines))
                cont = [self.glyphs("（续）", FontRole.HEITI, c.size)] if c.lines else []
                rest.append(c.derive(cont))
                continue
            keep = int(avail // c.line_height)
            if c.footer and keep >= len(c.lines) + 1:
                part.append(c)
                rest.append(c.derive([]))
                continue
            keep = min(keep, len(c.lines))
            part.append(c.derive(c.lines[:keep]))
            rest.append(c.derive(c.lines[keep:], c.footer))
        if not any(r.footer or (r.lines and r.cell.kind is CellKind.VALUE) for r in rest):
            return part, None
        return part, rest

    def _draw_row(self, cells: list[_CellLayout], height: float, first_on_page: bool) -> None:
        pad = mm(CELL_PAD_MM)
        c = self.canvas
        top = self.y
        for cl in cells:
            cell = cl.cell
            align = cell.align or (Align.CENTER if cell.kind is CellKind.LABEL else Align.LEFT)
            text_h = len(cl.lines) * cl.line_height
            if cell.top:
                y = top + pad
            else:
                body_h = height - (cl.line_height if cl.footer else 0.0)
                y = top + max(pad, (body_h - text_h) / 2)
            size = cl.size
            for line in cl.lines:
                w = natural_width(line, 0.0)
                space = 0.0
                if align is Align.CENTER:
                    x = cl.x + (cl.width - w) / 2
                elif align is Align.RIGHT:
                    x = cl.x + cl.width - pad - w
                else:
                    x = cl.x + pad
                    if id(line) not in cl.ends:
                        space = justified_space(line, cl.width - 2 * pad, 0.0, size)
                self.draw(line, x, y + (cl.line_height - size) / 2, size, space)
                y += cl.line_height
            if cl.footer:
                w = natural_width(cl.footer, 0.0)
                fy = top + height - pad - cl.line_height + (cl.line_height - size) / 2
                self.draw(cl.footer, cl.x + cl.width - pad - w, fy, size)
        # rules: the row's top (outer weight on a page's first row), verticals, bottom
        c.saveState()
        c.setStrokeColor(black)
        c.setLineWidth(mm(OUTER_RULE_MM if first_on_page else INNER_RULE_MM))
        c.line(X0, A4_H - top, X1, A4_H - top)
        c.setLineWidth(mm(INNER_RULE_MM))
        for cl in cells[1:]:
            c.line(cl.x, A4_H - top, cl.x, A4_H - top - height)
        c.setLineWidth(mm(OUTER_RULE_MM))
        c.line(X0, A4_H - top, X0, A4_H - top - height)
        c.line(X1, A4_H - top, X1, A4_H - top - height)
        c.restoreState()
        self.y += height
        self._table_bottom = self.y
        self.page_started = True

    def _close_table_page(self) -> None:
        bottom = self._table_bottom
        if bottom is None:
            return
        c = self.canvas
        c.saveState()
        c.setLineWidth(mm(OUTER_RULE_MM))
        c.line(X0, A4_H - bottom, X1, A4_H - bottom)
        c.restoreState()
        self._table_bottom = None

    def block(self, block: FormBlock) -> None:
        if isinstance(block, FormParagraph):
            self.paragraph(block)
        elif isinstance(block, FormTable):
            self.table(block)
        elif isinstance(block, FormSignature):
            self.signature(block)
        elif isinstance(block, FormFields):
            self.fields(block)
        elif isinstance(block, FormSpace):
            self.y += mm(block.height_mm)
        else:
            self.cut_line(block)

    def footer(self) -> None:
        if not self.spec.footer.strip():
            return
        glyphs = self.glyphs(self.spec.footer.strip(), FontRole.FANGSONG, SMALL_SIZE)
        pitch = SMALL_SIZE * 1.6
        for line in break_lines(glyphs, WIDTH, WIDTH):
            self.ensure(pitch)
            self.draw(line, X0, self.y + (pitch - SMALL_SIZE) / 2, SMALL_SIZE)
            self.y += pitch


def _page_number(canvas: Canvas, fonts: FontSet, log: FallbackLog, number: int) -> None:
    size = 14.0
    glyphs = shape_text(f"— {number} —", FontRole.SONG, fonts, size)
    w = natural_width(glyphs, 0.0)
    x = X1 - size - w if number % 2 == 1 else X0 + size
    top = mm(PAGE_NUMBER_MIDDLE_MM) - size / 2
    draw_glyph_line(canvas, glyphs, x, A4_H - (top + EM_ASCENT * size), size, log=log)


def render_form(
    spec: FormSpec, out: Path | BinaryIO, fonts: FontSet | None = None
) -> FormRenderInfo:
    """Write ``spec`` as an A4 PDF to ``out`` (a path or a binary file object).

    Raises ``ValidationErrors`` for a malformed spec (a row whose spans miss the columns...).
    """
    spec.validate()
    fonts = fonts or default_fontset()
    scale = _flex_scale(spec, fonts)
    numbering = spec.page_numbers
    if numbering is None:
        # Number only a form that runs to several pages: lay it out once to count them.
        numbering = _render(spec, io.BytesIO(), fonts, False, scale)[0].pages > 1
    return _render(spec, out, fonts, numbering, scale)[0]


def _flex_scale(spec: FormSpec, fonts: FontSet) -> float:
    """How much flexible rows shrink so that a form just over one page fits on one."""
    tables = [FormTable(spec.rows, spec.columns)]
    tables += [b for b in (*spec.before, *spec.after) if isinstance(b, FormTable)]
    flexible = sum(mm(r.min_height_mm) for t in tables for r in t.rows if r.flexible)
    if not flexible:
        return 1.0
    _info, used = _render(spec, io.BytesIO(), fonts, False, 1.0, unbounded=True)
    over = used - mm(BOTTOM_MM - TOP_MM)
    if over <= 0 or over > flexible * (1 - MIN_FLEX_SCALE):
        return 1.0
    return 1.0 - (over + mm(1)) / flexible


def _render(
    spec: FormSpec,
    out: Path | BinaryIO,
    fonts: FontSet,
    numbering: bool,
    flex_scale: float,
    unbounded: bool = False,
) -> tuple[FormRenderInfo, float]:
    canvas = a4_canvas(out, fonts, spec.title)
    r = _FormRenderer(spec, fonts, canvas, numbering, flex_scale, unbounded)
    r.title()
    for block in spec.before:
        r.block(block)
    if spec.rows:
        r.table(FormTable(spec.rows, spec.columns))
    for block in spec.after:
        r.block(block)
    r.footer()
    used = r.y - mm(TOP_MM)
    r.finish_page()
    canvas.save()
    info = FormRenderInfo(
        pages=r.page,
        fonts=fonts.describe(),
        fonts_used=list(r.log.used_fonts),
        fallback_chars=dict(r.log.fallback),
        missing_chars=set(r.log.missing),
    )
    return info, used
