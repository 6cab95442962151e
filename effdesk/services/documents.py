"""The document register (公文): drafts, issuing with a yearly number, voiding, corrections.

Life of a document: draft (editable by anyone who may draft, optimistic locking) → issued
(number allocated at that moment, PDF rendered and stored content-addressed with its SHA-256,
locked for ever) → voided with a reason (the number is never reused; the record stays). A
correction is a new draft pointing at the document it replaces (``supersedes_id``).

Numbers are ``{prefix}〔{year}〕{serial}号`` with the prefix from the setting
``document.prefixes`` and one series per document type and year (see
:mod:`effdesk.services.numbering`). Drafts never burn numbers: the number is taken inside the
issuing transaction, so a failed render or store gives it back.

Rendering lives in :mod:`effdesk.reports.documents` (above the services): issuing takes the
renderer from its caller (``render_document_bytes`` there), and the reports ask this module
for what they print (:func:`document_photos`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    Attachment,
    Complaint,
    Document,
    DocumentSource,
    Finding,
    StoredFile,
    User,
)
from effdesk.enums import AuditAction, CircularTone, DocumentState, DocumentType, MediaKind
from effdesk.errors import (
    ConcurrentEditError,
    EffDeskError,
    FieldProblem,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.evidence.media import DOCUMENT_PHOTO_PX
from effdesk.evidence.store import MISSING, EvidenceStore
from effdesk.permissions import Permission, require
from effdesk.services import numbering
from effdesk.services.common import Page, check_version, fetch_page, get_or_404, like_escape
from effdesk.services.complaints.policy import IDENTITY_FIELDS

ISSUED_LOCKED = "已印发的公文不能修改，如需更正请新建公文"
VOIDED_LOCKED = "已作废的公文不能修改，如需重新发文请新建公文"

# The fields a draft edit may change (and the audit log pictures).
CONTENT_FIELDS = [
    "doc_type",
    "tone",
    "red_header",
    "title",
    "main_recipients",
    "body",
    "attachments_spec",
    "issuer",
    "doc_date",
    "with_seal",
    "notes",
    "copy_to",
    "printing_office",
    "print_date",
    "supersedes_id",
]
# Columns that still change on a locked (issued) document: only the void transition.
_VOID_FIELDS = {"state", "voided_at", "voided_by_id", "void_reason", "updated_at", "version"}

ATTACHMENT_KINDS = ("text", "photos")

# Renders one document (number already set) to PDF bytes; photos are read from ``files_dir``.
Renderer = Callable[[Session, Document, Path], bytes]


def series_key(doc_type: DocumentType) -> str:
    """Key of the yearly number series of a document type in ``number_series``."""
    return f"document:{doc_type.value}"


def prefix_for(session: Session, doc_type: DocumentType) -> str:
    """The number prefix of a document type from the setting ``document.prefixes``."""
    prefixes = settings.get(session, settings.DOCUMENT_PREFIXES)
    prefix = str(prefixes.get(doc_type.value) or "").strip()
    if not prefix:
        prefix = settings.DOCUMENT_PREFIXES.default.get(doc_type.value, "").strip()
    if not prefix or re.search(r"\s|〔|〕", prefix):
        raise ValidationError(
            "prefix",
            f"「{doc_type.label}」的发文字号前缀设置不正确（「{prefix}」），"
            "请在「系统设置 → 公文」中修改。",
        )
    return prefix


def next_number_preview(session: Session, doc_type: DocumentType, year: int) -> str:
    """The number the next issued document of this type would get (for display only)."""
    serial = numbering.peek_next_number(session, series_key(doc_type), year)
    return numbering.format_document_number(prefix_for(session, doc_type), year, serial)


def placeholder_number(session: Session, doc_type: DocumentType, year: int) -> str:
    """What a draft's preview shows in place of its number: the prefix and year, serial blank."""
    return f"{prefix_for(session, doc_type)}\u3014{year}\u3015\u3000号"


# --------------------------------------------------------------------------- inputs and rows


@dataclass
class AttachmentSpec:
    """One 附件: a text or a set of photo pages (Attachment ids of findings' evidence)."""

    title: str
    kind: str = "text"
    text: str = ""
    attachment_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "text": self.text,
            "attachment_ids": list(self.attachment_ids),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> AttachmentSpec:
        return cls(
            title=str(value.get("title", "")),
            kind=str(value.get("kind", "text")),
            text=str(value.get("text", "")),
            attachment_ids=[int(i) for i in value.get("attachment_ids", [])],
        )


@dataclass
class DocumentInput:
    """What a draft form edits. ``body`` holds one paragraph per line."""

    doc_type: DocumentType
    title: str
    tone: CircularTone | None = None
    red_header: bool = True
    main_recipients: str = ""
    body: str = ""
    attachments: list[AttachmentSpec] = field(default_factory=list)
    issuer: str = ""
    doc_date: date | None = None
    with_seal: bool = False
    notes: str = ""
    copy_to: str = ""
    printing_office: str = ""
    print_date: date | None = None
    supersedes_id: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> DocumentInput:
        return cls(
            doc_type=doc.doc_type,
            title=doc.title,
            tone=doc.tone,
            red_header=doc.red_header,
            main_recipients=doc.main_recipients,
            body=doc.body,
            attachments=[AttachmentSpec.from_json(a) for a in doc.attachments_spec or []],
            issuer=doc.issuer,
            doc_date=doc.doc_date,
            with_seal=doc.with_seal,
            notes=doc.notes,
            copy_to=doc.copy_to,
            printing_office=doc.printing_office,
            print_date=doc.print_date,
            supersedes_id=doc.supersedes_id,
        )


@dataclass(frozen=True)
class SourceRef:
    """What a document was composed from (one of the ids set)."""

    complaint_id: int | None = None
    finding_id: int | None = None
    campaign_id: int | None = None
    rectification_id: int | None = None


@dataclass(frozen=True)
class DocumentRow:
    id: int
    uuid: str
    doc_type: DocumentType
    tone: CircularTone | None
    state: DocumentState
    number: str
    title: str
    doc_date: date | None
    author_name: str
    issued_at: datetime | None
    issued_by_name: str
    updated_at: datetime
    version: int
    supersedes_id: int | None

    @property
    def type_label(self) -> str:
        if self.doc_type is DocumentType.CIRCULAR and self.tone is not None:
            return f"{self.doc_type.label}（{self.tone.label}）"
        return self.doc_type.label


# --------------------------------------------------------------------------- the lock itself


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_documents(session: Session, _context: Any, _instances: Any) -> None:
    """Last line of defence: no code path may change an issued or voided document's content.

    The service functions refuse first with a clear message; this catches any other writer
    (a future screen, a script) so an issued document is never changed silently.
    """
    for obj in session.dirty:
        if not isinstance(obj, Document):
            continue
        state_hist = inspect(obj).attrs.state.history
        was = state_hist.deleted[0] if state_hist.deleted else obj.state
        if was is DocumentState.DRAFT or was == DocumentState.DRAFT.value:
            continue
        changed = {
            a.key
            for a in inspect(obj).attrs
            if a.history.has_changes() and a.key not in _VOID_FIELDS
        }
        # Relationship attributes show up too; only columns matter.
        changed &= set(inspect(Document).columns.keys())
        if changed:
            message = VOIDED_LOCKED if was is DocumentState.VOIDED else ISSUED_LOCKED
            raise TransitionNotAllowed(message)


# --------------------------------------------------------------------------- reading


def list_documents(
    session: Session,
    actor: Actor,
    query: str = "",
    doc_type: DocumentType | None = None,
    state: DocumentState | None = None,
    year: int | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[DocumentRow]:
    """One page of the register, newest first; ``query`` matches number or title."""
    require(actor, Permission.VIEW_DOCUMENTS)
    author = User.__table__.alias("author")
    issuer = User.__table__.alias("issuer")
    stmt = (
        select(Document, author.c.display_name, issuer.c.display_name)
        .outerjoin(author, author.c.id == Document.author_id)
        .outerjoin(issuer, issuer.c.id == Document.issued_by_id)
    )
    if query.strip():
        pattern = f"%{like_escape(query.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Document.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(Document.number, "")).like(pattern, escape="\\"),
            )
        )
    if doc_type is not None:
        stmt = stmt.where(Document.doc_type == doc_type)
    if state is not None:
        stmt = stmt.where(Document.state == state)
    if year is not None:
        stmt = stmt.where(
            or_(
                Document.year == year,
                (Document.year.is_(None))
                & (Document.doc_date >= date(year, 1, 1))
                & (Document.doc_date <= date(year, 12, 31)),
            )
        )
    rows, total = fetch_page(
        session,
        stmt,
        Document.year.desc().nulls_first(),
        Document.serial.desc().nulls_first(),
        Document.updated_at.desc(),
        Document.id.desc(),
        offset=offset,
        limit=limit,
    )
    return Page(
        rows=[
            DocumentRow(
                id=d.id,
                uuid=d.uuid,
                doc_type=d.doc_type,
                tone=d.tone,
                state=d.state,
                number=d.number or "",
                title=d.title,
                doc_date=d.doc_date,
                author_name=a or "",
                issued_at=d.issued_at,
                issued_by_name=i or "",
                updated_at=d.updated_at,
                version=d.version,
                supersedes_id=d.supersedes_id,
            )
            for d, a, i in rows
        ],
        total=total,
        offset=offset,
    )


def get_document(session: Session, actor: Actor, document_id: int) -> Document:
    require(actor, Permission.VIEW_DOCUMENTS)
    return get_or_404(session.get(Document, document_id), "该公文")


@dataclass(frozen=True)
class DocumentView:
    """A document as a screen shows it: plain values only (no lazy loading after the session)."""

    id: int
    uuid: str
    state: DocumentState
    number: str
    version: int
    data: DocumentInput
    author_name: str
    issued_at: datetime | None
    issued_by_name: str
    voided_at: datetime | None
    voided_by_name: str
    void_reason: str
    supersedes_number: str
    superseded_by: tuple[str, ...]
    source_summary: str
    photo_count: int
    has_pdf: bool = False

    @property
    def editable(self) -> bool:
        return self.state is DocumentState.DRAFT

    @property
    def lock_reason(self) -> str:
        if self.state is DocumentState.ISSUED:
            return ISSUED_LOCKED
        if self.state is DocumentState.VOIDED:
            return VOIDED_LOCKED
        return ""


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.display_name).where(User.id == user_id)) or ""


def get_document_view(session: Session, actor: Actor, document_id: int) -> DocumentView:
    """Everything the register's detail pane shows about one document."""
    doc = get_document(session, actor, document_id)
    data = DocumentInput.from_document(doc)
    supersedes = ""
    if doc.supersedes_id is not None:
        old = session.get(Document, doc.supersedes_id)
        supersedes = (old.number or f"草稿「{old.title}」") if old is not None else ""
    later = session.scalars(
        select(Document).where(Document.supersedes_id == doc.id).order_by(Document.id)
    ).all()
    counts: dict[str, int] = {}
    for src in doc.sources:
        if src.campaign_id is not None:
            counts["督查活动"] = counts.get("督查活动", 0) + 1
        if src.finding_id is not None:
            counts["督查问题"] = counts.get("督查问题", 0) + 1
        if src.complaint_id is not None:
            counts["投诉件"] = counts.get("投诉件", 0) + 1
        if src.rectification_id is not None:
            counts["整改"] = counts.get("整改", 0) + 1
    summary = "、".join(f"{k}{v}项" for k, v in counts.items())
    return DocumentView(
        id=doc.id,
        uuid=doc.uuid,
        state=doc.state,
        number=doc.number or "",
        version=doc.version,
        data=data,
        author_name=_user_name(session, doc.author_id),
        issued_at=doc.issued_at,
        issued_by_name=_user_name(session, doc.issued_by_id),
        voided_at=doc.voided_at,
        voided_by_name=_user_name(session, doc.voided_by_id),
        void_reason=doc.void_reason,
        supersedes_number=supersedes,
        superseded_by=tuple(d.number or f"草稿「{d.title}」" for d in later),
        source_summary=summary,
        photo_count=sum(len(a.attachment_ids) for a in data.attachments),
        has_pdf=doc.pdf_file_id is not None,
    )


def sources_of(session: Session, document_id: int) -> list[DocumentSource]:
    return list(
        session.scalars(
            select(DocumentSource)
            .where(DocumentSource.document_id == document_id)
            .order_by(DocumentSource.id)
        )
    )


# --------------------------------------------------------------------------- drafting


def _norm_recipients(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = re.sub(r"[:：]+$", "", text)
    return text + "："


def _norm_body(text: str) -> str:
    # One paragraph per line; blank lines and trailing spaces carry no meaning in the layout.
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _validate_attachments(
    session: Session, specs: list[AttachmentSpec], problems: list[FieldProblem]
) -> None:
    for n, spec in enumerate(specs, start=1):
        if not spec.title.strip():
            problems.append(FieldProblem("attachments", f"附件{n}的标题不能为空。"))
        if spec.kind not in ATTACHMENT_KINDS:
            problems.append(FieldProblem("attachments", f"附件{n}的类型「{spec.kind}」不正确。"))
            continue
        if spec.kind == "photos":
            if not spec.attachment_ids:
                problems.append(FieldProblem("attachments", f"附件{n}没有选择照片。"))
            for att_id in spec.attachment_ids:
                att = session.get(Attachment, att_id)
                if att is None:
                    problems.append(
                        FieldProblem("attachments", f"附件{n}中的照片（编号{att_id}）已不存在。")
                    )
                elif att.complaint_id is not None:
                    # Complaint files (letters, recordings) may carry the complainant's identity.
                    problems.append(
                        FieldProblem(
                            "attachments",
                            f"附件{n}不能使用投诉件的附件「{att.original_name}」"
                            "（可能含投诉人身份信息）。",
                        )
                    )
                elif att.file.media_kind is not MediaKind.PHOTO:
                    problems.append(
                        FieldProblem("attachments", f"附件{n}中的「{att.original_name}」不是照片。")
                    )


def _validate_draft(session: Session, data: DocumentInput) -> None:
    problems: list[FieldProblem] = []
    title = data.title.strip()
    if not title:
        problems.append(FieldProblem("title", "公文标题不能为空。"))
    elif len(title) > 300:
        problems.append(FieldProblem("title", "公文标题不能超过300个字。"))
    if data.tone is not None and data.doc_type is not DocumentType.CIRCULAR:
        problems.append(FieldProblem("tone", "只有通报可以选择批评、表扬或情况通报。"))
    if len(data.issuer.strip()) > 120:
        problems.append(FieldProblem("issuer", "发文机关署名不能超过120个字。"))
    if len(data.printing_office.strip()) > 120:
        problems.append(FieldProblem("printing_office", "印发机关不能超过120个字。"))
    if data.supersedes_id is not None:
        old = session.get(Document, data.supersedes_id)
        if old is None:
            problems.append(FieldProblem("supersedes_id", "所更正的公文不存在。"))
        elif old.state is DocumentState.DRAFT:
            problems.append(FieldProblem("supersedes_id", "只能更正已印发或已作废的公文。"))
    _validate_attachments(session, data.attachments, problems)
    if problems:
        raise ValidationErrors(problems)


def _apply(doc: Document, data: DocumentInput) -> None:
    doc.doc_type = data.doc_type
    doc.tone = data.tone if data.doc_type is DocumentType.CIRCULAR else None
    doc.red_header = data.red_header
    doc.title = data.title.strip()
    doc.main_recipients = _norm_recipients(data.main_recipients)
    doc.body = _norm_body(data.body)
    doc.attachments_spec = [
        AttachmentSpec(
            title=a.title.strip(), kind=a.kind, text=a.text, attachment_ids=a.attachment_ids
        ).to_json()
        for a in data.attachments
    ]
    doc.issuer = data.issuer.strip()
    doc.doc_date = data.doc_date
    doc.with_seal = data.with_seal
    doc.notes = data.notes.strip()
    doc.copy_to = data.copy_to.strip()
    doc.printing_office = data.printing_office.strip()
    doc.print_date = data.print_date
    doc.supersedes_id = data.supersedes_id


def transient_document(data: DocumentInput, number: str | None = None) -> Document:
    """A document that is never saved (the sample circular, previews of unsaved edits)."""
    doc = Document(state=DocumentState.DRAFT, attachments_spec=[], sources=[])
    _apply(doc, data)
    doc.number = number
    return doc


def _snapshot(doc: Document) -> dict[str, Any]:
    return audit.snapshot(doc, [*CONTENT_FIELDS, "state", "number"])


def _refuse_if_locked(doc: Document) -> None:
    if doc.state is DocumentState.ISSUED:
        raise TransitionNotAllowed(ISSUED_LOCKED)
    if doc.state is DocumentState.VOIDED:
        raise TransitionNotAllowed(VOIDED_LOCKED)


def _flush(session: Session, doc: Document) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(
            f"公文「{doc.title}」已被其他人修改，您的修改未保存。请刷新后重新修改。"
        ) from exc


def create_draft(
    session: Session,
    actor: Actor,
    data: DocumentInput,
    sources: Iterable[SourceRef] = (),
) -> Document:
    """A new draft (no number yet); ``sources`` records what it was composed from."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    _validate_draft(session, data)
    doc = Document(state=DocumentState.DRAFT, author_id=actor.user_id)
    _apply(doc, data)
    for src in sources:
        doc.sources.append(
            DocumentSource(
                complaint_id=src.complaint_id,
                finding_id=src.finding_id,
                campaign_id=src.campaign_id,
                rectification_id=src.rectification_id,
            )
        )
    session.add(doc)
    _flush(session, doc)
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "document",
        doc.uuid,
        f"起草{doc.doc_type.label}「{doc.title}」",
        None,
        {**_snapshot(doc), "sources": len(doc.sources)},
    )
    return doc


def update_draft(
    session: Session,
    actor: Actor,
    document_id: int,
    data: DocumentInput,
    expected_version: int | None,
) -> Document:
    """Save a draft's edits; refused on an issued or voided document, or a stale copy."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    _refuse_if_locked(doc)
    check_version(doc, expected_version, f"公文「{doc.title}」")
    _validate_draft(session, data)
    before = _snapshot(doc)
    _apply(doc, data)
    after = _snapshot(doc)
    if before == after:
        return doc
    _flush(session, doc)
    changed = {k: after[k] for k in after if before.get(k) != after[k]}
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "document",
        doc.uuid,
        f"修改公文草稿「{doc.title}」",
        {k: before[k] for k in changed},
        changed,
    )
    return doc


def delete_draft(
    session: Session, actor: Actor, document_id: int, expected_version: int | None
) -> None:
    """Discard a draft. It never had a number, so nothing of the register is lost."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    if doc.state is not DocumentState.DRAFT:
        raise TransitionNotAllowed("已印发或已作废的公文不能删除，只能作废。")
    check_version(doc, expected_version, f"公文「{doc.title}」")
    if session.scalar(select(Document.id).where(Document.supersedes_id == doc.id)) is not None:
        raise TransitionNotAllowed("有其他公文引用了此草稿，不能删除。")
    before = _snapshot(doc)
    uuid = doc.uuid
    session.delete(doc)
    _flush(session, doc)
    audit.record(
        session,
        actor,
        AuditAction.DELETE,
        "document",
        uuid,
        f"删除公文草稿「{before['title']}」",
        before,
        None,
    )


def start_correction(session: Session, actor: Actor, document_id: int) -> Document:
    """A new draft copying an issued (or voided) document, marked as its correction."""
    require(actor, Permission.DRAFT_DOCUMENTS)
    old = get_or_404(session.get(Document, document_id), "该公文")
    if old.state is DocumentState.DRAFT:
        raise TransitionNotAllowed("草稿可以直接修改，不需要新建更正公文。")
    data = DocumentInput.from_document(old)
    data.supersedes_id = old.id
    data.doc_date = None
    data.print_date = None
    sources = [
        SourceRef(s.complaint_id, s.finding_id, s.campaign_id, s.rectification_id)
        for s in old.sources
    ]
    return create_draft(session, actor, data, sources)


# --------------------------------------------------------------------------- confidentiality

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def identity_terms(session: Session, complaint_ids: Iterable[int]) -> list[str]:
    """The complainants' identifying strings of these complaints (names, phones, companies)."""
    ids = list(complaint_ids)
    if not ids:
        return []
    terms: set[str] = set()
    for c in session.scalars(select(Complaint).where(Complaint.id.in_(ids))):
        for column in IDENTITY_FIELDS:
            value = (getattr(c, column) or "").strip()
            # A one-character "name" (e.g. 王) would match everywhere; phones are matched by
            # pattern as well.
            if len(value) >= 2 and value not in {"匿名", "无", "不详"}:
                terms.add(value)
    return sorted(terms, key=len, reverse=True)


def mask(term: str) -> str:
    """Show a leader which identity was found without printing it in full again."""
    return term[0] + "*" * (len(term) - 1) if len(term) > 1 else "*"


def find_identity(text: str, terms: Iterable[str]) -> str | None:
    """The first complainant identity (or any mobile/ID-card number) in ``text``, or None."""
    for term in terms:
        if term and term in text:
            return term
    m = _MOBILE.search(text) or _ID_CARD.search(text)
    return m.group(0) if m else None


def scrub_identity(text: str, terms: Iterable[str], replacement: str = "投诉人") -> str:
    """``text`` with every complainant identity and phone/ID number replaced."""
    for term in terms:
        if term:
            text = text.replace(term, replacement)
    text = _MOBILE.sub("（电话略）", text)
    return _ID_CARD.sub("（证件号码略）", text)


def _check_no_identity(session: Session, doc: Document) -> None:
    if doc.doc_type is DocumentType.REPLY_LETTER:
        return  # a reply is addressed to the complainant by design
    complaint_ids = [s.complaint_id for s in doc.sources if s.complaint_id is not None]
    terms = identity_terms(session, complaint_ids)
    places: list[tuple[str, str]] = [
        ("title", doc.title),
        ("main_recipients", doc.main_recipients),
        ("body", doc.body),
        ("notes", doc.notes),
        ("copy_to", doc.copy_to),
    ]
    for a in doc.attachments_spec or []:
        places.append(("attachments", str(a.get("title", ""))))
        places.append(("attachments", str(a.get("text", ""))))
    names = {
        "title": "标题",
        "main_recipients": "主送机关",
        "body": "正文",
        "notes": "附注",
        "copy_to": "抄送",
        "attachments": "附件",
    }
    for fld, text in places:
        hit = find_identity(text or "", terms)
        if hit is not None:
            raise ValidationError(
                fld,
                f"{names[fld]}中出现了投诉人身份信息或电话、证件号码（「{mask(hit)}」），"
                "投诉人身份必须保密，请删除后再印发。",
            )


# --------------------------------------------------------------------------- storing PDFs


def store_pdf(session: Session, files_dir: Path, data: bytes) -> StoredFile:
    """Store PDF bytes in the content-addressed store and return their ``StoredFile`` row."""
    blob = EvidenceStore(files_dir).put_bytes(data)
    existing = session.scalar(select(StoredFile).where(StoredFile.sha256 == blob.sha256))
    if existing is not None:
        return existing
    row = StoredFile(
        sha256=blob.sha256,
        size=blob.size,
        mime="application/pdf",
        media_kind=MediaKind.DOCUMENT,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class StoredPdf:
    """An issued document's stored PDF and whether its bytes still match the recorded hash."""

    path: Path
    sha256: str
    ok: bool
    problem: str = ""


def stored_pdf(session: Session, actor: Actor, document_id: int, files_dir: Path) -> StoredPdf:
    """Locate an issued document's PDF and verify its SHA-256 (warn, never repair silently)."""
    require(actor, Permission.VIEW_DOCUMENTS)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    if doc.pdf_file is None:
        if doc.state is DocumentState.DRAFT:
            raise EffDeskError(f"公文「{doc.title}」尚未印发，没有存档的PDF。")
        raise EffDeskError(
            f"公文 {doc.number or ''}「{doc.title}」没有存档的印发原件"
            "（演示数据或从其他系统录入的记录）。"
        )
    sha = doc.pdf_file.sha256
    store = EvidenceStore(files_dir)
    path = store.path_of(sha)
    problem = store.verify_blob(sha)
    if problem == MISSING:
        return StoredPdf(path, sha, False, f"存档的PDF文件不见了：{path}。请从备份恢复。")
    if problem is not None:
        return StoredPdf(
            path,
            sha,
            False,
            f"存档的PDF文件{problem}（应有的 SHA-256 为 {sha[:16]}…），"
            "显示的内容可能不是印发时的原件。请从备份恢复。",
        )
    return StoredPdf(path, sha, True)


# --------------------------------------------------------------------------- photos to print


@dataclass(frozen=True)
class DocumentPhoto:
    """One photo of a document's attachment, ready to print: its preview file and caption."""

    path: Path
    caption: str


def _photo_caption(att: Attachment, finding: Finding | None, n: int) -> str:
    parts = [f"图{n}"]
    if finding is not None:
        t = finding.observed_at
        parts.append(finding.unit.name)
        parts.append(f"{t.year}年{t.month}月{t.day}日{t.hour}:{t.minute:02d}")
        if finding.place.strip():
            parts.append(finding.place.strip())
    if att.caption.strip():
        parts.append(att.caption.strip())
    return " ".join(parts)


def document_photos(session: Session, files_dir: Path, ids: list[int]) -> list[DocumentPhoto]:
    """The photos of a document's attachment (attachment ids, in order), as print-size
    previews from the evidence store's cache with their captions; refused (naming the photo)
    when one is gone, belongs to a complaint, or cannot be read.

    Decoding forty 12 MP originals is most of a circular's rendering time; the store keeps a
    rebuildable, EXIF-oriented preview of ``DOCUMENT_PHOTO_PX`` per photo (made on the first
    preview of a draft, reused when it is issued). The originals are only read.
    """
    if not ids:
        return []
    rows = {
        a.id: a
        for a in session.scalars(
            select(Attachment)
            .options(
                selectinload(Attachment.file),
                selectinload(Attachment.finding).selectinload(Finding.unit),
            )
            .where(Attachment.id.in_(ids))
        )
    }
    store = EvidenceStore(files_dir)
    chosen: list[Attachment] = []
    for att_id in ids:
        att = rows.get(att_id)
        if att is None:
            raise EffDeskError(f"附件中的照片（编号{att_id}）已不存在，请在公文中重新选择照片。")
        if att.complaint_id is not None:
            raise EffDeskError(f"投诉件的附件「{att.original_name}」不能印入公文。")
        path = store.path_of(att.file.sha256)
        if not path.is_file():
            raise EffDeskError(
                f"照片「{att.original_name}」的原始文件在证据存储中缺失（{path}），请从备份恢复。"
            )
        chosen.append(att)

    def preview(att: Attachment) -> Path:
        try:
            cached = store.thumbnail(att.file.sha256, DOCUMENT_PHOTO_PX)
        except (OSError, ValueError) as exc:
            raise EffDeskError(f"照片「{att.original_name}」无法读取：{exc}") from exc
        if cached is None:
            raise EffDeskError(f"照片「{att.original_name}」无法读取，不是有效的图片文件。")
        return cached

    # Pillow releases the GIL while decoding: previews missing from the cache are made in
    # parallel.
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        paths = list(pool.map(preview, chosen))
    return [
        DocumentPhoto(path, _photo_caption(att, att.finding, n))
        for n, (att, path) in enumerate(zip(chosen, paths, strict=True), start=1)
    ]


def prepare_photo_previews(session: Session, doc: Document, files_dir: Path) -> int:
    """Make the print previews of a document's photos now (e.g. while the leader edits the
    text), so its first preview and its issue do not wait for decoding; returns the count."""
    ids = [
        int(i)
        for raw in doc.attachments_spec or []
        if raw.get("kind") == "photos"
        for i in raw.get("attachment_ids", [])
    ]
    return len(document_photos(session, files_dir, ids))


# --------------------------------------------------------------------------- issue and void


def _validate_for_issue(session: Session, doc: Document) -> None:
    problems: list[FieldProblem] = []
    if not doc.title.strip():
        problems.append(FieldProblem("title", "公文标题不能为空。"))
    if not doc.body.strip():
        problems.append(FieldProblem("body", "正文不能为空。"))
    if doc.doc_type is not DocumentType.BULLETIN and not doc.main_recipients.strip():
        problems.append(FieldProblem("main_recipients", "请填写主送机关。"))
    if not doc.issuer.strip():
        problems.append(FieldProblem("issuer", "请填写发文机关署名。"))
    specs = [AttachmentSpec.from_json(a) for a in doc.attachments_spec or []]
    _validate_attachments(session, specs, problems)
    if problems:
        raise ValidationErrors(problems)


def issue_document(
    session: Session,
    actor: Actor,
    document_id: int,
    expected_version: int | None,
    files_dir: Path,
    *,
    renderer: Renderer,
    issued_at: datetime | None = None,
) -> Document:
    """Issue (印发) a draft: allocate its number, render and store its PDF, lock it.

    All in the caller's transaction: if rendering or storing fails, the caller's rollback
    leaves the draft as it was and gives the number back. ``issued_at`` defaults to now; the
    year of the document date (成文日期, default today) chooses the number series.
    ``renderer``: ``effdesk.reports.documents.render_document_bytes`` (a test may give another).
    """
    require(actor, Permission.ISSUE_DOCUMENTS)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    _refuse_if_locked(doc)
    check_version(doc, expected_version, f"公文「{doc.title}」")
    _validate_for_issue(session, doc)
    _check_no_identity(session, doc)
    moment = issued_at or now()
    before = _snapshot(doc)
    if doc.doc_date is None:
        doc.doc_date = moment.date()
    if doc.print_date is None:
        doc.print_date = doc.doc_date
    if not doc.printing_office:
        doc.printing_office = settings.get(session, settings.OFFICE_NAME)
    year = doc.doc_date.year
    prefix = prefix_for(session, doc.doc_type)
    # Taken as late as possible: from here until commit, other issuers of this series wait.
    alloc = numbering.allocate(session, series_key(doc.doc_type), year, prefix)
    doc.series_id = alloc.series_id
    doc.year = year
    doc.serial = alloc.serial
    doc.number = numbering.format_document_number(prefix, year, alloc.serial)
    pdf = renderer(session, doc, files_dir)
    if not pdf.startswith(b"%PDF-"):
        raise EffDeskError("生成的公文PDF无效，公文未印发。")
    stored = store_pdf(session, files_dir, pdf)
    doc.pdf_file_id = stored.id
    doc.state = DocumentState.ISSUED
    doc.issued_at = moment
    doc.issued_by_id = actor.user_id
    _flush(session, doc)
    audit.record(
        session,
        actor,
        AuditAction.ISSUE,
        "document",
        doc.uuid,
        f"印发{doc.doc_type.label} {doc.number}「{doc.title}」",
        before,
        {**_snapshot(doc), "pdf_sha256": stored.sha256, "pdf_size": stored.size},
    )
    return doc


def void_document(
    session: Session,
    actor: Actor,
    document_id: int,
    reason: str,
    expected_version: int | None,
) -> Document:
    """Void (作废) an issued document with a reason; its number stays taken for ever."""
    require(actor, Permission.VOID_DOCUMENTS)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    if doc.state is DocumentState.DRAFT:
        raise TransitionNotAllowed("草稿尚未印发，不需要作废，可以直接删除。")
    if doc.state is DocumentState.VOIDED:
        raise TransitionNotAllowed(f"公文 {doc.number} 已经作废。")
    check_version(doc, expected_version, f"公文「{doc.title}」")
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("void_reason", "请填写作废原因。")
    before = audit.snapshot(doc, ["state", "number", "void_reason"])
    doc.state = DocumentState.VOIDED
    doc.void_reason = reason
    doc.voided_at = now()
    doc.voided_by_id = actor.user_id
    _flush(session, doc)
    audit.record(
        session,
        actor,
        AuditAction.VOID,
        "document",
        doc.uuid,
        f"作废公文 {doc.number}「{doc.title}」：{reason}",
        before,
        audit.snapshot(doc, ["state", "number", "void_reason"]),
    )
    return doc
