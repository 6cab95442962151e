"""Alembic environment. The engine comes from EffDesk (never from an ini file)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from effdesk.db import models  # noqa: F401  (registers every table on Base.metadata)
from effdesk.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        assert url, "EffDesk passes an engine; a URL is needed only for alembic's own CLI"
        engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
