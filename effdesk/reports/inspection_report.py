"""The inspection report (督查情况报告) of one campaign, as an A4 PDF.

What was planned and checked, then the findings grouped by unit, each with its photos two to a
row (two rows fit a page, so 2–4 photos a page) captioned with unit, place, capture time and
description. Photos are downscaled for print (~150 dpi at their printed size): the evidence
store's preview of that size (made at ingest, rebuildable) is embedded as is, so a report
decodes no original; the originals are only read. Fonts come from :mod:`effdesk.reports.fonts` (embedded subsets; a
character missing from one font is drawn in another), pages are numbered "第 n 页 共 N 页".
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Image as RLImage
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.enums import EvidenceFlag, MediaKind, TargetStatus
from effdesk.evidence.media import REPORT_PHOTO_PX
from effdesk.evidence.store import EvidenceStore
from effdesk.reports.fonts import FallbackLog, FontRole, FontSet, default_fontset
from effdesk.services.inspections import CampaignReport, ReportEvidence, ReportFinding, report_data

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
PHOTO_GAP = 6 * mm
PHOTO_BOX_W = (CONTENT_W - PHOTO_GAP) / 2
PHOTO_BOX_H = 62 * mm
PHOTO_DPI = 150
CAPTION_DESC_CHARS = 48
_FLAG_LABELS = {f.value: f.label for f in EvidenceFlag}
_CN_NUMBERS = "一二三四五六七八九十"

Progress = Callable[[int, int, str], None]

# Binary image streams: valid PDF, and ASCII85 (ReportLab's default) makes every photo a
# quarter larger and costs a pure-Python encoding pass per photo. The documents renderer sets
# the same (effdesk/reports/_pdfutil.py); the setting is process-wide in ReportLab.
rl_config.useA85 = 0


@dataclass
class ReportInfo:
    pages: int
    findings: int
    photos: int
    size: int
    seconds: float
    fonts: list[str]
    fallback_chars: set[str] = field(default_factory=set)
    missing_chars: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)

    def summary(self, path: Path) -> str:
        text = (
            f"已生成督查情况报告：{path}（{self.pages}页，问题 {self.findings} 条，照片 {self.photos} 张，"
            f"{self.size / 1024 / 1024:.1f} MB，用时{self.seconds:.1f}秒）"
        )
        if self.unreadable:
            text += f"\n以下证据无法读取，报告中以文字代替：{'、'.join(self.unreadable)}"
        return text


def cn_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (section numbers up to 99)."""
    if n <= 10:
        return _CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_NUMBERS[tens - 1]
    return head + "十" + (_CN_NUMBERS[ones - 1] if ones else "")


# --------------------------------------------------------------------------- photos


@dataclass(frozen=True)
class PreparedPhoto:
    jpeg: bytes
    width_pt: float
    height_pt: float


# Longest side of a photo's print derivative: the photo box's width at PHOTO_DPI. Ingest
# makes this derivative already; photos stored before that get it on first use.
PRINT_PX = REPORT_PHOTO_PX


def prepare_photo(store: EvidenceStore, sha256: str) -> PreparedPhoto | str:
    """The photo downscaled for its print box, or why it cannot be shown.

    The derivative of size ``PRINT_PX`` is made at ingest; for photos stored before that (or
    after the cache was cleared) the evidence store makes it from the original on first use
    (JPEG draft decoding, EXIF orientation applied). Originals are only read.
    """
    if not store.thumb_path(sha256, PRINT_PX).is_file() and not store.exists(sha256):
        return "文件缺失"
    try:
        cached = store.thumbnail(sha256, PRINT_PX)
    except (OSError, ValueError) as exc:
        return f"无法读取（{exc}）"
    if cached is None:
        return "无法读取（不是有效的图片）"
    data = cached.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
    scale = min(PHOTO_BOX_W / w, PHOTO_BOX_H / h)
    return PreparedPhoto(data, w * scale, h * scale)


# --------------------------------------------------------------------------- text


class MixedText:
    """Paragraph markup with each character in a font that has it (see FontSet.split_runs)."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self.log = FallbackLog()
        self._styles: dict[tuple[FontRole, float, str], ParagraphStyle] = {}

    @property
    def cell_font(self) -> tuple[str, tuple[int, int], tuple[int, int], str]:
        """A table style command: ReportLab tables set a font per cell (Helvetica unless told),
        even for cells holding flowables; every font in the PDF must be an embedded one."""
        return ("FONTNAME", (0, 0), (-1, -1), self.fonts.face(FontRole.FANGSONG).load().fontName)

    def markup(self, text: str, role: FontRole) -> str:
        runs = self.fonts.split_runs(text, role)
        self.log.record(runs)
        parts = []
        for run in runs:
            run.face.load()
            body = escape(run.text).replace("\n", "<br/>")
            parts.append(f'<font face="{run.face.name}">{body}</font>')
        return "".join(parts)

    def style(self, role: FontRole, size: float, align: str = "left") -> ParagraphStyle:
        key = (role, size, align)
        if key not in self._styles:
            face = self.fonts.face(role)
            face.load()
            self._styles[key] = ParagraphStyle(
                f"s{len(self._styles)}",
                fontName=face.name,
                fontSize=size,
                leading=size * 1.45,
                wordWrap="CJK",
                alignment=TA_CENTER if align == "center" else 0,
            )
        return self._styles[key]

    def para(self, text: str, role: FontRole, size: float, align: str = "left") -> Paragraph:
        return Paragraph(self.markup(text, role), self.style(role, size, align))

    def labelled(self, label: str, value: str, size: float = 11) -> Paragraph:
        """ "标签：内容" with the label in 黑体 and the value in 仿宋."""
        body = self.markup(f"{label}：", FontRole.HEITI) + self.markup(value, FontRole.FANGSONG)
        return Paragraph(body, self.style(FontRole.FANGSONG, size))

    def draw(
        self,
        canvas: Canvas,
        x: float,
        y: float,
        text: str,
        role: FontRole,
        size: float,
        align: str = "left",
    ) -> None:
        runs = self.fonts.split_runs(text, role)
        width = sum(r.face.string_width(r.text, size) for r in runs)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        for run in runs:
            run.face.load()
            canvas.setFont(run.face.name, size)
            canvas.drawString(x, y, run.text)
            x += run.face.string_width(run.text, size)


# --------------------------------------------------------------------------- layout


def _caption(unit: str, f: ReportFinding, ev: ReportEvidence, n: int) -> str:
    taken = f"{ev.captured_at:%Y-%m-%d %H:%M}" if ev.captured_at else "无拍摄时间"
    if EvidenceFlag.FUTURE_CAPTURE_TIME.value in ev.flags:
        taken = "不可信（照片记录的时间晚于导入时间）"
    desc = f.row.description
    if len(desc) > CAPTION_DESC_CHARS:
        desc = desc[: CAPTION_DESC_CHARS - 1] + "…"
    if ev.caption and ev.caption not in desc:
        desc += f"\n{ev.caption[:CAPTION_DESC_CHARS]}"
    place = f"·{f.row.place}" if f.row.place else ""
    flags = [_FLAG_LABELS[c] for c in ev.flags if c in _FLAG_LABELS]
    doubt = f"【疑点：{'、'.join(flags)}】" if flags else ""
    return f"图{n}　{unit}{place}\n拍摄时间：{taken}\n{desc}{doubt}"


def _photo_cell(t: MixedText, photo: PreparedPhoto | str, caption: str) -> list[Flowable]:
    if isinstance(photo, PreparedPhoto):
        img = RLImage(io.BytesIO(photo.jpeg), width=photo.width_pt, height=photo.height_pt)
        box: Flowable = Table(
            [[img]],
            colWidths=[PHOTO_BOX_W],
            rowHeights=[PHOTO_BOX_H],
            style=TableStyle(
                [
                    t.cell_font,
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        )
    else:
        box = Table(
            [[t.para(f"照片{photo}，无法显示", FontRole.FANGSONG, 10, "center")]],
            colWidths=[PHOTO_BOX_W],
            rowHeights=[PHOTO_BOX_H],
            style=TableStyle(
                [
                    t.cell_font,
                    ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            ),
        )
    return [box, Spacer(1, 1.5 * mm), t.para(caption, FontRole.FANGSONG, 8.5)]


def _photo_rows(
    t: MixedText,
    unit: str,
    f: ReportFinding,
    photos: dict[str, PreparedPhoto | str],
    counter: list[int],
) -> list[Flowable]:
    cells = []
    for ev in f.evidence:
        if ev.media_kind is not MediaKind.PHOTO:
            continue
        counter[0] += 1
        cells.append(_photo_cell(t, photos[ev.sha256], _caption(unit, f, ev, counter[0])))
    rows = []
    for i in range(0, len(cells), 2):
        pair = cells[i : i + 2]
        if len(pair) == 1:
            pair.append([])
        row = Table(
            [pair],
            colWidths=[PHOTO_BOX_W + PHOTO_GAP / 2] * 2,
            style=TableStyle(
                [
                    t.cell_font,
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), PHOTO_GAP / 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
                ]
            ),
        )
        rows.append(row)
    return rows


def _grid(t: MixedText, data: list[list[Any]], widths: list[float], header_rows: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                t.cell_font,
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _finding_lines(t: MixedText, f: ReportFinding, n: int) -> list[Flowable]:
    r = f.row
    head = f"{n}. {r.observed_at:%Y-%m-%d %H:%M}" + (f"，{r.place}" if r.place else "")
    lines: list[Flowable] = [Spacer(1, 2 * mm), t.para(head, FontRole.HEITI, 11.5)]
    lines.append(t.labelled("问题描述", r.description))
    if r.category_name:
        lines.append(t.labelled("问题类别", r.category_name))
    if r.persons_text:
        lines.append(t.labelled("涉及人员", r.persons_text))
    lines.append(t.labelled("核实情况", r.status.label))
    extra = []
    if r.proposed_measure is not None:
        extra.append(f"拟{r.proposed_measure.label}")
    if r.rectification_required:
        extra.append("需整改")
    if extra:
        lines.append(t.labelled("处理建议", "，".join(extra)))
    others = [
        f"{e.media_kind.label}「{e.original_name}」"
        + (f"（拍摄：{e.captured_at:%Y-%m-%d %H:%M}）" if e.captured_at else "")
        for e in f.evidence
        if e.media_kind is not MediaKind.PHOTO
    ]
    if others:
        lines.append(t.labelled("其他证据", "；".join(others)))
    return lines


def build_story(
    data: CampaignReport, photos: dict[str, PreparedPhoto | str], t: MixedText, office: str
) -> list[Flowable]:
    c = data.campaign
    story: list[Flowable] = [
        t.para(c.name, FontRole.HEITI, 20, "center"),
        Spacer(1, 2 * mm),
        t.para("督查情况报告", FontRole.HEITI, 18, "center"),
        Spacer(1, 4 * mm),
        t.para(f"{office}　{data.generated_at:%Y年%m月%d日}", FontRole.FANGSONG, 12, "center"),
        Spacer(1, 6 * mm),
    ]
    units_with = len(data.units)
    visited = sum(1 for x in c.targets if x.status is not TargetStatus.PENDING)
    team = "、".join(m.display_name for m in c.members) or "—"
    facts = [
        ("督查方式", c.kind.label),
        ("督查主题", c.theme or "—"),
        ("督查时间", c.dates_text),
        ("督查组", f"{team}（组长：{c.leader_name}）" if c.leader_name else team),
        ("检查对象", f"{len(c.targets)} 个单位，已检查 {visited} 个"),
        (
            "发现问题",
            f"{data.finding_count} 条，涉及 {units_with} 个单位；证据 {data.evidence_count} 件",
        ),
    ]
    for label, value in facts:
        story.append(t.labelled(label, value, 12))
    if c.description.strip():
        story.append(t.labelled("工作要求", c.description.strip(), 12))
    story += [
        Spacer(1, 5 * mm),
        t.para("一、检查对象及检查情况", FontRole.HEITI, 14),
        Spacer(1, 2 * mm),
    ]
    rows: list[list[Any]] = [
        [
            t.para(h, FontRole.HEITI, 10, "center")
            for h in ("序号", "被检查单位", "检查情况", "检查时间", "问题数")
        ]
    ]
    for i, target in enumerate(c.targets, start=1):
        when = f"{target.visited_at:%m-%d %H:%M}" if target.visited_at else "—"
        rows.append(
            [
                t.para(str(i), FontRole.FANGSONG, 10, "center"),
                t.para(target.unit_name, FontRole.FANGSONG, 10),
                t.para(target.status.label, FontRole.FANGSONG, 10),
                t.para(when, FontRole.FANGSONG, 10, "center"),
                t.para(str(target.finding_count), FontRole.FANGSONG, 10, "center"),
            ]
        )
    widths = [12 * mm, 62 * mm, 42 * mm, 30 * mm, CONTENT_W - 146 * mm]
    story += [_grid(t, rows, widths), Spacer(1, 6 * mm)]
    section = t.para("二、发现的问题", FontRole.HEITI, 14)
    if not data.units:
        story += [section, t.para("本次督查未发现问题。", FontRole.FANGSONG, 12)]
    counter = [0]
    n = 0
    for ui, unit in enumerate(data.units, start=1):
        heading: list[Flowable] = [
            *([section] if ui == 1 else []),
            Spacer(1, 3 * mm),
            t.para(
                f"（{cn_ordinal(ui)}）{unit.unit_name}（{len(unit.findings)}个问题）",
                FontRole.HEITI,
                13,
            ),
        ]
        for f in unit.findings:
            n += 1
            lines = heading + _finding_lines(t, f, n)
            heading = []
            rows = _photo_rows(t, unit.unit_name, f, photos, counter)
            # The finding's text never ends a page without its first photos.
            story.append(KeepTogether(lines + rows[:1]))
            story += rows[1:]
    return story


def _numbered_canvas(t: MixedText, header: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Draws "第 n 页 共 N 页" once the page count is known (pages are kept until save)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                page = self.getPageNumber()
                self.setFillColor(colors.grey)
                t.draw(self, MARGIN_X, PAGE_H - 12 * mm, header, FontRole.FANGSONG, 8.5)
                self.setStrokeColor(colors.lightgrey)
                self.line(MARGIN_X, PAGE_H - 13.5 * mm, PAGE_W - MARGIN_X, PAGE_H - 13.5 * mm)
                self.setFillColor(colors.black)
                t.draw(
                    self,
                    PAGE_W / 2,
                    11 * mm,
                    f"第 {page} 页　共 {total} 页",
                    FontRole.FANGSONG,
                    9,
                    "center",
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def build_pdf(
    data: CampaignReport,
    store: EvidenceStore,
    *,
    fonts: FontSet | None = None,
    office: str = "",
    progress: Progress | None = None,
) -> tuple[bytes, ReportInfo]:
    """Lay out ``data`` and return the PDF bytes with facts about it."""
    started = time.perf_counter()
    fonts = fonts or default_fontset()
    shas = [
        e.sha256
        for u in data.units
        for f in u.findings
        for e in f.evidence
        if e.media_kind is MediaKind.PHOTO
    ]
    unique = list(dict.fromkeys(shas))
    photos: dict[str, PreparedPhoto | str] = {}
    workers = max(1, min(4, os.cpu_count() or 1))
    # Photo decoding releases the GIL; parsing the fonts does not. Doing both at once puts
    # the cores to work while the main thread reads the font files.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report-photo") as pool:
        futures = [pool.submit(prepare_photo, store, sha) for sha in unique]
        t = MixedText(fonts)
        for role in (FontRole.HEITI, FontRole.FANGSONG):
            fonts.face(role).load()
        for i, (sha, fut) in enumerate(zip(unique, futures, strict=True)):
            photos[sha] = fut.result()
            if progress:
                progress(i + 1, len(unique), "处理照片")
    story = build_story(data, photos, t, office)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{data.campaign.name} 督查情况报告",
        author=office,
        creator="EffDesk",
        # Not Helvetica: every font named in the PDF is one that is embedded.
        initialFontName=fonts.face(FontRole.FANGSONG).load().fontName,
    )
    doc.build(story, canvasmaker=_numbered_canvas(t, f"{data.campaign.name}　督查情况报告"))
    pdf = buf.getvalue()
    unreadable = sorted(
        {
            e.original_name
            for u in data.units
            for f in u.findings
            for e in f.evidence
            if isinstance(photos.get(e.sha256), str)
        }
    )
    info = ReportInfo(
        pages=doc.page,
        findings=data.finding_count,
        photos=len(shas),
        size=len(pdf),
        seconds=time.perf_counter() - started,
        fonts=fonts.describe(),
        fallback_chars=set(t.log.fallback),
        missing_chars=set(t.log.missing),
        unreadable=unreadable,
    )
    return pdf, info


def render_inspection_report(
    session: Session,
    actor: Actor,
    store: EvidenceStore,
    campaign_id: int,
    out: Path,
    *,
    fonts: FontSet | None = None,
    include_dismissed: bool = False,
    progress: Progress | None = None,
) -> ReportInfo:
    """Write the campaign's inspection report to ``out`` (atomically)."""
    data = report_data(session, actor, campaign_id, include_dismissed=include_dismissed)
    office = settings.get(session, settings.OFFICE_NAME)
    pdf, info = build_pdf(data, store, fonts=fonts, office=office, progress=progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(pdf)
    os.replace(tmp, out)
    return info
