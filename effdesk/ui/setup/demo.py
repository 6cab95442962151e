"""试用演示单位: the demo office in its own data folder, built on first use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from effdesk import paths
from effdesk.db.engine import Database, open_database
from effdesk.services import setup as setup_service

DEMO_COMPLAINTS = 200


def demo_db_url() -> str:
    folder = setup_service.demo_data_dir(paths.data_dir())
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'effdesk.sqlite'}"


def is_demo_database(url: str) -> bool:
    """True for the demo office's database (the title bar then says 演示单位)."""
    return url == demo_db_url()


def demo_accounts_text() -> str:
    from effdesk.demo.directory import DEMO_PASSWORD, DEMO_USERS

    lines = [f"{u.username}　{u.display_name}（{u.title}）" for u in DEMO_USERS]
    return (
        "演示单位的数据与本单位的数据完全分开，可以随意操作。\n\n"
        "可用下列账户登录，密码都是 " + DEMO_PASSWORD + "：\n" + "\n".join(lines)
    )


def open_demo_office(complaints: int = DEMO_COMPLAINTS) -> Database:
    """Open (creating on first use) the demo office database; never the real office's."""
    from effdesk.demo.generator import build_demo, existing_data  # not at every start

    db = open_database(demo_db_url(), create=True)
    if existing_data(db):
        return db
    dialog = QProgressDialog("正在生成演示单位的数据…", "", 0, 0)
    dialog.setWindowTitle("试用演示单位")
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.show()

    def progress(done: int, total: int, what: str) -> None:
        dialog.setLabelText(f"正在生成演示单位的数据：{what}")
        QApplication.processEvents()

    try:
        build_demo(db, complaints=complaints, progress=progress)
    finally:
        dialog.close()
    return db
