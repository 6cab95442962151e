"""统计台账: the statistics service (Qt-free). Import from here.

Public API (others build on it — the bulletin, the Excel export, the dashboard):

- ``compute(session, actor, StatsQuery(date_from, date_to, as_of=None, by=GroupBy.UNIT),
  today=None) -> StatsReport``; ``StatsReport.to_json()`` / ``.dumps()``; ``.total``,
  ``.by_unit``, ``.groups`` (rows of ``query.by``) are :class:`StatsRow` (key, label,
  :class:`Counts`); ``.findings_by_campaign`` / ``.findings_by_unit`` are :class:`FindingsRow`.
- ``StatsReport.ref(figure, group, key, label) -> FigureRef``: the records behind a figure;
  list complaints with ``ComplaintFilter(statistic=ref)``, measures with
  :func:`measure_lines`, findings with :func:`finding_lines`.
- Definitions of every figure: :mod:`effdesk.services.statistics.definitions`.
"""

from effdesk.services.statistics.cache import one_at_a_time
from effdesk.services.statistics.cache import rebuild as rebuild_cache
from effdesk.services.statistics.definitions import (
    Figure,
    FigureRef,
    GroupBy,
    complaint_conditions,
    finding_conditions,
    measure_conditions,
)
from effdesk.services.statistics.records import (
    FindingLine,
    MeasureLine,
    count_measure_units,
    finding_lines,
    measure_lines,
)
from effdesk.services.statistics.service import (
    RATE_BASES,
    Counts,
    FindingsRow,
    StatsQuery,
    StatsReport,
    StatsRow,
    compute,
    months_between,
    percent_text,
    rate,
    resolve_as_of,
)

__all__ = [
    "RATE_BASES",
    "Counts",
    "Figure",
    "FigureRef",
    "FindingLine",
    "FindingsRow",
    "GroupBy",
    "MeasureLine",
    "StatsQuery",
    "StatsReport",
    "StatsRow",
    "complaint_conditions",
    "compute",
    "count_measure_units",
    "finding_conditions",
    "finding_lines",
    "measure_conditions",
    "measure_lines",
    "months_between",
    "one_at_a_time",
    "percent_text",
    "rate",
    "rebuild_cache",
    "resolve_as_of",
]
