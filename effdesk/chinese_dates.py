"""Dates written the Chinese way (年月日), the one place that spells them.

GB/T 9704 writes a document's date in Arabic numerals without padding: 2026年3月5日 (rule 11),
and the circulars, forms and captions follow it. Everything that writes such a date asks here.
"""

from __future__ import annotations

from datetime import date


def cn_date(d: date) -> str:
    """2026-03-05 → "2026年3月5日" (Arabic numerals, no padding, as GB/T 9704 writes dates)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_month_day(d: date) -> str:
    """2026-03-05 → "3月5日" (within a text whose year is plain)."""
    return f"{d.month}月{d.day}日"


def cn_date_range(start: date, end: date) -> str:
    """The shortest plain range: "2025年3月3日至7日", "…至4月2日", "…至2026年1月2日"."""
    if start == end:
        return cn_date(start)
    if start.year == end.year and start.month == end.month:
        return f"{cn_date(start)}至{end.day}日"
    if start.year == end.year:
        return f"{cn_date(start)}至{cn_month_day(end)}"
    return f"{cn_date(start)}至{cn_date(end)}"
