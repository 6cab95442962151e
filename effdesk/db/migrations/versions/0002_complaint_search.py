"""complaint full-text search

SQLite: an FTS5 external-content table with the trigram tokenizer (matches any Chinese
substring of three or more characters), kept in step by triggers.
PostgreSQL: pg_trgm GIN indexes on the same two columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE complaints_fts USING fts5("
            "search_text, search_identity, content='complaints', content_rowid='id', "
            "tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER complaints_fts_ai AFTER INSERT ON complaints BEGIN "
            "INSERT INTO complaints_fts(rowid, search_text, search_identity) "
            "VALUES (new.id, new.search_text, new.search_identity); END"
        )
        op.execute(
            "CREATE TRIGGER complaints_fts_ad AFTER DELETE ON complaints BEGIN "
            "INSERT INTO complaints_fts(complaints_fts, rowid, search_text, search_identity) "
            "VALUES ('delete', old.id, old.search_text, old.search_identity); END"
        )
        op.execute(
            "CREATE TRIGGER complaints_fts_au AFTER UPDATE OF search_text, search_identity "
            "ON complaints BEGIN "
            "INSERT INTO complaints_fts(complaints_fts, rowid, search_text, search_identity) "
            "VALUES ('delete', old.id, old.search_text, old.search_identity); "
            "INSERT INTO complaints_fts(rowid, search_text, search_identity) "
            "VALUES (new.id, new.search_text, new.search_identity); END"
        )
        op.execute("INSERT INTO complaints_fts(complaints_fts) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_complaints_search_text_trgm ON complaints "
            "USING gin (search_text gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_complaints_search_identity_trgm ON complaints "
            "USING gin (search_identity gin_trgm_ops)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trg in ("complaints_fts_ai", "complaints_fts_ad", "complaints_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trg}")
        op.execute("DROP TABLE IF EXISTS complaints_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_complaints_search_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_complaints_search_identity_trgm")
