from datetime import date

import pytest

from effdesk.calendar import WorkCalendar, compute_deadline, package_years
from effdesk.errors import CalendarUnknown

cal = WorkCalendar()


def test_national_day_2025_fifteen_working_days() -> None:
    # 2025-09-28 (Sunday) is a make-up working day; 10-01..10-08 holidays; 10-11 make-up day.
    assert cal.add_working_days(date(2025, 9, 28), 15) == date(2025, 10, 24)


def test_start_day_not_counted_and_weekend_skipped() -> None:
    # Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_spring_festival_2026() -> None:
    # 2026 Spring Festival: 02-15..02-23 off; 02-14 (Sat) and 02-28 (Sat) are make-up days.
    assert cal.is_workday(date(2026, 2, 14))
    assert not cal.is_workday(date(2026, 2, 17))
    assert cal.is_workday(date(2026, 2, 28))
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_limit_ending_on_holiday_rolls_forward_and_zero_days() -> None:
    assert cal.add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_working_days_between_is_inverse_of_add() -> None:
    start = date(2025, 9, 19)  # a Friday: a working day, so n == 0 stays put
    for n in range(0, 40, 3):
        end = cal.add_working_days(start, n)
        assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(date(2025, 10, 24), date(2025, 9, 28)) == -15


def test_unknown_year_is_refused_not_guessed() -> None:
    assert 2027 not in package_years()
    with pytest.raises(CalendarUnknown) as info:
        cal.is_workday(date(2027, 1, 4))
    assert "2027年" in str(info.value)


def test_provisional_deadline_across_the_new_year() -> None:
    d = compute_deadline(cal, date(2026, 12, 25), 5)
    # Weekends and 1.1 skipped only: 12-28..12-31 (4), 01-01 holiday, 01-04 (5).
    assert d.due == date(2027, 1, 4)
    assert d.provisional and "暂定" in d.label()


def test_entered_year_overrides_and_makes_deadline_exact() -> None:
    entered = {2027: {date(2027, 1, 1): False, date(2027, 1, 4): False, date(2027, 1, 9): True}}
    c = WorkCalendar(entered=entered)
    assert c.knows(2027)
    assert not c.is_workday(date(2027, 1, 4))
    assert c.is_workday(date(2027, 1, 9))
    d = compute_deadline(c, date(2026, 12, 31), 2)
    assert d == compute_deadline(c, date(2026, 12, 31), 2)
    assert not d.provisional
    assert d.due == date(2027, 1, 6)
