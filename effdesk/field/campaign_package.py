"""Office → laptop: a campaign exported to a 督查任务包, opened on a laptop in field mode.

The package carries what an inspector needs offline and nothing more: the campaign, its team,
the units (all active ones, so a finding next door can still be recorded), the persons of the
target units (name, description, post — no phone numbers) and the problem categories.
Everything keeps its UUID, so the findings coming back can be matched to the office's rows.

Opening it on the laptop upserts all of that by UUID and marks the database as a field
database (setting ``field.mode``); an office database refuses to be turned into one.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import new_uuid, now
from effdesk.db.models import (
    Campaign,
    CampaignMember,
    CampaignTarget,
    Person,
    ProblemCategory,
    Unit,
    User,
    UserRole,
)
from effdesk.enums import (
    AssessmentCategory,
    AuditAction,
    CampaignKind,
    CampaignStatus,
    Role,
    TargetStatus,
    UnitKind,
)
from effdesk.errors import PackageRejected, TransitionNotAllowed
from effdesk.field.common import atomic_zip, package_limits
from effdesk.field.manifest import (
    CAMPAIGN_FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_SUM,
    Fields,
    ManifestError,
    check_format,
    iso,
)
from effdesk.field.safezip import SafeZip
from effdesk.permissions import Permission, require
from effdesk.security.passwords import generate_password, hash_password
from effdesk.services import inspections
from effdesk.services.common import get_or_404
from effdesk.textutil import pinyin_key

WHAT = "督查任务包"
# Office settings a laptop needs to behave like the office (limits, flags, report header).
CARRIED_SETTINGS = (
    "office.name",
    "office.short_name",
    "office.county",
    "evidence.max_file_mb",
    "evidence.gps_outlier_m",
)
# Roles a team member keeps on the laptop: administration stays in the office.
FIELD_ROLES = frozenset({Role.INSPECTOR, Role.LEADER, Role.CLERK})


@dataclass(frozen=True)
class CampaignExport:
    path: Path
    campaign_name: str
    units: int
    persons: int
    members: int
    size: int

    def summary(self) -> str:
        return (
            f"已导出督查任务包「{self.path.name}」：活动「{self.campaign_name}」，"
            f"单位 {self.units} 个，人员 {self.persons} 名，督查组成员 {self.members} 人。"
        )


def export_campaign(session: Session, actor: Actor, campaign_id: int, out: Path) -> CampaignExport:
    """Write the campaign and the directory subset it needs to ``out`` (a zip)."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    c = get_or_404(session.get(Campaign, campaign_id), "该督查活动")
    if c.status is CampaignStatus.CANCELLED:
        raise TransitionNotAllowed(f"督查活动「{c.name}」已取消，不能导出任务包。")
    target_ids = {t.unit_id for t in c.targets}
    units = session.scalars(
        select(Unit)
        .where((Unit.active.is_(True)) | (Unit.id.in_(target_ids or {-1})))
        .order_by(Unit.id)
    ).all()
    unit_uuid = {u.id: u.uuid for u in units}
    persons = session.scalars(
        select(Person)
        .where(Person.unit_id.in_(target_ids or {-1}), Person.active.is_(True))
        .order_by(Person.id)
    ).all()
    categories = session.scalars(select(ProblemCategory).order_by(ProblemCategory.id)).all()
    members = [m.user for m in c.members]
    leader = session.get(User, c.leader_id) if c.leader_id else None
    package_uuid = new_uuid()
    manifest: dict[str, Any] = {
        "format": CAMPAIGN_FORMAT,
        "format_version": FORMAT_VERSION,
        "package_uuid": package_uuid,
        "created_at": iso(now()),
        "created_by": actor.username,
        "settings": {k: settings.get(session, k) for k in CARRIED_SETTINGS},
        "campaign": {
            "uuid": c.uuid,
            "name": c.name,
            "kind": c.kind.value,
            "theme": c.theme,
            "start_date": iso(c.start_date),
            "end_date": iso(c.end_date),
            "status": c.status.value,
            "description": c.description,
            "leader": leader.username if leader else None,
        },
        "members": [
            {
                "uuid": u.uuid,
                "username": u.username,
                "display_name": u.display_name,
                "roles": sorted(r.value for r in u.role_set),
            }
            for u in members
        ],
        "units": [
            {
                "uuid": u.uuid,
                "name": u.name,
                "short_name": u.short_name,
                "kind": u.kind.value,
                "category": u.category.value,
                "parent_uuid": unit_uuid.get(u.parent_id) if u.parent_id else None,
                "address": u.address,
                "active": u.active,
                "sort_order": u.sort_order,
            }
            for u in units
        ],
        "persons": [
            {
                "uuid": p.uuid,
                "unit_uuid": unit_uuid[p.unit_id],
                "name": p.name,
                "description": p.description,
                "post": p.post,
            }
            for p in persons
        ],
        "categories": [
            {
                "uuid": cat.uuid,
                "code": cat.code,
                "name": cat.name,
                "sort_order": cat.sort_order,
                "active": cat.active,
            }
            for cat in categories
        ],
        "targets": [
            {
                "uuid": t.uuid,
                "unit_uuid": unit_uuid[t.unit_id],
                "status": t.status.value,
                "visited_at": iso(t.visited_at),
                "notes": t.notes,
            }
            for t in c.targets
        ],
    }
    raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    with atomic_zip(out) as zf:
        zf.writestr(MANIFEST, raw, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(MANIFEST_SUM, hashlib.sha256(raw).hexdigest() + "\n")
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "campaign",
        c.uuid,
        f"导出督查任务包：{c.name}（{len(units)} 个单位，{len(persons)} 名人员）",
        None,
        {"package_uuid": package_uuid, "file": Path(out).name},
    )
    return CampaignExport(
        path=Path(out),
        campaign_name=c.name,
        units=len(units),
        persons=len(persons),
        members=len(members),
        size=Path(out).stat().st_size,
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class PkgUnit:
    uuid: str
    name: str
    short_name: str
    kind: UnitKind
    category: AssessmentCategory
    parent_uuid: str | None
    address: str
    active: bool
    sort_order: int


@dataclass(frozen=True)
class PkgPerson:
    uuid: str
    unit_uuid: str
    name: str
    description: str
    post: str


@dataclass(frozen=True)
class PkgCategory:
    uuid: str
    code: str
    name: str
    sort_order: int
    active: bool


@dataclass(frozen=True)
class PkgMember:
    uuid: str
    username: str
    display_name: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class PkgTarget:
    uuid: str
    unit_uuid: str
    status: TargetStatus
    visited_at: datetime | None
    notes: str


@dataclass(frozen=True)
class CampaignPackage:
    package_uuid: str
    created_at: datetime
    settings: dict[str, Any]
    uuid: str
    name: str
    kind: CampaignKind
    theme: str
    start_date: date
    end_date: date
    status: CampaignStatus
    description: str
    leader: str | None
    members: tuple[PkgMember, ...]
    units: tuple[PkgUnit, ...]
    persons: tuple[PkgPerson, ...]
    categories: tuple[PkgCategory, ...]
    targets: tuple[PkgTarget, ...]


def _parse(m: Fields) -> CampaignPackage:
    c = m.obj("campaign")
    raw_settings = m.value.get("settings") or {}
    if not isinstance(raw_settings, dict):
        raise ManifestError("settings", "应为对象")
    units = tuple(
        PkgUnit(
            uuid=u.uuid("uuid"),
            name=u.text("name", max_len=100),
            short_name=u.text("short_name", optional=True, max_len=40),
            kind=u.req_enum("kind", UnitKind),
            category=u.req_enum("category", AssessmentCategory),
            parent_uuid=u.opt_uuid("parent_uuid"),
            address=u.text("address", optional=True, max_len=200),
            active=u.flag("active", True),
            sort_order=u.integer("sort_order", minimum=-(10**9), optional=True) or 0,
        )
        for u in m.objects("units")
    )
    unit_uuids = {u.uuid for u in units}
    persons = []
    for p in m.objects("persons", optional=True):
        person = PkgPerson(
            uuid=p.uuid("uuid"),
            unit_uuid=p.uuid("unit_uuid"),
            name=p.text("name", optional=True, max_len=40),
            description=p.text("description", optional=True, max_len=200),
            post=p.text("post", optional=True, max_len=60),
        )
        if person.unit_uuid not in unit_uuids:
            raise ManifestError(p.where, "所属单位不在任务包中")
        if not person.name and not person.description:
            raise ManifestError(p.where, "既无姓名也无描述")
        persons.append(person)
    targets = []
    for t in m.objects("targets"):
        target = PkgTarget(
            uuid=t.uuid("uuid"),
            unit_uuid=t.uuid("unit_uuid"),
            status=t.req_enum("status", TargetStatus),
            visited_at=t.when("visited_at", optional=True),
            notes=t.text("notes", optional=True),
        )
        if target.unit_uuid not in unit_uuids:
            raise ManifestError(t.where, "检查对象单位不在任务包中")
        targets.append(target)
    members = tuple(
        PkgMember(
            uuid=u.uuid("uuid"),
            username=u.text("username", max_len=40),
            display_name=u.text("display_name", max_len=40),
            roles=frozenset(
                r for r in Role if r.value in set(u.texts("roles")) and r in FIELD_ROLES
            ),
        )
        for u in m.objects("members", optional=True)
    )
    start, end = c.day("start_date"), c.day("end_date")
    if end < start:
        raise ManifestError("campaign.end_date", "早于开始日期")
    return CampaignPackage(
        package_uuid=m.uuid("package_uuid"),
        created_at=m.req_when("created_at"),
        settings={k: v for k, v in raw_settings.items() if k in CARRIED_SETTINGS},
        uuid=c.uuid("uuid"),
        name=c.text("name", max_len=120),
        kind=c.req_enum("kind", CampaignKind),
        theme=c.text("theme", optional=True, max_len=120),
        start_date=start,
        end_date=end,
        status=c.req_enum("status", CampaignStatus),
        description=c.text("description", optional=True),
        leader=c.opt_text("leader", max_len=40),
        members=members,
        units=units,
        persons=tuple(persons),
        categories=tuple(
            PkgCategory(
                uuid=x.uuid("uuid"),
                code=x.text("code", max_len=40),
                name=x.text("name", max_len=60),
                sort_order=x.integer("sort_order", minimum=-(10**9), optional=True) or 0,
                active=x.flag("active", True),
            )
            for x in m.objects("categories", optional=True)
        ),
        targets=tuple(targets),
    )


def read_campaign_package(session: Session, path: Path) -> CampaignPackage:
    """Open and check a 督查任务包 completely; nothing is written."""
    with SafeZip(Path(path), package_limits(session), WHAT) as sz:
        names = sz.file_names()
        extra = sorted(names - {MANIFEST, MANIFEST_SUM})
        if extra:
            raise sz.reject(f"包含任务包不应有的文件：{'、'.join(extra[:10])}。")
        if sz.dir_names():
            raise sz.reject(f"包含任务包不应有的目录：{'、'.join(sorted(sz.dir_names())[:10])}。")
        if MANIFEST not in names:
            raise sz.reject("缺少清单 manifest.json。")
        raw = sz.read_bytes(MANIFEST, 64 * 1024 * 1024)
        if MANIFEST_SUM not in names:
            raise sz.reject("缺少清单校验值 manifest.sha256。")
        expected = sz.read_bytes(MANIFEST_SUM, 1024).decode("ascii", "replace").strip().lower()
        if hashlib.sha256(raw).hexdigest() != expected:
            raise sz.reject("清单的 SHA-256 与校验值不符，任务包已损坏或被改动。")
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise sz.reject(f"清单 manifest.json 不是有效的 JSON（{exc}）。") from None
        fields = check_format(manifest, CAMPAIGN_FORMAT, sz.reject)
        try:
            return _parse(fields)
        except ManifestError as exc:
            raise sz.reject(f"{exc}。") from None


# --------------------------------------------------------------------------- opening


@dataclass
class FieldOpenResult:
    campaign_id: int
    campaign_name: str
    created: bool
    units: int = 0
    persons: int = 0
    categories: int = 0
    # Team members created on this laptop → their one-time password (shown once).
    new_users: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        verb = "已打开" if self.created else "已更新"
        text = (
            f"{verb}现场任务：「{self.campaign_name}」。单位 {self.units} 个，人员 {self.persons} 名，"
            f"问题类别 {self.categories} 个。本数据库现为现场模式。"
        )
        if self.new_users:
            accounts = "；".join(f"{u} 一次性密码 {p}" for u, p in self.new_users.items())
            text += f"\n已为督查组成员创建本机账户（首次登录须修改密码）：{accounts}"
        return text


def open_campaign_package(session: Session, actor: Actor, path: Path) -> FieldOpenResult:
    """Load a 督查任务包 into this (laptop) database and switch it to field mode.

    Re-opening a newer package of the same campaign updates the plan and keeps everything
    recorded on the laptop.
    """
    require(actor, Permission.IMPORT_FIELD_PACKAGE)
    pkg = read_campaign_package(session, path)
    mode = inspections.field_mode(session)
    existing = session.scalar(select(Campaign).where(Campaign.uuid == pkg.uuid))
    if existing is not None and mode is None:
        raise PackageRejected(
            f"督查活动「{existing.name}」正是在本数据库中制定的：这是办公室数据库，"
            "不能作为现场数据库打开任务包。请在笔记本电脑上使用单独的数据库。"
        )
    unit_ids = _upsert_units(session, pkg)
    person_count = _upsert_persons(session, pkg, unit_ids)
    _upsert_categories(session, pkg)
    new_users, user_ids = _upsert_members(session, actor, pkg)
    created = existing is None
    c = existing or Campaign(uuid=pkg.uuid, created_by_id=actor.user_id)
    before = None if created else audit.snapshot(c, inspections.CAMPAIGN_FIELDS)
    c.name = pkg.name
    c.kind = pkg.kind
    c.theme = pkg.theme
    c.start_date = pkg.start_date
    c.end_date = pkg.end_date
    c.description = pkg.description
    if created or c.status is CampaignStatus.PLANNED:
        c.status = pkg.status
    leader_id = user_ids.get(pkg.leader) if pkg.leader else None
    c.leader_id = leader_id
    if created:
        session.add(c)
    session.flush()
    have_members = {m.user_id for m in c.members}
    for uid in user_ids.values():
        if uid not in have_members:
            c.members.append(CampaignMember(user_id=uid))
    have_targets = {t.unit_id: t for t in c.targets}
    for t in pkg.targets:
        uid = unit_ids[t.unit_uuid]
        if uid not in have_targets:
            # Progress already recorded in the office travels with the plan.
            c.targets.append(
                CampaignTarget(
                    uuid=t.uuid,
                    unit_id=uid,
                    status=t.status,
                    visited_at=t.visited_at,
                    notes=t.notes,
                )
            )
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.IMPORT,
        "campaign",
        c.uuid,
        f"打开现场任务包：{c.name}",
        before,
        audit.snapshot(c, inspections.CAMPAIGN_FIELDS),
    )
    _mark_field_mode(session, actor, pkg, mode, Path(path).name)
    return FieldOpenResult(
        campaign_id=c.id,
        campaign_name=c.name,
        created=created,
        units=len(pkg.units),
        persons=person_count,
        categories=len(pkg.categories),
        new_users=new_users,
    )


def _upsert_units(session: Session, pkg: CampaignPackage) -> dict[str, int]:
    by_uuid = {u.uuid: u for u in session.scalars(select(Unit))}
    by_name = {u.name: u for u in by_uuid.values()}
    ids: dict[str, int] = {}
    for pu in pkg.units:
        unit = by_uuid.get(pu.uuid)
        if unit is None:
            unit = by_name.get(pu.name)
            if unit is not None:
                # A unit typed in on the laptop before: adopt the office's identity for it.
                unit.uuid = pu.uuid
            else:
                unit = Unit(uuid=pu.uuid)
                session.add(unit)
        elif unit.name != pu.name and pu.name in by_name and by_name[pu.name] is not unit:
            raise PackageRejected(
                f"本机已有另一个名为「{pu.name}」的单位，无法与任务包对应。请使用新的现场数据库。"
            )
        unit.name = pu.name
        unit.short_name = pu.short_name
        unit.kind = pu.kind
        unit.category = pu.category
        unit.address = pu.address
        unit.active = pu.active
        unit.sort_order = pu.sort_order
        unit.pinyin = f"{pinyin_key(unit.name)} {pinyin_key(unit.short_name)}".strip()
        by_uuid[pu.uuid] = unit
        by_name[pu.name] = unit
    session.flush()
    for pu in pkg.units:
        unit = by_uuid[pu.uuid]
        unit.parent_id = by_uuid[pu.parent_uuid].id if pu.parent_uuid in by_uuid else None
        ids[pu.uuid] = unit.id
    session.flush()
    return ids


def _upsert_persons(session: Session, pkg: CampaignPackage, unit_ids: dict[str, int]) -> int:
    uuids = [p.uuid for p in pkg.persons]
    existing = {
        p.uuid: p for p in session.scalars(select(Person).where(Person.uuid.in_(uuids or [""])))
    }
    for pp in pkg.persons:
        person = existing.get(pp.uuid)
        if person is None:
            person = Person(uuid=pp.uuid)
            session.add(person)
        person.unit_id = unit_ids[pp.unit_uuid]
        person.name = pp.name
        person.description = pp.description
        person.post = pp.post
        person.active = True
        person.pinyin = f"{pinyin_key(pp.name)} {pinyin_key(pp.post)}".strip()
    session.flush()
    return len(pkg.persons)


def _upsert_categories(session: Session, pkg: CampaignPackage) -> None:
    rows = list(session.scalars(select(ProblemCategory)))
    by_uuid = {c.uuid: c for c in rows}
    by_code = {c.code: c for c in rows}
    by_name = {c.name: c for c in rows}
    # Two passes, codes and names moved aside first, so a renamed category cannot collide
    # with another row's old name inside the unique constraint.
    resolved: list[tuple[PkgCategory, ProblemCategory]] = []
    for pc in pkg.categories:
        cat = by_uuid.get(pc.uuid) or by_code.get(pc.code) or by_name.get(pc.name)
        if cat is None:
            cat = ProblemCategory(uuid=pc.uuid, code=f"tmp-{pc.uuid[:30]}", name=f"tmp-{pc.uuid}")
            session.add(cat)
        else:
            cat.code = f"tmp-{pc.uuid[:30]}"
            cat.name = f"tmp-{pc.uuid}"
        resolved.append((pc, cat))
    session.flush()
    for pc, cat in resolved:
        cat.uuid = pc.uuid
        cat.code = pc.code
        cat.name = pc.name
        cat.sort_order = pc.sort_order
        cat.active = pc.active
    session.flush()


def _upsert_members(
    session: Session, actor: Actor, pkg: CampaignPackage
) -> tuple[dict[str, str], dict[str, int]]:
    new_users: dict[str, str] = {}
    ids: dict[str, int] = {}
    for m in pkg.members:
        username = m.username.strip().lower()
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            password = generate_password()
            user = User(
                uuid=m.uuid,
                username=username,
                display_name=m.display_name or username,
                password_hash=hash_password(password),
                must_change_password=True,
            )
            user.roles = [UserRole(role=r) for r in sorted(m.roles or {Role.INSPECTOR})]
            session.add(user)
            session.flush()
            audit.record(
                session,
                actor,
                AuditAction.CREATE,
                "user",
                user.uuid,
                f"现场任务包：创建督查组成员账户 {username}（一次性密码，首次登录须修改）",
                None,
                {"username": username, "roles": sorted(r.value for r in user.role_set)},
            )
            new_users[username] = password
        ids[username] = user.id
    return new_users, ids


def _mark_field_mode(
    session: Session,
    actor: Actor,
    pkg: CampaignPackage,
    mode: dict[str, Any] | None,
    file_name: str,
) -> None:
    entries = [e for e in (mode or {}).get("campaigns", []) if e.get("uuid") != pkg.uuid]
    entries.append(
        {
            "uuid": pkg.uuid,
            "name": pkg.name,
            "package_uuid": pkg.package_uuid,
            "package_created_at": iso(pkg.created_at),
            "opened_at": iso(now()),
            "file": file_name,
        }
    )
    values: dict[str, Any] = {inspections.FIELD_MODE_KEY: {"campaigns": entries}}
    # The office's own settings fill a fresh laptop; settings changed on it are kept.
    for key, value in pkg.settings.items():
        if mode is None:
            values[key] = value
    settings.seed_defaults(session, actor, values)
