"""Database layer: mappings, engine/session setup and Alembic migrations."""
