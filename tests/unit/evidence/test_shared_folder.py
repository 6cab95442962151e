"""A shared evidence folder that goes away: every write is refused with a clear message and
nothing is half-written — no blob under a valid name, no database row pointing at a file
that is not there. (On a server database the folder is registered at open; here the test
registers the SQLite database's folder the same way.)"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from evidence_helpers import make_jpeg, sha256_of
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.evidence_folder import MARKER_NAME, check_folder, write_marker
from effdesk.db.models import Attachment, Finding, StoredFile
from effdesk.errors import EvidenceFolderUnavailable, WrongEvidenceFolder
from effdesk.evidence import shared
from effdesk.evidence.store import EvidenceStore
from effdesk.services.documents import store_pdf
from effdesk.services.evidence import AttachmentOwner, attach_files

WHEN = datetime(2026, 3, 3, 9, 12)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def shared_store(db: Database) -> EvidenceStore:
    write_marker(db.files_dir, "office-1", "test")
    shared.register(db.files_dir, MARKER_NAME)
    return EvidenceStore(db.files_dir)


def test_attach_refused_while_the_share_is_away_then_works(
    session: Session,
    actors: dict[str, Actor],
    shared_store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    photo = make_jpeg(tmp_path / "窗口无人.jpg", seed=7, when=WHEN)
    marker = shared_store.root / MARKER_NAME
    hidden = tmp_path / "marker-away"
    marker.rename(hidden)  # the share is offline: an empty mount point in its place
    with pytest.raises(EvidenceFolderUnavailable) as caught:
        attach_files(
            session,
            actors["inspector"],
            shared_store,
            AttachmentOwner(finding_id=finding.id),
            [photo],
        )
    assert str(shared_store.root) in str(caught.value)
    assert "照片、附件和印发的公文无法保存" in str(caught.value)
    assert list(shared_store.iter_blobs()) == []
    assert _count(session, Attachment) == 0 and _count(session, StoredFile) == 0

    hidden.rename(marker)  # the share is back
    report = attach_files(
        session,
        actors["inspector"],
        shared_store,
        AttachmentOwner(finding_id=finding.id),
        [photo],
    )
    assert [a.original_name for a in report.added] == ["窗口无人.jpg"]
    assert list(shared_store.iter_blobs()) == [sha256_of(photo)]


def test_issued_pdf_row_not_committed_when_the_folder_write_fails(
    db: Database, shared_store: EvidenceStore, tmp_path: Path
) -> None:
    away = tmp_path / "share-away"
    db.files_dir.rename(away)  # the whole share is gone
    try:
        with pytest.raises(EvidenceFolderUnavailable), db.session() as s:
            store_pdf(s, db.files_dir, b"%PDF-1.4 circular")
        assert not db.files_dir.exists()  # the folder is not created in its place
    finally:
        away.rename(db.files_dir)
    with db.session() as s:
        assert _count(s, StoredFile) == 0
    assert list(shared_store.iter_blobs()) == []


def test_marker_names_the_office(tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    check_folder(folder, "office-a", "server/a")  # empty: the marker is written
    assert (folder / MARKER_NAME).is_file()
    check_folder(folder, "office-a", "server/a")  # ours: fine
    with pytest.raises(WrongEvidenceFolder, match="属于另一个数据库"):
        check_folder(folder, "office-b", "server/b")
    with pytest.raises(EvidenceFolderUnavailable, match="文件夹不存在"):
        check_folder(tmp_path / "not-mounted", "office-a", "server/a")
