"""Where files the user saves go: the folder used last, else the user's documents folder.

One place for every "save as" of EffDesk (PDFs, Excel ledgers, statistics, templates), so none
of them starts in the program's working folder and each remembers where the user went.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

SAVE_DIR_KEY = "pdf/save_dir"  # the key predates the other kinds of file; kept for users' PCs


def save_folder() -> Path:
    """The folder used last for saving, else the user's documents folder, else home."""
    last = str(QSettings().value(SAVE_DIR_KEY, "", type=str) or "")
    if last and Path(last).is_dir():
        return Path(last)
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def remember_folder(saved: Path) -> None:
    """Start the next "save as" where ``saved`` (a file just written) went."""
    QSettings().setValue(SAVE_DIR_KEY, str(saved.parent))


def free_name(path: Path) -> Path:
    """``path``, or ``name（2）.pdf`` … when a file of that name is there already."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        n += 1
    return candidate
