"""What the setup wizard saves: an office's first day, Qt-free.

The wizard (``effdesk/ui/setup/wizard.py``) collects a :class:`SetupData` and hands it to
:func:`apply_setup`, which checks everything first and then writes the office settings, the
first administrator and the typed-in directory in the caller's transaction: nothing is
half-written when a field is wrong.

An office "is configured" once an administrator exists or the office name was saved
(:func:`needs_setup`): the wizard is shown on a first start before the login.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import User
from effdesk.enums import AssessmentCategory, DocumentType, Role, UnitKind
from effdesk.errors import EffDeskError, FieldProblem, ValidationErrors
from effdesk.permissions import Permission, require
from effdesk.services import directory, users

SEAL_KEY = settings.OFFICE_SEAL_PNG.key  # base64 PNG/JPEG of the official seal, "" when none
PRINTING_OFFICE_KEY = settings.OFFICE_PRINTING_OFFICE.key  # 印发机关 in the colophon
KEY_FILE_KEY = settings.BACKUP_KEY_FILE.key  # the backup key file on a USB stick (no keyring)
SEAL_MAX_BYTES = 2 * 1024 * 1024

DEADLINE_FIELDS: tuple[tuple[str, str, int, int], ...] = (
    ("deadline.acceptance_days", "受理决定时限（工作日）", 1, 30),
    ("conclusion.simple", "简易件办结时限（工作日）", 1, 60),
    ("conclusion.normal", "一般件办结时限（工作日）", 1, 90),
    ("conclusion.complex", "复杂件办结时限（工作日）", 1, 180),
    ("deadline.extension_max_days", "延期上限（工作日）", 0, 60),
    ("deadline.reply_days", "办结后反馈时限（工作日）", 1, 60),
    ("deadline.near_days", "临期提醒（剩余工作日）", 0, 30),
    ("deadline.rectification_days", "整改时限（工作日）", 1, 180),
)


@dataclass
class OfficeInfo:
    name: str
    county: str
    authority_mark: str
    short_name: str = ""
    printing_office: str = ""
    phone: str = ""


@dataclass
class AdminInput:
    username: str
    display_name: str
    password: str
    confirm: str


@dataclass
class PersonEntry:
    name: str
    post: str = ""
    phone: str = ""


@dataclass
class UnitEntry:
    name: str
    kind: UnitKind = UnitKind.DEPARTMENT
    category: AssessmentCategory = AssessmentCategory.FIRST
    persons: list[PersonEntry] = field(default_factory=list)


@dataclass
class SetupData:
    office: OfficeInfo
    complaint_prefix: str
    document_prefixes: dict[str, str]
    deadlines: dict[str, int]
    seal_image: bytes | None = None
    admin: AdminInput | None = None
    units: list[UnitEntry] = field(default_factory=list)


@dataclass(frozen=True)
class SetupResult:
    admin_username: str | None
    units: int
    persons: int


def needs_setup(session: Session) -> bool:
    """True on a database no office has set up yet: no users and no saved office name."""
    return not users.has_users(session) and not settings.stored(session, settings.OFFICE_NAME)


def current(session: Session) -> SetupData:
    """What the wizard starts from: the saved values, else the defaults (DOMAIN.md)."""
    values = settings.get_all(session)
    conclusion = dict(values["deadline.conclusion_days"])
    deadlines = {
        "deadline.acceptance_days": int(values["deadline.acceptance_days"]),
        "conclusion.simple": int(conclusion.get("simple", 5)),
        "conclusion.normal": int(conclusion.get("normal", 15)),
        "conclusion.complex": int(conclusion.get("complex", 30)),
        "deadline.extension_max_days": int(values["deadline.extension_max_days"]),
        "deadline.reply_days": int(values["deadline.reply_days"]),
        "deadline.near_days": int(values["deadline.near_days"]),
        "deadline.rectification_days": int(values["deadline.rectification_days"]),
    }
    configured = settings.stored(session, settings.OFFICE_NAME) is not None

    def text(key: str) -> str:
        # A first start shows empty fields, not the "××县" placeholders.
        return str(values.get(key) or "") if configured else ""

    return SetupData(
        office=OfficeInfo(
            name=text("office.name"),
            county=text("office.county"),
            authority_mark=text("office.authority_mark"),
            short_name=text("office.short_name"),
            printing_office=str(settings.stored(session, PRINTING_OFFICE_KEY) or ""),
            phone=text("office.phone"),
        ),
        complaint_prefix=str(values["complaint.number_prefix"]),
        document_prefixes={str(k): str(v) for k, v in dict(values["document.prefixes"]).items()},
        deadlines=deadlines,
        seal_image=seal_image(session),
    )


def printing_office(session: Session) -> str:
    """印发机关 for a new document's colophon: the wizard's choice, else the office name."""
    return str(
        settings.stored(session, PRINTING_OFFICE_KEY) or settings.get(session, settings.OFFICE_NAME)
    )


def seal_image(session: Session) -> bytes | None:
    raw = settings.stored(session, SEAL_KEY)
    return base64.b64decode(raw) if isinstance(raw, str) and raw else None


def read_seal_file(path: Path) -> bytes:
    """The seal image file's bytes; a PNG or JPEG of at most 2 MB."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EffDeskError(f"无法读取印章图片 {path}：{exc.strerror or exc}") from exc
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise EffDeskError(f"印章图片 {path.name} 不是 PNG 或 JPEG 图片。")
    if len(data) > SEAL_MAX_BYTES:
        raise EffDeskError(f"印章图片 {path.name} 超过2MB，请缩小后再选。")
    return data


def problems(session: Session, data: SetupData) -> list[FieldProblem]:
    """Everything wrong with ``data`` (field names are the wizard's field keys)."""
    out: list[FieldProblem] = []
    office = data.office
    for key, value, label in (
        ("office.name", office.name, "单位全称"),
        ("office.county", office.county, "县（市、区）名"),
        ("office.authority_mark", office.authority_mark, "发文机关标志"),
        ("complaint.number_prefix", data.complaint_prefix, "投诉编号前缀"),
    ):
        if not value.strip():
            out.append(FieldProblem(key, f"请填写{label}。"))
        elif len(value.strip()) > 120:
            out.append(FieldProblem(key, f"{label}不能超过120个字。"))
    for doc_type in DocumentType:
        if not data.document_prefixes.get(doc_type.value, "").strip():
            out.append(
                FieldProblem(
                    f"prefix.{doc_type.value}", f"请填写「{doc_type.label}」的发文字号前缀。"
                )
            )
    for key, label, low, high in DEADLINE_FIELDS:
        days = data.deadlines.get(key)
        if days is None or not low <= int(days) <= high:
            out.append(FieldProblem(key, f"{label}应在{low}至{high}之间。"))
    if data.admin is not None:
        admin = data.admin
        if not admin.username.strip():
            out.append(FieldProblem("admin.username", "请填写管理员用户名。"))
        if not admin.display_name.strip():
            out.append(FieldProblem("admin.display_name", "请填写管理员姓名。"))
        for msg in users.password_problems(admin.username, admin.password):
            out.append(FieldProblem("admin.password", msg))
        if admin.password != admin.confirm:
            out.append(FieldProblem("admin.confirm", "两次输入的密码不一致。"))
    seen: set[str] = set()
    for i, unit in enumerate(data.units, start=1):
        name = unit.name.strip()
        if not name:
            out.append(FieldProblem("units", f"单位表第{i}行：单位名称不能为空。"))
        elif name in seen:
            out.append(FieldProblem("units", f"单位表第{i}行：单位「{name}」重复。"))
        seen.add(name)
        for j, person in enumerate(unit.persons, start=1):
            if not person.name.strip():
                out.append(FieldProblem("units", f"单位「{name}」的第{j}名人员：姓名不能为空。"))
    return out


def apply_setup(session: Session, actor: Actor, data: SetupData) -> SetupResult:
    """Save the wizard's answers in ``session`` (the caller commits; errors roll back)."""
    found = problems(session, data)
    if found:
        raise ValidationErrors(found)
    office = data.office
    d = data.deadlines
    values: dict[str, Any] = {
        "office.name": office.name.strip(),
        "office.county": office.county.strip(),
        "office.authority_mark": office.authority_mark.strip(),
        "office.short_name": office.short_name.strip() or office.name.strip(),
        "office.phone": office.phone.strip(),
        PRINTING_OFFICE_KEY: office.printing_office.strip() or office.name.strip(),
        "complaint.number_prefix": data.complaint_prefix.strip(),
        "document.prefixes": {k: v.strip() for k, v in data.document_prefixes.items()},
        "deadline.acceptance_days": int(d["deadline.acceptance_days"]),
        "deadline.conclusion_days": {
            "simple": int(d["conclusion.simple"]),
            "normal": int(d["conclusion.normal"]),
            "complex": int(d["conclusion.complex"]),
        },
        "deadline.extension_max_days": int(d["deadline.extension_max_days"]),
        "deadline.reply_days": int(d["deadline.reply_days"]),
        "deadline.near_days": int(d["deadline.near_days"]),
        "deadline.rectification_days": int(d["deadline.rectification_days"]),
        SEAL_KEY: base64.b64encode(data.seal_image).decode("ascii") if data.seal_image else "",
    }
    changed = {k: v for k, v in values.items() if settings.stored(session, k) != v}
    # Before the first admin exists only the system actor can write; afterwards the
    # wizard runs from 系统设置 as the logged-in admin and settings.put checks the right.
    if users.has_users(session):
        for key, value in changed.items():
            settings.put(session, actor, key, value)
    else:
        settings.seed_defaults(session, actor, changed)

    admin_name: str | None = None
    if data.admin is not None:
        admin = data.admin
        user, _plain = users.create_user(
            session,
            actor,
            users.UserInput(
                username=admin.username,
                display_name=admin.display_name,
                roles={Role.ADMIN},
            ),
            password=admin.password,
        )
        # The admin chose this password just now: no forced change at the first login.
        user.must_change_password = False
        admin_name = user.username
    persons = 0
    for unit_entry in data.units:
        unit = directory.create_unit(
            session,
            actor,
            directory.UnitInput(
                name=unit_entry.name.strip(), kind=unit_entry.kind, category=unit_entry.category
            ),
        )
        for p in unit_entry.persons:
            directory.create_person(
                session,
                actor,
                directory.PersonInput(
                    unit_id=unit.id, name=p.name.strip(), post=p.post.strip(), phone=p.phone
                ),
            )
            persons += 1
    session.flush()
    return SetupResult(admin_name, len(data.units), persons)


def admin_exists(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def remember_key_file(session: Session, actor: Actor, path: Path) -> None:
    """Where the backup key file lives (a USB stick): used by every backup of the office."""
    require(actor, Permission.BACKUP)
    settings.store(session, actor, KEY_FILE_KEY, str(path))


def new_office_database_path(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist yet (a first start), else None."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    path = Path(u.database)
    return None if path.exists() else path


def create_office_database(url: str) -> Database:
    """The setup wizard's own, explicit creation of a new office database at ``url``.

    One of the few places allowed to create a database (with ``effdesk demo`` and
    ``effdesk db upgrade``); everything else opens an existing one.
    """
    path = new_office_database_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return open_database(url, create=True)


def demo_data_dir(base: Path) -> Path:
    """The demo office's own data folder, never the real office's."""
    return base / "demo"
