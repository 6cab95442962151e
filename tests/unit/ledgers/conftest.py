"""Fixtures for the ledger import/export tests: default categories and a few units."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM
from effdesk.services.categories import ensure_default_categories

# The complaint drivers (register → … → answered through the real services) are reused.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "complaints"))


@pytest.fixture
def categories(session: Session) -> None:
    ensure_default_categories(session, SYSTEM)
