"""The 督查任务包 (office → laptop) format: what it carries and how it is read.

The package carries what an inspector needs offline and nothing more: the campaign, its team,
the units, the persons of the target units (name, description, post — no phone numbers), the
problem categories and the office settings of :data:`CARRIED_SETTINGS`. Everything keeps its
UUID, so the findings coming back can be matched to the office's rows.

:func:`read_campaign_package` opens and checks one whole (nothing is written). Writing one and
opening it into a laptop database are services: :mod:`effdesk.services.inspections.field_export`
and :mod:`effdesk.services.inspections.field_import`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from effdesk.enums import (
    AssessmentCategory,
    CampaignKind,
    CampaignStatus,
    Role,
    TargetStatus,
    UnitKind,
)
from effdesk.field.common import package_limits
from effdesk.field.manifest import (
    CAMPAIGN_FORMAT,
    MANIFEST,
    MANIFEST_SUM,
    Fields,
    ManifestError,
    check_format,
)
from effdesk.field.safezip import SafeZip

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
