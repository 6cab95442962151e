"""Measures announced by a circular on findings: proposed from its sources, numbered with the
circular, recorded all at once; those already recorded are not proposed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from unit.documents.office_data import TODAY, build_office

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.enums import DocumentType, MeasureType, SubjectKind
from effdesk.errors import TransitionNotAllowed
from effdesk.reports.documents import render_document_bytes
from effdesk.services import composition
from effdesk.services import documents as docs
from effdesk.services.accountability import measures as ms


@pytest.fixture(autouse=True)
def _bundled_fonts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")


def test_circular_measures_are_proposed_and_recorded(
    session: Session, actors: dict[str, Actor], db: Database, tmp_path: Path
) -> None:
    leader = actors["leader"]
    office = build_office(session, leader, db.files_dir, tmp_path / "photos")
    doc = composition.start_circular_from_findings(session, leader, office.finding_ids, today=TODAY)
    docs.issue_document(
        session, leader, doc.id, doc.version, db.files_dir, renderer=render_document_bytes
    )
    proposals = ms.prefill_from_document(session, leader, doc.id)
    # Findings 3 and 4 of the office already have measures; the other three are proposed.
    assert sorted(p.finding_id for p in proposals if p.finding_id) == sorted(
        [office.finding_ids[0], office.finding_ids[1], office.finding_ids[4]]
    )
    assert {p.document_number for p in proposals} == {doc.number}
    assert {p.document_id for p in proposals} == {doc.id}
    assert {p.decided_date for p in proposals} == {doc.doc_date}
    named = next(p for p in proposals if p.finding_id == office.finding_ids[0])
    assert named.subject_kind is SubjectKind.PERSON and named.person_id == office.person_ids[0]
    assert named.measure is MeasureType.EFFICIENCY_WARNING
    described = next(p for p in proposals if p.finding_id == office.finding_ids[1])
    assert described.subject_kind is SubjectKind.UNIT  # nobody named: the unit
    before = ms.register_totals(session, leader)
    outcomes = ms.record_measures(session, leader, proposals)
    assert len(outcomes) == 3
    after = ms.register_totals(session, leader)
    assert after.persons == before.persons + 1
    assert ms.prefill_from_document(session, leader, doc.id) == []
    rows = ms.list_measures(session, leader, ms.MeasureFilter(text=doc.number or "")).rows
    assert len(rows) == 3


def test_only_circulars_announce_measures(
    session: Session, actors: dict[str, Actor], db: Database
) -> None:
    doc = docs.create_draft(
        session,
        actors["leader"],
        docs.DocumentInput(
            doc_type=DocumentType.NOTICE,
            title="关于开展作风建设月活动的通知",
            main_recipients="各单位",
            body="各单位要认真组织。",
            issuer="县效能办",
        ),
    )
    with pytest.raises(TransitionNotAllowed, match="不是通报"):
        ms.prefill_from_document(session, actors["leader"], doc.id)
