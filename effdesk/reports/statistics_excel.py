"""Statistics and the unit ranking as Excel ledgers (the leader's tables, printable).

The services compute (:mod:`effdesk.services.statistics`, :mod:`effdesk.services.assessment`);
this module only lays their plain results out through the shared ledger writer
(:func:`effdesk.reports.excel.write_table`: title row, bold headers, frozen header, filters,
A4 landscape fitted to width).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from effdesk.reports.excel import ExportResult, write_table
from effdesk.services.assessment import MonthResult, period_label
from effdesk.services.ledger_export import ColumnSpec
from effdesk.services.statistics import Counts, StatsReport

FIGURES: list[tuple[str, str, str]] = [
    ("受理", "received", "int"),
    ("办结", "concluded", "int"),
    ("办结率", "conclusion_rate", "percent"),
    ("按期办结率", "on_time_rate", "percent"),
    ("超期件", "overdue", "int"),
    ("属实率", "substantiated_rate", "percent"),
    ("反馈率", "feedback_rate", "percent"),
    ("满意率", "satisfaction_rate", "percent"),
    ("问责人次", "measures_persons", "int"),
    ("问责单位", "measures_units", "int"),
    ("督查发现问题", "findings", "int"),
]


def _figures(counts: Counts) -> list[Any]:
    return [getattr(counts, key) for _, key, _ in FIGURES]


def export_statistics(
    report: StatsReport,
    path: Path,
    *,
    office: str = "",
    progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """The figures table as shown in 统计台账: one row per group, 合计 first."""
    group = report.by.label
    columns = [ColumnSpec(group, "text", 24)] + [ColumnSpec(h, k) for h, _, k in FIGURES]
    rows = [["合计", *_figures(report.total)]]
    rows += [[r.label, *_figures(r.counts)] for r in report.groups]
    period = f"{report.date_from:%Y年%m月%d日}至{report.end:%Y年%m月%d日}"
    return write_table(
        path,
        f"{office}效能投诉统计表（按{group}）",
        columns,
        rows,
        subtitle=f"统计期间：{period}；截至{report.as_of:%Y年%m月%d日}。比率为空表示分母为0。",
        total=len(rows),
        sheet_name="统计",
        progress=progress,
        should_cancel=should_cancel,
    )


def export_ranking(
    result: MonthResult,
    path: Path,
    *,
    office: str = "",
    progress: Callable[[int, int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """A month's 作风监测指数 ranking, per category, the bottom three marked 扣分预警."""
    columns = [
        ColumnSpec("考评类别", "text", 12),
        ColumnSpec("排名", "int", 6),
        ColumnSpec("单位", "text", 30),
        ColumnSpec("基础分", "number"),
        ColumnSpec("扣分", "number"),
        ColumnSpec("得分", "number"),
        ColumnSpec("预警", "text", 10),
        ColumnSpec("扣分依据", "wrap", 60),
    ]
    rows = [
        [
            r.category.label,
            r.rank,
            r.unit_name,
            float(r.base),
            float(r.deduction),
            float(r.score),
            "扣分预警" if r.flagged else "",
            # What and when, not the case text: the sheet may reach roles without the identity.
            "；".join(f"{d.day} {d.label} -{d.points:g}分" for d in r.details),
        ]
        for r in result.rows
    ]
    state = "（已定稿）" if result.final else "（未定稿）"
    return write_table(
        path,
        f"{office}{period_label(result.period)}作风监测指数排名{state}",
        columns,
        rows,
        total=len(rows),
        sheet_name="排名",
        progress=progress,
        should_cancel=should_cancel,
    )
