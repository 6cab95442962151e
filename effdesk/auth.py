"""Who is acting: every service call takes an :class:`Actor`."""

from __future__ import annotations

from dataclasses import dataclass

from effdesk.enums import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[Role]
    display_name: str = ""
    # Roles a service lends for one operation (e.g. RECORD_FINDINGS while an admin imports a
    # field package): not held by the user, so not expected in the user's current roles.
    lent: frozenset[Role] = frozenset()

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def label(self) -> str:
        return self.display_name or self.username


# The command line and the demo generator act as the system (all roles); the GUI never does.
SYSTEM = Actor(user_id=None, username="system", roles=frozenset(Role), display_name="系统")
