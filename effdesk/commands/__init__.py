"""CLI subcommands, one module each (see effdesk/cli.py), and what each is handed.

The context lives here, not in ``effdesk.cli``: the subcommands import it, and the entry point
imports the subcommands (the arrow points one way).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the entry point imports this before it knows it is a CLI run, not the GUI
    from effdesk.db.engine import Database


@dataclass
class CommandContext:
    """What a subcommand needs: the chosen database, opened lazily and once."""

    db_url: str | None = None
    _db: Database | None = field(default=None, repr=False)

    def database(self, *, create: bool = False) -> Database:
        """The database named by ``--db`` (or the default one). A missing or empty file is
        refused with its path unless ``create`` (only commands that set up a database pass
        it). Leftovers of killed work are removed first."""
        if self._db is None:
            from effdesk.db.engine import open_database

            self._db = open_database(self.db_url, create=create)
            from effdesk.security.housekeeping import tidy

            tidy(self._db)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


Handler = Callable[[argparse.Namespace, CommandContext], int]
