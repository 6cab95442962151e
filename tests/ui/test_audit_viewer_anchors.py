"""The audit viewer's 校验完整性 also compares the log with the keyed anchors: a cut tail,
which leaves a valid chain, is reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import keyring
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.paths import backup_dir
from effdesk.security import backup
from effdesk.ui.context import AppContext
from effdesk.ui.security.audit_viewer import AuditViewer


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(_MemoryKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_cut_tail_is_reported_by_the_viewer(
    db: Database,
    qtbot: QtBot,
    make_ctx: Callable[[Actor], AppContext],
    ui_actors: dict[str, Actor],
    directory_data: Any,
    memory_keyring: None,
) -> None:
    key = backup.backup_key(db).key
    backup.create_backup(db, backup_dir(), key)
    viewer = AuditViewer(make_ctx(ui_actors["leader"]))
    qtbot.addWidget(viewer)
    viewer.verify_chain()
    assert "完好" in viewer.last_result and "与审计锚点一致" in viewer.last_result
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"))
    viewer.verify_chain()
    assert "审计日志被截断" in viewer.last_result
