"""The models and the schema the migrations build agree: nothing for autogenerate to write.

A column, index, constraint or type added to ``effdesk/db/models.py`` without a migration (or a
migration the models do not follow) shows up here, on SQLite and — when
``EFFDESK_TEST_PG_URL`` is set — on PostgreSQL.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table

from effdesk.db.engine import Database, open_database
from effdesk.db.models import Base

DATA = Path(__file__).parent / "data"

# Built by migrations on purpose and not mapped: SQLite's full-text index over complaints
# (0002; its shadow tables are SQLite's own) and PostgreSQL's pg_trgm indexes that serve the
# same search (0002: GIN indexes with an operator class).
UNMAPPED_TABLES = ("complaints_fts",)
UNMAPPED_INDEXES = ("ix_complaints_search_text_trgm", "ix_complaints_search_identity_trgm")


def _compared(
    obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any, *, dialect: str
) -> bool:
    if reflected:
        if type_ == "table" and name is not None:
            return not any(name == t or name.startswith(f"{t}_") for t in UNMAPPED_TABLES)
        return not (type_ == "index" and name in UNMAPPED_INDEXES)
    # A model index built on one backend only (``Index(...).ddl_if(dialect=...)``, as its
    # migration does) is compared on that backend only.
    ddl_if = getattr(obj, "_ddl_if", None)
    return ddl_if is None or ddl_if.dialect in (None, dialect)


def schema_differences(db: Database, metadata: MetaData = Base.metadata) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": functools.partial(_compared, dialect=db.engine.dialect.name),
            },
        )
        return list(compare_metadata(context, metadata))


def test_migrated_schema_matches_the_models(db: Database) -> None:
    differences = schema_differences(db)
    assert differences == [], "models and migrations disagree:\n" + "\n".join(
        repr(d) for d in differences
    )


def test_the_comparison_sees_a_model_change(db: Database) -> None:
    # The check above is not blind: a column the migrations never added is reported.
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    units: Table = metadata.tables["units"]
    units.append_column(Column("motto", String(40)))
    found = schema_differences(db, metadata)
    # (A copied table loses its backend-only indexes' ddl_if, so look at the columns only.)
    added = [(d[2], d[3].name) for d in found if d[0] == "add_column"]
    assert added == [("units", "motto")]


@pytest.mark.parametrize("saved", sorted(p.name for p in DATA.glob("effdesk-*.sqlite")))
def test_upgraded_office_database_matches_the_models(saved: str, tmp_path: Path) -> None:
    # An office's database of an earlier revision, upgraded, ends where a fresh one starts.
    path = tmp_path / saved
    shutil.copy(DATA / saved, path)
    db = open_database(f"sqlite:///{path}")
    try:
        differences = schema_differences(db)
    finally:
        db.dispose()
    assert differences == [], "\n".join(repr(d) for d in differences)
