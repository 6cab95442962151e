"""A flipped byte anywhere in an archive's header is reported as damage, never as a wrong key
(only a genuinely different key is called a wrong key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from effdesk.auth import SYSTEM
from effdesk.db.engine import open_database
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.errors import PackageRejected
from effdesk.security import backup, keys
from effdesk.services import directory


@pytest.fixture
def archive_and_key(tmp_path: Path) -> tuple[Path, bytes]:
    db = open_database(f"sqlite:///{tmp_path / 'office' / 'effdesk.sqlite'}", create=True)
    with db.session() as s:
        directory.create_unit(
            s,
            SYSTEM,
            directory.UnitInput("县公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
        )
    key = keys.generate_key()
    archive = backup.create_backup(db, tmp_path / "bk", key, chunk_size=4096).path
    db.dispose()
    return archive, key


def test_every_flipped_header_byte_is_damage_not_a_wrong_key(
    archive_and_key: tuple[Path, bytes], tmp_path: Path
) -> None:
    archive, key = archive_and_key
    data = archive.read_bytes()
    header_len = len(backup.inspect_archive(archive).raw)
    key_id_at = range(16, 32)
    for i in range(header_len):
        damaged = bytearray(data)
        damaged[i] ^= 0x01
        path = tmp_path / f"damaged-{i}.effbak"
        path.write_bytes(bytes(damaged))
        with pytest.raises(PackageRejected) as err:
            backup.verify_archive(path, key)
        message = str(err.value)
        assert "密钥不正确" not in message, (i, message)
        assert "损坏" in message, (i, message)
        if i in key_id_at:
            assert "密钥标识被改动" in message
        path.unlink()


def test_a_different_key_is_still_a_wrong_key(archive_and_key: tuple[Path, bytes]) -> None:
    archive, _key = archive_and_key
    with pytest.raises(PackageRejected, match="密钥不正确"):
        backup.verify_archive(archive, keys.generate_key())
