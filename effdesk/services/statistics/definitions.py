"""What each statistic counts, as SQL conditions — the one definition the figures, the
click-through lists and the exports share.

A figure is identified by a :class:`FigureRef` (figure, period, as-of date, optional group).
:func:`complaint_conditions` turns it into the WHERE conditions on ``complaints``; the
statistics service counts with exactly those conditions, and the complaint list
(``ComplaintFilter.statistic``) lists with them, so a figure and the list behind it cannot
disagree. Findings and measures have their own condition functions, used the same way. The
statistics cache (cache.py) evaluates these same conditions, split into an as-of-independent
part kept per received day and a correction for the as-of date.

Definitions (the period is [date_from, end] with end = min(date_to, as_of), both inclusive;
``as_of`` is the day the figures are judged on — what had happened by the end of that day):

* **Cases of the period** — complaints whose 受理日期 (``received_date``) falls in the period,
  except duplicates merged into another case (已合并: counted once, in the case they joined)
  and cases not accepted (不予受理: ``rejection_reason`` set, whether or not archived since).
  Those two are reported apart (``merged``, ``rejected``), by the same 受理日期. Every other
  complaint figure is a subset of these cases, so groups (unit, month …) add up to the total.
  转办 cases count like any other: they were accepted and run against their limit.
* **受理 received** — the cases of the period.
* **办结 concluded** — cases of the period with a 办结日期 (``concluded_date``) on or before
  ``as_of``. A reopened case (重办) counts by its latest conclusion (reopening clears it).
* **按期办结 on time** — concluded, with 办结日期 ≤ the stored 办理时限 ``due_date`` (working days
  counted by the calendar when the limit was set, extensions included). A case without a
  limit counts as on time.
* **超期未办结 open and overdue** — cases of the period not concluded by ``as_of`` whose
  ``due_date`` is before ``as_of`` (the due day itself is not late, as in 正常/临期/超期).
* **按期办结率 base** — concluded + open and overdue; a case still within its limit at
  ``as_of`` is in neither.
* **超期件 overdue** — the base minus on time: concluded late, or open and overdue. A late
  case stays 超期 after it closes (as its OVERDUE history events do).
* **属实 substantiated** — concluded with 核查结论 属实 or 部分属实.
* **已反馈 replied** — concluded and answered (``reply_date`` ≤ ``as_of``) by a real reply;
  a reply recorded as 无法反馈 (``ReplyMethod.NONE``) is not feedback.
* **已回访 visited** — concluded with a return visit (``return_visit_date`` ≤ ``as_of``) that
  recorded a satisfaction; **满意 satisfied** — of those, 满意 or 基本满意.
* **问责人次 / 问责单位** — :mod:`effdesk.services.measure_counts` (决定日期 in the period).
* **督查发现问题 findings** — findings observed (``observed_at``) in the period, except those
  found not to stand (不予认定).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, not_, or_, true

from effdesk.db.models import AccountabilityMeasure, Complaint, Finding
from effdesk.enums import (
    Channel,
    ComplaintState,
    FindingStatus,
    LabeledEnum,
    ReplyMethod,
    Satisfaction,
    SubjectKind,
    Verification,
)
from effdesk.services.measure_counts import measure_period_condition


class GroupBy(LabeledEnum):
    """How figures are broken down (``effdesk stats --by``)."""

    UNIT = ("unit", "被投诉单位")
    CATEGORY = ("category", "问题类别")
    CHANNEL = ("channel", "来源渠道")
    MONTH = ("month", "受理月份")
    HANDLER = ("handler", "承办人")
    # Findings only: the campaign they were found in.
    CAMPAIGN = ("campaign", "督查活动")


class Figure(LabeledEnum):
    """Every figure a leader can click. Rates link to their base (denominator)."""

    RECEIVED = ("received", "受理")
    CONCLUDED = ("concluded", "办结")
    ON_TIME = ("on_time", "按期办结")
    ON_TIME_BASE = ("on_time_base", "应按期办结（办结+超期未办结）")
    OPEN_OVERDUE = ("open_overdue", "超期未办结")
    OVERDUE = ("overdue", "超期件")
    SUBSTANTIATED = ("substantiated", "属实（含部分属实）")
    REPLIED = ("replied", "已反馈")
    VISITED = ("visited", "已回访")
    SATISFIED = ("satisfied", "满意（含基本满意）")
    REJECTED = ("rejected", "不予受理")
    MERGED = ("merged", "合并件")
    MEASURES_PERSONS = ("measures_persons", "问责人次")
    MEASURES_UNITS = ("measures_units", "问责单位")
    FINDINGS = ("findings", "督查发现问题")

    @property
    def records(self) -> str:
        """Which records lie behind the figure: "complaint", "measure" or "finding"."""
        if self in (Figure.MEASURES_PERSONS, Figure.MEASURES_UNITS):
            return "measure"
        if self is Figure.FINDINGS:
            return "finding"
        return "complaint"


# Group key of the rows without a value (cases with no unit, no category, no handler;
# findings outside any campaign). JSON shows it as null.
NO_KEY = None


@dataclass(frozen=True)
class FigureRef:
    """One figure of one report: which records, of which period, judged on which day, in
    which group. Plain and hashable: it travels from the statistics table to the list view.

    ``group``/``key``: the row's group (``key`` None with a group = the row without a value,
    e.g. cases with no unit). Month keys are "YYYY-MM", channel keys the channel code, other
    keys record ids. ``label`` is only for display.
    """

    figure: Figure
    date_from: date
    date_to: date
    as_of: date
    group: GroupBy | None = None
    key: int | str | None = None
    label: str = field(default="", compare=False)

    @property
    def end(self) -> date:
        """The last day counted: the period's end, or the as-of date if earlier."""
        return min(self.date_to, self.as_of)

    def describe(self) -> str:
        """One line in Chinese for the list's banner."""
        where = f"　{self.group.label}：{self.label}" if self.group is not None else ""
        return (
            f"统计：{self.figure.label}　{self.date_from:%Y-%m-%d}至{self.end:%Y-%m-%d}"
            f"（截至{self.as_of:%Y-%m-%d}）{where}"
        )


# --------------------------------------------------------------------------- complaints


def counted_condition() -> ColumnElement[bool]:
    """Neither merged into another case nor 不予受理."""
    return and_(Complaint.state != ComplaintState.MERGED, Complaint.rejection_reason == "")


def received_condition(date_from: date, end: date) -> ColumnElement[bool]:
    return and_(Complaint.received_date >= date_from, Complaint.received_date <= end)


def concluded_condition(as_of: date) -> ColumnElement[bool]:
    return and_(Complaint.concluded_date.is_not(None), Complaint.concluded_date <= as_of)


def on_time_condition(as_of: date) -> ColumnElement[bool]:
    return and_(
        concluded_condition(as_of),
        or_(Complaint.due_date.is_(None), Complaint.concluded_date <= Complaint.due_date),
    )


def open_overdue_condition(as_of: date) -> ColumnElement[bool]:
    return and_(
        or_(Complaint.concluded_date.is_(None), Complaint.concluded_date > as_of),
        Complaint.due_date < as_of,
    )


SUBSTANTIATED = (Verification.SUBSTANTIATED, Verification.PARTLY)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


def figure_condition(figure: Figure, as_of: date) -> ColumnElement[bool]:
    """The figure's own condition on a case of the period (see the module docstring)."""
    c = Complaint
    concluded = concluded_condition(as_of)
    if figure is Figure.RECEIVED:
        return true()
    if figure is Figure.CONCLUDED:
        return concluded
    if figure is Figure.ON_TIME:
        return on_time_condition(as_of)
    if figure is Figure.OPEN_OVERDUE:
        return open_overdue_condition(as_of)
    if figure is Figure.ON_TIME_BASE:
        return or_(concluded, open_overdue_condition(as_of))
    if figure is Figure.OVERDUE:
        return or_(and_(concluded, not_(on_time_condition(as_of))), open_overdue_condition(as_of))
    if figure is Figure.SUBSTANTIATED:
        return and_(concluded, c.verification.in_(SUBSTANTIATED))
    if figure is Figure.REPLIED:
        return and_(
            concluded,
            c.reply_date.is_not(None),
            c.reply_date <= as_of,
            c.reply_method.is_not(None),
            c.reply_method != ReplyMethod.NONE,
        )
    if figure is Figure.VISITED:
        return and_(
            concluded,
            c.return_visit_date.is_not(None),
            c.return_visit_date <= as_of,
            c.satisfaction.is_not(None),
        )
    if figure is Figure.SATISFIED:
        return and_(figure_condition(Figure.VISITED, as_of), c.satisfaction.in_(SATISFIED))
    raise ValueError(f"{figure} is not a complaint figure")


def month_bounds(key: str) -> tuple[date, date]:
    """First and last day of the month "YYYY-MM"."""
    year, month = (int(p) for p in key.split("-"))
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _channel(code: str) -> Channel:
    for member in Channel:
        if member.value == code:
            return member
    raise ValueError(f"unknown channel {code!r}")


def complaint_group_condition(group: GroupBy, key: int | str | None) -> ColumnElement[bool]:
    c = Complaint
    if group is GroupBy.MONTH:
        if not isinstance(key, str):
            return false()
        first, last = month_bounds(key)
        return received_condition(first, last)
    if group is GroupBy.CHANNEL:
        if key is None:
            return false()
        return c.channel == _channel(str(key))
    column = {
        GroupBy.UNIT: c.unit_id,
        GroupBy.CATEGORY: c.category_id,
        GroupBy.HANDLER: c.handler_user_id,
    }.get(group)
    if column is None:
        return false()
    return column.is_(None) if key is None else column == int(key)


def complaint_conditions(ref: FigureRef) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``complaints`` selecting exactly the cases behind ``ref``."""
    if ref.figure in (Figure.REJECTED, Figure.MERGED):
        own: ColumnElement[bool] = (
            Complaint.state == ComplaintState.MERGED
            if ref.figure is Figure.MERGED
            else and_(Complaint.rejection_reason != "", Complaint.state != ComplaintState.MERGED)
        )
        out = [received_condition(ref.date_from, ref.end), own]
    else:
        out = [
            received_condition(ref.date_from, ref.end),
            counted_condition(),
            figure_condition(ref.figure, ref.as_of),
        ]
    if ref.group is not None:
        out.append(complaint_group_condition(ref.group, ref.key))
    return out


# --------------------------------------------------------------------------- measures


def measure_conditions(ref: FigureRef) -> list[ColumnElement[bool]]:
    """The measures behind 问责人次 (every measure against a person) or 问责单位 (the measures
    against units; the figure counts their distinct units)."""
    m = AccountabilityMeasure
    subject = SubjectKind.PERSON if ref.figure is Figure.MEASURES_PERSONS else SubjectKind.UNIT
    out = [measure_period_condition(ref.date_from, ref.end), m.subject_kind == subject]
    if ref.group is GroupBy.UNIT:
        out.append(m.unit_id == int(ref.key) if ref.key is not None else false())
    elif ref.group is GroupBy.MONTH and isinstance(ref.key, str):
        first, last = month_bounds(ref.key)
        out.append(measure_period_condition(first, last))
    elif ref.group is not None:
        out.append(false())
    return out


# --------------------------------------------------------------------------- findings


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def finding_period_condition(date_from: date, end: date) -> ColumnElement[bool]:
    f = Finding
    return and_(
        f.observed_at >= day_start(date_from),
        f.observed_at < day_start(end + timedelta(days=1)),
        f.status != FindingStatus.DISMISSED,
    )


def finding_conditions(ref: FigureRef) -> list[ColumnElement[bool]]:
    f = Finding
    out = [finding_period_condition(ref.date_from, ref.end)]
    group, key = ref.group, ref.key
    if group is GroupBy.UNIT:
        out.append(f.unit_id == int(key) if key is not None else false())
    elif group is GroupBy.CAMPAIGN:
        out.append(f.campaign_id.is_(None) if key is None else f.campaign_id == int(key))
    elif group is GroupBy.CATEGORY:
        out.append(f.category_id.is_(None) if key is None else f.category_id == int(key))
    elif group is GroupBy.MONTH and isinstance(key, str):
        first, last = month_bounds(key)
        out.append(finding_period_condition(first, last))
    elif group is not None:
        out.append(false())
    return out
