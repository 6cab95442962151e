"""Facts about a frozen bundle: its ELF files and the newest glibc symbol version they need.

    python3 installer/bundle_facts.py BUNDLE_DIR      prints the glibc ceiling and which file sets it

The ceiling decides the oldest Linux the bundle starts on: glibc 2.28 for 统信UOS 20, 2.31 for
麒麟 V10 SP1. Reads every ELF file with ``readelf -V`` (binutils). Plain Python (stdlib only).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

_GLIBC = re.compile(r"\bGLIBC_(\d+)\.(\d+)(?:\.(\d+))?\b")


def elf_files(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` that starts with the ELF magic number."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def glibc_needs(path: Path) -> tuple[int, ...]:
    """The newest GLIBC_x.y version ``path`` requires (version *needs*, not definitions)."""
    out = subprocess.run(
        ["readelf", "-V", "--wide", str(path)], capture_output=True, text=True, check=True
    ).stdout
    # Only the ".gnu.version_r" section lists what the file needs from other libraries.
    needs = out.split(".gnu.version_r", 1)[1] if ".gnu.version_r" in out else ""
    versions = [tuple(int(x) for x in m.groups() if x is not None) for m in _GLIBC.finditer(needs)]
    return max(versions, default=())


def glibc_ceiling(folder: Path) -> tuple[str, Path | None, int]:
    """(highest GLIBC version needed, the file needing it, number of ELF files read)."""
    files = elf_files(folder)
    best: tuple[int, ...] = ()
    where: Path | None = None
    for path in files:
        need = glibc_needs(path)
        if need > best:
            best, where = need, path
    return ".".join(map(str, best)) or "none", where, len(files)


def main(argv: list[str]) -> int:
    folder = Path(argv[1])
    version, where, count = glibc_ceiling(folder)
    rel = where.relative_to(folder) if where else "-"
    print(f"glibc ceiling: {version} ({count} ELF files; highest needed by {rel})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
