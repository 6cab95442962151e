"""A document of the register → :class:`OfficialDocumentSpec` → GB/T 9704 PDF.

Issued documents are rendered once, at issue time, and kept; everything else (draft previews,
the sample circular) is rendered on demand. A draft has no number yet: its preview leaves the
number line empty, exactly where the number will be printed.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFError
from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.db.models import Document
from effdesk.enums import DocumentState
from effdesk.evidence.media import DOCUMENT_PHOTO_PX
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
from effdesk.services.documents import document_photos

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


def _photo_items(session: Session, files_dir: Path, ids: list[int]) -> list[AttachmentImage]:
    """The photos of an attachment as the documents service hands them: print-size previews
    with their captions."""
    return [AttachmentImage(p.path, p.caption) for p in document_photos(session, files_dir, ids)]


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
        authority_mark=settings.get(session, settings.OFFICE_AUTHORITY_MARK),
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
    """The renderer to hand the documents service when issuing (number already set)."""
    return render_document(session, doc, files_dir).pdf
