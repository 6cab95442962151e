"""Working days with the Chinese holiday calendar, make-up working days (调休) included.

Rules (DOMAIN.md): the start day does not count; a limit of N working days ends on the N-th
working day after the start, so a limit never ends on a holiday. Years come from the
chinese-calendar package or from what the admin entered from the State Council notice; a year
known to neither is refused (:class:`CalendarUnknown`), never guessed. Callers that must go on
anyway (the deadline service) use :func:`provisional_is_workday` explicitly and mark the result
暂定.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from effdesk.errors import CalendarUnknown

# Fixed-date holidays used only for provisional deadlines (1.1, 5.1, 10.1–10.3).
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


def package_years() -> range:
    """Years the installed chinese-calendar package knows."""
    holidays = chinese_calendar.constants.holidays
    years = sorted({d.year for d in holidays})
    return range(years[0], years[-1] + 1)


def package_year_counts(year: int) -> tuple[int, int]:
    """(holidays, make-up working days) the chinese-calendar package lists for ``year``."""
    constants = chinese_calendar.constants
    return (
        sum(1 for d in constants.holidays if d.year == year),
        sum(1 for d in constants.workdays if d.year == year),
    )


def provisional_is_workday(day: date) -> bool:
    """Weekends and fixed-date holidays only: the stand-in for an unknown year."""
    return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


@dataclass(frozen=True)
class WorkCalendar:
    """A working-day calendar: the package's years plus years entered by the admin.

    ``entered`` maps a year to its explicit days: True for a make-up working day, False for a
    holiday; other days of an entered year follow the weekday rule. An entered year overrides
    the package for that year (an admin correction wins).
    """

    entered: Mapping[int, Mapping[date, bool]] = field(default_factory=dict)

    def knows(self, year: int) -> bool:
        return year in self.entered or year in package_years()

    def is_workday(self, day: date) -> bool:
        year_days = self.entered.get(day.year)
        if year_days is not None:
            explicit = year_days.get(day)
            return explicit if explicit is not None else day.weekday() < 5
        if day.year not in package_years():
            raise CalendarUnknown(day.year)
        return bool(chinese_calendar.is_workday(day))

    def holiday_name(self, day: date) -> str:
        """Chinese name of the holiday on ``day`` ("" if none or unknown)."""
        if day.year in self.entered or day.year not in package_years():
            return ""
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if not on_holiday or name is None:
            return ""
        return _HOLIDAY_NAMES.get(name, str(name))

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (start not counted).

        ``days == 0`` gives the first working day on or after ``start``.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        if days == 0:
            while not self.is_workday(current):
                current += timedelta(days=1)
            return current
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return sign * count


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class Deadline:
    """A computed due date; ``provisional`` when the calendar lacked the year (暂定)."""

    due: date
    provisional: bool = False

    def label(self) -> str:
        return f"{self.due:%Y-%m-%d}" + ("（暂定）" if self.provisional else "")


def compute_deadline(calendar: WorkCalendar, start: date, days: int) -> Deadline:
    """``days`` working days after ``start``; provisional if a year is not yet known."""
    try:
        return Deadline(calendar.add_working_days(start, days))
    except CalendarUnknown:
        return Deadline(_ProvisionalCalendar(calendar.entered).add_working_days(start, days), True)


class _ProvisionalCalendar(WorkCalendar):
    """Known years as usual; unknown years by weekends and fixed-date holidays only."""

    def is_workday(self, day: date) -> bool:
        if self.knows(day.year):
            return super().is_workday(day)
        return provisional_is_workday(day)
