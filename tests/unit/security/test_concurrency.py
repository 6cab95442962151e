"""Two sessions edit one record: the second save is refused, showing the other change."""

from __future__ import annotations

import pytest
from sec_helpers import make_user
from sqlalchemy import select

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import Unit
from effdesk.enums import AssessmentCategory, Role, UnitKind
from effdesk.errors import ConcurrentEditError
from effdesk.security.concurrency import translate_stale
from effdesk.services import directory
from effdesk.services.audit_view import redaction_for


def _setup(db: Database) -> tuple[int, Actor, Actor]:
    with db.session() as s:
        a = make_user(s, "zhang", Role.CLERK)
        b = make_user(s, "li", Role.CLERK)
        unit = directory.create_unit(
            s, a, directory.UnitInput("县财政局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST)
        )
        return unit.id, a, b


def _data(name: str, contact: str) -> directory.UnitInput:
    return directory.UnitInput(
        name, UnitKind.DEPARTMENT, AssessmentCategory.FIRST, contact_person=contact
    )


def test_stale_flush_becomes_concurrent_edit_with_other_change(db: Database) -> None:
    unit_id, a, b = _setup(db)
    s1 = db.sessions()
    s2 = db.sessions()
    try:
        mine = s1.get(Unit, unit_id)
        theirs = s2.get(Unit, unit_id)
        assert mine is not None and theirs is not None
        # The other window saves first (through the service: audited).
        directory.update_unit(s2, b, unit_id, _data("县财政局", "王会计"), theirs.version)
        s2.commit()
        # This window saves a change on its stale copy: version_id_col refuses at flush.
        with (
            pytest.raises(ConcurrentEditError) as exc,
            translate_stale(s1, "单位「县财政局」", obj=mine, redact=redaction_for(a)),
        ):
            mine.contact_person = "赵主任"
            s1.flush()
        s1.rollback()
        err = exc.value
        assert "县财政局" in str(err) and "未保存" in str(err)
        assert "li" in err.other_change and "王会计" in err.other_change
    finally:
        s1.close()
        s2.close()
    with db.session() as s:  # nothing lost: the first save stands
        assert s.scalar(select(Unit.contact_person).where(Unit.id == unit_id)) == "王会计"


def test_check_version_error_is_enriched(db: Database) -> None:
    unit_id, a, b = _setup(db)
    with db.session() as s:
        old_version = s.get(Unit, unit_id).version  # type: ignore[union-attr]
        directory.update_unit(s, b, unit_id, _data("县财政局", "王会计"), old_version)
    with pytest.raises(ConcurrentEditError) as exc, db.session() as s:
        unit = s.get(Unit, unit_id)
        with translate_stale(s, "单位「县财政局」", obj=unit, redact=redaction_for(a)):
            directory.update_unit(s, a, unit_id, _data("县财政局", "赵主任"), old_version)
    assert "王会计" in exc.value.other_change and "li 于" in exc.value.other_change


def test_directory_service_names_the_other_change_by_itself(db: Database) -> None:
    """The service wraps its own save: a stale unit or person form is refused with who/what."""
    unit_id, a, b = _setup(db)
    with db.session() as s:
        old_version = s.get(Unit, unit_id).version  # type: ignore[union-attr]
        directory.update_unit(s, b, unit_id, _data("县财政局", "王会计"), old_version)
    with pytest.raises(ConcurrentEditError) as exc, db.session() as s:
        directory.update_unit(s, a, unit_id, _data("县财政局", "赵主任"), old_version)
    assert "县财政局" in str(exc.value)
    assert "li 于" in exc.value.other_change and "王会计" in exc.value.other_change

    with db.session() as s:
        person = directory.create_person(
            s, a, directory.PersonInput(name="周明", unit_id=unit_id, post="科员")
        )
        person_id, person_version = person.id, person.version
    with db.session() as s:
        directory.update_person(
            s,
            b,
            person_id,
            directory.PersonInput(name="周明", unit_id=unit_id, post="副科长"),
            person_version,
        )
    with pytest.raises(ConcurrentEditError) as exc, db.session() as s:
        directory.update_person(
            s,
            a,
            person_id,
            directory.PersonInput(name="周明", unit_id=unit_id, post="科长"),
            person_version,
        )
    assert "周明" in str(exc.value)
    assert "li 于" in exc.value.other_change and "副科长" in exc.value.other_change
    with db.session() as s:
        assert directory.get_person(s, a, person_id).post == "副科长"
