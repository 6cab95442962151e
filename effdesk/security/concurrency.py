"""Optimistic locking made readable: a refused save says who changed what, and when.

Two EffDesk windows (or PCs) edit one record. The second save is refused either by
:func:`effdesk.services.common.check_version` (the form's version is stale, raised before any
write) or by SQLAlchemy's ``version_id_col`` (``StaleDataError`` at flush, when the row changed
between loading and saving). Wrap the save in :func:`translate_stale` and both become a
:class:`ConcurrentEditError` whose ``other_change`` describes the other person's change, taken
from the audit trail::

    with translate_stale(session, "单位「县财政局」", obj=unit, redact=redaction_for(actor)):
        unit.name = ...
        session.flush()

What the other change may show is the caller's to say (``redact``: the services' identity
masking for a user without the identity right); this module sits below the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, String, Text, cast, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from effdesk.audit import decode_json, parse_time
from effdesk.db.models import AuditEntry
from effdesk.errors import ConcurrentEditError

# Hides from the before/after values of the other change what the user may not see.
Redact = Callable[[Any], Any]


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def describe_other_change(
    bind: Engine | Connection, object_uuid: str, redact: Redact | None = None
) -> str:
    """The newest audit entry of the object, in words: who, when, what changed (its values
    passed through ``redact`` first, when given)."""
    if not object_uuid:
        return ""
    stmt = (
        select(
            AuditEntry.username,
            cast(AuditEntry.at, String).label("at"),
            AuditEntry.summary,
            cast(AuditEntry.before, Text).label("before"),
            cast(AuditEntry.after, Text).label("after"),
        )
        .where(AuditEntry.object_uuid == object_uuid)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    # A connection of its own: the caller's transaction may be failed after StaleDataError.
    if isinstance(bind, Connection):
        row = bind.execute(stmt).first()
    else:
        with bind.connect() as conn:
            row = conn.execute(stmt).first()
    if row is None:
        return ""
    before, after = decode_json(row.before), decode_json(row.after)
    if redact is not None:
        before, after = redact(before), redact(after)
    at = parse_time(row.at)
    when = f"{at:%Y-%m-%d %H:%M:%S}" if at else str(row.at)
    lines = [f"{row.username} 于 {when}：{row.summary}"]
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                lines.append(f"  {key}：{_fmt(before.get(key))} → {_fmt(after.get(key))}")
    return "\n".join(lines)


def _uuid_of(obj: Any) -> str:
    if obj is None:
        return ""
    # Read the loaded value without touching the database (the session may be failed).
    value = inspect(obj).dict.get("uuid", "")
    return str(value or "")


@contextmanager
def translate_stale(
    session: Session,
    what: str,
    *,
    obj: Any = None,
    object_uuid: str = "",
    redact: Redact | None = None,
) -> Iterator[None]:
    """Turn ``StaleDataError`` (and a bare ConcurrentEditError) into a ConcurrentEditError
    that names ``what`` and describes the other person's change from the audit trail."""
    uuid = object_uuid or _uuid_of(obj)
    try:
        yield
    except StaleDataError as exc:
        other = describe_other_change(session.get_bind(), uuid, redact)
        raise ConcurrentEditError(
            f"{what}刚被其他人修改并保存，您的修改未保存，以免覆盖对方的修改。"
            "请关闭后重新打开，核对后再修改。",
            other_change=other or "（未找到对方修改的记录）",
        ) from exc
    except ConcurrentEditError as exc:
        other = describe_other_change(session.get_bind(), uuid, redact)
        if other:
            raise ConcurrentEditError(exc.message, other_change=other) from exc
        raise
