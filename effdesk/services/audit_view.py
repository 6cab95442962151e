"""Reading the audit trail (admin and leaders), page by page, with filters.

Rows are plain values built from columns (no ORM entries are loaded). The before/after values
of complaint changes can hold the complainant's identity; a reader without the identity right
sees those keys masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction
from effdesk.permissions import Permission, allowed, require
from effdesk.services.common import Page, like_escape

MASK = "（已隐去）"
# Keys in before/after that carry complainant identity (Complaint.complainant_* etc.).
_IDENTITY_PREFIXES = ("complainant",)
_IDENTITY_KEYS = {"search_identity"}


@dataclass
class AuditFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    username: str = ""
    actions: set[AuditAction] = field(default_factory=set)
    object_type: str = ""
    object_uuid: str = ""
    text: str = ""  # in summary, username or object id


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime | None  # None when the stored time is unreadable (a tampered row)
    username: str
    action: AuditAction | None  # None when the stored code is unknown (a tampered row)
    action_code: str
    object_type: str
    object_uuid: str
    summary: str
    before: Any
    after: Any
    host: str

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """``(key, before, after)`` for every key that differs (for the detail pane)."""
        b = self.before if isinstance(self.before, dict) else {}
        a = self.after if isinstance(self.after, dict) else {}
        keys = sorted(set(b) | set(a))
        return [(k, b.get(k), a.get(k)) for k in keys if b.get(k) != a.get(k)]

    @property
    def action_label(self) -> str:
        return self.action.label if self.action is not None else self.action_code


_ACTIONS = {a.value: a for a in AuditAction}


def parse_time(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        return None


def decode_json(raw: Any) -> Any:
    # Read as text and decode here: a row edited by hand into invalid JSON still displays.
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)


def _conditions(f: AuditFilter) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        cond.append(AuditEntry.at >= datetime.combine(f.date_from, time.min))
    if f.date_to is not None:
        cond.append(AuditEntry.at < datetime.combine(f.date_to + timedelta(days=1), time.min))
    if f.username.strip():
        cond.append(AuditEntry.username == f.username.strip())
    if f.actions:
        cond.append(AuditEntry.action.in_(sorted(f.actions, key=lambda a: a.value)))
    if f.object_type.strip():
        cond.append(AuditEntry.object_type == f.object_type.strip())
    if f.object_uuid.strip():
        cond.append(AuditEntry.object_uuid == f.object_uuid.strip())
    if f.text.strip():
        pattern = f"%{like_escape(f.text.strip().lower())}%"
        cond.append(
            or_(
                func.lower(AuditEntry.summary).like(pattern, escape="\\"),
                func.lower(AuditEntry.username).like(pattern, escape="\\"),
                AuditEntry.object_uuid.like(pattern, escape="\\"),
            )
        )
    return cond


def mask_identity(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                MASK
                if k in _IDENTITY_KEYS or k.startswith(_IDENTITY_PREFIXES)
                else mask_identity(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_identity(v) for v in value]
    return value


def list_entries(
    session: Session,
    actor: Actor,
    filters: AuditFilter | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[AuditRow]:
    """Newest first. Needs VIEW_AUDIT; identity keys are masked without the identity right."""
    require(actor, Permission.VIEW_AUDIT)
    f = filters or AuditFilter()
    where = and_(*_conditions(f)) if _conditions(f) else None
    count = select(func.count(AuditEntry.seq))
    stmt = select(
        AuditEntry.seq,
        cast(AuditEntry.at, String).label("at"),
        AuditEntry.username,
        cast(AuditEntry.action, String).label("action"),
        AuditEntry.object_type,
        AuditEntry.object_uuid,
        AuditEntry.summary,
        cast(AuditEntry.before, Text).label("before"),
        cast(AuditEntry.after, Text).label("after"),
        AuditEntry.host,
    )
    if where is not None:
        count = count.where(where)
        stmt = stmt.where(where)
    total = session.scalar(count) or 0
    see_identity = allowed(actor, Permission.VIEW_COMPLAINANT_IDENTITY)
    rows = session.execute(
        stmt.order_by(AuditEntry.seq.desc()).offset(max(0, offset)).limit(max(1, limit))
    ).all()
    # Without the identity right, the identity is also masked in free text (a summary or
    # content that repeats it, in before/after): the complaints privacy rule.
    maskers: dict[str, Callable[[str], str]] = {}
    if not see_identity:
        from effdesk.services.complaints.privacy import identity_maskers_by_uuid

        maskers = identity_maskers_by_uuid(
            session, {r.object_uuid for r in rows if r.object_type == "complaint"}
        )

    def shown(r: Any, value: Any) -> Any:
        if see_identity:
            return value
        value = mask_identity(value)
        mask = maskers.get(r.object_uuid) if r.object_type == "complaint" else None
        return _mask_strings(value, mask) if mask is not None else value

    return Page(
        rows=[
            AuditRow(
                seq=r.seq,
                at=parse_time(r.at),
                username=r.username,
                action=_ACTIONS.get(r.action),
                action_code=str(r.action),
                object_type=r.object_type,
                object_uuid=r.object_uuid,
                summary=shown(r, r.summary),
                before=shown(r, decode_json(r.before)),
                after=shown(r, decode_json(r.after)),
                host=r.host,
            )
            for r in rows
        ],
        total=total,
        offset=offset,
    )


def _mask_strings(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_strings(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v, mask) for v in value]
    return value


def usernames(session: Session, actor: Actor) -> list[str]:
    """Every name that appears in the log (for the filter drop-down)."""
    require(actor, Permission.VIEW_AUDIT)
    return [u for u in session.scalars(select(AuditEntry.username).distinct()) if u]


def object_types(session: Session, actor: Actor) -> list[str]:
    require(actor, Permission.VIEW_AUDIT)
    return sorted(t for t in session.scalars(select(AuditEntry.object_type).distinct()) if t)


OBJECT_TYPE_LABELS: dict[str, str] = {
    "user": "用户",
    "unit": "单位",
    "person": "人员",
    "setting": "系统设置",
    "complaint": "投诉件",
    "campaign": "督查活动",
    "finding": "督查发现问题",
    "measure": "问责措施",
    "rectification": "整改",
    "document": "公文",
    "calendar": "节假日",
    "backup": "备份",
    "evidence": "证据附件",
    "database": "数据库",
}


def object_type_label(code: str) -> str:
    return OBJECT_TYPE_LABELS.get(code, code)
