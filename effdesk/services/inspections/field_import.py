"""Field packages read into a database: a campaign package opened on a laptop, a findings package
imported in the office.

- :func:`open_campaign_package` (laptop) upserts the 督查任务包's campaign, units, persons,
  categories and team by UUID and marks the database as a field database (setting
  ``field.mode``); an office database refuses to be turned into one. Re-opening a newer package
  of the same campaign updates the plan and keeps everything recorded on the laptop.
- :func:`import_findings_package` (office) checks EVERYTHING before writing anything: the zip's
  entries (see :mod:`effdesk.field.safezip`), the manifest, that the files present are exactly
  the files listed, each file's SHA-256 re-computed while streaming it out of the zip, that the
  campaign, units, persons and categories are this office's. Only then does it write, in the
  caller's transaction: findings already present are skipped (importing twice changes
  nothing), new findings go through :func:`~effdesk.services.inspections.import_finding`, new
  attachments through the evidence service. Any error raises :class:`PackageRejected` and the
  transaction is rolled back; blobs stored before the error are unreferenced and removed by the
  evidence store's garbage collection.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Attachment,
    Campaign,
    CampaignMember,
    CampaignTarget,
    Finding,
    Person,
    ProblemCategory,
    StoredFile,
    Unit,
    User,
    UserRole,
)
from effdesk.enums import AuditAction, CampaignStatus, Role
from effdesk.errors import PackageRejected, ValidationErrors
from effdesk.evidence.media import BadEvidenceFile, inspect_file
from effdesk.evidence.store import EvidenceStore
from effdesk.field.campaign_package import CampaignPackage, PkgCategory, read_campaign_package
from effdesk.field.common import (
    CancelledFn,
    OperationCancelled,
    ProgressFn,
    check_cancel,
    package_limits,
)
from effdesk.field.findings_package import (
    WHAT,
    FindingsPackage,
    PkgFinding,
    check_entries,
    read_findings_manifest,
)
from effdesk.field.manifest import file_entry, iso
from effdesk.field.safezip import Limits, SafeZip
from effdesk.permissions import Permission, allowed, require
from effdesk.security.passwords import generate_password, hash_password
from effdesk.services import evidence
from effdesk.services.inspections._core import (
    CAMPAIGN_FIELDS,
    FIELD_MODE_KEY,
    MAX_DESCRIPTION,
    field_mode,
)
from effdesk.services.inspections.findings import check_finding, import_finding
from effdesk.services.inspections.schema import FindingInput, FindingPersonInput, ImportedFinding
from effdesk.services.inspections.targets import merge_field_visit
from effdesk.textutil import pinyin_key

# --------------------------------------------------------------------------- opening (laptop)


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
    mode = field_mode(session)
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
    before = None if created else audit.snapshot(c, CAMPAIGN_FIELDS)
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
        audit.snapshot(c, CAMPAIGN_FIELDS),
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
    values: dict[str, Any] = {FIELD_MODE_KEY: {"campaigns": entries}}
    # The office's own settings fill a fresh laptop; settings changed on it are kept.
    for key, value in pkg.settings.items():
        if mode is None:
            values[key] = value
    settings.seed_defaults(session, actor, values)


# --------------------------------------------------------------------------- importing (office)

# A rejected package names at most this many of its problems.
MAX_PROBLEMS_SHOWN = 20


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
        pkg = read_findings_manifest(sz, MAX_DESCRIPTION)
        check_entries(sz, pkg)
        resolved = _resolve(session, sz, pkg, expected_campaign_id)
        new = [f for f in pkg.findings if f.uuid not in resolved.existing]
        problems: list[str] = []
        for f in new:
            try:
                check_finding(session, _finding_input(f, resolved))
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
            finding = import_finding(
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
        if merge_field_visit(
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
