"""Plain `pip install -e ".[test]"` must give a working EffDesk on every PySide6 from 6.9 on.

From PySide6 6.12 QtPdf (the PDF preview of the complaint and document pages) is no longer in
PySide6-Addons but in its own PySide6-Pdf wheel, which only the PySide6 meta-package requires.
"""

from __future__ import annotations

import re
from importlib.metadata import requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_effdesk_requires_the_pyside6_meta_package() -> None:
    runtime = [r for r in requires("effdesk") or [] if "extra ==" not in r]
    assert "pyside6" in _names(runtime)


def test_qtpdf_is_importable_with_the_installed_pyside6() -> None:
    from PySide6 import QtPdf, QtPdfWidgets  # noqa: TID251  (what the PDF preview imports)

    assert QtPdf.QPdfDocument is not None and QtPdfWidgets.QPdfView is not None


def test_constraints_hold_the_meta_package_at_6_9_too() -> None:
    lines = (ROOT / "installer" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pins = {
        line.split(">=")[0].lower(): line for line in lines if line and not line.startswith("#")
    }
    for name in ("pyside6", "pyside6-essentials", "pyside6-addons"):
        assert pins[name].endswith("<6.10"), pins.get(name)


def test_build_extra_brings_pyinstaller() -> None:
    build = [r for r in requires("effdesk") or [] if 'extra == "build"' in r]
    assert "pyinstaller" in _names(build)
