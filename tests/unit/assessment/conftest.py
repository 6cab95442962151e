"""Fixtures for the assessment and bulletin tests (helpers in assessment_helpers.py)."""

from __future__ import annotations

import pytest
from assessment_helpers import Office, make_office
from sqlalchemy.orm import Session

from effdesk.auth import Actor


@pytest.fixture
def office(session: Session, actors: dict[str, Actor]) -> Office:
    return make_office(session, actors)
