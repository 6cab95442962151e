"""Office-wide settings stored in the database (shared by every PC of the office), typed.

Every setting is declared once here — its key, its type and its default — as a
:class:`SettingKey`; :func:`get` reads it (``get(session, NEAR_DAYS)`` is an ``int``), :func:`put`
and :func:`store` write it through the audit trail. Below the services and ``security`` (the
backup reads its key file and database id here), above the database.

A key that is not declared is refused (``KeyError``): a typo never silently reads a default.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.models import Setting
from effdesk.enums import AuditAction, DocumentType, MeasureType
from effdesk.evidence import DEFAULT_MAX_FILE_MB
from effdesk.permissions import Permission, require

T = TypeVar("T")


@dataclass(frozen=True)
class SettingKey(Generic[T]):
    """One setting: its key in the ``settings`` table, its default, and how a stored (JSON)
    value is read as its type."""

    key: str
    default: T
    convert: Callable[[Any], T]


KEYS: dict[str, SettingKey[Any]] = {}


def _declare(key: str, default: T, convert: Callable[[Any], T]) -> SettingKey[T]:
    if key in KEYS:
        raise ValueError(f"setting {key} declared twice")
    setting = SettingKey(key, default, convert)
    KEYS[key] = setting
    return setting


def _text(value: Any) -> str:
    return str(value)


def _text_or_empty(value: Any) -> str:
    return str(value or "")


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text_map(value: Any) -> dict[str, str]:
    # An entry saved empty (None) is no entry: its reader falls back as for a missing one.
    return {str(k): str(v) for k, v in dict(value or {}).items() if v is not None}


def _int_map(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(value or {}).items()}


def _text_list(value: Any) -> list[str]:
    return [str(v) for v in list(value or [])]


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value or {})


def _optional_mapping(value: Any) -> dict[str, Any] | None:
    return None if value is None else dict(value)


# --- the office (documents, forms, the window title)
OFFICE_COUNTY = _declare("office.county", "××县", _text)
OFFICE_NAME = _declare("office.name", "××县机关效能建设领导小组办公室", _text)
OFFICE_SHORT_NAME = _declare("office.short_name", "县效能办", _text)
OFFICE_AUTHORITY_MARK = _declare(
    "office.authority_mark", "××县机关效能建设领导小组办公室文件", _text
)
OFFICE_PHONE = _declare("office.phone", "", _text)
OFFICE_ADDRESS = _declare("office.address", "", _text)
# 印发机关 in the colophon; None until the setup wizard saved one (then the office name).
OFFICE_PRINTING_OFFICE = _declare("office.printing_office", None, _optional_text)
# The official seal, base64 PNG/JPEG; None until the setup wizard saved one, "" for none.
OFFICE_SEAL_PNG = _declare("office.seal_png", None, _optional_text)
# Complaint numbers: "{prefix}{year}{serial:04d}", e.g. 效投2026-0001.
COMPLAINT_NUMBER_PREFIX = _declare("complaint.number_prefix", "效投", _text)
# Document numbers per type: "{prefix}〔{year}〕{serial}号".
DOCUMENT_PREFIXES = _declare(
    "document.prefixes",
    {
        DocumentType.CIRCULAR.value: "X效办",
        DocumentType.NOTICE.value: "X效办",
        DocumentType.WARNING_NOTICE.value: "X效告",
        DocumentType.RECTIFICATION_NOTICE.value: "X效改",
        DocumentType.SUPERVISION_NOTICE.value: "X效督",
        DocumentType.REPLY_LETTER.value: "X效函",
        DocumentType.BULLETIN.value: "X效简",
    },
    _text_map,
)
# --- working-day limits (DOMAIN.md defaults)
ACCEPTANCE_DAYS = _declare("deadline.acceptance_days", 3, int)
CONCLUSION_DAYS = _declare(
    "deadline.conclusion_days", {"simple": 5, "normal": 15, "complex": 30}, _int_map
)
EXTENSION_MAX_DAYS = _declare("deadline.extension_max_days", 15, int)
REPLY_DAYS = _declare("deadline.reply_days", 5, int)
NEAR_DAYS = _declare("deadline.near_days", 3, int)
RECTIFICATION_DAYS = _declare("deadline.rectification_days", 15, int)
# --- accountability: measure types offered (codes, in order) and label overrides; 效能告诫
# counted per calendar year ("calendar") or in the 365 days before ("rolling").
MEASURE_TYPES = _declare("accountability.measure_types", [m.value for m in MeasureType], _text_list)
MEASURE_LABELS: SettingKey[dict[str, str]] = _declare(
    "accountability.measure_labels", {}, _text_map
)
WARNING_WINDOW = _declare("accountability.warning_window", "calendar", _text)
# --- the monthly assessment's deduction rules; None = the built-in rules.
ASSESSMENT_RULES = _declare("assessment.rules", None, _optional_mapping)
# --- evidence and field packages
EVIDENCE_MAX_FILE_MB: SettingKey[float] = _declare(
    "evidence.max_file_mb", DEFAULT_MAX_FILE_MB, float
)
EVIDENCE_GPS_OUTLIER_M: SettingKey[float] = _declare("evidence.gps_outlier_m", 2000, float)
FIELD_MAX_PACKAGE_MB: SettingKey[float] = _declare("field.max_package_mb", 4096, float)
# Per-file limit inside a findings package; None = the evidence limit (evidence.max_file_mb).
FIELD_MAX_ENTRY_MB = _declare("field.max_entry_mb", None, _optional_float)
# Set on an inspector's laptop that opened a campaign package (field mode), empty otherwise.
FIELD_MODE: SettingKey[dict[str, Any]] = _declare("field.mode", {}, _mapping)
# --- backup and sign-in
BACKUP_KEEP = _declare("backup.keep", 14, int)
# The backup key file (e.g. on a USB stick) for PCs without a keyring; "" = the keyring.
BACKUP_KEY_FILE = _declare("backup.key_file", "", _text_or_empty)
# The random id that names this database's backup key; None until the first backup.
DATABASE_ID = _declare("security.database_id", None, _optional_text)
# --- the ledger import's remembered column mappings, by header signature.
LEDGER_IMPORT_MAPPINGS: SettingKey[dict[str, Any]] = _declare(
    "ledger_import.mappings", {}, _mapping
)
MAX_FAILED_LOGINS = _declare("security.max_failed_logins", 5, int)
LOCKOUT_MINUTES = _declare("security.lockout_minutes", 15, int)

# Every default by key (a copy is handed out: callers may change what they get).
DEFAULTS: dict[str, Any] = {key: s.default for key, s in KEYS.items()}


def _declared(key: str) -> SettingKey[Any]:
    try:
        return KEYS[key]
    except KeyError:
        raise KeyError(key) from None


def _stored(session: Session, key: str) -> Setting | None:
    return session.scalar(select(Setting).where(Setting.key == key))


@overload
def get(session: Session, key: SettingKey[T]) -> T: ...
@overload
def get(session: Session, key: str) -> Any: ...
def get(session: Session, key: SettingKey[Any] | str) -> Any:
    """A setting's value, or its default. Given a :class:`SettingKey`, the value as its type;
    given a key string, the value as stored (JSON)."""
    setting = key if isinstance(key, SettingKey) else _declared(key)
    row = _stored(session, setting.key)
    if row is None:
        raw = copy.deepcopy(setting.default)
        return raw if isinstance(key, str) or raw is None else setting.convert(raw)
    if isinstance(key, str):
        return row.value
    return setting.convert(row.value)


def stored(session: Session, key: SettingKey[Any] | str) -> Any:
    """The value the office saved, as stored (JSON), or None where it never saved one."""
    row = _stored(session, key.key if isinstance(key, SettingKey) else _declared(key).key)
    return None if row is None else row.value


def get_all(session: Session) -> dict[str, Any]:
    """Every setting by key, as stored (the defaults where nothing is stored)."""
    values = copy.deepcopy(DEFAULTS)
    for row in session.scalars(select(Setting)):
        values[row.key] = row.value
    return values


def put(session: Session, actor: Actor, key: SettingKey[Any] | str, value: Any) -> None:
    """Change a setting (admin only); recorded in the audit trail."""
    require(actor, Permission.MANAGE_SETTINGS)
    store(session, actor, key, value)


def store(
    session: Session,
    actor: Actor,
    key: SettingKey[Any] | str,
    value: Any,
    *,
    summary: str | None = None,
    audited: tuple[Any, Any] | None = None,
) -> None:
    """Write a setting and audit it, for a caller that checked its own permission (the
    assessment rules need 修改扣分规则, not 修改系统设置).

    ``summary`` and ``audited`` (before, after) replace what the audit entry says by default
    ("修改设置 key" with the old and new values), for a value too large to be worth logging.
    """
    # Not checked against KEYS: a campaign package from another EffDesk version may carry a
    # setting this one does not declare, and keeping it is what the office would expect.
    name = key.key if isinstance(key, SettingKey) else key
    row = _stored(session, name)
    before = row.value if row is not None else DEFAULTS.get(name)
    if row is None:
        row = Setting(key=name, value=value)
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
        summary or f"修改设置 {name}",
        *(audited or ({"value": before}, {"value": value})),
    )


def seed_defaults(session: Session, actor: Actor, values: dict[str, Any]) -> None:
    """Write initial settings at setup (demo, first run) without the admin check."""
    for key, value in values.items():
        store(session, actor, key, value)
