"""Reading cell values the many ways offices write them: dates, working-day limits, labels.

Every parser raises ValueError with a Chinese reason that the import puts beside the row and
column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from effdesk.services.ledger_import.reader import Cell

# Excel's day 0 (the 1900 system with its 1900-02-29 bug folded in, as every reader does).
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Serial numbers taken as dates: 1954-10-01 … 2119-01-01; anything else is not a date.
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})?\s*(?:[:：分]\s*(?P<S>\d{1,2})\s*秒?)?)?"
    r"\s*$"
)
_COMPACT_RE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$")
_LIMIT_RE = re.compile(r"^(?P<n>\d{1,3})\s*(?:个)?\s*(?P<unit>工作日|工作天|日|天)?$")


def text_of(value: Cell) -> str:
    """A cell as text: numbers without a trailing ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_datetime(value: Cell) -> datetime:
    """A date (and time, when written) from a real date cell, an Excel serial number or text
    such as 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, "2026-03-05 14:30"."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    if isinstance(value, bool) or value is None:
        raise ValueError("不是日期")
    if isinstance(value, int | float):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(microsecond=0)
        raise ValueError(f"「{text_of(value)}」不是日期")
    text = str(value).strip().replace("\u3000", " ")
    if re.fullmatch(r"\d+(\.\d+)?", text) and not _COMPACT_RE.match(text):
        return parse_datetime(float(text))
    match = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if match is None:
        raise ValueError(
            f"「{text}」不是可识别的日期（可写作 2026-03-05、2026/3/5、2026.3.5 或 2026年3月5日）"
        )
    parts = match.groupdict()
    try:
        day = date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
    except ValueError:
        raise ValueError(f"「{text}」不是有效的日期") from None
    hour, minute, second = (int(parts.get(k) or 0) for k in ("H", "M", "S"))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"「{text}」中的时间无效")
    return datetime.combine(day, time(hour, minute, second))


def parse_date(value: Cell) -> date:
    return parse_datetime(value).date()


def parse_limit(value: Cell) -> int | date:
    """办理时限: a number of working days ("15个工作日", "15", "15天") or a due date."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 < value < 1000
        and float(value).is_integer()
    ):
        return int(value)
    text = text_of(value)
    match = _LIMIT_RE.match(text.replace(" ", ""))
    if match is not None:
        days = int(match["n"])
        if days <= 0:
            raise ValueError(f"办理时限「{text}」应大于0")
        return days
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(
            f"「{text}」不是可识别的办理时限（可写作 15个工作日、15，或到期日期 2026-03-20）"
        ) from None
