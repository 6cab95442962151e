"""Find bundled resources (fonts, icons, templates) from a checkout, a wheel or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    # PyInstaller unpacks data beside the executable under sys._MEIPASS.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("找不到 EffDesk 的资源文件夹 resources/，安装可能不完整。")


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("fonts", "x.ttf")``."""
    return resources_root().joinpath(*parts)
