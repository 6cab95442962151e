"""统计台账: the figures leaders read, overall and by unit / category / channel / month / handler.

``compute(session, actor, StatsQuery(date_from, date_to, as_of, by))`` returns a
:class:`StatsReport`; ``report.to_json()`` is what ``effdesk stats --json`` prints and what the
bulletin and the Excel export take their figures from. What each figure counts is defined once,
in :mod:`effdesk.services.statistics.definitions` (read its docstring); the click-through
lists use the same conditions through :meth:`StatsReport.ref`.

Rates are fractions rounded to 4 places, and None (JSON null, shown as "—") when their base
is 0 — never 0, which would read as "all late".

Speed: the complaint figures of every group come from one grouped scan of the period's cases
(conditional sums); groups are rolled up in Python, so asking for a breakdown costs no second
scan. Rows are ordered in Python, never by database collation, so the same data gives the
same JSON on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, extract, func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    AccountabilityMeasure,
    Campaign,
    Complaint,
    Finding,
    ProblemCategory,
    Unit,
    User,
)
from effdesk.enums import Channel, ComplaintState
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.permissions import Permission, require
from effdesk.services.measure_counts import MeasureTotals, measure_totals, measure_totals_by
from effdesk.services.statistics.cache import cached_case_counts
from effdesk.services.statistics.definitions import (
    Figure,
    FigureRef,
    GroupBy,
    counted_condition,
    figure_condition,
    finding_period_condition,
    received_condition,
)

GroupKey = int | str | None
NO_UNIT = "（未指定单位）"
NO_CATEGORY = "（未分类）"
NO_HANDLER = "（无承办人）"
NO_CAMPAIGN = "（日常督查，未关联活动）"
# Complaint figures counted per case (the order of the conditional sums in the scan).
CASE_FIGURES = (
    Figure.RECEIVED,
    Figure.CONCLUDED,
    Figure.ON_TIME,
    Figure.OPEN_OVERDUE,
    Figure.SUBSTANTIATED,
    Figure.REPLIED,
    Figure.VISITED,
    Figure.SATISFIED,
)


@dataclass(frozen=True)
class StatsQuery:
    """A statistics request. ``as_of`` None: today, or ``date_to`` if that is earlier.
    ``by``: the breakdown wanted besides the overall figures and ``by_unit`` (always given)."""

    date_from: date
    date_to: date
    as_of: date | None = None
    by: GroupBy = GroupBy.UNIT


def rate(numerator: int, base: int) -> float | None:
    """A fraction rounded to 4 places; None when the base is 0."""
    return round(numerator / base, 4) if base else None


def percent_text(value: float | None) -> str:
    """0.8235 → "82.4%" (half up, as offices round); None → "—"."""
    if value is None:
        return "—"
    shown = (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{shown}%"


@dataclass(frozen=True)
class Counts:
    """The figures of one row (or of the whole period). ``None`` where a figure does not
    apply to the grouping (measures by channel, findings by handler …)."""

    received: int = 0
    concluded: int = 0
    on_time: int = 0
    open_overdue: int = 0
    substantiated: int = 0
    replied: int = 0
    visited: int = 0
    satisfied: int = 0
    rejected: int = 0
    merged: int = 0
    measures_persons: int | None = None
    measures_units: int | None = None
    findings: int | None = None

    # --- derived ----------------------------------------------------------------------
    @property
    def on_time_base(self) -> int:
        """按期办结率's base: concluded + open and overdue at the as-of date."""
        return self.concluded + self.open_overdue

    @property
    def overdue(self) -> int:
        """超期件: concluded late, or open and overdue at the as-of date."""
        return self.on_time_base - self.on_time

    @property
    def conclusion_rate(self) -> float | None:
        """办结率 = 办结 ÷ 受理."""
        return rate(self.concluded, self.received)

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率 = 按期办结 ÷ (办结 + 超期未办结)."""
        return rate(self.on_time, self.on_time_base)

    @property
    def substantiated_rate(self) -> float | None:
        """属实率 = (属实 + 部分属实) ÷ 办结."""
        return rate(self.substantiated, self.concluded)

    @property
    def feedback_rate(self) -> float | None:
        """反馈率 = 已反馈 ÷ 办结."""
        return rate(self.replied, self.concluded)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (满意 + 基本满意) ÷ 已回访."""
        return rate(self.satisfied, self.visited)

    def value(self, figure: Figure) -> int | None:
        return int(getattr(self, figure.value)) if getattr(self, figure.value) is not None else None

    def __add__(self, other: Counts) -> Counts:
        def add(a: int | None, b: int | None) -> int | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return Counts(
            received=self.received + other.received,
            concluded=self.concluded + other.concluded,
            on_time=self.on_time + other.on_time,
            open_overdue=self.open_overdue + other.open_overdue,
            substantiated=self.substantiated + other.substantiated,
            replied=self.replied + other.replied,
            visited=self.visited + other.visited,
            satisfied=self.satisfied + other.satisfied,
            rejected=self.rejected + other.rejected,
            merged=self.merged + other.merged,
            measures_persons=add(self.measures_persons, other.measures_persons),
            measures_units=add(self.measures_units, other.measures_units),
            findings=add(self.findings, other.findings),
        )

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON keys (see ``effdesk stats --json``), in a fixed order."""
        return {
            "received": self.received,
            "concluded": self.concluded,
            "conclusion_rate": self.conclusion_rate,
            "on_time": self.on_time,
            "on_time_base": self.on_time_base,
            "on_time_rate": self.on_time_rate,
            "overdue": self.overdue,
            "open_overdue": self.open_overdue,
            "substantiated": self.substantiated,
            "substantiated_rate": self.substantiated_rate,
            "replied": self.replied,
            "feedback_rate": self.feedback_rate,
            "visited": self.visited,
            "satisfied": self.satisfied,
            "satisfaction_rate": self.satisfaction_rate,
            "rejected": self.rejected,
            "merged": self.merged,
            "measures_persons": self.measures_persons,
            "measures_units": self.measures_units,
            "findings": self.findings,
        }


# Which figure a rate links to (its base), for the click-through.
RATE_BASES: dict[str, Figure] = {
    "conclusion_rate": Figure.RECEIVED,
    "on_time_rate": Figure.ON_TIME_BASE,
    "substantiated_rate": Figure.CONCLUDED,
    "feedback_rate": Figure.CONCLUDED,
    "satisfaction_rate": Figure.VISITED,
}


@dataclass(frozen=True)
class StatsRow:
    """One row of a breakdown: its group key (None = the row without a value), its name."""

    key: GroupKey
    label: str
    counts: Counts

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.label, **self.counts.to_json()}


@dataclass(frozen=True)
class FindingsRow:
    """督查发现问题 of one campaign or one unit."""

    key: GroupKey
    label: str
    findings: int

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.label, "findings": self.findings}


@dataclass(frozen=True)
class StatsReport:
    """The result of :func:`compute`. ``end`` = min(date_to, as_of): the last day counted."""

    date_from: date
    date_to: date
    as_of: date
    by: GroupBy
    total: Counts
    by_unit: list[StatsRow]
    groups: list[StatsRow]
    findings_by_campaign: list[FindingsRow]
    findings_by_unit: list[FindingsRow]
    computed_at: str = field(default="", compare=False)

    @property
    def end(self) -> date:
        return min(self.date_to, self.as_of)

    def ref(
        self,
        figure: Figure,
        group: GroupBy | None = None,
        key: GroupKey = None,
        label: str = "",
    ) -> FigureRef:
        """The records behind one figure of this report (for the click-through)."""
        return FigureRef(figure, self.date_from, self.date_to, self.as_of, group, key, label)

    def to_json(self) -> dict[str, Any]:
        """One JSON object: period, overall figures, ``by_unit``, ``by_<by>``, findings."""
        out: dict[str, Any] = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "as_of": self.as_of.isoformat(),
            "by": self.by.value,
            **self.total.to_json(),
            "by_unit": [r.to_json() for r in self.by_unit],
        }
        if self.by is not GroupBy.UNIT:
            out[f"by_{self.by.value}"] = [r.to_json() for r in self.groups]
        out["findings_by_campaign"] = [r.to_json() for r in self.findings_by_campaign]
        out["findings_by_unit"] = [r.to_json() for r in self.findings_by_unit]
        return out

    def dumps(self) -> str:
        """The JSON text (stable: same data, same bytes, on every backend)."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)


# --------------------------------------------------------------------------- compute


def resolve_as_of(query: StatsQuery, today: date | None = None) -> date:
    """``query.as_of``, or today, or ``date_to`` if that is earlier."""
    if query.as_of is not None:
        return query.as_of
    return min(today or now().date(), query.date_to)


def check_query(query: StatsQuery, as_of: date) -> None:
    problems: list[FieldProblem] = []
    if query.date_from > query.date_to:
        problems.append(
            FieldProblem(
                "date_to",
                f"统计期间的结束日期（{query.date_to:%Y-%m-%d}）不能早于开始日期"
                f"（{query.date_from:%Y-%m-%d}）。",
            )
        )
    if as_of < query.date_from:
        problems.append(
            FieldProblem(
                "as_of",
                f"统计截止日期（{as_of:%Y-%m-%d}）不能早于统计期间的开始日期"
                f"（{query.date_from:%Y-%m-%d}）。",
            )
        )
    if query.by is GroupBy.CAMPAIGN:
        problems.append(
            FieldProblem("by", "投诉统计不能按督查活动分组（督查活动只用于督查发现问题）。")
        )
    if problems:
        raise ValidationErrors(problems)


def compute(
    session: Session,
    actor: Actor,
    query: StatsQuery,
    *,
    today: date | None = None,
    use_cache: bool = True,
) -> StatsReport:
    """The statistics of ``query`` (see the module and the definitions' docstrings).

    ``today`` fixes "today" for the default as-of date (tests). ``use_cache=False`` counts
    with one full scan of the period's cases instead of the statistics cache (cache.py) —
    the same figures, slower; the tests compare the two. Raises ValidationErrors for a
    period that ends before it starts or an as-of date before the period.
    """
    require(actor, Permission.VIEW_STATISTICS)
    as_of = resolve_as_of(query, today)
    check_query(query, as_of)
    end = min(query.date_to, as_of)
    by = query.by

    per_unit_cases, per_dim_cases = case_counts(
        session, query.date_from, end, as_of, by, use_cache=use_cache
    )
    measures_unit = measure_totals_by(
        session, query.date_from, end, [AccountabilityMeasure.unit_id]
    )
    findings_unit = _finding_counts(session, query.date_from, end, Finding.unit_id)

    # Overall.
    total = sum((c for c in per_unit_cases.values()), Counts())
    overall_measures = measure_totals(session, query.date_from, end)
    total = replace(
        total,
        measures_persons=overall_measures.persons,
        measures_units=overall_measures.units,
        findings=sum(findings_unit.values()),
    )

    # By unit (always).
    per_unit: dict[GroupKey, Counts] = dict(per_unit_cases)
    for unit_key in [*(k[0] for k in measures_unit), *findings_unit]:
        per_unit.setdefault(unit_key, Counts())
    per_unit = {
        k: _with_extras(
            c, measures_unit.get((k,)), findings_unit.get(k, 0) if k is not None else None
        )
        for k, c in per_unit.items()
    }
    unit_names = _names(session, Unit, Unit.name, [k for k in per_unit if isinstance(k, int)])
    by_unit = _ordered_by_volume(per_unit, unit_names, NO_UNIT)

    # The chosen breakdown.
    if by is GroupBy.UNIT:
        groups = by_unit
    else:
        groups = _breakdown(session, by, per_dim_cases, query.date_from, end)

    # Findings per campaign and per unit.
    findings_campaign = _finding_counts(session, query.date_from, end, Finding.campaign_id)
    campaign_names = _names(
        session, Campaign, Campaign.name, [k for k in findings_campaign if isinstance(k, int)]
    )
    return StatsReport(
        date_from=query.date_from,
        date_to=query.date_to,
        as_of=as_of,
        by=by,
        total=total,
        by_unit=by_unit,
        groups=groups,
        findings_by_campaign=_findings_rows(findings_campaign, campaign_names, NO_CAMPAIGN),
        findings_by_unit=_findings_rows(
            {k: v for k, v in findings_unit.items()}, unit_names, NO_UNIT
        ),
        computed_at=now().isoformat(timespec="seconds"),
    )


def case_counts(
    session: Session, date_from: date, end: date, as_of: date, by: GroupBy, *, use_cache: bool
) -> tuple[dict[GroupKey, Counts], dict[GroupKey, Counts]]:
    """The complaint figures per unit, and per ``by`` key (empty when ``by`` is the unit)."""
    if use_cache:
        units, dims = cached_case_counts(session, date_from, end, as_of, by)
        return (
            {k: Counts(**v) for k, v in units.items()},
            {k: Counts(**v) for k, v in dims.items()},
        )
    cells = _case_cells(session, date_from, end, as_of, by)
    per_unit: dict[GroupKey, Counts] = {}
    per_dim: dict[GroupKey, Counts] = {}
    for (unit_key, dim_key), counts in cells.items():
        per_unit[unit_key] = per_unit.get(unit_key, Counts()) + counts
        if by is not GroupBy.UNIT:
            per_dim[dim_key] = per_dim.get(dim_key, Counts()) + counts
    return per_unit, per_dim


def _with_extras(counts: Counts, measures: MeasureTotals | None, findings: int | None) -> Counts:
    return replace(
        counts,
        measures_persons=measures.persons if measures else 0,
        measures_units=measures.units if measures else 0,
        findings=findings if findings is not None else 0,
    )


def _dimension(by: GroupBy) -> list[Any]:
    c = Complaint
    if by is GroupBy.CATEGORY:
        return [c.category_id]
    if by is GroupBy.CHANNEL:
        return [c.channel]
    if by is GroupBy.HANDLER:
        return [c.handler_user_id]
    if by is GroupBy.MONTH:
        return [extract("year", c.received_date), extract("month", c.received_date)]
    return []


def _dim_key(by: GroupBy, parts: Sequence[Any]) -> GroupKey:
    if by is GroupBy.MONTH:
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}"
    if by is GroupBy.CHANNEL:
        value = parts[0]
        return value.value if isinstance(value, Channel) else str(value)
    return int(parts[0]) if parts and parts[0] is not None else None


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _case_cells(
    session: Session, date_from: date, end: date, as_of: date, by: GroupBy
) -> dict[tuple[GroupKey, GroupKey], Counts]:
    """One scan of the period's cases: Counts per (unit, breakdown key)."""
    counted = counted_condition()
    sums = [_sum(counted & figure_condition(f, as_of)) for f in CASE_FIGURES]
    sums.append(_sum(Complaint.state == ComplaintState.MERGED))
    sums.append(
        _sum((Complaint.rejection_reason != "") & (Complaint.state != ComplaintState.MERGED))
    )
    dims = _dimension(by)
    keys: list[Any] = [Complaint.unit_id, *dims]
    stmt = select(*keys, *sums).where(received_condition(date_from, end)).group_by(*keys)
    out: dict[tuple[GroupKey, GroupKey], Counts] = {}
    for row in session.execute(stmt):
        unit_key = int(row[0]) if row[0] is not None else None
        dim_key = _dim_key(by, row[1 : 1 + len(dims)]) if dims else None
        values = [int(v or 0) for v in row[1 + len(dims) :]]
        counts = Counts(**{f.value: v for f, v in zip(CASE_FIGURES, values, strict=False)})
        counts = replace(counts, merged=values[-2], rejected=values[-1])
        key = (unit_key, dim_key)
        out[key] = out[key] + counts if key in out else counts
    return out


def _finding_counts(
    session: Session, date_from: date, end: date, key: Any, *extra: ColumnElement[bool]
) -> dict[GroupKey, int]:
    rows = session.execute(
        select(key, func.count(Finding.id))
        .where(finding_period_condition(date_from, end), *extra)
        .group_by(key)
    )
    return {(int(k) if k is not None else None): int(n) for k, n in rows}


def _names(session: Session, model: Any, column: Any, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        out.update(
            {
                int(k): str(v)
                for k, v in session.execute(select(model.id, column).where(model.id.in_(chunk)))
            }
        )
    return out


def _ordered_by_volume(
    counts: dict[GroupKey, Counts], names: dict[int, str], none_label: str
) -> list[StatsRow]:
    """Most cases first, then by name and id (Python's order: the same on every backend);
    the row without a value last."""
    rows = [
        StatsRow(k, names.get(k, f"#{k}") if isinstance(k, int) else none_label, c)
        for k, c in counts.items()
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.key is None,
            -r.counts.received,
            -(r.counts.measures_persons or 0) - (r.counts.findings or 0),
            r.label,
            r.key if isinstance(r.key, int) else 0,
        ),
    )


def _findings_rows(
    counts: dict[GroupKey, int], names: dict[int, str], none_label: str
) -> list[FindingsRow]:
    rows = [
        FindingsRow(k, names.get(k, f"#{k}") if isinstance(k, int) else none_label, n)
        for k, n in counts.items()
    ]
    return sorted(
        rows,
        key=lambda r: (r.key is None, -r.findings, r.label, r.key if isinstance(r.key, int) else 0),
    )


def months_between(first: date, last: date) -> list[str]:
    """Every month "YYYY-MM" from ``first``'s to ``last``'s, in order."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _breakdown(
    session: Session, by: GroupBy, per_dim: dict[GroupKey, Counts], date_from: date, end: date
) -> list[StatsRow]:
    if by is GroupBy.MONTH:
        measures = measure_totals_by(
            session,
            date_from,
            end,
            [
                extract("year", AccountabilityMeasure.decided_date),
                extract("month", AccountabilityMeasure.decided_date),
            ],
        )
        measures_month = {f"{int(y):04d}-{int(m):02d}": t for (y, m), t in measures.items()}
        findings = _finding_counts_by_month(session, date_from, end)
        rows = []
        for key in months_between(date_from, end):
            counts = _with_extras(
                per_dim.get(key, Counts()), measures_month.get(key), findings.get(key, 0)
            )
            rows.append(StatsRow(key, f"{key[:4]}年{int(key[5:]):d}月", counts))
        return rows
    if by is GroupBy.CHANNEL:
        return [
            StatsRow(ch.value, ch.label, per_dim[ch.value]) for ch in Channel if ch.value in per_dim
        ]
    if by is GroupBy.CATEGORY:
        by_category = _finding_counts(session, date_from, end, Finding.category_id)
        keys = set(per_dim) | set(by_category)
        order = {
            int(i): (int(s), str(n))
            for i, s, n in session.execute(
                select(ProblemCategory.id, ProblemCategory.sort_order, ProblemCategory.name)
            )
        }
        rows = [
            StatsRow(
                k,
                order[k][1] if isinstance(k, int) and k in order else NO_CATEGORY,
                replace(per_dim.get(k, Counts()), findings=by_category.get(k, 0)),
            )
            for k in keys
        ]
        return sorted(
            rows,
            key=lambda r: (
                r.key is None,
                order.get(r.key, (0, ""))[0] if isinstance(r.key, int) else 0,
                r.key if isinstance(r.key, int) else 0,
            ),
        )
    # Handler.
    names = _names(session, User, User.display_name, [k for k in per_dim if isinstance(k, int)])
    return _ordered_by_volume(per_dim, names, NO_HANDLER)


def _finding_counts_by_month(session: Session, date_from: date, end: date) -> dict[str, int]:
    # observed_at is a timestamp: group in Python by its date (a few thousand rows at most).
    rows = session.execute(
        select(Finding.observed_at).where(finding_period_condition(date_from, end))
    )
    out: dict[str, int] = {}
    for (observed,) in rows:
        key = f"{observed.year:04d}-{observed.month:02d}"
        out[key] = out.get(key, 0) + 1
    return out
