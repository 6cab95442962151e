"""The document register: drafts, issuing with the next number of the year, locking, voiding."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from unit.documents.office_data import COMPLAINANT_NAME, TODAY, Office

from effdesk import settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry, Document, NumberSeries, StoredFile
from effdesk.enums import AuditAction, CircularTone, DocumentState, DocumentType
from effdesk.errors import (
    ConcurrentEditError,
    EffDeskError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.evidence.store import EvidenceStore
from effdesk.services import composition
from effdesk.services import documents as docs

NUMBER_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")


def fake_pdf(session: Session, doc: Document, files_dir: Path) -> bytes:
    """Stands in for the layout engine where only the register's rules are under test."""
    return f"%PDF-1.4 fake {doc.number} {doc.title}".encode()


def _draft(
    session: Session,
    actor: Actor,
    title: str = "关于表扬县政务服务中心窗口的通报",
    doc_type: DocumentType = DocumentType.CIRCULAR,
    doc_date: date | None = TODAY,
) -> Document:
    return docs.create_draft(
        session,
        actor,
        docs.DocumentInput(
            doc_type=doc_type,
            tone=CircularTone.COMMENDATION if doc_type is DocumentType.CIRCULAR else None,
            title=title,
            main_recipients="各乡镇人民政府，县直各部门",
            body="一、基本情况\n窗口服务规范。\n\n二、工作要求\n各单位要学习借鉴。",
            issuer="××县机关效能建设领导小组办公室",
            doc_date=doc_date,
        ),
    )


def _issue(session: Session, actor: Actor, doc: Document, db: Database) -> Document:
    return docs.issue_document(session, actor, doc.id, doc.version, db.files_dir, renderer=fake_pdf)


def test_draft_has_no_number_and_is_normalised(session: Session, actors: dict[str, Actor]) -> None:
    doc = _draft(session, actors["clerk"])
    assert doc.state is DocumentState.DRAFT
    assert doc.number is None and doc.serial is None and doc.series_id is None
    assert doc.main_recipients == "各乡镇人民政府，县直各部门："
    assert doc.body == "一、基本情况\n窗口服务规范。\n二、工作要求\n各单位要学习借鉴。"
    assert session.scalars(select(NumberSeries)).all() == []
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action is AuditAction.CREATE
    assert entry.object_uuid == doc.uuid


def test_issue_takes_the_next_number_of_the_year_and_stores_the_pdf(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    first = _issue(session, leader, _draft(session, leader, "甲"), db)
    second = _issue(session, leader, _draft(session, leader, "乙"), db)
    assert first.number == "X效办〔2025〕1号"
    assert second.number == "X效办〔2025〕2号"
    assert NUMBER_RE.match(second.number or "")
    assert (second.year, second.serial) == (2025, 2)
    assert second.state is DocumentState.ISSUED
    assert second.issued_by_id == leader.user_id and second.issued_at is not None
    assert second.print_date == TODAY and second.printing_office
    stored = session.get(StoredFile, second.pdf_file_id)
    assert stored is not None and stored.mime == "application/pdf"
    data = fake_pdf(session, second, db.files_dir)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert EvidenceStore(db.files_dir).path_of(stored.sha256).read_bytes() == data
    check = docs.stored_pdf(session, leader, second.id, db.files_dir)
    assert check.ok and check.path.read_bytes() == data
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action is AuditAction.ISSUE
    assert entry.after is not None and entry.after["pdf_sha256"] == stored.sha256


def test_each_type_has_its_own_yearly_series_with_its_prefix(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    a = _issue(session, leader, _draft(session, leader, "a", doc_date=date(2025, 12, 31)), db)
    b = _issue(session, leader, _draft(session, leader, "b", doc_date=date(2026, 1, 2)), db)
    c = _issue(
        session,
        leader,
        _draft(session, leader, "c", DocumentType.WARNING_NOTICE, date(2026, 1, 3)),
        db,
    )
    d = _issue(session, leader, _draft(session, leader, "d", doc_date=date(2026, 1, 5)), db)
    assert [a.number, b.number, c.number, d.number] == [
        "X效办〔2025〕1号",
        "X效办〔2026〕1号",
        "X效告〔2026〕1号",
        "X效办〔2026〕2号",
    ]
    assert docs.next_number_preview(session, DocumentType.CIRCULAR, 2026) == "X效办〔2026〕3号"


def test_prefix_comes_from_settings(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    prefixes = settings.get(session, "document.prefixes")
    prefixes["circular"] = "城效办"
    settings.put(session, actors["admin"], "document.prefixes", prefixes)
    doc = _issue(session, actors["leader"], _draft(session, actors["leader"]), db)
    assert doc.number == "城效办〔2025〕1号"


def test_drafts_never_burn_numbers(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    drafts = [_draft(session, leader, f"稿{i}") for i in range(3)]
    docs.delete_draft(session, leader, drafts[0].id, drafts[0].version)
    issued = _issue(session, leader, drafts[2], db)
    assert issued.serial == 1


def test_issued_document_cannot_be_edited(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    doc = _issue(session, leader, _draft(session, leader), db)
    data = docs.DocumentInput.from_document(doc)
    data.title = "改过的标题"
    with pytest.raises(TransitionNotAllowed, match="已印发的公文不能修改，如需更正请新建公文"):
        docs.update_draft(session, leader, doc.id, data, doc.version)
    with pytest.raises(TransitionNotAllowed):
        _issue(session, leader, doc, db)
    with pytest.raises(TransitionNotAllowed):
        docs.delete_draft(session, leader, doc.id, doc.version)
    # Not even a direct write slips through.
    doc.body = "悄悄改正文"
    with pytest.raises(TransitionNotAllowed, match="已印发的公文不能修改"):
        session.flush()
    session.rollback()


def test_direct_write_to_a_voided_document_is_refused(db: Database) -> None:
    with db.session() as s:
        doc = _draft(s, SYSTEM)
        _issue(s, SYSTEM, doc, db)
        docs.void_document(s, SYSTEM, doc.id, "标题有误", doc.version)
        doc_id = doc.id
    with pytest.raises(TransitionNotAllowed, match="已作废"), db.session() as s:
        d = s.get(Document, doc_id)
        assert d is not None
        d.title = "换个标题"
        s.flush()


def test_void_keeps_the_number_and_needs_a_reason(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    doc = _issue(session, leader, _draft(session, leader, "甲"), db)
    with pytest.raises(ValidationError, match="作废原因"):
        docs.void_document(session, leader, doc.id, "  ", doc.version)
    voided = docs.void_document(session, leader, doc.id, "主送单位遗漏", doc.version)
    assert voided.state is DocumentState.VOIDED
    assert voided.void_reason == "主送单位遗漏" and voided.voided_by_id == leader.user_id
    assert voided.number == "X效办〔2025〕1号" and voided.pdf_file_id is not None
    with pytest.raises(TransitionNotAllowed, match="已经作废"):
        docs.void_document(session, leader, doc.id, "再次作废", voided.version)
    nxt = _issue(session, leader, _draft(session, leader, "乙"), db)
    assert nxt.number == "X效办〔2025〕2号"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.VOID)).one()
    assert "主送单位遗漏" in entry.summary


def test_a_draft_cannot_be_voided(session: Session, actors: dict[str, Actor]) -> None:
    doc = _draft(session, actors["leader"])
    with pytest.raises(TransitionNotAllowed, match="草稿"):
        docs.void_document(session, actors["leader"], doc.id, "不要了", doc.version)


def test_correction_is_a_new_draft_pointing_at_the_old(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    leader = actors["leader"]
    old = _issue(session, leader, _draft(session, leader), db)
    new = docs.start_correction(session, leader, old.id)
    assert new.id != old.id and new.state is DocumentState.DRAFT
    assert new.supersedes_id == old.id and new.number is None
    assert new.title == old.title and new.body == old.body
    assert new.doc_date is None  # the correction gets its own date when issued
    data = docs.DocumentInput.from_document(new)
    data.doc_date = TODAY
    docs.update_draft(session, leader, new.id, data, new.version)
    issued = _issue(session, leader, new, db)
    assert issued.number == "X效办〔2025〕2号"
    assert session.get(Document, old.id).state is DocumentState.ISSUED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("clerk", False), ("inspector", False), ("admin", False), ("leader", True)],
)
def test_only_leaders_issue_and_void(
    session: Session, actors: dict[str, Actor], db: Database, role: str, allowed: bool
) -> None:
    doc = _draft(session, actors["leader"])
    if not allowed:
        with pytest.raises(PermissionDenied, match="签发公文"):
            _issue(session, actors[role], doc, db)
        _issue(session, actors["leader"], doc, db)
        with pytest.raises(PermissionDenied, match="作废公文"):
            docs.void_document(session, actors[role], doc.id, "原因", doc.version)
    else:
        _issue(session, actors[role], doc, db)
        docs.void_document(session, actors[role], doc.id, "原因", doc.version)


def test_who_may_draft(session: Session, actors: dict[str, Actor]) -> None:
    for role in ("clerk", "inspector", "leader"):
        _draft(session, actors[role], f"{role}的稿")
    with pytest.raises(PermissionDenied):
        _draft(session, actors["admin"])
    assert docs.list_documents(session, actors["admin"]).total == 3


def test_stale_draft_edit_is_refused(session: Session, actors: dict[str, Actor]) -> None:
    clerk = actors["clerk"]
    doc = _draft(session, clerk)
    stale = doc.version
    data = docs.DocumentInput.from_document(doc)
    data.body += "\n补充一段。"
    docs.update_draft(session, clerk, doc.id, data, stale)
    data.title = "另一个人的标题"
    with pytest.raises(ConcurrentEditError):
        docs.update_draft(session, clerk, doc.id, data, stale)


def test_validation_on_issue(session: Session, actors: dict[str, Actor], db: Database) -> None:
    leader = actors["leader"]
    doc = docs.create_draft(
        session, leader, docs.DocumentInput(doc_type=DocumentType.NOTICE, title="关于××的通知")
    )
    with pytest.raises(ValidationErrors) as exc:
        _issue(session, leader, doc, db)
    fields = {p.field for p in exc.value.problems}
    assert fields == {"body", "main_recipients", "issuer"}
    assert session.scalars(select(NumberSeries)).all() == []


def test_failed_render_changes_nothing_and_consumes_no_number(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        doc_id = _draft(s, SYSTEM).id
    audit_before = _audit_count(db)

    def broken(session: Session, doc: Document, files_dir: Path) -> bytes:
        raise EffDeskError("字体文件损坏")

    with pytest.raises(EffDeskError, match="字体文件损坏"), db.session() as s:
        docs.issue_document(s, SYSTEM, doc_id, None, db.files_dir, renderer=broken)
    with db.session() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None and doc.state is DocumentState.DRAFT and doc.number is None
        assert s.scalar(select(NumberSeries.last_number)) in (None, 0)
        assert _audit_count(db) == audit_before
        issued = docs.issue_document(s, SYSTEM, doc_id, None, db.files_dir, renderer=fake_pdf)
        assert issued.number == "X效办〔2025〕1号"


def _audit_count(db: Database) -> int:
    with db.session() as s:
        return len(s.scalars(select(AuditEntry.seq)).all())


def test_tampered_pdf_is_reported(session: Session, actors: dict[str, Actor], db: Database) -> None:
    leader = actors["leader"]
    doc = _issue(session, leader, _draft(session, leader), db)
    path = docs.stored_pdf(session, leader, doc.id, db.files_dir).path
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.4 forged")
    check = docs.stored_pdf(session, leader, doc.id, db.files_dir)
    assert not check.ok and "已被修改" in check.problem
    path.unlink()
    check = docs.stored_pdf(session, leader, doc.id, db.files_dir)
    assert not check.ok and "不见了" in check.problem


def test_complainant_typed_into_a_draft_blocks_issue(
    session: Session, actors: dict[str, Actor], db: Database, office: Office
) -> None:
    leader = actors["leader"]
    doc = composition.start_circular_from_complaints(
        session, leader, [office.complaint_id], today=TODAY
    )
    data = docs.DocumentInput.from_document(doc)
    data.body += f"\n感谢{COMPLAINANT_NAME}同志的监督。"
    docs.update_draft(session, leader, doc.id, data, doc.version)
    with pytest.raises(ValidationError, match="投诉人身份") as exc:
        _issue(session, leader, doc, db)
    assert COMPLAINANT_NAME not in str(exc.value)
    data.body = data.body.replace(f"感谢{COMPLAINANT_NAME}同志的监督。", "")
    docs.update_draft(session, leader, doc.id, data, doc.version)
    assert _issue(session, leader, doc, db).serial == 1


def test_complaint_files_cannot_be_attached(
    session: Session, actors: dict[str, Actor], db: Database, office: Office, tmp_path: Path
) -> None:
    from unit.documents.office_data import make_photo

    from effdesk.services import evidence

    report = evidence.attach_files(
        session,
        actors["leader"],
        EvidenceStore(db.files_dir),
        evidence.AttachmentOwner(complaint_id=office.complaint_id),
        [make_photo(tmp_path / "letter.jpg", (400, 300), seed=9)],
    )
    data = docs.DocumentInput.from_document(_draft(session, actors["leader"]))
    data.attachments = [docs.AttachmentSpec("来信", "photos", "", [report.added[0].id])]
    with pytest.raises(ValidationErrors, match="投诉人身份"):
        docs.create_draft(session, actors["leader"], data)


def test_list_documents_filters(session: Session, actors: dict[str, Actor], db: Database) -> None:
    leader = actors["leader"]
    _issue(session, leader, _draft(session, leader, "关于甲的通报"), db)
    _draft(session, leader, "关于乙的通知", DocumentType.NOTICE)
    page = docs.list_documents(session, leader)
    assert page.total == 2
    assert docs.list_documents(session, leader, query="〔2025〕1").rows[0].title == "关于甲的通报"
    assert docs.list_documents(session, leader, state=DocumentState.DRAFT).total == 1
    assert docs.list_documents(session, leader, doc_type=DocumentType.NOTICE).total == 1
    assert docs.list_documents(session, leader, year=2025).total == 2
    assert docs.list_documents(session, leader, year=2024).total == 0
    row = docs.list_documents(session, leader, state=DocumentState.ISSUED).rows[0]
    assert row.type_label == "通报（表扬）" and row.issued_by_name == "leader"


def test_concurrent_issue_from_two_pcs(db: Database) -> None:
    """Two engines on one SQLite file (two PCs) issue at once: distinct consecutive numbers."""
    with db.session() as s:
        ids = [_draft(s, SYSTEM, f"稿{i}").id for i in range(12)]
    other = open_database(db.url)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def slow_pdf(session: Session, doc: Document, files_dir: Path) -> bytes:
        threading.Event().wait(0.01)  # a render takes time while the number is held
        return fake_pdf(session, doc, files_dir)

    def worker(database: Database, mine: list[int]) -> None:
        try:
            barrier.wait()
            for doc_id in mine:
                with database.session() as s:
                    d = docs.issue_document(
                        s, SYSTEM, doc_id, None, database.files_dir, renderer=slow_pdf
                    )
                    serial = d.serial
                assert serial is not None
                with lock:
                    results.append((doc_id, serial))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(db, ids[0::2])),
        threading.Thread(target=worker, args=(other, ids[1::2])),
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.dispose()
    assert not errors, errors
    assert sorted(serial for _, serial in results) == list(range(1, 13))
    with db.session() as s:
        numbers = s.scalars(select(Document.number).where(Document.id.in_(ids))).all()
        assert len(set(numbers)) == 12
        assert all(n is not None and NUMBER_RE.match(n) for n in numbers)


def test_issued_at_defaults_to_now(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    doc = _draft(session, actors["leader"], doc_date=None)
    before = datetime.now().replace(microsecond=0)
    issued = _issue(session, actors["leader"], doc, db)
    assert issued.issued_at is not None and issued.issued_at >= before
    assert issued.doc_date == issued.issued_at.date()
