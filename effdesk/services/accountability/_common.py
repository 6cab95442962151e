"""Plumbing shared by the accountability modules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.db.base import Record
from effdesk.db.models import AuditEntry, User
from effdesk.errors import ConcurrentEditError
from effdesk.services.common import check_version


def check_fresh(
    session: Session, obj: Record, expected: int | None, what: str, object_type: str
) -> None:
    """:func:`check_version`, and on a stale copy also say who made the newest change and
    what it was (from the audit trail), so the user knows what to look at after refreshing."""
    try:
        check_version(obj, expected, what)
    except ConcurrentEditError as exc:
        last = session.execute(
            select(AuditEntry.username, User.display_name, AuditEntry.at, AuditEntry.summary)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_uuid == obj.uuid)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
        if last is None:
            raise
        who = last.display_name or last.username
        raise ConcurrentEditError(
            f"{exc.message}\n最近一次修改：{who}（{last.at:%Y-%m-%d %H:%M}）{last.summary}",
            other_change=exc.other_change,
        ) from None
