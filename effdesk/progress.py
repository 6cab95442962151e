"""How long work reports progress and hears a cancel: what the GUI's task runner hands it.

Long operations below the GUI (backup, restore, copying a database) take a :class:`Progress`;
``check`` may raise to cancel, and the operation then leaves nothing half-done. Without one
they run with :class:`NoProgress`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def report(self, done: int, total: int, text: str = "") -> None: ...

    def check(self) -> None: ...


class NoProgress:
    """Progress nobody watches and nobody cancels."""

    def report(self, done: int, total: int, text: str = "") -> None:
        return None

    def check(self) -> None:
        return None
