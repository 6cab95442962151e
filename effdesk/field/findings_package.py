"""The 现场数据包 (laptop → office) format: the findings recorded in the field, with evidence.

``manifest.json`` holds the campaign's UUID, every finding with its persons and attachments
(SHA-256, size, original name, EXIF facts) and the visits; each evidence file is there once,
as ``files/<sha256>``. :func:`read_findings_manifest` and :func:`check_entries` read and check
an opened package; :func:`add_blob` writes one evidence file into a package being packed.

Packing a laptop's findings and importing a package in the office are services:
:mod:`effdesk.services.inspections.field_export` and
:mod:`effdesk.services.inspections.field_import`.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from datetime import datetime

from effdesk.db.base import now
from effdesk.enums import FindingStatus, MeasureType, MediaKind, TargetStatus
from effdesk.errors import PackageRejected
from effdesk.evidence.store import CHUNK, EvidenceStore
from effdesk.field.manifest import (
    FILES_DIR,
    FINDINGS_FORMAT,
    MANIFEST,
    Fields,
    ManifestError,
    check_format,
    file_entry,
)
from effdesk.field.safezip import SafeZip

WHAT = "现场数据包"


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


def _parse(m: Fields, max_description: int) -> FindingsPackage:
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
                description=f.text("description", max_len=max_description),
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


def read_findings_manifest(sz: SafeZip, max_description: int) -> FindingsPackage:
    """The checked manifest of an opened package (entries are checked separately).

    ``max_description``: the longest finding description the importing office accepts.
    """
    if MANIFEST not in sz.file_names():
        raise sz.reject("缺少清单 manifest.json。")
    fields = check_format(sz.read_json(MANIFEST), FINDINGS_FORMAT, sz.reject)
    try:
        return _parse(fields, max_description)
    except ManifestError as exc:
        raise sz.reject(f"{exc}。") from None


def check_entries(sz: SafeZip, pkg: FindingsPackage) -> None:
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


def add_blob(zf: zipfile.ZipFile, store: EvidenceStore, sha: str, size: int) -> None:
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
