"""``effdesk render document`` and ``effdesk render sample-circular``."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import select
from unit.documents.office_data import TODAY, build_office

from effdesk.auth import SYSTEM
from effdesk.cli import main
from effdesk.db.engine import Database
from effdesk.db.models import Document, NumberSeries, User, UserRole
from effdesk.enums import Role
from effdesk.reports.documents import render_document_bytes
from effdesk.services import composition
from effdesk.services import documents as docs


@pytest.fixture
def office_db(db: Database, tmp_path: Path) -> Database:
    with db.session() as s:
        user = User(username="leader", display_name="leader", must_change_password=False)
        user.roles = [UserRole(role=Role.LEADER)]
        s.add(user)
        s.flush()
        build_office(s, SYSTEM, db.files_dir, tmp_path / "photos")
    return db


def _text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_sample_circular_from_the_campaign_with_most_findings(
    office_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sample.pdf"
    rc = main(
        [
            "--db",
            office_db.url,
            "render",
            "sample-circular",
            "--out",
            str(out),
            "--date",
            "2025-03-14",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "2025年3月机关作风明察暗访" in printed and "5个问题" in printed
    assert "X效办〔2025〕1号" in printed and "仿宋 →" in printed
    text = _text(out)
    assert "关于2025年3月机关作风明察暗访情况的通报" in text.replace("\n", "")
    assert "X效办〔2025〕1号" in text
    # Nothing saved: no document, no number consumed.
    with office_db.session() as s:
        assert s.scalars(select(Document)).all() == []
        assert s.scalars(select(NumberSeries)).all() == []


def test_render_document_draft_and_issued(
    office_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with office_db.session() as s:
        finding_ids = composition.usable_finding_ids(s, 1)
        doc = composition.start_circular_from_findings(s, SYSTEM, finding_ids, today=TODAY)
        doc_id = doc.id
    draft_pdf = tmp_path / "draft.pdf"
    assert (
        main(
            [
                "--db",
                office_db.url,
                "render",
                "document",
                "--id",
                str(doc_id),
                "--out",
                str(draft_pdf),
            ]
        )
        == 0
    )
    assert "草稿预览" in capsys.readouterr().out
    assert "〔2025〕" not in _text(draft_pdf)
    with office_db.session() as s:
        docs.issue_document(
            s, SYSTEM, doc_id, None, office_db.files_dir, renderer=render_document_bytes
        )
    issued_pdf = tmp_path / "issued.pdf"
    assert (
        main(
            [
                "--db",
                office_db.url,
                "render",
                "document",
                "--id",
                str(doc_id),
                "--out",
                str(issued_pdf),
            ]
        )
        == 0
    )
    assert "校验一致" in capsys.readouterr().out
    with office_db.session() as s:
        stored = docs.stored_pdf(s, SYSTEM, doc_id, office_db.files_dir)
    assert issued_pdf.read_bytes() == stored.path.read_bytes()
    assert "X效办〔2025〕1号" in _text(issued_pdf)
    # A changed archive copy is refused, not passed on.
    stored.path.chmod(0o644)
    stored.path.write_bytes(b"%PDF-1.4 forged")
    assert (
        main(
            [
                "--db",
                office_db.url,
                "render",
                "document",
                "--id",
                str(doc_id),
                "--out",
                str(issued_pdf),
            ]
        )
        == 2
    )
    assert "已被修改" in capsys.readouterr().err


def test_unknown_document(
    office_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            "--db",
            office_db.url,
            "render",
            "document",
            "--id",
            "999",
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert rc == 2
    assert "找不到该公文" in capsys.readouterr().err
