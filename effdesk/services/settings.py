"""Office-wide settings stored in the database (shared by every PC of the office)."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.models import Setting
from effdesk.enums import AuditAction, DocumentType, MeasureType
from effdesk.permissions import Permission, require

DEFAULTS: dict[str, Any] = {
    "office.county": "××县",
    "office.name": "××县机关效能建设领导小组办公室",
    "office.short_name": "县效能办",
    "office.authority_mark": "××县机关效能建设领导小组办公室文件",
    "office.phone": "",
    "office.address": "",
    # Complaint numbers: "{prefix}{year}{serial:04d}", e.g. 效投2026-0001.
    "complaint.number_prefix": "效投",
    # Document numbers per type: "{prefix}〔{year}〕{serial}号".
    "document.prefixes": {
        DocumentType.CIRCULAR.value: "X效办",
        DocumentType.NOTICE.value: "X效办",
        DocumentType.WARNING_NOTICE.value: "X效告",
        DocumentType.RECTIFICATION_NOTICE.value: "X效改",
        DocumentType.SUPERVISION_NOTICE.value: "X效督",
        DocumentType.REPLY_LETTER.value: "X效函",
        DocumentType.BULLETIN.value: "X效简",
    },
    # Working-day limits (DOMAIN.md defaults).
    "deadline.acceptance_days": 3,
    "deadline.conclusion_days": {"simple": 5, "normal": 15, "complex": 30},
    "deadline.extension_max_days": 15,
    "deadline.reply_days": 5,
    "deadline.near_days": 3,
    "deadline.rectification_days": 15,
    # Accountability: measure types offered (codes, in order) and label overrides; 效能告诫
    # counted per calendar year ("calendar") or in the 365 days before ("rolling").
    "accountability.measure_types": [m.value for m in MeasureType],
    "accountability.measure_labels": {},
    "accountability.warning_window": "calendar",
    "evidence.max_file_mb": 500,
    "evidence.gps_outlier_m": 2000,
    "field.max_package_mb": 4096,
    # Per-file limit inside a findings package; None = the evidence limit (evidence.max_file_mb).
    "field.max_entry_mb": None,
    # Set on an inspector's laptop that opened a campaign package (field mode), empty otherwise.
    "field.mode": {},
    "backup.keep": 14,
    # The backup key file (e.g. on a USB stick) for PCs without a keyring; "" = the keyring.
    "backup.key_file": "",
    "security.max_failed_logins": 5,
    "security.lockout_minutes": 15,
}


def get(session: Session, key: str) -> Any:
    """A setting's value, or its default."""
    row = session.scalar(select(Setting).where(Setting.key == key))
    if row is not None:
        return row.value
    if key not in DEFAULTS:
        raise KeyError(key)
    return copy.deepcopy(DEFAULTS[key])


def get_all(session: Session) -> dict[str, Any]:
    values = copy.deepcopy(DEFAULTS)
    for row in session.scalars(select(Setting)):
        values[row.key] = row.value
    return values


def put(session: Session, actor: Actor, key: str, value: Any) -> None:
    """Change a setting (admin only); recorded in the audit trail."""
    require(actor, Permission.MANAGE_SETTINGS)
    store(session, actor, key, value)


def store(session: Session, actor: Actor, key: str, value: Any) -> None:
    """Write a setting and audit it, for a caller that checked its own permission (the
    assessment rules need 修改扣分规则, not 修改系统设置)."""
    row = session.scalar(select(Setting).where(Setting.key == key))
    before = row.value if row is not None else DEFAULTS.get(key)
    if row is None:
        row = Setting(key=key, value=value)
        session.add(row)
    else:
        row.value = value
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.SETTINGS,
        "setting",
        row.uuid,
        f"修改设置 {key}",
        {"value": before},
        {"value": value},
    )


def seed_defaults(session: Session, actor: Actor, values: dict[str, Any]) -> None:
    """Write initial settings at setup (demo, first run) without the admin check."""
    for key, value in values.items():
        store(session, actor, key, value)
