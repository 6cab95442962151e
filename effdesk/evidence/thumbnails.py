"""Small JPEG previews of photos: built at ingest, cached beside the originals, rebuildable.

A thumbnail is derived data: deleting the whole ``thumbs/`` folder loses nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from effdesk.evidence.media import THUMB_SIZE, BadEvidenceFile, examine

JPEG_QUALITY = 82


def render(original: Path, size: int = THUMB_SIZE) -> Image.Image | None:
    """Decode ``original`` into an oriented preview of at most ``size`` pixels; None if no image."""
    return render_sizes(original, (size,)).get(size)


def render_sizes(original: Path, sizes: Sequence[int]) -> dict[int, Image.Image]:
    """Previews of every size in ``sizes`` from one decode; empty if ``original`` is no image."""
    try:
        # No size limit here: the file was accepted when it entered the store.
        return examine(original, max_bytes=2**62, preview_sizes=sizes).previews
    except BadEvidenceFile:
        return {}


def preview_rgba(path: Path, size: int) -> tuple[int, int, bytes] | None:
    """A file not stored yet, as an oriented RGBA preview of at most ``size`` pixels:
    (width, height, pixels) — plain data a GUI builds its icon from. None if no image."""
    image = render(path, size)
    if image is None:
        return None
    rgba = image.convert("RGBA")
    return rgba.width, rgba.height, rgba.tobytes()


def save_jpeg_atomic(image: Image.Image, dest: Path) -> None:
    """Write ``image`` as JPEG to ``dest`` via a temp file and rename (never half a file)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    fd, tmp = tempfile.mkstemp(prefix=".thumb-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, "JPEG", quality=JPEG_QUALITY, optimize=False)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
