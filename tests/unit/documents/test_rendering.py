"""Rendering documents of the register: print previews of photos, fonts read back from PDFs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from unit.documents.office_data import TODAY, Office

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import Attachment, Finding
from effdesk.errors import EffDeskError
from effdesk.evidence.store import EvidenceStore
from effdesk.reports.documents import (
    PRINT_PX,
    embedded_fonts,
    render_document,
    split_copy_to,
)
from effdesk.services import composition
from effdesk.services.documents import prepare_photo_previews


def test_photos_print_from_cached_previews_originals_untouched(
    session: Session, actors: dict[str, Actor], db: Database, office: Office
) -> None:
    store = EvidenceStore(db.files_dir)
    doc = composition.start_circular_from_findings(
        session, actors["leader"], office.finding_ids, today=TODAY
    )
    shas = [a.file.sha256 for f in office.finding_ids for a in _attachments(session, f)]
    before = {s: hashlib.sha256(store.path_of(s).read_bytes()).hexdigest() for s in shas}
    # Ingest made the print previews already …
    assert all(store.thumb_path(s, PRINT_PX).exists() for s in shas)
    # … but the cache is derived data: without it (photos stored by an older version, or the
    # thumbs folder deleted) the previews are made again from the originals.
    shutil.rmtree(store.thumbs)
    assert all(not store.thumb_path(s, PRINT_PX).exists() for s in shas)
    assert prepare_photo_previews(session, doc, db.files_dir) == len(shas)
    assert all(store.thumb_path(s, PRINT_PX).exists() for s in shas)
    rendered = render_document(session, doc, db.files_dir)
    assert rendered.draft and rendered.info.pages >= 4
    assert not rendered.info.missing_chars
    assert before == {s: hashlib.sha256(store.path_of(s).read_bytes()).hexdigest() for s in shas}
    # Every role appears: mark and title, body, 一、 and （一） headings, page numbers.
    assert set(embedded_fonts(rendered.pdf)) == {
        "Noto Serif SC Bold (内置)",
        "FandolFang (内置)",
        "文泉驿正黑 (内置)",
        "AR PL KaitiM GB (内置)",
        "AR PL SungtiL GB (内置)",
    }


def _attachments(session: Session, finding_id: int) -> list[Attachment]:
    finding = session.get(Finding, finding_id)
    assert finding is not None
    return list(finding.attachments)


def test_missing_photo_original_is_named(
    session: Session, actors: dict[str, Actor], db: Database, office: Office, tmp_path: Path
) -> None:
    store = EvidenceStore(db.files_dir)
    doc = composition.start_circular_from_findings(
        session, actors["leader"], office.finding_ids[:1], today=TODAY
    )
    (att,) = _attachments(session, office.finding_ids[0])
    path = store.path_of(att.file.sha256)
    path.chmod(0o644)
    path.unlink()
    with pytest.raises(EffDeskError, match=att.original_name):
        render_document(session, doc, db.files_dir)


def test_split_copy_to() -> None:
    assert split_copy_to("县委办，县政府办，县委、县政府领导。") == [
        "县委办",
        "县政府办",
        "县委、县政府领导",
    ]
    assert split_copy_to("") == []
