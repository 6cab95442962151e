"""A document of the register → :class:`OfficialDocumentSpec` → GB/T 9704 PDF.

Issued documents are rendered once, at issue time, and kept; everything else (draft previews,
the sample circular) is rendered on demand. A draft has no number yet: its preview leaves the
number line empty, exactly where the number will be printed.
"""

from __future__ import annotations

import io
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from effdesk import settings
from effdesk.db.models import Attachment, Document, Finding
from effdesk.enums import DocumentState
from effdesk.errors import EffDeskError
from effdesk.evidence.media import DOCUMENT_PHOTO_PX
from effdesk.evidence.store import EvidenceStore
from effdesk.reports.fonts import FontRole, FontSet, default_fontset
from effdesk.reports.gbt9704 import (
    Attachment as SpecAttachment,
)
from effdesk.reports.gbt9704 import (
    AttachmentImage,
    OfficialDocumentSpec,
    RenderInfo,
    render_official_document,
)

PHOTOS_PER_PAGE = 2
# Longest side of a photo's print preview. A 4:3 photo of a two-to-a-page attachment prints
# about 133 × 100 mm, so 750 px is ~145 dpi (portrait photos more); it also lets JPEG draft
# mode decode a 4000 × 3000 original at 1/4 scale, the cheap path (960 would need 1/2).
# Ingest makes this preview already; photos stored before that get it on first use.
PRINT_PX = DOCUMENT_PHOTO_PX


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    info: RenderInfo
    draft: bool  # True: a preview without a number

    @property
    def font_summary(self) -> str:
        """E.g. "仿宋 → FandolFang（内置）；黑体 → …" for the preview's font label."""
        return "；".join(self.info.fonts)


def split_copy_to(text: str) -> list[str]:
    """抄送 as typed ("县委办，县政府办。") → its recipients; 、 stays inside a group."""
    parts = re.split(r"[，,;；\n]+", text.strip().rstrip("。."))
    return [p.strip() for p in parts if p.strip()]


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


def _photo_items(session: Session, files_dir: Path, ids: list[int]) -> list[AttachmentImage]:
    """The photos of an attachment, as print-size previews from the evidence store's cache.

    Decoding forty 12 MP originals is most of a circular's rendering time; the store keeps a
    rebuildable, EXIF-oriented preview of ``PRINT_PX`` per photo (made on the first preview of
    a draft, reused when it is issued). The originals are only read.
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
            cached = store.thumbnail(att.file.sha256, PRINT_PX)
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
        AttachmentImage(path, _photo_caption(att, att.finding, n))
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
    return len(_photo_items(session, files_dir, ids))


def build_spec(
    session: Session, doc: Document, files_dir: Path, *, today: date | None = None
) -> OfficialDocumentSpec:
    """The layout spec of ``doc``; a draft without dates shows ``today``."""
    today = today or date.today()
    attachments: list[SpecAttachment] = []
    for raw in doc.attachments_spec or []:
        title = str(raw.get("title", "")).strip()
        if raw.get("kind") == "photos":
            ids = [int(i) for i in raw.get("attachment_ids", [])]
            attachments.append(
                SpecAttachment(
                    title,
                    _photo_items(session, files_dir, ids),
                    photos_per_page=PHOTOS_PER_PAGE,
                )
            )
        else:
            text = str(raw.get("text", ""))
            paras = [p.strip() for p in text.split("\n") if p.strip()]
            attachments.append(SpecAttachment(title, paras))
    doc_date = doc.doc_date or today
    return OfficialDocumentSpec(
        title=doc.title,
        body=[p for p in doc.body.split("\n") if p.strip()],
        red_header=doc.red_header,
        authority_mark=str(settings.get(session, "office.authority_mark")),
        number=doc.number or "",
        main_recipients=doc.main_recipients,
        attachments=attachments,
        signature=doc.issuer,
        date=doc_date,
        with_seal=doc.with_seal,
        seal_marker=doc.with_seal and doc.state is DocumentState.DRAFT,
        notes=doc.notes,
        copy_to=split_copy_to(doc.copy_to),
        printing_office=doc.printing_office,
        print_date=doc.print_date or doc_date,
    )


def render_document(
    session: Session,
    doc: Document,
    files_dir: Path,
    *,
    fonts: FontSet | None = None,
    today: date | None = None,
) -> RenderedDocument:
    """Render ``doc`` as it stands (a draft previews without a number)."""
    fonts = fonts or default_fontset()
    from effdesk.services.bulletin import bulletin_period

    period = bulletin_period(doc)
    if period is not None:  # a monthly 简报: figures, charts and the ranking of its month
        from effdesk.reports.bulletin import render_bulletin_document

        pdf, info = render_bulletin_document(session, doc, period, fonts=fonts, today=today)
        return RenderedDocument(pdf, info, draft=doc.state is DocumentState.DRAFT)
    # Parsing the CJK fonts is pure Python and photo decoding releases the GIL: doing both at
    # once saves most of the font time on a first render.
    loader = threading.Thread(target=_load_faces, args=(fonts,), daemon=True)
    loader.start()
    try:
        spec = build_spec(session, doc, files_dir, today=today)
    finally:
        loader.join()
    buf = io.BytesIO()
    info = render_official_document(spec, buf, fonts)
    return RenderedDocument(buf.getvalue(), info, draft=doc.state is DocumentState.DRAFT)


def _load_faces(fonts: FontSet) -> None:
    for role in FontRole:
        try:
            fonts.face(role).load()
        except (TTFError, OSError, ValueError, KeyError, IndexError):
            # The engine falls back per character and reports it; nothing to do here.
            continue


_BASEFONT = re.compile(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([^\s/\[\]<>()]+)")


def embedded_fonts(pdf: bytes, fonts: FontSet | None = None) -> list[str]:
    """The fonts embedded in a PDF, named as the preview names them ("FandolFang (内置)").

    For an issued document the stored PDF is the truth, whatever fonts this PC has now; a
    font this PC does not know keeps its PostScript name.
    """
    names = list(dict.fromkeys(m.decode("latin-1") for m in _BASEFONT.findall(pdf)))
    if not names:
        return []
    fonts = fonts or default_fontset()
    labels: dict[str, str] = {}
    for role in FontRole:
        for face in fonts.chain(role):
            try:
                ps = face.load().face.name
            except (TTFError, OSError, ValueError, KeyError, IndexError):
                # An unreadable font maps nothing; its PostScript name is shown instead.
                continue
            key = ps.decode("latin-1") if isinstance(ps, bytes) else str(ps)
            labels.setdefault(key, face.label)
    return [labels.get(n, n) for n in names]


def render_document_bytes(session: Session, doc: Document, files_dir: Path) -> bytes:
    """The renderer the documents service uses when issuing (number already set)."""
    return render_document(session, doc, files_dir).pdf
