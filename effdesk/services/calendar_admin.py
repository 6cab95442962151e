"""Entering a year's holidays and make-up working days from the State Council notice.

chinese-calendar lags behind the notice (published late in the year), and an office cannot stop
registering complaints in December. The admin enters the year here — typing the days or pasting
the notice text, which :func:`parse_holiday_notice` reads — and every provisional deadline is then
recomputed (by the complaints service, which records the change in each case's history).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.calendar import package_year_counts, package_years
from effdesk.db.models import CalendarDay, CalendarYear, Complaint, Rectification
from effdesk.enums import AuditAction
from effdesk.errors import FieldProblem, ValidationError, ValidationErrors
from effdesk.office_calendar import entered_years, load_calendar
from effdesk.permissions import Permission, require
from effdesk.services.accountability import rectification
from effdesk.services.complaints import recompute_provisional_deadlines


@dataclass(frozen=True)
class HolidayDay:
    day: date
    is_workday: bool  # True: 调休上班; False: 放假
    name: str = ""


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # "package" | "entered" | "unknown"
    holidays: int
    makeup_days: int

    @property
    def label(self) -> str:
        return {"package": "内置日历", "entered": "管理员录入", "unknown": "未录入"}[self.source]


def year_statuses(session: Session, years: list[int]) -> list[YearStatus]:
    entered = entered_years(session)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for day in session.scalars(select(CalendarDay)):
        counts[day.day.year][1 if day.is_workday else 0] += 1
    out = []
    for y in years:
        if y in entered:
            out.append(YearStatus(y, "entered", counts[y][0], counts[y][1]))
        elif y in package_years():
            out.append(YearStatus(y, "package", *package_year_counts(y)))
        else:
            out.append(YearStatus(y, "unknown", 0, 0))
    return out


def entered_days(session: Session, year: int) -> list[HolidayDay]:
    rows = session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    )
    return [HolidayDay(r.day, r.is_workday, r.name) for r in rows]


def provisional_count(session: Session) -> int:
    """How many cases and rectifications carry a provisional (暂定) deadline."""
    cases = session.scalar(
        select(func.count()).select_from(Complaint).where(Complaint.deadline_provisional.is_(True))
    )
    rects = session.scalar(
        select(func.count())
        .select_from(Rectification)
        .where(Rectification.deadline_provisional.is_(True))
    )
    return int(cases or 0) + int(rects or 0)


def reminder(session: Session, today: date) -> str | None:
    """A reminder for the admin when next year (or a year in use) is not yet known."""
    calendar = load_calendar(session)
    pending = provisional_count(session)
    missing = [today.year] if not calendar.knows(today.year) else []
    # Next year matters once its notice may be out (November) or a deadline already reaches it.
    if not calendar.knows(today.year + 1) and (today.month >= 11 or pending):
        missing.append(today.year + 1)
    if not missing:
        return None
    years = "、".join(f"{y}年" for y in missing)
    tail = f"目前有{pending}件的办理时限为暂定。" if pending else ""
    return (
        f"{years}的法定节假日和调休安排尚未录入，相关时限只能暂定（仅按周末和固定节日计算）。{tail}"
        "请在国务院办公厅公布节假日安排通知后，到「系统设置 → 节假日」录入。"
    )


def save_year(
    session: Session, actor: Actor, year: int, days: list[HolidayDay], source_text: str = ""
) -> int:
    """Enter (or replace) a year's holidays and make-up days; recompute provisional deadlines.

    Returns the number of cases and rectifications whose deadline changed.
    """
    require(actor, Permission.MANAGE_CALENDAR)
    problems: list[FieldProblem] = []
    if not 2000 <= year <= 2100:
        raise ValidationError("year", f"年份{year}不在有效范围内。")
    seen: set[date] = set()
    for d in days:
        if d.day.year != year:
            problems.append(FieldProblem("days", f"{d.day:%Y-%m-%d}不属于{year}年。"))
        if d.day in seen:
            problems.append(FieldProblem("days", f"{d.day:%Y-%m-%d}重复出现。"))
        seen.add(d.day)
        if d.is_workday and d.day.weekday() < 5:
            problems.append(
                FieldProblem("days", f"{d.day:%Y-%m-%d}本是工作日，不需要录入为调休上班日。")
            )
    if not any(not d.is_workday for d in days):
        problems.append(FieldProblem("days", f"没有录入{year}年的任何放假日期。"))
    if problems:
        raise ValidationErrors(problems)

    row = session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    before = [f"{d.day:%Y-%m-%d}:{int(d.is_workday)}" for d in entered_days(session, year)]
    if row is None:
        row = CalendarYear(year=year)
        session.add(row)
    row.source_text = source_text
    row.entered_by_id = actor.user_id
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
        )
    )
    for d in sorted(days, key=lambda x: x.day):
        session.add(CalendarDay(day=d.day, is_workday=d.is_workday, name=d.name))
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.SETTINGS,
        "calendar_year",
        row.uuid,
        f"录入{year}年节假日安排（放假{sum(not d.is_workday for d in days)}天，"
        f"调休上班{sum(d.is_workday for d in days)}天）",
        {"days": before},
        {"days": [f"{d.day:%Y-%m-%d}:{int(d.is_workday)}" for d in days]},
    )
    return _recompute_provisional(session, actor)


def _recompute_provisional(session: Session, actor: Actor) -> int:
    calendar = load_calendar(session)
    return recompute_provisional_deadlines(
        session, actor, calendar
    ) + rectification.recompute_provisional_deadlines(session, actor, calendar)


# --------------------------------------------------------------------------- notice parser

_HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_PAREN = re.compile(r"（[^）]*）|\([^)]*\)")
_SECTION = re.compile(r"([一二三四五六七八九十]+)、\s*([^：:]+)[：:]")
_DATE = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
_RANGE = re.compile(_DATE + r"\s*(?:至|—|-|～|~)\s*(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_SINGLE = re.compile(_DATE)


def parse_holiday_notice(text: str, year: int) -> list[HolidayDay]:
    """Read the holiday and make-up days out of the State Council notice's text.

    Understands the notice's usual sentences, e.g. "二、春节：2月15日（农历腊月二十八、周日）至23日
    （农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。" Raises
    ValidationError when nothing can be read, so the admin sees why and can type the days instead.
    """
    clean = _PAREN.sub("", text.replace("\u3000", " "))
    sections = list(_SECTION.finditer(clean))
    if not sections:
        raise ValidationError(
            "source_text",
            "没有从粘贴的文字中识别出节假日安排。请粘贴通知正文中“一、元旦：……”这样的条目，或逐日录入。",
        )
    days: dict[date, HolidayDay] = {}
    for i, m in enumerate(sections):
        name = m.group(2).strip()
        end = sections[i + 1].start() if i + 1 < len(sections) else len(clean)
        body = clean[m.end() : end]
        for sentence in re.split(r"[。；;\n]", body):
            if "放假" in sentence:
                for d in _holiday_dates(sentence, year):
                    days[d] = HolidayDay(d, False, name)
            elif "上班" in sentence:
                for sm in _SINGLE.finditer(sentence):
                    d = date(int(sm.group(1) or year), int(sm.group(2)), int(sm.group(3)))
                    days[d] = HolidayDay(d, True, f"{name}调休")
    result = [d for d in days.values() if d.day.year == year]
    if not result:
        raise ValidationError("source_text", f"粘贴的文字中没有{year}年的日期，请检查年份。")
    return sorted(result, key=lambda d: d.day)


def _holiday_dates(sentence: str, year: int) -> list[date]:
    out: list[date] = []
    consumed: list[tuple[int, int]] = []
    for rm in _RANGE.finditer(sentence):
        y1 = int(rm.group(1) or year)
        start = date(y1, int(rm.group(2)), int(rm.group(3)))
        y2 = int(rm.group(4) or y1)
        m2 = int(rm.group(5) or rm.group(2))
        stop = date(y2, m2, int(rm.group(6)))
        if stop < start:  # "12月31日至1月2日" without the year: the range crosses the new year
            stop = date(y2 + 1, m2, int(rm.group(6)))
        d = start
        while d <= stop:
            out.append(d)
            d += timedelta(days=1)
        consumed.append(rm.span())
    for sm in _SINGLE.finditer(sentence):
        if any(a <= sm.start() < b for a, b in consumed):
            continue
        out.append(date(int(sm.group(1) or year), int(sm.group(2)), int(sm.group(3))))
    return out
