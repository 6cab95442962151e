"""The office's working-day calendar: the package's years plus every year the admin entered.

Beside :mod:`effdesk.calendar` (the working-day arithmetic), below the services: every service
that computes a deadline reads it here, and :mod:`effdesk.services.calendar_admin` (which
enters a year and then has the deadlines recomputed) sits above them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.calendar import WorkCalendar
from effdesk.db.models import CalendarDay, CalendarYear


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar: the package's years plus every year the admin entered."""
    entered: dict[int, dict[date, bool]] = {y: {} for y in entered_years(session)}
    for day in session.scalars(select(CalendarDay)):
        if day.day.year in entered:
            entered[day.day.year][day.day] = day.is_workday
    return WorkCalendar(entered=entered)


def entered_years(session: Session) -> set[int]:
    """The years the admin entered (they replace the package's days of that year)."""
    return set(session.scalars(select(CalendarYear.year)))
