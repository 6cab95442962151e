"""已批示待交办: a case the leader has instructed has a state of its own

Until now the leader's first instruction left a case in 待批示, so the badge, the ledger and
我的待办 disagreed with the dashboard. Cases waiting in 待批示 that already carry an instruction
move to 已批示待交办, and their history says so: the first instruction's event leads into the new
state, and later events that left 待批示 after an instruction now leave 已批示待交办.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Events first: the "after an instruction" test reads events, not the case state.
    op.execute(
        "UPDATE complaint_events SET from_state = 'instructed' "
        "WHERE from_state = 'awaiting_instruction' AND EXISTS ("
        "SELECT 1 FROM complaint_events AS earlier "
        "WHERE earlier.complaint_id = complaint_events.complaint_id "
        "AND earlier.kind = 'instructed' AND earlier.id < complaint_events.id)"
    )
    op.execute(
        "UPDATE complaint_events SET to_state = 'instructed' "
        "WHERE to_state = 'awaiting_instruction' AND kind = 'instructed'"
    )
    op.execute(
        "UPDATE complaint_events SET to_state = 'instructed' "
        "WHERE to_state = 'awaiting_instruction' AND from_state = 'instructed'"
    )
    op.execute(
        "UPDATE complaints SET state = 'instructed' "
        "WHERE state = 'awaiting_instruction' AND leader_instruction <> ''"
    )


def downgrade() -> None:
    op.execute("UPDATE complaints SET state = 'awaiting_instruction' WHERE state = 'instructed'")
    op.execute(
        "UPDATE complaint_events SET to_state = 'awaiting_instruction' "
        "WHERE to_state = 'instructed'"
    )
    op.execute(
        "UPDATE complaint_events SET from_state = 'awaiting_instruction' "
        "WHERE from_state = 'instructed'"
    )
