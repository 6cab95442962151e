"""Icons by name from ``resources/icons/<name>.svg`` (cached; empty icon if missing)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from effdesk.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """The bundled icon ``name`` (e.g. ``"directory"``); an empty icon when there is none."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()
