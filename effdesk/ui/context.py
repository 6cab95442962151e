"""What every screen gets: the open database, the logged-in actor, the task runner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.permissions import Permission, allowed
from effdesk.ui.tasks import TaskRunner


@dataclass
class AppContext:
    db: Database
    actor: Actor
    tasks: TaskRunner = field(default_factory=TaskRunner)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work for one user action (commit on success, rollback on error)."""
        with self.db.session() as s:
            yield s

    def can(self, permission: Permission) -> bool:
        """For showing/enabling widgets only; services enforce the same rule themselves."""
        return allowed(self.actor, permission)
