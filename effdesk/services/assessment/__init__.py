"""作风监测指数: the monthly unit assessment — rules, counting, scores, ranking, the year.

Import from here (``from effdesk.services import assessment``):

- rules: :data:`DEFAULT_RULES`, :data:`KINDS`, :func:`current_rules`, :func:`save_rules`,
  :func:`validate_rules`, :func:`describe_rules`, :func:`for_category`
- months: :func:`compute_month`, :func:`close_month`, :func:`recompute_month`,
  :func:`get_month`, :func:`preview_month`, :func:`month_result`, :func:`list_runs`
- the year: :func:`year_view`
"""

from effdesk.services.assessment.counting import COUNTERS, Item, month_bounds
from effdesk.services.assessment.rules import (
    DEFAULT_RULES,
    KIND_LABELS,
    KINDS,
    SETTING_KEY,
    CategoryRules,
    KindInfo,
    current_rules,
    for_category,
    normalized,
    save_rules,
)
from effdesk.services.assessment.rules import describe as describe_rules
from effdesk.services.assessment.rules import validate as validate_rules
from effdesk.services.assessment.runs import (
    MonthResult,
    RunInfo,
    ScoreRow,
    YearRow,
    YearView,
    check_period,
    close_month,
    compute_month,
    get_month,
    list_runs,
    month_result,
    period_label,
    preview_month,
    recompute_month,
    year_view,
)
from effdesk.services.assessment.scoring import Deduction, UnitScore, score_units

__all__ = [
    "COUNTERS",
    "DEFAULT_RULES",
    "KINDS",
    "KIND_LABELS",
    "SETTING_KEY",
    "CategoryRules",
    "Deduction",
    "Item",
    "KindInfo",
    "MonthResult",
    "RunInfo",
    "ScoreRow",
    "UnitScore",
    "YearRow",
    "YearView",
    "check_period",
    "close_month",
    "compute_month",
    "current_rules",
    "describe_rules",
    "for_category",
    "get_month",
    "list_runs",
    "month_bounds",
    "month_result",
    "normalized",
    "period_label",
    "preview_month",
    "recompute_month",
    "save_rules",
    "score_units",
    "validate_rules",
    "year_view",
]
