"""Helpers shared by the security tests (imported by name: the folder is not a package)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.errors

from effdesk.auth import Actor
from effdesk.db.models import User, UserRole
from effdesk.enums import Role


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


def put_evidence(files_dir: Path, data: bytes) -> Path:
    """Store bytes the way the evidence store does: objects/<sha[:2]>/<sha>."""
    sha = hashlib.sha256(data).hexdigest()
    path = files_dir / "objects" / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_user(session: Any, username: str, *roles: Role) -> Actor:
    """A real user row with the given roles (as tests/conftest.make_user)."""
    user = User(username=username, display_name=username, must_change_password=False)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return Actor(user_id=user.id, username=username, roles=frozenset(roles), display_name=username)
