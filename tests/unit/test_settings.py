"""Office settings: declared once (key, type, default) in effdesk/settings.py, read typed."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import effdesk
from effdesk import settings
from effdesk.auth import SYSTEM, Actor
from effdesk.errors import PermissionDenied

ROOT = Path(effdesk.__file__).resolve().parent
READERS = {"get", "put", "store", "stored"}


def test_every_default_is_of_its_declared_type() -> None:
    for key, setting in settings.KEYS.items():
        assert setting.key == key
        if setting.default is not None:
            assert setting.convert(copy.deepcopy(setting.default)) == setting.default, key
        assert settings.DEFAULTS[key] == setting.default


def test_typed_read_gives_the_default_then_the_saved_value_as_its_type(
    session: Session, actors: dict[str, Actor]
) -> None:
    near = settings.get(session, settings.NEAR_DAYS)
    assert near == settings.NEAR_DAYS.default and type(near) is int
    assert settings.stored(session, settings.NEAR_DAYS) is None
    # A size limit saved as a whole number still reads as the float the limits compute with.
    assert type(settings.get(session, settings.EVIDENCE_MAX_FILE_MB)) is float
    settings.put(session, actors["admin"], settings.NEAR_DAYS, near + 4)
    assert settings.get(session, settings.NEAR_DAYS) == near + 4
    assert settings.get(session, "deadline.near_days") == near + 4  # by its key, as stored
    assert settings.stored(session, "deadline.near_days") == near + 4
    settings.put(session, actors["admin"], settings.FIELD_MAX_ENTRY_MB, 12)
    assert settings.get(session, settings.FIELD_MAX_ENTRY_MB) == 12.0
    assert settings.get(session, settings.DATABASE_ID) is None  # no default: None, not "None"


def test_a_copy_of_a_default_is_handed_out(session: Session) -> None:
    prefixes = settings.get(session, settings.DOCUMENT_PREFIXES)
    prefixes.clear()
    assert settings.get(session, settings.DOCUMENT_PREFIXES) == settings.DOCUMENT_PREFIXES.default
    assert settings.get(session, settings.DOCUMENT_PREFIXES) != {}


def test_an_undeclared_key_is_refused_and_writing_needs_the_right(
    session: Session, actors: dict[str, Actor]
) -> None:
    with pytest.raises(KeyError):
        settings.get(session, "office.nmae")
    with pytest.raises(PermissionDenied):
        settings.put(session, actors["clerk"], settings.OFFICE_PHONE, "0571-1")
    settings.store(session, SYSTEM, settings.OFFICE_PHONE, "0571-1")
    assert settings.get(session, settings.OFFICE_PHONE) == "0571-1"


def _literal_keys(path: Path) -> list[tuple[int, str]]:
    """Keys written as string literals in ``settings.get/put/store/stored(…, "key", …)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READERS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id.endswith("settings")
        ):
            at = (
                1 if node.func.attr in ("get", "stored") else 2
            )  # put/store: (session, actor, key…)
            arg = node.args[at] if len(node.args) > at else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return found


def test_every_key_the_code_reads_by_name_is_declared() -> None:
    undeclared = [
        f"{path.relative_to(ROOT)}:{line}: {key}"
        for path in sorted(ROOT.rglob("*.py"))
        for line, key in _literal_keys(path)
        if key not in settings.KEYS
    ]
    assert undeclared == []
