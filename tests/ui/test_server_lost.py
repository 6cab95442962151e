"""The database server lost mid-session (issue 17): a Chinese message, nothing half-saved, the
clerk's input still in the dialog, and the next save after the server is back works.

Runs against ``EFFDESK_TEST_PG_URL`` through a loopback relay (:mod:`pg_proxy`) that the test
cuts and restores, as a stopped server or a pulled network cable would look to EffDesk; with
``EFFDESK_TEST_PG_CTL`` set, also by stopping and starting the real test server.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest
from pg_proxy import PgRelay, pg_target, via
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, func, select, text
from ui_complaint_support import Office

from effdesk.auth import SYSTEM
from effdesk.db.connection_errors import ConnectionLost
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Complaint, Setting
from effdesk.services import complaints
from effdesk.ui.complaints.intake import IntakeDialog

pytestmark = pytest.mark.postgres

TARGET = pg_target()
if TARGET is None:
    pytest.skip("needs EFFDESK_TEST_PG_URL (a TCP server)", allow_module_level=True)


PG_CTL = os.environ.get("EFFDESK_TEST_PG_CTL", "")


class PgCtl:
    """The real server stopped and started with pg_ctl (``EFFDESK_TEST_PG_CTL``: the pg_ctl
    command with its ``-D`` and ``-o`` options, e.g. ``runuser -u postgres -- pg_ctl -D
    /tmp/pg -o "-p 5443 -k /tmp"``): a loopback test server only."""

    def __init__(self, command: str) -> None:
        self.command = shlex.split(command)

    def stop(self) -> None:
        subprocess.run([*self.command, "-w", "-t", "60", "stop", "-m", "fast"], check=True)

    def start(self) -> None:
        subprocess.run(
            [*self.command, "-w", "-t", "60", "-l", os.devnull, "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )


class Switch(Protocol):
    def stop(self) -> None: ...

    def start(self) -> None: ...


@pytest.fixture(params=["relay", "pg_ctl"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Switch, str]]:
    """A way to lose the server and get it back, and the URL that goes through it."""
    url = os.environ["EFFDESK_TEST_PG_URL"]
    if request.param == "pg_ctl":
        if not PG_CTL:
            pytest.skip("set EFFDESK_TEST_PG_CTL to stop and start the real test server")
        ctl = PgCtl(PG_CTL)
        yield ctl, url
        with contextlib.suppress(subprocess.CalledProcessError):
            ctl.start()  # running again whatever happened (start on a running server fails)
        return
    assert TARGET is not None
    r = PgRelay(TARGET)
    r.start()
    yield r, via(url, r.port)
    r.stop()


@pytest.fixture
def relay(server: tuple[Switch, str]) -> Switch:
    return server[0]


@pytest.fixture
def db(server: tuple[Switch, str]) -> Iterator[Database]:
    """The test server's database, wiped and migrated, reached through ``server``."""
    engine = create_engine(os.environ["EFFDESK_TEST_PG_URL"])
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    database = open_database(server[1])
    yield database
    database.dispose()


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_service_call_after_the_server_went_away(db: Database, relay: Switch) -> None:
    with db.session() as s:
        s.add(Setting(key="test.before", value=1))
    relay.stop()
    with pytest.raises(ConnectionLost, match="连接已中断") as caught, db.session() as s:
        s.add(Setting(key="test.during", value=2))
    assert "刚才的操作没有保存" in str(caught.value)
    relay.start()  # the server is back: the pool reconnects on the next action
    with db.session() as s:
        keys = set(s.scalars(select(Setting.key).where(Setting.key.like("test.%"))))
    assert keys == {"test.before"}  # nothing of the failed unit of work reached the server


def test_intake_dialog_keeps_the_input_while_the_server_is_away(
    qtbot: QtBot,
    office: Office,
    relay: Switch,
    type_text: Callable[[QWidget, str], None],
) -> None:
    dialog = IntakeDialog(office.ctx("clerk"), offer_drafts=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_text(dialog.name_edit, "王小二")
    qtbot.keyClicks(dialog.phone_edit, "13905712233")
    dialog.unit_picker.set_current_id(office.units["县公安局"])
    dialog.category_combo.setCurrentIndex(1)
    type_text(dialog.summary_edit, "户籍窗口办理迁移推诿")
    type_text(dialog.content_edit, "来电人称三次到户籍窗口均被告知材料不全。")
    before = _count(office.db, Complaint)

    relay.stop()  # the server stops while the dialog is open
    dialog.save_button.click()
    boxes = [w for w in dialog.findChildren(QMessageBox) if w.isVisible()]
    assert boxes, "a message must say what happened"
    message = boxes[-1].text()
    assert "与数据库服务器" in message and "连接已中断" in message
    assert "您填写的内容仍在窗口中" in message
    boxes[-1].close()
    assert dialog.isVisible()  # the dialog stays open with everything typed
    assert dialog.name_edit.text() == "王小二"
    assert dialog.summary_edit.text() == "户籍窗口办理迁移推诿"
    assert dialog.content_edit.toPlainText() == "来电人称三次到户籍窗口均被告知材料不全。"
    assert dialog.unit_picker.current_id() == office.units["县公安局"]
    assert dialog.save_button.isEnabled()
    # The automatic draft could not be saved either: said in the status line, not lost.
    assert "草稿未能保存" in dialog.status_label.text()

    relay.start()  # the server is back
    with qtbot.waitSignal(dialog.registered) as blocker:
        dialog.save_button.click()
    assert not dialog.isVisible()
    assert _count(office.db, Complaint) == before + 1
    with office.db.session() as s:
        detail = complaints.get_complaint_detail(s, SYSTEM, blocker.args[0])
    assert detail.summary == "户籍窗口办理迁移推诿"
    assert detail.content == "来电人称三次到户籍窗口均被告知材料不全。"
    assert detail.complainant_name == "王小二"


def test_session_guard_tick_while_the_server_is_away_is_a_status_line(
    qtbot: QtBot, office: Office, relay: Switch
) -> None:
    from PySide6.QtWidgets import QMainWindow

    from effdesk.ui.session_guard import SessionGuard

    window = QMainWindow()
    qtbot.addWidget(window)
    guard = SessionGuard(office.ctx("clerk"), window, interval_ms=3_600_000)
    relay.stop()
    assert guard.check() is False  # no exception, hence no blocking box every minute
    assert "连接已中断" in window.statusBar().currentMessage()
    assert not guard.ended_session
    relay.start()
    assert guard.check() is False and not guard.ended_session
