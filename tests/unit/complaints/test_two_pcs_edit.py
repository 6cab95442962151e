"""Two PCs editing one complaint: the loser gets the "someone else changed this" message,
never a raw StaleDataError, and nothing the winner saved is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from complaint_helpers import T0, make_world

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import Complaint, User, UserRole
from effdesk.enums import Role
from effdesk.errors import ConcurrentEditError
from effdesk.services import complaints as svc


def test_edit_of_persons_loses_the_race_with_a_clear_message(db: Database) -> None:
    with db.session() as s:
        people = {}
        for name, role in (
            ("clerk", Role.CLERK),
            ("inspector", Role.INSPECTOR),
            ("leader", Role.LEADER),
            ("admin", Role.ADMIN),
        ):
            user = User(username=name, display_name=name, must_change_password=False)
            user.roles = [UserRole(role=role)]
            s.add(user)
            s.flush()
            people[name] = Actor(user.id, name, frozenset({role}), name)
        w = make_world(s, people)
        case_id = w.register().id
        edited = w.input(person_ids=[w.person], summary="另一台电脑改了摘要")
        mine = w.input(summary="这台电脑改的摘要", person_descriptions=["3号窗口女工作人员"])
        clerk = people["clerk"]
    first, second = db.sessions(), db.sessions()
    try:
        case = first.get(Complaint, case_id)
        assert case is not None
        version = case.version
        svc.update_complaint(second, clerk, case_id, edited, expected_version=version)
        second.commit()
        with pytest.raises(ConcurrentEditError, match="刚被其他人修改") as err:
            svc.update_complaint(
                first, clerk, case_id, mine, expected_version=None, at=T0 + timedelta(hours=1)
            )
        assert "StaleDataError" not in str(err.value)
        first.rollback()
    finally:
        first.close()
        second.close()
    with db.session() as s:
        case = s.get(Complaint, case_id)
        assert case is not None and case.summary == "另一台电脑改了摘要"
        assert [p.person_id for p in case.persons] == [w.person]
