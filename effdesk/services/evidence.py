"""Evidence (证据附件): attaching files to findings, complaints, rectifications and documents.

Files are checked by content, stored content-addressed (see :mod:`effdesk.evidence.store`) and
described by what their EXIF says (capture time, GPS, camera), kept apart from when and by
whom they were imported. Doubts are flags, never rejections: a photo without a capture time,
taken outside the campaign's dates, or far from the other photos of the same finding.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Attachment,
    Complaint,
    Document,
    Finding,
    Rectification,
    StoredFile,
    User,
)
from effdesk.enums import AttachmentRole, AuditAction, EvidenceFlag, MediaKind
from effdesk.errors import NotFound, ValidationError
from effdesk.evidence.media import (
    DERIVATIVE_SIZES,
    BadEvidenceFile,
    MediaInfo,
    examine,
    os_error_text,
)
from effdesk.evidence.store import MISSING, EvidenceStore, StoredBlob
from effdesk.permissions import Permission, require

Progress = Callable[[int, int, str], None]
_FLAG_BY_CODE = {f.value: f for f in EvidenceFlag}

# Per-file work (hashing, decoding) releases the GIL, so a few threads use the cores a
# desktop PC has; database work stays on the caller's thread.
MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class AttachmentOwner:
    """What the files are attached to: exactly one of the ids is set."""

    finding_id: int | None = None
    complaint_id: int | None = None
    rectification_id: int | None = None
    document_id: int | None = None

    def __post_init__(self) -> None:
        ids = [self.finding_id, self.complaint_id, self.rectification_id, self.document_id]
        if sum(i is not None for i in ids) != 1:
            raise ValueError("AttachmentOwner needs exactly one owner id")

    @property
    def _spec(self) -> _OwnerSpec:
        for spec in _OWNER_SPECS:
            if getattr(self, spec.attr) is not None:
                return spec
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def owner_id(self) -> int:
        value = getattr(self, self._spec.attr)
        assert isinstance(value, int)
        return value


@dataclass(frozen=True)
class _OwnerSpec:
    attr: str
    model: type[Finding] | type[Complaint] | type[Rectification] | type[Document]
    column: InstrumentedAttribute[int | None]
    write: Permission
    read: Permission
    object_type: str
    label: str


_OWNER_SPECS = (
    _OwnerSpec(
        "finding_id",
        Finding,
        Attachment.finding_id,
        Permission.RECORD_FINDINGS,
        Permission.VIEW_INSPECTIONS,
        "finding",
        "督查发现问题",
    ),
    _OwnerSpec(
        "complaint_id",
        Complaint,
        Attachment.complaint_id,
        Permission.HANDLE_COMPLAINT,
        Permission.VIEW_COMPLAINTS,
        "complaint",
        "投诉件",
    ),
    _OwnerSpec(
        "rectification_id",
        Rectification,
        Attachment.rectification_id,
        Permission.MANAGE_RECTIFICATION,
        Permission.VIEW_ACCOUNTABILITY,
        "rectification",
        "整改",
    ),
    _OwnerSpec(
        "document_id",
        Document,
        Attachment.document_id,
        Permission.DRAFT_DOCUMENTS,
        Permission.VIEW_DOCUMENTS,
        "document",
        "公文",
    ),
)


@dataclass
class FileProblem:
    """One file that was not taken (or is damaged in the store): its name and why."""

    name: str
    message: str

    def __str__(self) -> str:
        return f"「{self.name}」{self.message}"


@dataclass
class IngestReport:
    """What one batch did; :meth:`summary` is the one message the user sees afterwards."""

    added: list[Attachment] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    cancelled: bool = False

    def summary(self) -> str:
        if self.cancelled:
            return "已取消，本批文件均未添加。"
        parts = [f"已添加 {len(self.added)} 个文件"]
        if self.duplicates:
            names = "、".join(f"「{n}」" for n in self.duplicates)
            parts.append(f"{len(self.duplicates)} 个重复已跳过（{names}）")
        flagged = _flag_counts(self.added)
        if flagged:
            parts.append(
                "已标记疑点：" + "，".join(f"{f.label} {n} 个" for f, n in flagged.items())
            )
        text = "；".join(parts)
        if self.problems:
            text += f"；{len(self.problems)} 个文件未能添加：\n" + "\n".join(
                str(p) for p in self.problems
            )
        return text + ("" if self.problems else "。")


def _flag_counts(rows: Sequence[Attachment]) -> dict[EvidenceFlag, int]:
    counts: dict[EvidenceFlag, int] = {}
    for a in rows:
        for code in a.flags or []:
            flag = _FLAG_BY_CODE.get(code)
            if flag is not None:
                counts[flag] = counts.get(flag, 0) + 1
    return {f: counts[f] for f in EvidenceFlag if f in counts}


@dataclass(frozen=True)
class AttachmentRow:
    """One attachment as the evidence grid shows it."""

    id: int
    uuid: str
    file_id: int
    sha256: str
    original_name: str
    caption: str
    role: AttachmentRole
    mime: str
    media_kind: MediaKind
    size: int
    width: int | None
    height: int | None
    captured_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None
    camera: str
    flags: tuple[EvidenceFlag, ...]
    imported_at: datetime
    imported_by: str
    sort_order: int

    @property
    def flag_labels(self) -> list[str]:
        return [f.label for f in self.flags]

    @property
    def gps(self) -> tuple[float, float] | None:
        if self.gps_lat is None or self.gps_lon is None:
            return None
        return self.gps_lat, self.gps_lon


def window_for_dates(start: date, end: date) -> tuple[datetime, datetime]:
    """A campaign's dates as a capture-time window (whole days, inclusive)."""
    return datetime.combine(start, time.min), datetime.combine(end, time(23, 59, 59))


# --------------------------------------------------------------------------- ingest


@dataclass
class _Prepared:
    name: str
    info: MediaInfo
    blob: StoredBlob


def _prepare(store: EvidenceStore, path: Path, name: str, max_bytes: int) -> _Prepared:
    """Check, store and thumbnail one file (worker thread; no database access)."""
    examined = examine(path, max_bytes=max_bytes, preview_sizes=DERIVATIVE_SIZES, name=name)
    try:
        blob = store.put(path)
    except FileNotFoundError:
        raise BadEvidenceFile(name, "在读取过程中被移走") from None
    except OSError as exc:
        raise BadEvidenceFile(name, f"无法读取或保存（{os_error_text(exc)}）") from None
    if blob.size != examined.info.size:
        # The file changed between the check and the copy; what was checked is not what we hold.
        raise BadEvidenceFile(name, "在导入过程中被修改，请重新添加")
    store.save_derivatives(blob.sha256, examined.previews)
    return _Prepared(name, examined.info, blob)


def attach_files(
    session: Session,
    actor: Actor,
    store: EvidenceStore,
    owner: AttachmentOwner,
    paths: Sequence[Path],
    *,
    window: tuple[datetime, datetime] | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    role: AttachmentRole = AttachmentRole.EVIDENCE,
    original_names: Sequence[str] | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Attach a batch of files to ``owner``; bad files are reported by name, good ones kept.

    ``window``: capture times outside it are flagged (the campaign's dates).
    ``progress(done, total, name)`` and ``cancelled()`` may be the GUI task's; they are called
    on this thread. ``progress`` may also raise to cancel. Nothing reaches the database
    until every file has been processed, so a cancelled batch adds no rows (blobs already
    stored are unreferenced and removed by ``gc_orphans`` in :mod:`effdesk.security.housekeeping`).
    ``original_names`` replaces the file names (a field package stores files under their
    hashes). ``workers``: threads for the per-file work (default :data:`MAX_WORKERS`).
    """
    spec = owner._spec
    require(actor, spec.write)
    owner_obj = _load_owner(session, owner)
    if original_names is not None and len(original_names) != len(paths):
        raise ValueError("original_names must match paths")
    names = list(original_names) if original_names is not None else [p.name for p in paths]
    max_bytes = int(settings.get(session, settings.EVIDENCE_MAX_FILE_MB) * 1024 * 1024)

    n_workers = max(1, workers or MAX_WORKERS)
    results: list[_Prepared | FileProblem | None] = [None] * len(paths)
    total = len(paths)
    done = 0

    def is_cancelled() -> bool:
        return bool(cancelled and cancelled())

    if progress:
        progress(0, total, "")
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="ingest") as pool:
        pending: dict[Future[_Prepared], int] = {}
        queue = iter(range(total))
        stop = False

        def submit_next() -> None:
            i = next(queue, None)
            if i is not None:
                pending[pool.submit(_prepare, store, Path(paths[i]), names[i], max_bytes)] = i

        try:
            # Bounded look-ahead: a cancel stops within a couple of files, and memory stays flat.
            for _ in range(n_workers * 2):
                submit_next()
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = pending.pop(fut)
                    try:
                        results[i] = fut.result()
                    except BadEvidenceFile as exc:
                        results[i] = FileProblem(names[i], exc.reason)
                    except OSError as exc:
                        results[i] = FileProblem(names[i], f"无法读取（{os_error_text(exc)}）")
                    done += 1
                    if progress:
                        progress(done, total, names[i])
                if is_cancelled():
                    stop = True
                    break
                for _ in finished:
                    submit_next()
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
        if stop:
            for fut in pending:
                fut.cancel()
            return IngestReport(cancelled=True)
    if is_cancelled():
        return IngestReport(cancelled=True)

    return _record_batch(session, actor, spec, owner, owner_obj, results, window, role)


def _record_batch(
    session: Session,
    actor: Actor,
    spec: _OwnerSpec,
    owner: AttachmentOwner,
    owner_obj: Any,
    results: Sequence[_Prepared | FileProblem | None],
    window: tuple[datetime, datetime] | None,
    role: AttachmentRole,
) -> IngestReport:
    report = IngestReport()
    owner_col = spec.column
    existing = set(
        session.scalars(
            select(StoredFile.sha256)
            .join(Attachment, Attachment.file_id == StoredFile.id)
            .where(owner_col == owner.owner_id)
        )
    )
    next_order = (
        session.scalar(select(func.max(Attachment.sort_order)).where(owner_col == owner.owner_id))
        or 0
    ) + 1
    known = _known_files(session, [r.blob.sha256 for r in results if isinstance(r, _Prepared)])
    for r in results:
        if r is None:  # pragma: no cover - every submitted file yields a result
            continue
        if isinstance(r, FileProblem):
            report.problems.append(r)
            continue
        if r.blob.sha256 in existing:
            report.duplicates.append(r.name)
            continue
        existing.add(r.blob.sha256)
        stored = known.get(r.blob.sha256) or _new_stored_file(session, r)
        flags: list[str] = [c for c in r.info.doubts if c in _FLAG_BY_CODE]
        if capture_time_in_future(r.info.captured_at):
            # Kept out of StoredFile.captured_at (no ordering or window check trusts it).
            flags.append(EvidenceFlag.FUTURE_CAPTURE_TIME.value)
        elif stored.media_kind is MediaKind.PHOTO and stored.captured_at is None:
            flags.append(EvidenceFlag.NO_CAPTURE_TIME.value)
        if (
            window is not None
            and stored.captured_at is not None
            and not (window[0] <= stored.captured_at <= window[1])
        ):
            flags.append(EvidenceFlag.OUTSIDE_CAMPAIGN.value)
        att = Attachment(
            file=stored,
            role=role,
            original_name=r.name[:260],
            imported_by_id=actor.user_id,
            flags=flags,
            sort_order=next_order,
        )
        setattr(att, spec.attr, owner.owner_id)
        next_order += 1
        session.add(att)
        report.added.append(att)
    session.flush()
    if report.added:
        _recompute_gps_flags(session, owner, gps_outlier_m(session))
        session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        spec.object_type,
        owner_obj.uuid,
        f"添加证据附件 {len(report.added)} 个"
        + (f"，重复 {len(report.duplicates)} 个" if report.duplicates else "")
        + (f"，未能添加 {len(report.problems)} 个" if report.problems else ""),
        None,
        {
            "added": [
                {"name": a.original_name, "sha256": a.file.sha256, "flags": list(a.flags)}
                for a in report.added
            ],
            # What a camera claimed but was not believed (a capture time in the future).
            "claimed_capture_times": {
                r.name: r.info.captured_at.isoformat(timespec="seconds")
                for r in results
                if isinstance(r, _Prepared)
                and capture_time_in_future(r.info.captured_at)
                and r.info.captured_at is not None
            },
            "duplicates": report.duplicates,
            "problems": [str(p) for p in report.problems],
        },
    )
    return report


def _known_files(session: Session, shas: Sequence[str]) -> dict[str, StoredFile]:
    """StoredFile rows already present for these hashes (one query per 500)."""
    found: dict[str, StoredFile] = {}
    unique = sorted(set(shas))
    for i in range(0, len(unique), 500):
        for f in session.scalars(
            select(StoredFile).where(StoredFile.sha256.in_(unique[i : i + 500]))
        ):
            found[f.sha256] = f
    return found


# A camera clock a little ahead (time zones, drift) is not a lie; a day ahead is not a time.
FUTURE_TOLERANCE = timedelta(days=1)


def capture_time_in_future(captured_at: datetime | None, at: datetime | None = None) -> bool:
    """Is this EXIF capture time later than the import (beyond FUTURE_TOLERANCE)?"""
    return captured_at is not None and captured_at > (at or now()) + FUTURE_TOLERANCE


def _new_stored_file(session: Session, r: _Prepared) -> StoredFile:
    info = r.info
    if capture_time_in_future(info.captured_at):
        info = replace(info, captured_at=None)
    stored = StoredFile(
        sha256=r.blob.sha256,
        size=r.blob.size,
        mime=info.mime,
        media_kind=info.media_kind,
        width=info.width,
        height=info.height,
        captured_at=info.captured_at,
        gps_lat=info.gps_lat,
        gps_lon=info.gps_lon,
        camera=info.camera,
    )
    session.add(stored)
    session.flush()
    return stored


def _load_owner(session: Session, owner: AttachmentOwner) -> Any:
    spec = owner._spec
    obj = session.get(spec.model, owner.owner_id)
    if obj is None:
        raise NotFound(f"找不到该{spec.label}（编号 {owner.owner_id}），它可能已被删除。")
    return obj


def gps_outlier_m(session: Session) -> float:
    return settings.get(session, settings.EVIDENCE_GPS_OUTLIER_M)


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def gps_outliers(points: dict[int, tuple[float, float]], threshold_m: float) -> set[int]:
    """Keys whose point lies farther than ``threshold_m`` from the median of the others.

    With two photos far apart both are flagged: neither can vouch for the other.
    """
    out: set[int] = set()
    if len(points) < 2:
        return out
    for key, (lat, lon) in points.items():
        others = [p for k, p in points.items() if k != key]
        mlat = statistics.median(p[0] for p in others)
        mlon = statistics.median(p[1] for p in others)
        if haversine_m(lat, lon, mlat, mlon) > threshold_m:
            out.add(key)
    return out


def _recompute_gps_flags(session: Session, owner: AttachmentOwner, threshold_m: float) -> None:
    rows = session.execute(
        select(Attachment, StoredFile.gps_lat, StoredFile.gps_lon)
        .join(StoredFile, Attachment.file_id == StoredFile.id)
        .where(owner._spec.column == owner.owner_id)
    ).all()
    points = {a.id: (lat, lon) for a, lat, lon in rows if lat is not None and lon is not None}
    outliers = gps_outliers(points, threshold_m)
    code = EvidenceFlag.GPS_OUTLIER.value
    for a, _lat, _lon in rows:
        current = list(a.flags or [])
        want = a.id in outliers
        if want and code not in current:
            a.flags = [*current, code]
        elif not want and code in current:
            a.flags = [f for f in current if f != code]


# --------------------------------------------------------------------------- reading


def list_attachments(session: Session, actor: Actor, owner: AttachmentOwner) -> list[AttachmentRow]:
    """The owner's files in display order, with their EXIF facts and flags."""
    spec = owner._spec
    require(actor, spec.read)
    rows = session.execute(
        select(Attachment, StoredFile, User.display_name, User.username)
        .join(StoredFile, Attachment.file_id == StoredFile.id)
        .outerjoin(User, User.id == Attachment.imported_by_id)
        .where(spec.column == owner.owner_id)
        .order_by(Attachment.sort_order, Attachment.id)
    ).all()
    return [
        AttachmentRow(
            id=a.id,
            uuid=a.uuid,
            file_id=f.id,
            sha256=f.sha256,
            original_name=a.original_name,
            caption=a.caption,
            role=a.role,
            mime=f.mime,
            media_kind=f.media_kind,
            size=f.size,
            width=f.width,
            height=f.height,
            captured_at=f.captured_at,
            gps_lat=f.gps_lat,
            gps_lon=f.gps_lon,
            camera=f.camera,
            flags=tuple(_FLAG_BY_CODE[c] for c in (a.flags or []) if c in _FLAG_BY_CODE),
            imported_at=a.imported_at,
            imported_by=display or username or "",
            sort_order=a.sort_order,
        )
        for a, f, display, username in rows
    ]


# --------------------------------------------------------------------------- editing


def _owner_of(a: Attachment) -> AttachmentOwner:
    return AttachmentOwner(
        finding_id=a.finding_id,
        complaint_id=a.complaint_id,
        rectification_id=a.rectification_id,
        document_id=a.document_id,
    )


def set_caption(session: Session, actor: Actor, attachment_id: int, caption: str) -> None:
    """Change the caption shown under a photo (in the grid and the inspection report)."""
    a = session.get(Attachment, attachment_id)
    if a is None:
        raise NotFound("找不到该附件，它可能已被移除。")
    owner = _owner_of(a)
    require(actor, owner._spec.write)
    caption = caption.strip()
    if len(caption) > 300:
        raise ValidationError("caption", "附件说明不能超过300个字。")
    before = a.caption
    if before == caption:
        return
    a.caption = caption
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "attachment",
        a.uuid,
        f"修改附件「{a.original_name}」的说明",
        {"caption": before},
        {"caption": caption},
    )


def detach(session: Session, actor: Actor, attachment_id: int, reason: str = "") -> None:
    """Remove one attachment from its owner (e.g. a photo added to the wrong finding).

    The stored file stays while anything references it; an unreferenced one is removed by
    ``gc_orphans`` in :mod:`effdesk.security.housekeeping`. Callers that lock their records (an
    issued document, a signed-off case) must refuse before calling this.
    """
    a = session.get(Attachment, attachment_id)
    if a is None:
        raise NotFound("找不到该附件，它可能已被移除。")
    owner = _owner_of(a)
    spec = owner._spec
    require(actor, spec.write)
    owner_obj = _load_owner(session, owner)
    snapshot = {
        "attachment_uuid": a.uuid,
        "name": a.original_name,
        "sha256": a.file.sha256,
        "role": a.role.value,
        "flags": list(a.flags or []),
    }
    session.delete(a)
    session.flush()
    _recompute_gps_flags(session, owner, gps_outlier_m(session))
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.DELETE,
        spec.object_type,
        owner_obj.uuid,
        f"移除证据附件「{snapshot['name']}」" + (f"：{reason.strip()}" if reason.strip() else ""),
        snapshot,
        None,
    )


# --------------------------------------------------------------------------- integrity


def verify_files(
    session: Session, store: EvidenceStore, progress: Progress | None = None
) -> list[FileProblem]:
    """Re-hash every stored file; name each one missing or changed and what it belongs to."""
    files = session.execute(select(StoredFile.id, StoredFile.sha256).order_by(StoredFile.id)).all()
    problems: list[FileProblem] = []
    total = len(files)
    if progress:
        progress(0, total, "")
    with ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="verify") as pool:
        # Chunks keep the number of queued futures small on a store of a million files.
        for start in range(0, total, 64):
            chunk = files[start : start + 64]
            verdicts = pool.map(store.verify_blob, [sha for _id, sha in chunk])
            for offset, ((file_id, sha), problem) in enumerate(zip(chunk, verdicts, strict=True)):
                if progress:
                    progress(start + offset + 1, total, sha[:12])
                if problem is None:
                    continue
                name, owners = _describe_owners(session, file_id, sha)
                where = f"；属于：{'、'.join(owners)}" if owners else "；未被任何记录引用"
                extra = "" if problem == MISSING else f"（应为 SHA-256 {sha}）"
                problems.append(FileProblem(name, f"{problem}{extra}{where}"))
    return problems


def _describe_owners(session: Session, file_id: int, sha: str) -> tuple[str, list[str]]:
    names: list[str] = []
    owners: list[str] = []
    for a in session.scalars(select(Attachment).where(Attachment.file_id == file_id)):
        if a.original_name and a.original_name not in names:
            names.append(a.original_name)
        owners.append(_owner_label(session, a))
    for doc in session.scalars(select(Document).where(Document.pdf_file_id == file_id)):
        owners.append(f"公文「{doc.title}」{doc.number or ''}的印发版PDF")
        if not names:
            names.append(f"{doc.number or doc.title}.pdf")
    return ("、".join(names) or f"文件 {sha[:12]}…"), owners


def _owner_label(session: Session, a: Attachment) -> str:
    if a.finding_id is not None:
        finding = session.get(Finding, a.finding_id)
        if finding is None:  # pragma: no cover - foreign key
            return f"督查发现问题#{a.finding_id}"
        unit = finding.unit.name if finding.unit else ""
        return f"督查发现问题#{finding.id}（{unit}，{finding.observed_at:%Y-%m-%d %H:%M}）"
    if a.complaint_id is not None:
        complaint = session.get(Complaint, a.complaint_id)
        return f"投诉件{complaint.number if complaint else '#' + str(a.complaint_id)}"
    if a.rectification_id is not None:
        return f"整改#{a.rectification_id}"
    if a.document_id is not None:
        doc = session.get(Document, a.document_id)
        return f"公文「{doc.title}」" if doc else f"公文#{a.document_id}"
    return "未知"  # pragma: no cover - the one_owner check constraint
