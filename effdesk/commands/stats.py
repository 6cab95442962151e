"""``effdesk stats --from DATE --to DATE [--as-of DATE] [--by …] [--json]``: the figures of a
period (see effdesk/services/statistics for what each one counts).

With ``--json`` one JSON object (same data → same bytes on SQLite and PostgreSQL); without it
a table in Chinese, columns aligned for the double width of Chinese characters.
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from effdesk.auth import SYSTEM
from effdesk.commands.common import optional_date

if TYPE_CHECKING:
    from effdesk.commands import CommandContext
    from effdesk.services.statistics import Counts, StatsReport, StatsRow

BY_CHOICES = ("unit", "category", "channel", "month", "handler")


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="统计：受理、办结、按期办结率、属实率、满意率、问责等")
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        help="以哪一天为准判断办结、超期（默认：今天；统计期间已结束则为其最后一天）",
    )
    p.add_argument(
        "--by",
        choices=BY_CHOICES,
        default="unit",
        help="分组：unit 单位、category 类别、channel 渠道、month 月份、handler 承办人",
    )
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.add_argument(
        "--rebuild-cache",
        action="store_true",
        help="先从投诉件重新建立统计缓存（恢复备份或在 EffDesk 之外改过数据库之后）",
    )
    p.set_defaults(handler=_stats)


def _stats(args: argparse.Namespace, ctx: CommandContext) -> int:
    from effdesk.services import statistics

    date_from = optional_date(args.date_from, "开始日期")
    date_to = optional_date(args.date_to, "结束日期")
    assert date_from is not None and date_to is not None  # required arguments
    query = statistics.StatsQuery(
        date_from=date_from,
        date_to=date_to,
        as_of=optional_date(args.as_of, "截止日期"),
        by=next(g for g in statistics.GroupBy if g.value == args.by),
    )
    with ctx.database().session() as session:
        if args.rebuild_cache:
            statistics.rebuild_cache(session)
        report = statistics.compute(session, SYSTEM, query)
    print(report.dumps() if args.json else render_table(report))
    return 0


# --------------------------------------------------------------------------- text table


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: 2 for wide (Chinese) characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table; the first column left-aligned, the others right-aligned."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            _pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def percent(value: float | None) -> str:
    from effdesk.services.statistics import percent_text

    return percent_text(value)


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


HEADERS = (
    "受理",
    "办结",
    "办结率",
    "按期办结率",
    "超期件",
    "属实率",
    "反馈率",
    "满意率",
    "问责人次",
    "问责单位",
    "发现问题",
)


def _cells(c: Counts) -> list[str]:
    return [
        _count(c.received),
        _count(c.concluded),
        percent(c.conclusion_rate),
        percent(c.on_time_rate),
        _count(c.overdue),
        percent(c.substantiated_rate),
        percent(c.feedback_rate),
        percent(c.satisfaction_rate),
        _count(c.measures_persons),
        _count(c.measures_units),
        _count(c.findings),
    ]


def _group_table(title: str, rows: Sequence[StatsRow]) -> str:
    body = [[r.label, *_cells(r.counts)] for r in rows]
    return format_table([title, *HEADERS], body) if body else f"{title}：无数据"


def render_table(report: StatsReport) -> str:
    t = report.total
    head = (
        f"统计期间：{report.date_from:%Y-%m-%d} 至 {report.end:%Y-%m-%d}"
        f"（截至 {report.as_of:%Y-%m-%d}）"
    )
    parts = [
        head,
        "",
        format_table(["合计", *HEADERS], [["全部", *_cells(t)]]),
        f"另：不予受理 {t.rejected:,} 件，合并件 {t.merged:,} 件（不计入受理）；"
        f"超期件中未办结 {t.open_overdue:,} 件。",
        "",
        _group_table("被投诉单位", report.by_unit),
    ]
    if report.by.value != "unit":
        parts += ["", _group_table(report.by.label, report.groups)]
    if report.findings_by_campaign:
        parts += [
            "",
            format_table(
                ["督查活动", "发现问题"],
                [[r.label, f"{r.findings:,}"] for r in report.findings_by_campaign],
            ),
        ]
    return "\n".join(parts)
