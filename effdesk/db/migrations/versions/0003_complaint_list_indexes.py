"""complaint list indexes for filtered searches at a million cases

Both backends: (handler_user_id, received_date) and (state, received_date), so "one handler's
(one state's) cases, newest first" walks an index in order.
SQLite: two covering indexes over every column the list filters on — in received order
(``ix_complaints_list``: the first screen walks it, counts scan it, without reading the wide
rows) and by id (``ix_complaints_filters_by_id``: full-text matches are checked against the
filters without reading the wide rows); and ``ix_complaints_running``, the first one over the
cases that run against a deadline only (a partial index, 8% of a mature office's cases), for
due statuses and open states. PostgreSQL: the pg_trgm indexes of 0002 serve the text.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Written out (not imported from the models) so the migration stays what it was.
FILTER_COLUMNS = [
    "state",
    "unit_id",
    "category_id",
    "channel",
    "handler_user_id",
    "handler_unit_id",
    "ever_overdue",
    "acceptance_due",
    "due_date",
    "reply_due",
]
RUNNING_STATES_SQL = (
    "state IN ('registered', 'awaiting_instruction', 'instructed', 'routed', "
    "'investigating', 'awaiting_review', 'concluded')"
)


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index(
        "ix_complaints_handler_received", "complaints", ["handler_user_id", "received_date"]
    )
    op.create_index("ix_complaints_state_received", "complaints", ["state", "received_date"])
    if bind.dialect.name == "sqlite":
        op.create_index(
            "ix_complaints_list", "complaints", ["received_date", "id", *FILTER_COLUMNS]
        )
        op.create_index(
            "ix_complaints_filters_by_id",
            "complaints",
            ["id", "received_date", *FILTER_COLUMNS],
        )
        op.create_index(
            "ix_complaints_running",
            "complaints",
            ["received_date", "id", *FILTER_COLUMNS],
            sqlite_where=sa.text(RUNNING_STATES_SQL),
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.drop_index("ix_complaints_running", table_name="complaints")
        op.drop_index("ix_complaints_filters_by_id", table_name="complaints")
        op.drop_index("ix_complaints_list", table_name="complaints")
    op.drop_index("ix_complaints_state_received", table_name="complaints")
    op.drop_index("ix_complaints_handler_received", table_name="complaints")
