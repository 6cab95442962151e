"""Fixtures for the complaint service tests (helpers live in complaint_helpers.py)."""

from __future__ import annotations

import pytest
from complaint_helpers import World, make_world
from sqlalchemy.orm import Session

from effdesk.auth import Actor


@pytest.fixture
def world(session: Session, actors: dict[str, Actor]) -> World:
    return make_world(session, actors)
