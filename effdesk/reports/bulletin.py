"""The monthly bulletin (简报) as a PDF: masthead, text, figures, vector charts, ranking, cases.

The charts are ReportLab graphics (``reportlab.graphics``): bars, pies and their labels are
PDF paths and text, not pictures, so they print sharp at any size and need no plotting library
at start-up. The ranking marks the bottom three of each category in red with "扣分预警".

Layout follows the county 简报 habit: a red masthead (刊名, 期号, 编印单位 and date over a red
rule), the title, the opening text, then 一、主要数据 二、投诉分布 三、作风监测指数排名
四、典型案例, and the distribution lines (报送/印发) at the end.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.colors import CMYKColor
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable
from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM, Actor
from effdesk.chinese_dates import cn_date
from effdesk.db.models import Document
from effdesk.enums import AssessmentCategory
from effdesk.reports.fonts import FontRole, FontSet, default_fontset
from effdesk.reports.gbt9704 import RenderInfo
from effdesk.reports.inspection_report import MixedText
from effdesk.services.assessment import KIND_LABELS, ScoreRow
from effdesk.services.bulletin import BulletinData, bulletin_data, pct

PAGE_W, PAGE_H = A4
MARGIN_L = 26 * mm
MARGIN_R = 24 * mm
CONTENT_W = PAGE_W - MARGIN_L - MARGIN_R
RED = CMYKColor(0, 0.8, 0.8, 0)
WARN_RED = colors.HexColor("#c00000")
MASTHEAD = "效能建设工作简报"
BAR_COLOURS = (
    colors.HexColor("#2f5597"),
    colors.HexColor("#c55a11"),
    colors.HexColor("#548235"),
    colors.HexColor("#7f6000"),
    colors.HexColor("#7030a0"),
    colors.HexColor("#00708a"),
    colors.HexColor("#a5a5a5"),
    colors.HexColor("#bf9000"),
    colors.HexColor("#833c0b"),
)
CHART_TITLES = ("图1　投诉件按问题类别", "图2　投诉件较多的单位", "图3　投诉件按来源渠道")


@dataclass(frozen=True)
class BulletinMeta:
    """What comes from the document (or its preview): number, title, text, distribution."""

    title: str
    body: Sequence[str]
    number: str = ""  # X效简〔2026〕7号; empty for a draft
    serial: int | None = None
    doc_date: date | None = None
    issuer: str = ""
    copy_to: str = ""
    printing_office: str = ""


# --------------------------------------------------------------------------- pieces


def _short(name: str, n: int = 8) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _title(drawing: Drawing, text: str, font: str) -> None:
    drawing.add(
        String(
            drawing.width / 2,
            drawing.height - 12,
            text,
            fontName=font,
            fontSize=11,
            textAnchor="middle",
        )
    )


def _integer_axis(axis: Any, values: Sequence[int]) -> None:
    """Counts are whole numbers: ticks at whole steps, about five of them."""
    top = max([*values, 1])
    step = max(1, -(-top // 5))
    axis.valueMin = 0
    axis.valueStep = step
    axis.valueMax = step * -(-top // step) + (step if top % step == 0 else 0)


def category_chart(pairs: Sequence[tuple[str, int]], font: str) -> Drawing:
    d = Drawing(CONTENT_W, 74 * mm)
    _title(d, CHART_TITLES[0], font)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 22 * mm
    chart.width, chart.height = CONTENT_W - 20 * mm, 40 * mm
    chart.data = [[n for _, n in pairs] or [0]]
    chart.categoryAxis.categoryNames = [_short(name) for name, _ in pairs] or ["无"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.dy = -2
    _integer_axis(chart.valueAxis, [n for _, n in pairs])
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#d9d9d9")
    chart.bars[0].fillColor = BAR_COLOURS[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    d.add(chart)
    return d


def unit_chart(pairs: Sequence[tuple[str, int]], font: str) -> Drawing:
    rows = max(1, len(pairs))
    d = Drawing(CONTENT_W, (26 + 7 * rows) * mm)
    _title(d, CHART_TITLES[1], font)
    chart = HorizontalBarChart()
    chart.x, chart.y = 46 * mm, 6 * mm
    chart.width, chart.height = CONTENT_W - 60 * mm, 7 * rows * mm
    # Most cases at the top: the category axis runs bottom-up.
    ordered = list(reversed(pairs)) or [("无", 0)]
    chart.data = [[n for _, n in ordered]]
    chart.categoryAxis.categoryNames = [_short(name, 14) for name, _ in ordered]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    _integer_axis(chart.valueAxis, [n for _, n in pairs])
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#d9d9d9")
    chart.bars[0].fillColor = BAR_COLOURS[1]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    d.add(chart)
    return d


def channel_chart(pairs: Sequence[tuple[str, int]], font: str) -> Drawing:
    d = Drawing(CONTENT_W, 72 * mm)
    _title(d, CHART_TITLES[2], font)
    pie = Pie()
    pie.width = pie.height = 46 * mm
    pie.x, pie.y = CONTENT_W / 2 - 23 * mm, 10 * mm
    total = sum(n for _, n in pairs)
    pie.data = [n for _, n in pairs] or [1]
    pie.labels = [f"{name} {n}件（{n / total:.0%}）" if total else name for name, n in pairs] or [
        "无投诉"
    ]
    pie.sideLabels = True
    pie.simpleLabels = False
    pie.slices.fontName = font
    pie.slices.fontSize = 8
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.5
    for i in range(len(pie.data)):
        pie.slices[i].fillColor = BAR_COLOURS[i % len(BAR_COLOURS)]
    d.add(pie)
    return d


def _deduction_summary(row: ScoreRow) -> str:
    totals: dict[str, Any] = {}
    for d in row.details:
        totals[d.kind] = totals.get(d.kind, 0) + d.points
    parts = [f"{KIND_LABELS.get(k, k)}{v.normalize():f}分" for k, v in totals.items() if v > 0]
    return "、".join(parts) or "—"


class _Story:
    def __init__(self, data: BulletinData, meta: BulletinMeta, t: MixedText) -> None:
        self.data, self.meta, self.t = data, meta, t
        self.font = t.fonts.face(FontRole.FANGSONG).load().fontName

    def heading(self, text: str) -> Paragraph:
        return self.t.para(text, FontRole.HEITI, 15)

    def styled(self, text: str, role: FontRole, size: float, **style: Any) -> Paragraph:
        """A paragraph with its own style (the text helper's styles are shared and cached)."""
        base = self.t.style(role, size)
        return Paragraph(
            self.t.markup(text, role),
            ParagraphStyle(f"{base.name}-{len(style)}-{id(text)}", parent=base, **style),
        )

    def text(self, text: str, size: float = 14) -> Paragraph:
        return self.styled(
            text, FontRole.FANGSONG, size, firstLineIndent=2 * size, leading=size * 1.6
        )

    def masthead(self) -> list[Flowable]:
        t, m = self.t, self.meta
        mast = self.styled(
            MASTHEAD, FontRole.XIAOBIAOSONG, 34, alignment=TA_CENTER, textColor=RED, leading=44
        )
        issue = f"第{m.serial}期" if m.serial else "（草稿，期号待定）"
        when = m.doc_date or date.today()
        line = Table(
            [
                [
                    t.para(f"{self.data.office_short}编", FontRole.FANGSONG, 12),
                    self.styled(
                        cn_date(when),
                        FontRole.FANGSONG,
                        12,
                        alignment=TA_RIGHT,
                    ),
                ]
            ],
            colWidths=[CONTENT_W / 2] * 2,
            style=TableStyle(
                [
                    self.t.cell_font,
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        )
        out: list[Flowable] = [
            Spacer(1, 4 * mm),
            mast,
            Spacer(1, 3 * mm),
            t.para(issue, FontRole.FANGSONG, 14, "center"),
        ]
        if m.number:
            out.append(t.para(m.number, FontRole.FANGSONG, 11, "center"))
        out += [
            Spacer(1, 3 * mm),
            line,
            HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=1, spaceAfter=8 * mm),
        ]
        return out

    def figures(self) -> Table:
        f = self.data.figures
        cells = [
            ("受理投诉", f"{f.received}件", "办结", f"{f.concluded}件"),
            ("办结率", pct(f.conclusion_rate), "按期办结率", pct(f.on_time_rate)),
            ("超期件", f"{f.overdue}件", "属实（含部分属实）", f"{f.substantiated}件"),
            ("属实率", pct(f.substantiated_rate), "反馈率", pct(f.feedback_rate)),
            ("满意率", pct(f.satisfaction_rate), "督查发现问题", f"{f.findings}个"),
            ("效能问责", f"{f.measures_persons}人次", "问责单位", f"{f.measures_units}个"),
        ]
        t = self.t
        rows = [
            [
                t.para(a, FontRole.HEITI, 11),
                t.para(b, FontRole.FANGSONG, 12, "center"),
                t.para(c, FontRole.HEITI, 11),
                t.para(d, FontRole.FANGSONG, 12, "center"),
            ]
            for a, b, c, d in cells
        ]
        w = CONTENT_W
        table = Table(rows, colWidths=[w * 0.27, w * 0.23, w * 0.27, w * 0.23])
        table.setStyle(
            TableStyle(
                [
                    t.cell_font,
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                    ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f2f2f2")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def ranking(self) -> list[Flowable]:
        t, r = self.t, self.data.ranking
        out: list[Flowable] = []
        state = "" if r.final else f"（{r.state_label}，以定稿结果为准）"
        out.append(
            self.text(
                f"按作风监测指数扣分规则，各考评单位本月得分及在本类中的排名如下{state}；"
                "每类排名后三位且有扣分的单位标注“扣分预警”（红色）。",
                12,
            )
        )
        for cat, rows in r.by_category().items():
            if not rows:
                continue
            out.append(Spacer(1, 3 * mm))
            out.append(t.para(f"{_cat_heading(cat)}（{len(rows)}个单位）", FontRole.KAITI, 13))
            out.append(Spacer(1, 1.5 * mm))
            out.append(self.ranking_table(rows))
        return out

    def ranking_table(self, rows: Sequence[ScoreRow]) -> Table:
        t = self.t
        head = [
            t.para(h, FontRole.HEITI, 10, "center")
            for h in ("名次", "单位", "得分", "扣分", "扣分事项", "预警")
        ]
        data: list[list[Any]] = [head]
        style: list[Any] = [
            t.cell_font,
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]

        def cell(
            text: str, flagged: bool, align: str = "left", role: FontRole = FontRole.FANGSONG
        ) -> Paragraph:
            markup = t.markup(text, role)
            if flagged:
                markup = f'<font color="#c00000">{markup}</font>'
            return Paragraph(markup, t.style(role, 9.5, align))

        for i, row in enumerate(rows, start=1):
            red = row.flagged

            data.append(
                [
                    cell(str(row.rank), red, "center"),
                    cell(row.unit_name, red),
                    cell(f"{row.score:.2f}", red, "center"),
                    cell(f"{row.deduction:.2f}", red, "center"),
                    cell(_deduction_summary(row), red),
                    cell("扣分预警" if red else "", red, "center", FontRole.HEITI),
                ]
            )
            if row.flagged:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde9e7")))
        w = CONTENT_W
        table = Table(
            data,
            colWidths=[w * 0.08, w * 0.30, w * 0.10, w * 0.09, w * 0.30, w * 0.13],
            repeatRows=1,
        )
        table.setStyle(TableStyle(style))
        return table

    def typical(self) -> list[Flowable]:
        out: list[Flowable] = []
        if not self.data.typical:
            return [self.text("本月无办结属实的投诉件。", 12)]
        for i, case in enumerate(self.data.typical, start=1):
            head = f"（{_cn(i)}）{case.unit_name}{case.category_name}问题。"
            p = self.t.para(head, FontRole.KAITI, 14)
            out.append(KeepTogether([p, self.text(case.text)]))
            out.append(Spacer(1, 2 * mm))
        return out

    def colophon(self) -> list[Flowable]:
        t, m = self.t, self.meta
        when = m.doc_date or date.today()
        lines: list[Flowable] = [
            Spacer(1, 8 * mm),
            HRFlowable(width="100%", thickness=1.0, color=colors.black, spaceAfter=2 * mm),
        ]
        if m.copy_to:
            lines.append(t.para(f"报送：{m.copy_to}", FontRole.FANGSONG, 12))
        lines.append(t.para("发：各乡镇人民政府，县直各部门。", FontRole.FANGSONG, 12))
        lines.append(
            HRFlowable(
                width="100%",
                thickness=0.6,
                color=colors.black,
                spaceBefore=2 * mm,
                spaceAfter=2 * mm,
            )
        )
        office = m.printing_office or self.data.office_name
        lines.append(t.para(f"{office}　　{cn_date(when)}印发", FontRole.FANGSONG, 12))
        lines.append(
            HRFlowable(width="100%", thickness=1.0, color=colors.black, spaceBefore=2 * mm)
        )
        return [KeepTogether(lines)]

    def build(self) -> list[Flowable]:
        t, d = self.t, self.data
        story: list[Flowable] = self.masthead()
        story.append(t.para(self.meta.title, FontRole.XIAOBIAOSONG, 20, "center"))
        story.append(Spacer(1, 6 * mm))
        story += [self.text(p) for p in self.meta.body]
        story.append(
            KeepTogether(
                [Spacer(1, 4 * mm), self.heading("一、主要数据"), Spacer(1, 2 * mm), self.figures()]
            )
        )
        story += [
            CondPageBreak(120 * mm),
            Spacer(1, 5 * mm),
            self.heading("二、投诉分布"),
            Spacer(1, 2 * mm),
            category_chart(d.by_category, self.font),
            unit_chart(d.by_unit, self.font),
            channel_chart(d.by_channel, self.font),
        ]
        story += [Spacer(1, 4 * mm), self.heading("三、作风监测指数排名"), Spacer(1, 2 * mm)]
        story += self.ranking()
        story += [Spacer(1, 5 * mm), self.heading("四、典型案例"), Spacer(1, 2 * mm)]
        story += self.typical()
        story += self.colophon()
        return story


def _cat_heading(cat: AssessmentCategory) -> str:
    return {"first": "（一）", "second": "（二）", "third": "（三）"}[cat.value] + cat.label


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _canvas(t: MixedText) -> type[Canvas]:
    class PageNumbers(Canvas):  # type: ignore[misc]
        """— n — centred under the text of every page."""

        def showPage(self) -> None:
            t.draw(
                self,
                PAGE_W / 2,
                14 * mm,
                f"— {self.getPageNumber()} —",
                FontRole.FANGSONG,
                11,
                "center",
            )
            super().showPage()

    return PageNumbers


def build_bulletin_pdf(
    data: BulletinData, meta: BulletinMeta, *, fonts: FontSet | None = None
) -> tuple[bytes, RenderInfo]:
    """Lay out the bulletin; returns the PDF and facts about it (pages, fonts)."""
    fonts = fonts or default_fontset()
    t = MixedText(fonts)
    for role in (FontRole.FANGSONG, FontRole.HEITI, FontRole.KAITI, FontRole.XIAOBIAOSONG):
        fonts.face(role).load()
    story = _Story(data, meta, t).build()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_L,
        rightMargin=MARGIN_R,
        topMargin=22 * mm,
        bottomMargin=24 * mm,
        title=meta.title,
        author=data.office_name,
        creator="EffDesk",
        initialFontName=fonts.face(FontRole.FANGSONG).load().fontName,
    )
    doc.build(story, canvasmaker=_canvas(t))
    info = RenderInfo(
        pages=doc.page,
        fonts=fonts.describe(),
        fonts_used=list(t.log.used_fonts),
        fallback_chars=dict(t.log.fallback),
        missing_chars=set(t.log.missing),
        numbered_pages=list(range(1, doc.page + 1)),
    )
    return buf.getvalue(), info


def render_bulletin_document(
    session: Session,
    doc: Document,
    period: str,
    *,
    actor: Actor = SYSTEM,
    fonts: FontSet | None = None,
    today: date | None = None,
) -> tuple[bytes, RenderInfo]:
    """The PDF of a 简报 document of the register reporting on ``period``."""
    data = bulletin_data(session, actor, period, today=today)
    meta = BulletinMeta(
        title=doc.title,
        body=[p for p in (doc.body or "").split("\n") if p.strip()],
        number=doc.number or "",
        serial=doc.serial,
        doc_date=doc.doc_date or today,
        issuer=doc.issuer,
        copy_to=doc.copy_to,
        printing_office=doc.printing_office,
    )
    return build_bulletin_pdf(data, meta, fonts=fonts)
