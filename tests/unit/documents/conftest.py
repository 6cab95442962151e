from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from unit.documents.office_data import Office, build_office

from effdesk.auth import Actor
from effdesk.db.engine import Database


@pytest.fixture(autouse=True)
def _bundled_fonts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same output on every machine: the PC's own fonts are ignored.
    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")


@pytest.fixture
def office(session: Session, actors: dict[str, Actor], db: Database, tmp_path: Path) -> Office:
    return build_office(session, actors["leader"], db.files_dir, tmp_path / "photos")
