"""How accountability measures are counted (问责人次 / 问责单位), in one place.

The statistics, the accountability register's totals and the monthly bulletin all report these
two numbers; they must agree, so each of them asks this module.

- 人次 (``persons``): every measure against a person decided in the period, not voided — the
  same person twice is two 人次, as the offices report it ("给予……等117人次").
- 单位 (``units``): the number of distinct units with at least one measure against the unit
  itself (subject 单位) decided in the period, not voided ("通报批评单位85个").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from effdesk.db.models import AccountabilityMeasure
from effdesk.enums import SubjectKind


@dataclass(frozen=True)
class MeasureTotals:
    persons: int
    units: int


def measure_period_condition(date_from: date, date_to: date) -> ColumnElement[bool]:
    """Measures counted for [date_from, date_to] (both inclusive): decided then, not voided."""
    m = AccountabilityMeasure
    return and_(
        m.decided_date >= date_from,
        m.decided_date <= date_to,
        m.voided.is_(False),
    )


def measure_totals(
    session: Session,
    date_from: date,
    date_to: date,
    *extra: ColumnElement[bool],
) -> MeasureTotals:
    """人次 and units for the period; ``extra`` narrows further (e.g. one unit's measures)."""
    m = AccountabilityMeasure
    base = (measure_period_condition(date_from, date_to), *extra)
    persons = session.scalar(
        select(func.count()).select_from(m).where(*base, m.subject_kind == SubjectKind.PERSON)
    )
    units = session.scalar(
        select(func.count(distinct(m.unit_id))).where(*base, m.subject_kind == SubjectKind.UNIT)
    )
    return MeasureTotals(persons=int(persons or 0), units=int(units or 0))


def measure_totals_by(
    session: Session,
    date_from: date,
    date_to: date,
    keys: Sequence[Any],
    *extra: ColumnElement[bool],
) -> dict[tuple[Any, ...], MeasureTotals]:
    """:func:`measure_totals` for each value of ``keys`` (e.g. the unit, the decision month)
    in one query; groups without any measure are absent."""
    m = AccountabilityMeasure
    base = (measure_period_condition(date_from, date_to), *extra)
    persons = func.sum(case((m.subject_kind == SubjectKind.PERSON, 1), else_=0))
    units = func.count(distinct(case((m.subject_kind == SubjectKind.UNIT, m.unit_id))))
    out: dict[tuple[Any, ...], MeasureTotals] = {}
    for row in session.execute(select(*keys, persons, units).where(*base).group_by(*keys)):
        *key, n_persons, n_units = row
        out[tuple(key)] = MeasureTotals(persons=int(n_persons or 0), units=int(n_units or 0))
    return out
