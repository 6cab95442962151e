"""Laptop → office: the findings recorded in the field, packed with their evidence files.

``pack_findings`` (laptop) writes ``manifest.json`` — the campaign's UUID, every finding with
its persons and attachments (SHA-256, size, original name, EXIF facts) and the visits — and
each evidence file once, as ``files/<sha256>``.

``import_findings_package`` (office) checks EVERYTHING before writing anything: the zip's
entries (see :mod:`effdesk.field.safezip`), the manifest, that the files present are exactly
the files listed, each file's SHA-256 re-computed while streaming it out of the zip, that the
campaign, units, persons and categories are this office's. Only then does it write, in the
caller's transaction: findings already present are skipped (importing twice changes nothing),
new attachments go through the evidence service. Any error raises :class:`PackageRejected`
and the transaction is rolled back; blobs stored before the error are unreferenced and
removed by the evidence store's garbage collection.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
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
from effdesk.enums import (
    AuditAction,
    FindingStatus,
    MeasureType,
    MediaKind,
    Role,
    TargetStatus,
)
from effdesk.errors import NotFound, PackageRejected, ValidationErrors
from effdesk.evidence.media import BadEvidenceFile, inspect_file
from effdesk.evidence.store import CHUNK, EvidenceStore
from effdesk.field.common import (
    CancelledFn,
    OperationCancelled,
    ProgressFn,
    atomic_zip,
    check_cancel,
    package_limits,
)
from effdesk.field.manifest import (
    FILES_DIR,
    FINDINGS_FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    Fields,
    ManifestError,
    check_format,
    file_entry,
    iso,
)
from effdesk.field.safezip import Limits, SafeZip
from effdesk.permissions import Permission, allowed, require
from effdesk.services import evidence, inspections
from effdesk.services.inspections import FindingInput, FindingPersonInput, ImportedFinding

WHAT = "现场数据包"
MAX_PROBLEMS_SHOWN = 20


# --------------------------------------------------------------------------- packing (laptop)


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
        return inspections.find_campaign(session, actor, ref)
    mode = inspections.field_mode(session)
    if mode is None:
        raise NotFound("本数据库不是现场数据库（尚未打开督查任务包），没有可打包的现场记录。")
    entries = mode["campaigns"]
    uuid = entries[-1]["uuid"]
    if len(entries) > 1:
        names = "、".join(f"「{e.get('name', '')}」" for e in entries)
        raise NotFound(f"本机打开了多个督查活动（{names}），请指定要打包的活动。")
    return inspections.find_campaign(session, actor, uuid)


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
            _add_blob(zf, store, sha, size)
    if progress:
        progress(total, total, "")
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "campaign",
        c.uuid,
        f"生成现场数据包：{c.name}（问题 {len(entries)} 条，文件 {total} 个）",
        None,
        {"package_uuid": package_uuid, "file": Path(out).name},
    )
    return PackResult(
        path=Path(out),
        package_uuid=package_uuid,
        campaign_name=c.name,
        findings=len(entries),
        files=total,
        size=Path(out).stat().st_size,
    )


def _add_blob(zf: zipfile.ZipFile, store: EvidenceStore, sha: str, size: int) -> None:
    # Photos and videos are compressed already: stored, not deflated, is as small and faster.
    info = zipfile.ZipInfo(file_entry(sha), date_time=now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    h = hashlib.sha256()
    n = 0
    # A file changed in the laptop's store must not leave it: hash while copying.
    with store.open(sha) as src, zf.open(info, "w", force_zip64=size > 2**31) as dst:
        while block := src.read(CHUNK):
            h.update(block)
            dst.write(block)
            n += len(block)
    if h.hexdigest() != sha or n != size:
        raise PackageRejected(
            f"证据文件 {sha[:12]}… 在本机存储中已被改动或损坏，不能打包。请运行 effdesk verify 检查。"
        )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class PkgAttachment:
    sha256: str
    size: int
    original_name: str
    caption: str
    media_kind: MediaKind | None
    captured_at: datetime | None


@dataclass(frozen=True)
class PkgPerson:
    person_uuid: str | None
    description: str


@dataclass(frozen=True)
class PkgFinding:
    where: str
    uuid: str
    unit_uuid: str
    place: str
    observed_at: datetime
    category_code: str | None
    description: str
    status: FindingStatus
    proposed_measure: MeasureType | None
    rectification_required: bool
    verification_note: str
    recorded_by: str | None
    recorded_at: datetime
    persons: tuple[PkgPerson, ...]
    attachments: tuple[PkgAttachment, ...]


@dataclass(frozen=True)
class PkgVisit:
    unit_uuid: str
    status: TargetStatus
    visited_at: datetime | None
    notes: str


@dataclass(frozen=True)
class FindingsPackage:
    package_uuid: str
    campaign_uuid: str
    campaign_name: str
    created_at: datetime
    created_by: str
    findings: tuple[PkgFinding, ...]
    visits: tuple[PkgVisit, ...]

    @property
    def files(self) -> dict[str, int]:
        """Every file the package must hold: SHA-256 → size."""
        return {a.sha256: a.size for f in self.findings for a in f.attachments}


def _parse(m: Fields) -> FindingsPackage:
    findings: list[PkgFinding] = []
    seen: set[str] = set()
    sizes: dict[str, int] = {}
    for f in m.objects("findings"):
        uuid = f.uuid("uuid")
        if uuid in seen:
            raise ManifestError(f.where, f"问题 UUID {uuid} 重复")
        seen.add(uuid)
        attachments = []
        shas: set[str] = set()
        for a in f.objects("attachments", optional=True):
            sha = a.sha256("sha256")
            size = a.req_int("size")
            path = a.text("path", optional=True, max_len=200) or file_entry(sha)
            if path != file_entry(sha):
                raise ManifestError(a.where, f"文件路径应为 {file_entry(sha)}，实为 {path[:80]}")
            if sizes.setdefault(sha, size) != size:
                raise ManifestError(a.where, "同一文件的大小前后不一致")
            if sha in shas:
                raise ManifestError(a.where, "同一问题中重复列出同一文件")
            shas.add(sha)
            attachments.append(
                PkgAttachment(
                    sha256=sha,
                    size=size,
                    original_name=a.text("original_name", max_len=260) or sha[:12],
                    caption=a.text("caption", optional=True, max_len=300),
                    media_kind=a.enum("media_kind", MediaKind, optional=True),
                    captured_at=a.when("captured_at", optional=True),
                )
            )
        findings.append(
            PkgFinding(
                where=f.where,
                uuid=uuid,
                unit_uuid=f.uuid("unit_uuid"),
                place=f.text("place", optional=True, max_len=200),
                observed_at=f.req_when("observed_at"),
                category_code=f.opt_text("category_code", max_len=40),
                description=f.text("description", max_len=inspections.MAX_DESCRIPTION),
                status=f.req_enum("status", FindingStatus),
                proposed_measure=f.enum("proposed_measure", MeasureType, optional=True),
                rectification_required=f.flag("rectification_required"),
                verification_note=f.text("verification_note", optional=True),
                recorded_by=f.opt_text("recorded_by", max_len=40),
                recorded_at=f.when("recorded_at", optional=True) or now(),
                persons=tuple(
                    PkgPerson(p.opt_uuid("person_uuid"), p.text("description", optional=True))
                    for p in f.objects("persons", optional=True)
                ),
                attachments=tuple(attachments),
            )
        )
    return FindingsPackage(
        package_uuid=m.uuid("package_uuid"),
        campaign_uuid=m.uuid("campaign_uuid"),
        campaign_name=m.text("campaign_name", optional=True, max_len=120),
        created_at=m.req_when("created_at"),
        created_by=m.text("created_by", optional=True, max_len=40),
        findings=tuple(findings),
        visits=tuple(
            PkgVisit(
                unit_uuid=t.uuid("unit_uuid"),
                status=t.req_enum("status", TargetStatus),
                visited_at=t.when("visited_at", optional=True),
                notes=t.text("notes", optional=True),
            )
            for t in m.objects("targets", optional=True)
        ),
    )


def read_findings_manifest(sz: SafeZip) -> FindingsPackage:
    """The checked manifest of an opened package (entries are checked separately)."""
    if MANIFEST not in sz.file_names():
        raise sz.reject("缺少清单 manifest.json。")
    fields = check_format(sz.read_json(MANIFEST), FINDINGS_FORMAT, sz.reject)
    try:
        return _parse(fields)
    except ManifestError as exc:
        raise sz.reject(f"{exc}。") from None


def _check_entries(sz: SafeZip, pkg: FindingsPackage) -> None:
    expected = {MANIFEST} | {file_entry(sha) for sha in pkg.files}
    present = sz.file_names()
    extra = sorted(present - expected)
    if extra:
        raise sz.reject(f"数据包中有清单未列出的文件：{'、'.join(extra[:10])}。")
    bad_dirs = sorted(sz.dir_names() - {FILES_DIR})
    if bad_dirs:
        raise sz.reject(f"数据包中有清单未列出的目录：{'、'.join(bad_dirs[:10])}。")
    names = {a.sha256: a.original_name for f in pkg.findings for a in f.attachments}
    missing = sorted(expected - present - {MANIFEST})
    if missing:
        listed = "、".join(f"「{names[m[len(FILES_DIR) :]]}」（{m}）" for m in missing[:10])
        raise sz.reject(f"清单列出的文件在数据包中缺失：{listed}。")
    for sha, size in pkg.files.items():
        declared = sz.entries[file_entry(sha)].file_size
        if declared != size:
            raise sz.reject(
                f"文件「{names[sha]}」在清单中的大小（{size} 字节）与数据包中的（{declared} 字节）不符。"
            )


# --------------------------------------------------------------------------- importing (office)


@dataclass
class ImportResult:
    package_uuid: str
    campaign_id: int
    campaign_name: str
    findings_added: int = 0
    findings_skipped: int = 0
    files_added: int = 0
    files_skipped: int = 0
    targets_updated: int = 0
    flagged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings_added or self.files_added or self.targets_updated)

    def summary(self) -> str:
        if not self.changed:
            return (
                f"现场数据包（活动「{self.campaign_name}」）的内容均已导入过，本次未做任何更改"
                f"（已有问题 {self.findings_skipped} 条）。"
            )
        text = (
            f"已导入现场数据包（活动「{self.campaign_name}」）：新增问题 {self.findings_added} 条，"
            f"证据文件 {self.files_added} 个，更新检查对象进度 {self.targets_updated} 个"
        )
        if self.findings_skipped:
            text += f"；已存在的问题 {self.findings_skipped} 条未覆盖"
        if self.flagged:
            text += "；" + "；".join(self.flagged)
        return text + "。"


@dataclass
class _Resolved:
    campaign: Campaign
    units: dict[str, int]
    persons: dict[str, tuple[int, int]]  # uuid → (id, unit id)
    categories: dict[str, int]
    users: dict[str, int]
    existing: dict[str, Finding]
    present: dict[int, set[str]]  # finding id → SHA-256 already attached


def _resolve(
    session: Session, sz: SafeZip, pkg: FindingsPackage, expected_campaign_id: int | None
) -> _Resolved:
    campaign = session.scalar(select(Campaign).where(Campaign.uuid == pkg.campaign_uuid))
    name = f"「{pkg.campaign_name}」" if pkg.campaign_name else ""
    if campaign is None:
        raise sz.reject(
            f"数据包所属的督查活动{name}（{pkg.campaign_uuid}）不是本办公室的活动，"
            "可能来自其他单位或其他数据库。"
        )
    if expected_campaign_id is not None and campaign.id != expected_campaign_id:
        chosen = session.get(Campaign, expected_campaign_id)
        raise sz.reject(
            f"数据包属于督查活动「{campaign.name}」，不是当前选择的「{chosen.name if chosen else ''}」。"
        )
    problems: list[str] = []
    unit_uuids = {f.unit_uuid for f in pkg.findings} | {v.unit_uuid for v in pkg.visits}
    units = dict(
        session.execute(select(Unit.uuid, Unit.id).where(Unit.uuid.in_(unit_uuids or {""}))).all()
    )
    person_uuids = {p.person_uuid for f in pkg.findings for p in f.persons if p.person_uuid}
    persons = {
        u: (pid, uid)
        for u, pid, uid in session.execute(
            select(Person.uuid, Person.id, Person.unit_id).where(
                Person.uuid.in_(person_uuids or {""})
            )
        ).all()
    }
    codes = {f.category_code for f in pkg.findings if f.category_code}
    categories = dict(
        session.execute(
            select(ProblemCategory.code, ProblemCategory.id).where(
                ProblemCategory.code.in_(codes or {""})
            )
        ).all()
    )
    usernames = {f.recorded_by for f in pkg.findings if f.recorded_by}
    users = dict(
        session.execute(
            select(User.username, User.id).where(User.username.in_(usernames or {""}))
        ).all()
    )
    for f in pkg.findings:
        if f.unit_uuid not in units:
            problems.append(f"{f.where} 的被检查单位（{f.unit_uuid}）在本办公室单位名录中不存在")
        for p in f.persons:
            if p.person_uuid and p.person_uuid not in persons:
                problems.append(
                    f"{f.where} 的涉及人员（{p.person_uuid}）在本办公室人员名录中不存在"
                )
        if f.category_code and f.category_code not in categories:
            problems.append(f"{f.where} 的问题类别「{f.category_code}」在本办公室未设置")
    for v in pkg.visits:
        if v.unit_uuid not in units:
            problems.append(f"检查对象单位（{v.unit_uuid}）在本办公室单位名录中不存在")
    existing = {
        f.uuid: f
        for f in session.scalars(
            select(Finding).where(Finding.uuid.in_([f.uuid for f in pkg.findings] or [""]))
        )
    }
    for row in existing.values():
        if row.campaign_id != campaign.id:
            problems.append(f"问题 {row.uuid} 已存在于本办公室的其他督查活动中，UUID 冲突")
    if problems:
        raise sz.reject(_problem_list(problems))
    present: dict[int, set[str]] = {f.id: set() for f in existing.values()}
    if present:
        for fid, sha in session.execute(
            select(Attachment.finding_id, StoredFile.sha256)
            .join(StoredFile, StoredFile.id == Attachment.file_id)
            .where(Attachment.finding_id.in_(present.keys()))
        ).all():
            if fid is not None:
                present[fid].add(sha)
    return _Resolved(campaign, units, persons, categories, users, existing, present)


def _problem_list(problems: list[str]) -> str:
    shown = "\n".join(f"- {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
    more = (
        f"\n……另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处问题"
        if len(problems) > MAX_PROBLEMS_SHOWN
        else ""
    )
    return f"共 {len(problems)} 处问题：\n{shown}{more}"


def _finding_input(f: PkgFinding, r: _Resolved) -> FindingInput:
    return FindingInput(
        unit_id=r.units[f.unit_uuid],
        observed_at=f.observed_at,
        description=f.description,
        campaign_id=r.campaign.id,
        place=f.place,
        category_id=r.categories[f.category_code] if f.category_code else None,
        persons=[
            FindingPersonInput(
                person_id=r.persons[p.person_uuid][0] if p.person_uuid else None,
                description=p.description,
            )
            for p in f.persons
        ],
        proposed_measure=f.proposed_measure,
        rectification_required=f.rectification_required,
    )


def import_findings_package(
    session: Session,
    actor: Actor,
    store: EvidenceStore,
    path: Path,
    *,
    expected_campaign_id: int | None = None,
    limits: Limits | None = None,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
) -> ImportResult:
    """Import a 现场数据包 whole or not at all (see the module docstring).

    ``expected_campaign_id``: the campaign the user is importing into (the GUI's selection);
    a package of any other campaign is refused.
    """
    require(actor, Permission.IMPORT_FIELD_PACKAGE)
    limits = limits or package_limits(session)
    store.tmp.mkdir(parents=True, exist_ok=True)
    with (
        SafeZip(Path(path), limits, WHAT) as sz,
        tempfile.TemporaryDirectory(prefix="import-", dir=store.tmp) as tmp_name,
    ):
        pkg = read_findings_manifest(sz)
        _check_entries(sz, pkg)
        resolved = _resolve(session, sz, pkg, expected_campaign_id)
        new = [f for f in pkg.findings if f.uuid not in resolved.existing]
        problems: list[str] = []
        for f in new:
            try:
                inspections.check_finding(session, _finding_input(f, resolved))
            except ValidationErrors as exc:
                problems += [
                    f"{f.where}（{f.observed_at:%Y-%m-%d %H:%M}）：{p.message}"
                    for p in exc.problems
                ]
        if problems:
            raise sz.reject(_problem_list(problems))
        # Only files that will be attached are needed; hash every file anyway: a package
        # with one bad file is a bad package, even if that file was imported before.
        tmp = Path(tmp_name)
        names = {a.sha256: a.original_name for f in pkg.findings for a in f.attachments}
        total = len(pkg.files)
        for i, sha in enumerate(sorted(pkg.files)):
            check_cancel(cancelled, "已取消，未导入任何内容。")
            if progress:
                progress(i, total * 2, f"校验 {names[sha]}")
            h = hashlib.sha256()
            sz.copy_to(file_entry(sha), tmp / sha, h.update)
            if h.hexdigest() != sha:
                raise sz.reject(
                    f"文件「{names[sha]}」（{file_entry(sha)}）的 SHA-256 与清单不符，"
                    "文件在传输中损坏或被改动。"
                )
            try:
                # Checked by content now, so a bad file refuses the package before any write.
                inspect_file(tmp / sha, max_bytes=limits.max_entry_bytes)
            except BadEvidenceFile as exc:
                raise sz.reject(f"文件「{names[sha]}」不能作为证据接收：{exc.reason}。") from None
        result = _write(session, actor, store, pkg, resolved, tmp, progress, cancelled, total)
    return result


def _write(
    session: Session,
    actor: Actor,
    store: EvidenceStore,
    pkg: FindingsPackage,
    r: _Resolved,
    tmp: Path,
    progress: ProgressFn | None,
    cancelled: CancelledFn | None,
    total: int,
) -> ImportResult:
    result = ImportResult(pkg.package_uuid, r.campaign.id, r.campaign.name)
    window = evidence.window_for_dates(r.campaign.start_date, r.campaign.end_date)
    # Importing is authorised by IMPORT_FIELD_PACKAGE (an admin may carry the stick in); the
    # attachment service asks for RECORD_FINDINGS, which recording imported findings implies.
    attach_actor = actor
    if not allowed(actor, Permission.RECORD_FINDINGS):
        attach_actor = dataclasses.replace(
            actor, roles=actor.roles | {Role.INSPECTOR}, lent=frozenset({Role.INSPECTOR})
        )
    done = 0
    flagged = 0
    for f in pkg.findings:
        check_cancel(cancelled, "已取消，未导入任何内容。")
        finding = r.existing.get(f.uuid)
        if finding is None:
            finding = inspections.import_finding(
                session,
                actor,
                _finding_input(f, r),
                ImportedFinding(
                    uuid=f.uuid,
                    status=f.status,
                    verification_note=f.verification_note,
                    recorded_by_id=r.users.get(f.recorded_by) if f.recorded_by else None,
                    recorded_at=f.recorded_at,
                    package_uuid=pkg.package_uuid,
                ),
            )
            r.present[finding.id] = set()
            result.findings_added += 1
        else:
            result.findings_skipped += 1
        todo = [a for a in f.attachments if a.sha256 not in r.present[finding.id]]
        result.files_skipped += len(f.attachments) - len(todo)
        if not todo:
            continue
        base = done

        def report(d: int, _t: int, name: str, base: int = base) -> None:
            if progress:
                progress(total + base + d, total * 2, f"导入 {name}")

        ingest = evidence.attach_files(
            session,
            attach_actor,
            store,
            evidence.AttachmentOwner(finding_id=finding.id),
            [tmp / a.sha256 for a in todo],
            window=window,
            progress=report,
            cancelled=cancelled,
            original_names=[a.original_name for a in todo],
        )
        done += len(todo)
        if ingest.cancelled:
            raise OperationCancelled("已取消，未导入任何内容。")
        if ingest.problems:
            raise PackageRejected(
                f"{WHAT}被拒绝，未导入任何内容：以下证据文件不能作为证据接收：\n"
                + "\n".join(f"- {p}" for p in ingest.problems)
            )
        captions = {a.sha256: a.caption for a in todo if a.caption}
        for added in ingest.added:
            added.caption = captions.get(added.file.sha256, added.caption)
            if added.flags:
                flagged += 1
        result.files_added += len(ingest.added)
        result.files_skipped += len(ingest.duplicates)
        r.present[finding.id].update(a.sha256 for a in todo)
    for v in pkg.visits:
        if inspections.merge_field_visit(
            session, actor, r.campaign, r.units[v.unit_uuid], v.visited_at, v.notes
        ):
            result.targets_updated += 1
    if flagged:
        result.flagged.append(f"其中 {flagged} 个证据文件标记了疑点，请在问题详情中查看")
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.IMPORT,
        "campaign",
        r.campaign.uuid,
        f"导入现场数据包：{r.campaign.name}（新增问题 {result.findings_added} 条，"
        f"文件 {result.files_added} 个；已有 {result.findings_skipped} 条未覆盖）",
        None,
        {
            "package_uuid": pkg.package_uuid,
            "created_by": pkg.created_by,
            "created_at": iso(pkg.created_at),
        },
    )
    if progress:
        progress(total * 2, total * 2, "")
    return result
