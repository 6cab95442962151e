"""Fixtures for spot checks (helpers live in inspection_helpers.py)."""

from __future__ import annotations

import pytest
from inspection_helpers import Directory, seed_directory
from sqlalchemy.orm import Session

from effdesk.auth import Actor


@pytest.fixture
def dirdata(session: Session, actors: dict[str, Actor]) -> Directory:
    return seed_directory(session, actors["leader"])
