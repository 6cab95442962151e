"""Secrets in the keyring: recovery keys, key files, the PostgreSQL password."""

from __future__ import annotations

from pathlib import Path

import pytest
from sec_helpers import MemoryKeyring

from effdesk.security import keys


def test_recovery_key_round_trip_and_typos() -> None:
    key = keys.generate_key()
    text = keys.recovery_key(key)
    groups = text.split("-")
    assert len(groups) == 14 and all(len(g) == 4 for g in groups)
    assert keys.parse_recovery_key(text) == key
    # Lower case, spaces instead of dashes, 0/1/8 typed for O/I/B: still accepted.
    typed = text.lower().replace("-", " ").replace("o", "0").replace("i", "1").replace("b", "8")
    assert keys.parse_recovery_key(typed) == key
    wrong = text[:-1] + ("A" if text[-1] != "A" else "C")
    with pytest.raises(keys.BadRecoveryKey, match="校验不通过"):
        keys.parse_recovery_key(wrong)
    with pytest.raises(keys.BadRecoveryKey, match="56"):
        keys.parse_recovery_key(text[:-5])


def test_key_file(tmp_path: Path) -> None:
    key = keys.generate_key()
    path = tmp_path / "k.txt"
    keys.write_key_file(path, key)
    assert keys.read_key_file(path) == key
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(keys.BadRecoveryKey):
        keys.read_key_file(tmp_path / "bad.txt")


def test_recovery_sheet_has_key_and_warning() -> None:
    from datetime import datetime

    key = keys.generate_key()
    sheet = keys.recovery_sheet(key, "db-id", "××县效能办", datetime(2026, 3, 5, 9, 0))
    assert keys.recovery_key(key) in sheet and "不要与备份文件" in sheet


def test_postgres_password_in_keyring(memory_keyring: MemoryKeyring) -> None:
    url = "postgresql+psycopg://effdesk@10.0.0.5:5433/office"
    keys.store_db_password(url, "s3cret-密码")
    assert (keys.SERVICE, "postgres:effdesk@10.0.0.5:5433/office") in memory_keyring.store
    assert keys.get_db_password(url) == "s3cret-密码"
    full = keys.url_with_keyring_password(url)
    assert "s3cret" in full
    assert keys.url_without_password(full) == url  # what goes into a settings file
    assert keys.url_with_keyring_password("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    keys.delete_db_password(url)
    assert keys.get_db_password(url) is None
    keys.delete_db_password(url)  # deleting twice is fine


def test_no_keyring_backend_is_explained(no_keyring: None) -> None:
    assert not keys.keyring_available()
    with pytest.raises(keys.KeyringUnavailable) as exc:
        keys.get_db_password("postgresql+psycopg://u@h/db")
    assert "gnome-keyring" in str(exc.value)
    assert keys.describe_backend()["available"] is False
