"""A name starting with "_" belongs to its module: no other module of EffDesk imports it.

`lint-imports` (.ci/run) holds the arrows between modules; this holds what crosses them.
A private helper another module needs is made public where it lives (or moved below both).
"""

from __future__ import annotations

import ast
from pathlib import Path

import effdesk

ROOT = Path(effdesk.__file__).resolve().parent

# Known, with the reason; an entry that no longer matches is simply unused.
ALLOWED: dict[tuple[str, str], str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    """A private *module* (``complaints._core``) is the private_modules contract's business."""
    rel = Path(*dotted.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def private_imports(path: Path) -> list[tuple[int, str]]:
    """(line, "module.name") for each private name of another effdesk module used here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local name → effdesk module it is bound to
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("effdesk"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if _private(alias.name) and not _is_module(target):
                    found.append((node.lineno, target))
                modules[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("effdesk."):
                    modules[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append((node.lineno, f"{modules[node.value.id]}.{node.attr}"))
    return found


def test_the_scan_finds_both_spellings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from effdesk.services.complaints.search import _due_condition\n"
        "from effdesk.security import backup\n"
        "backup._sqlite_path('x')\n"
        "from effdesk.services.complaints import _core\n",  # a private module: not a name
        encoding="utf-8",
    )
    assert private_imports(sample) == [
        (1, "effdesk.services.complaints.search._due_condition"),
        (3, "effdesk.security.backup._sqlite_path"),
    ]


def test_no_module_uses_another_modules_private_names() -> None:
    offending = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("db/migrations/"):
            continue
        for line, target in private_imports(path):
            if (rel, target) not in ALLOWED:
                offending.append(f"effdesk/{rel}:{line}: {target}")
    assert offending == []
