"""The GUI's idea of "today", in one place so tools and tests can pin it.

Every screen that shows a date relative to today (deadlines, "今天是…") asks :func:`today`.
The screenshot tool pins it to a fixed day; normal runs use the system date.
"""

from __future__ import annotations

from datetime import date

_pinned: date | None = None


def today() -> date:
    return _pinned or date.today()


def pin_today(day: date | None) -> None:
    """Make :func:`today` return ``day`` (``None``: the real date again)."""
    global _pinned
    _pinned = day
