"""Regenerate docs/screenshots/connection-*.png: 系统设置 → 数据库连接, the connection dialog
after 测试连接 (passed, and each failure), the start-up password prompt, and the intake dialog
when the server went away while the clerk was typing.

    EFFDESK_TEST_PG_URL=postgresql+psycopg://user:pw@127.0.0.1:5443/db \\
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/scripts/screenshots_connection.py

The server (a database it may wipe) is needed for the passed test, the wrong password and the
lost connection; without it only the server-down pictures are made.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shot_office import ROOT, prepare_environment, settle, start_application

OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "tests" / "ui"))  # pg_proxy: the relay the tests cut


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _save(widget: object, name: str) -> None:
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    settle()
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def _save_screen_region(widgets: list[object], name: str) -> None:
    """Dialog and the message over it, as the user sees them (a grab of the screen)."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication, QWidget

    settle(300)
    area = QRect()
    for w in widgets:
        assert isinstance(w, QWidget)
        area = area.united(w.frameGeometry())
    screen = QApplication.primaryScreen()
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    path = OUT / name
    if not shot.save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def main() -> int:
    pg_url = os.environ.get("EFFDESK_TEST_PG_URL", "")
    with tempfile.TemporaryDirectory(prefix="effdesk-connection-") as tmp:
        work = Path(tmp)
        prepare_environment(work)
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

        import keyring
        import keyring.backend
        from PySide6.QtWidgets import QMessageBox
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from effdesk.auth import SYSTEM
        from effdesk.db import profile as profiles
        from effdesk.db.engine import open_database
        from effdesk.db.profile import ConnectionProfile
        from effdesk.ui.context import AppContext
        from effdesk.ui.settings import connection_dialog as cd
        from effdesk.ui.settings import server_login as sl
        from effdesk.ui.settings.page import SettingsPage
        from effdesk.ui.tasks import TaskRunner

        class MemoryKeyring(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.store: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        keyring.set_keyring(MemoryKeyring())
        _app = start_application(work)  # the QApplication lives while the shots are taken
        OUT.mkdir(parents=True, exist_ok=True)
        share = work / "共享证据"
        share.mkdir()
        sync = TaskRunner(synchronous=True)

        def dialog_for(url: str) -> cd.ConnectionDialog:
            d = cd.ConnectionDialog(tasks=sync)
            u = make_url(url)
            d.host.setText(u.host or "localhost")
            d.port.setValue(int(u.port or 5432))
            d.database.setText(u.database or "")
            d.user.setText(u.username or "")
            d.password.setText(u.password or "")
            d.folder.setText(str(share))
            d.show()
            return d

        # 1. The server does not answer.
        down = dialog_for(f"postgresql+psycopg://effdesk:pw@127.0.0.1:{_free_port()}/effdesk")
        down.test_connection()
        _save(down, "connection-server-down.png")
        down.close()

        if pg_url:
            # 2. Passed, on a fresh database of the test server.
            engine = create_engine(pg_url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            office_db = open_database(pg_url)
            office_db.dispose()
            ok = dialog_for(pg_url)
            ok.test_connection()
            _save(ok, "connection-dialog.png")
            ok.close()
            # 3. Wrong password, and the missing database.
            wrong = dialog_for(make_url(pg_url).set(password="typo").render_as_string(False))
            wrong.test_connection()
            _save(wrong, "connection-wrong-password.png")
            wrong.close()
            missing = dialog_for(
                make_url(pg_url).set(database="xiaoneng_ban").render_as_string(False)
            )
            missing.test_connection()
            _save(missing, "connection-database-missing.png")
            missing.close()
            u = make_url(pg_url)
            profile = ConnectionProfile(
                u.host or "localhost",
                int(u.port or 5432),
                u.database or "",
                u.username or "",
                str(share),
            )
            prompt = sl.PasswordDialog(
                profile,
                "无法登录数据库服务器 "
                f"{profile.host}:{profile.port}/{profile.database}：用户名「{profile.user}」"
                "或密码不正确。请核对用户名和密码（区分大小写）后重试；忘记密码请联系管理服务器的同事。",
            )
            prompt.show()
            _save(prompt, "connection-password.png")
            prompt.close()

        # 4. The 系统设置 tab on the admin's PC, a server profile saved for the next start.
        local = open_database(f"sqlite:///{work / 'office.sqlite'}", create=True)
        profiles.save(
            ConnectionProfile("192.168.1.10", 5432, "effdesk", "effdesk", r"\\XNB-SERVER\effdesk")
        )
        page = SettingsPage(AppContext(db=local, actor=SYSTEM, tasks=sync))
        page.resize(1100, 520)
        page.show()
        page.show_tab("connection")
        _save(page, "connection-tab.png")
        page.close()
        local.dispose()
        profiles.clear()

        if pg_url:
            # 5. The server goes away while the clerk is typing a call.
            from pg_proxy import PgRelay, pg_target, via

            from effdesk.auth import Actor
            from effdesk.db.models import User, UserRole
            from effdesk.enums import AssessmentCategory, Role, UnitKind
            from effdesk.services import categories, directory
            from effdesk.ui.complaints.intake import IntakeDialog

            target = pg_target()
            assert target is not None
            relay = PgRelay(target)
            relay.start()
            db = open_database(via(pg_url, relay.port))
            with db.session() as s:
                categories.ensure_default_categories(s, SYSTEM)
                unit = directory.create_unit(
                    s,
                    SYSTEM,
                    directory.UnitInput(
                        name="县公安局",
                        kind=UnitKind.DEPARTMENT,
                        category=AssessmentCategory.FIRST,
                    ),
                )
                unit_id = unit.id
                user = User(username="clerk1", display_name="陈晓梅", must_change_password=False)
                user.roles = [UserRole(role=Role.CLERK)]
                s.add(user)
                s.flush()
                clerk = Actor(user.id, "clerk1", frozenset({Role.CLERK}), "陈晓梅")
            intake = IntakeDialog(AppContext(db=db, actor=clerk, tasks=sync), offer_drafts=False)
            intake.show()
            intake.name_edit.setText("王小二")
            intake.phone_edit.setText("13905712233")
            intake.unit_picker.set_current_id(unit_id)
            intake.category_combo.setCurrentIndex(1)
            intake.summary_edit.setText("户籍窗口办理迁移推诿，让群众跑了三趟")
            intake.content_edit.setPlainText("来电人称三次到户籍窗口均被告知材料不全。")
            relay.stop()
            intake.save_button.click()
            boxes = [w for w in intake.findChildren(QMessageBox) if w.isVisible()]
            _save_screen_region([intake, *boxes], "connection-lost.png")
            for b in boxes:
                b.close()
            intake.close()
            relay.start()
            db.dispose()
            relay.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
