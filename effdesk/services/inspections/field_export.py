"""Field packages written: a campaign exported for the laptop, the laptop's findings packed for
the office.

- office → laptop: :func:`export_campaign` writes a 督查任务包 (format:
  :mod:`effdesk.field.campaign_package`): the campaign, its team, the units (all active ones, so
  a finding next door can still be recorded), the persons of the target units (name,
  description, post — no phone numbers) and the problem categories, each with its UUID;
- laptop → office: :func:`pack_findings` writes a 现场数据包 (format:
  :mod:`effdesk.field.findings_package`): the campaign's findings with their persons and
  attachments, the visits, and each evidence file once, hashed again while it is copied.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import new_uuid, now
from effdesk.db.models import (
    Attachment,
    Campaign,
    CampaignTarget,
    Finding,
    Person,
    ProblemCategory,
    StoredFile,
    Unit,
    User,
)
from effdesk.enums import AuditAction, CampaignStatus
from effdesk.errors import NotFound, TransitionNotAllowed
from effdesk.evidence.store import EvidenceStore
from effdesk.field.campaign_package import CARRIED_SETTINGS
from effdesk.field.common import CancelledFn, ProgressFn, atomic_zip, check_cancel
from effdesk.field.findings_package import add_blob
from effdesk.field.manifest import (
    CAMPAIGN_FORMAT,
    FINDINGS_FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_SUM,
    file_entry,
    iso,
)
from effdesk.permissions import Permission, require
from effdesk.services.common import get_or_404
from effdesk.services.inspections._core import field_mode
from effdesk.services.inspections.campaigns import find_campaign

# --------------------------------------------------------------------------- office → laptop


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
    _exported(
        session,
        actor,
        c,
        f"导出督查任务包：{c.name}（{len(units)} 个单位，{len(persons)} 名人员）",
        package_uuid,
        out,
    )
    return CampaignExport(
        path=Path(out),
        campaign_name=c.name,
        units=len(units),
        persons=len(persons),
        members=len(members),
        size=Path(out).stat().st_size,
    )


# --------------------------------------------------------------------------- laptop → office


@dataclass(frozen=True)
class PackResult:
    path: Path
    package_uuid: str
    campaign_name: str
    findings: int
    files: int
    size: int

    def summary(self) -> str:
        return (
            f"已生成现场数据包「{self.path.name}」：活动「{self.campaign_name}」，"
            f"问题 {self.findings} 条，证据文件 {self.files} 个，共 {self.size / 1024 / 1024:.1f} MB。"
            "请将此文件带回办公室导入。"
        )


def field_campaign(session: Session, actor: Actor, ref: str | int | None) -> Campaign:
    """The campaign to pack: ``ref`` if given, else the one campaign opened on this laptop."""
    if ref is not None:
        return find_campaign(session, actor, ref)
    mode = field_mode(session)
    if mode is None:
        raise NotFound("本数据库不是现场数据库（尚未打开督查任务包），没有可打包的现场记录。")
    entries = mode["campaigns"]
    uuid = entries[-1]["uuid"]
    if len(entries) > 1:
        names = "、".join(f"「{e.get('name', '')}」" for e in entries)
        raise NotFound(f"本机打开了多个督查活动（{names}），请指定要打包的活动。")
    return find_campaign(session, actor, uuid)


def pack_findings(
    session: Session,
    actor: Actor,
    store: EvidenceStore,
    out: Path,
    campaign_ref: str | int | None = None,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
) -> PackResult:
    """Write the campaign's findings and their evidence files to ``out`` (a zip)."""
    require(actor, Permission.RECORD_FINDINGS)
    c = field_campaign(session, actor, campaign_ref)
    findings = session.scalars(
        select(Finding).where(Finding.campaign_id == c.id).order_by(Finding.id)
    ).all()
    units = {u.id: u.uuid for u in session.scalars(select(Unit))}
    persons = {p.id: p.uuid for p in session.scalars(select(Person))}
    categories = {cat.id: cat.code for cat in session.scalars(select(ProblemCategory))}
    users = {u.id: u.username for u in session.scalars(select(User))}
    files: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    for f in findings:
        atts = session.execute(
            select(Attachment, StoredFile)
            .join(StoredFile, StoredFile.id == Attachment.file_id)
            .where(Attachment.finding_id == f.id)
            .order_by(Attachment.sort_order, Attachment.id)
        ).all()
        attachments = []
        for a, sf in atts:
            files[sf.sha256] = sf.size
            attachments.append(
                {
                    "uuid": a.uuid,
                    "sha256": sf.sha256,
                    "size": sf.size,
                    "path": file_entry(sf.sha256),
                    "original_name": a.original_name,
                    "caption": a.caption,
                    "mime": sf.mime,
                    "media_kind": sf.media_kind.value,
                    "width": sf.width,
                    "height": sf.height,
                    "captured_at": iso(sf.captured_at),
                    "gps_lat": sf.gps_lat,
                    "gps_lon": sf.gps_lon,
                    "camera": sf.camera,
                    "flags": list(a.flags or []),
                    "imported_at": iso(a.imported_at),
                }
            )
        entries.append(
            {
                "uuid": f.uuid,
                "unit_uuid": units[f.unit_id],
                "place": f.place,
                "observed_at": iso(f.observed_at),
                "category_code": categories.get(f.category_id) if f.category_id else None,
                "description": f.description,
                "status": f.status.value,
                "proposed_measure": f.proposed_measure.value if f.proposed_measure else None,
                "rectification_required": f.rectification_required,
                "verification_note": f.verification_note,
                "recorded_by": users.get(f.recorded_by_id) if f.recorded_by_id else None,
                "recorded_at": iso(f.created_at),
                "persons": [
                    {
                        "uuid": p.uuid,
                        "person_uuid": persons.get(p.person_id) if p.person_id else None,
                        "description": p.description,
                    }
                    for p in f.persons
                ],
                "attachments": attachments,
            }
        )
    targets = session.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == c.id))
    package_uuid = new_uuid()
    manifest = {
        "format": FINDINGS_FORMAT,
        "format_version": FORMAT_VERSION,
        "package_uuid": package_uuid,
        "campaign_uuid": c.uuid,
        "campaign_name": c.name,
        "created_at": iso(now()),
        "created_by": actor.username,
        "findings": entries,
        "targets": [
            {
                "unit_uuid": units[t.unit_id],
                "status": t.status.value,
                "visited_at": iso(t.visited_at),
                "notes": t.notes,
            }
            for t in targets
        ],
    }
    total = len(files)
    with atomic_zip(out) as zf:
        zf.writestr(
            MANIFEST,
            json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for i, (sha, size) in enumerate(sorted(files.items())):
            check_cancel(cancelled, "已取消，未生成数据包。")
            if progress:
                progress(i, total, sha[:12])
            add_blob(zf, store, sha, size)
    if progress:
        progress(total, total, "")
    _exported(
        session,
        actor,
        c,
        f"生成现场数据包：{c.name}（问题 {len(entries)} 条，文件 {total} 个）",
        package_uuid,
        out,
    )
    return PackResult(
        path=Path(out),
        package_uuid=package_uuid,
        campaign_name=c.name,
        findings=len(entries),
        files=total,
        size=Path(out).stat().st_size,
    )


def _exported(
    session: Session, actor: Actor, c: Campaign, text: str, package_uuid: str, out: Path
) -> None:
    """The audit entry of a package written: which package, to which file."""
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "campaign",
        c.uuid,
        text,
        None,
        {"package_uuid": package_uuid, "file": Path(out).name},
    )
