"""Shared bits of the complaint screens: how dates, deadlines and due statuses look.

Colours come from :mod:`effdesk.ui.models.paged` so that 超期 is the same red on every list.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from effdesk.enums import ComplaintState, DeadlineKind, DueStatus
from effdesk.services.complaints import RunningDeadline
from effdesk.ui.models.paged import GREEN, GREY, ORANGE, ORANGE_BG, RED, RED_BG

PROVISIONAL = "暂定"

DUE_FOREGROUND: dict[DueStatus, QColor] = {
    DueStatus.NORMAL: GREEN,
    DueStatus.NEAR: ORANGE,
    DueStatus.OVERDUE: RED,
}
DUE_BACKGROUND: dict[DueStatus, QColor | None] = {
    DueStatus.NORMAL: None,
    DueStatus.NEAR: ORANGE_BG,
    DueStatus.OVERDUE: RED_BG,
}
# Badge colours (text, background) for the case view header and the 待办 list.
DUE_BADGE: dict[DueStatus, tuple[str, str]] = {
    DueStatus.NORMAL: ("#2e7d32", "#e8f5e9"),
    DueStatus.NEAR: ("#8a4500", "#ffe7bf"),
    DueStatus.OVERDUE: ("#b71c1c", "#fdecea"),
}
STATE_BADGE: dict[ComplaintState, tuple[str, str]] = {
    ComplaintState.REGISTERED: ("#1f4e79", "#e3eefa"),
    ComplaintState.AWAITING_INSTRUCTION: ("#6a1b9a", "#f3e5f5"),
    ComplaintState.INSTRUCTED: ("#1f4e79", "#e3eefa"),
    ComplaintState.ROUTED: ("#1f4e79", "#e3eefa"),
    ComplaintState.INVESTIGATING: ("#1f4e79", "#e3eefa"),
    ComplaintState.AWAITING_REVIEW: ("#6a1b9a", "#f3e5f5"),
    ComplaintState.CONCLUDED: ("#2e7d32", "#e8f5e9"),
    ComplaintState.ANSWERED: ("#2e7d32", "#e8f5e9"),
    ComplaintState.ARCHIVED: ("#555555", "#eeeeee"),
    ComplaintState.REJECTED: ("#555555", "#eeeeee"),
    ComplaintState.MERGED: ("#555555", "#eeeeee"),
}
STATE_GREY = frozenset({ComplaintState.ARCHIVED, ComplaintState.REJECTED, ComplaintState.MERGED})

SHORT_DEADLINE = {
    DeadlineKind.ACCEPTANCE: "受理",
    DeadlineKind.CONCLUSION: "办结",
    DeadlineKind.REPLY: "反馈",
}


def qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def qdatetime(value: datetime) -> QDateTime:
    return QDateTime(qdate(value.date()), QTime(value.hour, value.minute, value.second))


def py_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def py_datetime(value: QDateTime) -> datetime:
    day, time = value.date(), value.time()
    return datetime(day.year(), day.month(), day.day(), time.hour(), time.minute(), time.second())


def d(value: date | datetime | None) -> str:
    """2026-03-05 (or "" for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def dt(value: datetime | None) -> str:
    """2026-03-05 09:30 (or "")."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def deadline_text(deadline: RunningDeadline | None, *, short: bool = False) -> str:
    """ "办结 2026-03-20（暂定）" — the running deadline as one cell."""
    if deadline is None:
        return ""
    kind = SHORT_DEADLINE.get(deadline.kind, deadline.kind.label) if short else deadline.kind.label
    mark = f"（{PROVISIONAL}）" if deadline.provisional else ""
    return f"{kind} {deadline.due.isoformat()}{mark}"


def due_foreground(status: DueStatus | None, state: ComplaintState | None = None) -> QColor | None:
    if status is None:
        return GREY if state in STATE_GREY else None
    return DUE_FOREGROUND[status]


def badge(label: QLabel, text: str, colours: tuple[str, str] | None) -> None:
    """Make ``label`` a small coloured tag (hidden when ``text`` is empty)."""
    label.setText(text)
    label.setVisible(bool(text))
    fg, bg = colours or ("#333333", "#eeeeee")
    label.setStyleSheet(
        f"QLabel {{ color: {fg}; background: {bg}; border: 1px solid {fg};"
        " border-radius: 3px; padding: 1px 8px; }"
    )


def heading(text: str, scale: float = 1.15) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label
