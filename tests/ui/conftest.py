"""Fixtures for GUI tests: isolated QSettings, committed users, a directory built via services."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session
from ui_complaint_support import Office, make_office

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import User, UserRole
from effdesk.enums import AssessmentCategory, Role, UnitKind
from effdesk.services import directory
from effdesk.ui.context import AppContext
from effdesk.ui.tasks import TaskRunner

# The offscreen platform plugin warns whenever a shown window's size constraints change; it
# says nothing about EffDesk (qutebrowser ignores the same message). Any other warning fails.
OFFSCREEN_NOISE = (
    r"^This plugin does not support "
    r"(propagateSizeHints\(\)|raise\(\)|grabbing the keyboard|grabbing the mouse)$"
)
UI_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if UI_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def _isolated_qsettings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """Window geometry etc. go to a temporary ini file, never the developer's settings."""
    qapp.setOrganizationName("EffDesk")
    qapp.setApplicationName("EffDeskTest")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


def _user(session: Session, username: str, *roles: Role) -> Actor:
    # As tests/conftest.make_user (not importable: every conftest module is named "conftest").
    user = User(username=username, display_name=username, must_change_password=False)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return Actor(user_id=user.id, username=username, roles=frozenset(roles), display_name=username)


@pytest.fixture
def ui_actors(db: Database) -> dict[str, Actor]:
    """One committed user per role (the GUI opens its own sessions, so they must be visible)."""
    with db.session() as s:
        return {
            "clerk": _user(s, "clerk", Role.CLERK),
            "inspector": _user(s, "inspector", Role.INSPECTOR),
            "leader": _user(s, "leader", Role.LEADER),
            "admin": _user(s, "admin", Role.ADMIN),
        }


@pytest.fixture
def make_ctx(db: Database) -> Callable[[Actor], AppContext]:
    def make(actor: Actor) -> AppContext:
        return AppContext(db=db, actor=actor, tasks=TaskRunner(synchronous=True))

    return make


TypeText = Callable[[QWidget, str], None]


@pytest.fixture
def type_text(qtbot: QtBot) -> TypeText:
    """Type ``text`` into a widget as a user would: ASCII as key presses, Chinese as an input
    method commits it (QTest cannot synthesise key presses for non-ASCII characters)."""

    def type_(widget: QWidget, text: str) -> None:
        for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
            if run.isascii():
                qtbot.keyClicks(widget, run)
            else:
                event = QInputMethodEvent()
                event.setCommitString(run)
                QApplication.sendEvent(widget, event)

    return type_


@dataclass
class Directory:
    units: dict[str, int]
    persons: dict[str, int]


@pytest.fixture
def directory_data(db: Database) -> Directory:
    """A small county directory, built through the directory service."""
    units: dict[str, int] = {}
    persons: dict[str, int] = {}
    spec = [
        ("县公安局", "公安局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST, True),
        ("县市场监督管理局", "市场监管局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST, True),
        ("县政务服务中心", "政务中心", UnitKind.WINDOW, AssessmentCategory.SECOND, True),
        ("城关镇人民政府", "城关镇", UnitKind.TOWN, AssessmentCategory.THIRD, True),
        ("县粮食局", "粮食局", UnitKind.DEPARTMENT, AssessmentCategory.SECOND, False),
    ]
    with db.session() as s:
        for name, short, kind, category, active in spec:
            unit = directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(
                    name=name,
                    short_name=short,
                    kind=kind,
                    category=category,
                    contact_person="王伟",
                    contact_phone="0571-88886666",
                    active=active,
                ),
            )
            units[name] = unit.id
        for unit_name, name, desc, post in [
            ("县公安局", "李明", "", "户政科科长"),
            ("县公安局", "", "户籍窗口女工作人员，短发", ""),
            ("县政务服务中心", "赵丽", "", "综合窗口受理员"),
            ("县政务服务中心", "钱进", "", "主任"),
        ]:
            person = directory.create_person(
                s,
                SYSTEM,
                directory.PersonInput(
                    unit_id=units[unit_name], name=name, description=desc, post=post
                ),
            )
            persons[name or desc] = person.id
    return Directory(units, persons)


@pytest.fixture
def office(
    db: Database,
    ui_actors: dict[str, Actor],
    directory_data: Directory,
    make_ctx: Callable[[Actor], AppContext],
) -> Office:
    """A complaint office: clerk, leader … with the directory (test_documents has its own)."""
    return make_office(db, ui_actors, directory_data.units, directory_data.persons, make_ctx)
