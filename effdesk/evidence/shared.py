"""Which evidence folders are an office's shared folder, and the marker file each must hold.

Filled when a server database opens its configured shared folder
(:mod:`effdesk.db.evidence_folder`); :class:`effdesk.evidence.store.EvidenceStore` refuses to
write under such a folder while its marker is missing — the share is offline and an empty local
mount point is in its place — instead of leaving evidence on one PC. Kept apart from the store
so that opening a database does not import Pillow.
"""

from __future__ import annotations

from pathlib import Path

_shared_roots: dict[Path, str] = {}


def register(root: Path, marker: str) -> None:
    """Writes under ``root`` require ``root/marker`` (checked before each write)."""
    _shared_roots[Path(root).absolute()] = marker


def marker_for(root: Path) -> str | None:
    """The marker a write under ``root`` requires (None: a local folder)."""
    return _shared_roots.get(Path(root).absolute())
