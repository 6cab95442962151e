"""statistics cache: the period's figures per received day, per unit / category / channel /
handler, kept in step with the complaints' history (see effdesk/services/statistics/cache.py);
indexes for the as-of corrections and the open cases.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COUNTS = (
    "registered",
    "rejected",
    "merged",
    "received",
    "concluded",
    "on_time",
    "substantiated",
    "replied",
    "visited",
    "satisfied",
)


def upgrade() -> None:
    op.create_table(
        "stats_day_cells",
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("dim", "day", "key", name=op.f("pk_stats_day_cells")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_cache_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_cache_state")),
    )
    with op.batch_alter_table("complaints") as batch:
        batch.create_index("ix_complaints_reply_date", ["reply_date"])
        batch.create_index("ix_complaints_return_visit_date", ["return_visit_date"])
    op.create_index(
        "ix_complaints_open_stats",
        "complaints",
        [
            "concluded_date",
            "received_date",
            "due_date",
            "state",
            "rejection_reason",
            "unit_id",
            "category_id",
            "channel",
            "handler_user_id",
        ],
        sqlite_where=sa.text("concluded_date IS NULL"),
        postgresql_where=sa.text("concluded_date IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_complaints_open_stats", table_name="complaints")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_return_visit_date")
        batch.drop_index("ix_complaints_reply_date")
    op.drop_table("stats_cache_state")
    op.drop_table("stats_day_cells")
