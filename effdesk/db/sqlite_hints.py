"""``INDEXED BY`` for SQLite through SQLAlchemy's table hints.

SQLAlchemy's SQLite compiler drops table hints (``Select.with_hint``). The complaint list's
query plans (effdesk/services/complaints/search.py) name the index SQLite must use — measured
on a million cases, and pinned by ``EXPLAIN QUERY PLAN`` tests — so engines made by
:func:`effdesk.db.engine.make_engine` compile with this subclass, which renders the hint
text after the table name. Hints for other dialects are still ignored, so the same statement
runs unchanged on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.sqlite.base import SQLiteCompiler


class HintingSQLiteCompiler(SQLiteCompiler):
    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def indexed_by(index: str) -> str:
    """The hint text for ``Select.with_hint(entity, indexed_by(name), "sqlite")``."""
    return f"INDEXED BY {index}"
