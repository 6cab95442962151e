"""0010: cases the leader has instructed move from 待批示 to 已批示待交办, with their history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select

from effdesk.db.engine import MIGRATIONS_DIR, alembic_config, open_database
from effdesk.db.models import Complaint, ComplaintEvent
from effdesk.demo.generator import build_demo
from effdesk.enums import ComplaintEventKind, ComplaintState


def _states(db_url: str) -> dict[str, tuple[str, list[tuple[str, str | None, str | None]]]]:
    db = open_database(db_url, migrate=False)
    try:
        with db.session() as s:
            out = {}
            for case in s.scalars(select(Complaint)):
                events = s.scalars(
                    select(ComplaintEvent)
                    .where(ComplaintEvent.complaint_id == case.id)
                    .order_by(ComplaintEvent.id)
                )
                out[case.number] = (
                    case.state.value,
                    [
                        (
                            e.kind.value,
                            e.from_state.value if e.from_state else None,
                            e.to_state.value if e.to_state else None,
                        )
                        for e in events
                    ],
                )
            return out
    finally:
        db.dispose()


def test_upgrade_moves_instructed_cases_and_their_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    db = open_database(url, create=True)
    build_demo(db, complaints=60, today=date(2026, 11, 20))
    before_rev = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("0010").down_revision
    assert isinstance(before_rev, str)
    command.downgrade(alembic_config(db.engine), before_rev)
    db.dispose()

    old = _states(url)
    waiting_with_instruction = [
        n
        for n, (state, events) in old.items()
        if state == "awaiting_instruction" and any(k == "instructed" for k, _, _ in events)
    ]
    assert waiting_with_instruction, "the demo has a case instructed and not yet routed"

    open_database(url).dispose()  # upgrades to head
    new = _states(url)
    for number in waiting_with_instruction:
        state, events = new[number]
        assert state == ComplaintState.INSTRUCTED.value
        assert ("instructed", "awaiting_instruction", "instructed") in events
    # Every routed case left 已批示待交办, as a case routed today does.
    routed = [
        (frm, to)
        for _, events in new.values()
        for kind, frm, to in events
        if kind == ComplaintEventKind.ROUTED.value
    ]
    assert routed and all(frm == "instructed" for frm, _ in routed)
    # Nothing else moved.
    for number, (state, _) in old.items():
        if number not in waiting_with_instruction:
            assert new[number][0] == state
