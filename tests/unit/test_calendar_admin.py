from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest

from effdesk.calendar import WorkCalendar
from effdesk.errors import PermissionDenied, ValidationError
from effdesk.services.calendar_admin import parse_holiday_notice

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from effdesk.auth import Actor

# The 2026 notice (国办发明电〔2025〕7号), as an admin would paste it.
NOTICE_2026 = """一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。"""


def test_parse_notice_matches_the_package_for_2026() -> None:
    days = parse_holiday_notice(NOTICE_2026, 2026)
    parsed = WorkCalendar(entered={2026: {d.day: d.is_workday for d in days}})
    package = WorkCalendar()
    d = date(2026, 1, 1)
    while d.year == 2026:
        assert parsed.is_workday(d) == package.is_workday(d), d
        d = date.fromordinal(d.toordinal() + 1)
    names = {x.day: x.name for x in days}
    assert names[date(2026, 2, 17)] == "春节"
    assert names[date(2026, 2, 14)] == "春节调休"


def test_parse_notice_range_across_months_and_years() -> None:
    text = "一、元旦：2027年1月1日至3日放假，共3天。\n二、国庆节：9月30日至10月7日放假调休。9月26日（周日）上班。"
    days = {d.day: d.is_workday for d in parse_holiday_notice(text, 2027)}
    assert days[date(2027, 9, 30)] is False
    assert days[date(2027, 10, 7)] is False
    assert days[date(2027, 9, 26)] is True
    assert len(days) == 3 + 8 + 1


def test_parse_notice_refuses_unreadable_text() -> None:
    with pytest.raises(ValidationError) as info:
        parse_holiday_notice("今年放假安排另行通知", 2027)
    assert info.value.field == "source_text"


def test_entering_a_year_recomputes_provisional_deadlines_with_history(
    session: "Session", actors: "dict[str, Actor]"
) -> None:
    from effdesk.calendar import compute_deadline
    from effdesk.db.models import Complaint, Unit
    from effdesk.enums import AssessmentCategory, Channel, ComplaintEventKind, UnitKind
    from effdesk.office_calendar import load_calendar
    from effdesk.services import calendar_admin

    unit = Unit(name="县医疗保障局", kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST)
    received = date(2026, 12, 24)
    provisional = compute_deadline(load_calendar(session), received, 15)
    assert provisional.provisional
    case = Complaint(
        number="效投2026-0999",
        received_at=datetime(2026, 12, 24, 10),
        received_date=received,
        channel=Channel.PHONE,
        unit=unit,
        summary="医保报销窗口推诿",
        limit_days=15,
        due_date=provisional.due,
        deadline_provisional=True,
    )
    session.add_all([unit, case])
    session.flush()
    assert "2027年" in (calendar_admin.reminder(session, date(2026, 12, 1)) or "")
    # Suppose the notice puts an extra holiday on 2027-01-04 and a make-up day on 2027-01-09.
    days = [
        calendar_admin.HolidayDay(date(2027, 1, 1), False, "元旦"),
        calendar_admin.HolidayDay(date(2027, 1, 4), False, "元旦"),
        calendar_admin.HolidayDay(date(2027, 1, 9), True, "元旦调休"),
    ]
    with pytest.raises(PermissionDenied):
        calendar_admin.save_year(session, actors["clerk"], 2027, days)
    changed = calendar_admin.save_year(session, actors["admin"], 2027, days, "一、元旦：……")
    assert changed == 1
    session.refresh(case)
    assert not case.deadline_provisional
    exact = compute_deadline(load_calendar(session), received, 15)
    assert case.due_date == exact.due and not exact.provisional
    assert any(e.kind is ComplaintEventKind.DEADLINE_RECOMPUTED for e in case.events)
    assert calendar_admin.reminder(session, date(2026, 12, 1)) is None


def test_known_years_show_their_holiday_counts(session: "Session") -> None:
    from effdesk.services.calendar_admin import year_statuses

    y2025, y2026, y2030 = year_statuses(session, [2025, 2026, 2030])
    # 2025: 元旦1, 春节8, 清明3, 劳动节5, 端午3, 国庆中秋8 = 28 days off; 5 make-up days.
    assert (y2025.source, y2025.holidays, y2025.makeup_days) == ("package", 28, 5)
    assert y2026.source == "package" and y2026.holidays > 20 and y2026.makeup_days > 0
    assert (y2030.source, y2030.holidays) == ("unknown", 0)
