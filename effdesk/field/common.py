"""Plumbing shared by both package kinds: limits from settings, cancelling, atomic zip writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.errors import EffDeskError
from effdesk.field.safezip import Limits

ProgressFn = Callable[[int, int, str], None]
CancelledFn = Callable[[], bool]


class OperationCancelled(EffDeskError):
    def __init__(self, message: str = "已取消，未写入任何内容。") -> None:
        super().__init__(message)


def package_limits(session: Session) -> Limits:
    """Limits from the office settings: ``field.max_package_mb`` and a per-entry limit.

    The per-entry limit is ``field.max_entry_mb`` when set, else the evidence file limit
    (``evidence.max_file_mb``): a package cannot carry a file the office would not accept.
    """
    package_mb = settings.get(session, settings.FIELD_MAX_PACKAGE_MB)
    entry_mb = settings.get(session, settings.FIELD_MAX_ENTRY_MB)
    if entry_mb is None:
        entry_mb = settings.get(session, settings.EVIDENCE_MAX_FILE_MB)
    return Limits.from_mb(package_mb, entry_mb)


def check_cancel(cancelled: CancelledFn | None, message: str = "已取消，未写入任何内容。") -> None:
    if cancelled is not None and cancelled():
        raise OperationCancelled(message)


@contextlib.contextmanager
def atomic_zip(out: Path) -> Iterator[zipfile.ZipFile]:
    """Write a zip to a temp file beside ``out`` and rename it into place only on success.

    A cancelled or failed export never leaves half a package where a user might carry it off.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
                yield zf
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
