"""数据库连接: connect this PC to the office's shared PostgreSQL server (系统设置, admin only).

* :class:`ConnectionTab` — the 系统设置 tab: which database this PC uses, and 连接设置….
* :class:`ConnectionDialog` — host, port, database, user, password, shared evidence folder;
  测试连接 (off the GUI thread, every failure a Chinese message) and 保存. The profile is this
  PC's (:mod:`effdesk.db.profile`), never the password: that goes to the OS keyring when the
  admin ticks 记住密码 and the PC has one, otherwise it is asked at each start.
* the start-up side (password prompt, 重试 / 退出) is :mod:`effdesk.ui.settings.server_login`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from effdesk.db import profile as profiles
from effdesk.db.profile import ConnectionProfile
from effdesk.db.server_probe import ProbeReport, probe
from effdesk.errors import EffDeskError, FieldProblem
from effdesk.permissions import Permission
from effdesk.security import keys
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.settings.server_login import (
    forget_password,
    remember_password,
    remembered_password,
)
from effdesk.ui.tasks import Progress, TaskRunner
from effdesk.ui.widgets.forms import ERROR_COLOUR, FieldForm

OK_COLOUR = "#2e7d32"


def describe_current(ctx: AppContext) -> str:
    db = ctx.db
    if db.backend == "sqlite":
        return f"本机数据库文件：{db.engine.url.database}\n证据文件夹：{db.files_dir}"
    url = db.engine.url
    shared = "（共享文件夹）" if db.shared_evidence else "（本机文件夹，未设置共享文件夹）"
    return (
        f"数据库服务器：{url.host}:{url.port or 5432}，数据库「{url.database}」，"
        f"用户「{url.username}」\n证据文件夹：{db.files_dir}{shared}"
    )


class ConnectionTab(QWidget):
    """系统设置 → 数据库连接: where this PC's data is, and the button to change it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("connectionTab")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>本机当前使用的数据库</b>"))
        self.current = QLabel(describe_current(ctx))
        self.current.setWordWrap(True)
        self.current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.current)
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        layout.addWidget(self.saved)
        self._show_saved()
        explain = QLabel(
            "只有一台电脑使用 EffDesk 时，使用本机数据库文件即可（默认）。多台电脑共用一个"
            "单位数据库时，把数据库放在单位的 PostgreSQL 服务器上，把证据照片放在各电脑都能访问"
            "的共享文件夹中，并在每台电脑上填写下面的连接设置。密码保存在本机系统密钥环中"
            "（没有密钥环的电脑每次启动时输入），不会写入任何设置文件。"
        )
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555;")
        layout.addWidget(explain)
        row = QHBoxLayout()
        self.edit_button = QPushButton("连接设置…")
        self.edit_button.setObjectName("editConnection")
        self.edit_button.setEnabled(ctx.can(Permission.MANAGE_SETTINGS))
        self.edit_button.clicked.connect(self.open_dialog)
        row.addWidget(self.edit_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.dialog: ConnectionDialog | None = None

    def _show_saved(self) -> None:
        try:
            saved = profiles.load()
        except EffDeskError as err:
            self.saved.setText(str(err))
            return
        if saved is None:
            self.saved.setText("本机连接设置：使用本机数据库文件（未设置服务器）。")
        else:
            self.saved.setText(
                f"本机连接设置（下次启动时生效）：服务器 {saved.host}:{saved.port}，"
                f"数据库「{saved.database}」，用户「{saved.user}」，"
                f"共享证据文件夹 {saved.evidence_dir}"
            )

    def open_dialog(self) -> ConnectionDialog:
        self.dialog = ConnectionDialog(self, tasks=self.ctx.tasks)
        self.dialog.finished.connect(lambda _r: self._show_saved())
        self.dialog.open()
        return self.dialog


class ConnectionDialog(QDialog):
    """The server connection of this PC: fields, 测试连接, 保存."""

    def __init__(self, parent: QWidget | None = None, *, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("数据库连接设置")
        self.setObjectName("connectionDialog")
        self.tasks = tasks or TaskRunner()
        self.report: ProbeReport | None = None
        self.last_error: BaseException | None = None
        self.saved_message = ""
        layout = QVBoxLayout(self)
        intro = QLabel(
            "填写单位 PostgreSQL 服务器的连接信息和共享证据文件夹，先点「测试连接」，"
            "通过后点「保存」。保存后重新启动 EffDesk 生效。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = FieldForm()
        self.host = QLineEdit()
        self.host.setPlaceholderText("例如 192.168.1.10 或 xnb-server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(profiles.DEFAULT_PORT)
        self.database = QLineEdit("effdesk")
        self.user = QLineEdit("effdesk")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(r"例如 \\xnb-server\effdesk 或 /mnt/effdesk")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self.browse)
        folder_row = QWidget()
        fr = QHBoxLayout(folder_row)
        fr.setContentsMargins(0, 0, 0, 0)
        fr.addWidget(self.folder, 1)
        fr.addWidget(browse)
        self.form.add_field("host", "服务器地址", self.host, required=True)
        port_row = QWidget()
        pr = QHBoxLayout(port_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(self.port)
        default_port = QLabel("PostgreSQL 默认 5432")
        default_port.setStyleSheet("color: #6b6b6b;")
        pr.addWidget(default_port)
        pr.addStretch(1)
        self.form.add_field("port", "端口", port_row, required=True)
        self.form.add_field("database", "数据库名", self.database, required=True)
        self.form.add_field("user", "用户名", self.user, required=True)
        self.form.add_field("password", "密码", self.password)
        self.form.add_field(
            "evidence_dir",
            "共享证据文件夹",
            folder_row,
            required=True,
            hint="各电脑都能读写的网络共享文件夹，存放证据照片和印发的公文",
        )
        layout.addWidget(self.form)
        self.keep_password = QCheckBox("在本机系统密钥环中记住密码")
        if keys.keyring_available():
            self.keep_password.setChecked(True)
        else:
            self.keep_password.setEnabled(False)
            self.keep_password.setText("本机没有系统密钥环：每次启动 EffDesk 时输入密码")
        layout.addWidget(self.keep_password)
        self.status = QLabel()
        self.status.setObjectName("connectionStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setMinimumHeight(80)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.test_button = buttons.addButton("测试连接", QDialogButtonBox.ButtonRole.ActionRole)
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.local_button = buttons.addButton(
            "改用本机数据库", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.local_button.clicked.connect(self.use_local)
        self.save_button = buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveConnection")
        self.save_button.clicked.connect(self.save)
        cancel = buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._load()
        # Never squeezed below what the rows and the (growing) status text need.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(680, self.sizeHint().height())

    # ------------------------------------------------------------------ values
    def _load(self) -> None:
        try:
            saved = profiles.load()
        except EffDeskError as err:
            self._status(str(err), ok=False)
            return
        if saved is None:
            return
        self.host.setText(saved.host)
        self.port.setValue(saved.port)
        self.database.setText(saved.database)
        self.user.setText(saved.user)
        self.folder.setText(saved.evidence_dir)
        self.password.setText(remembered_password(saved) or "")

    def profile(self) -> ConnectionProfile:
        return ConnectionProfile(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            evidence_dir=self.folder.text().strip(),
        )

    def _checked_profile(self) -> ConnectionProfile | None:
        self.form.clear_errors()
        profile = self.profile()
        problems = [FieldProblem(f, m) for f, m in profile.problems()]
        if problems:
            self.form.show_errors(problems)
            return None
        return profile

    def browse(self) -> None:
        start = self.folder.text().strip() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "选择共享证据文件夹", start)
        if chosen:
            self.folder.setText(chosen)

    def _status(self, text: str, *, ok: bool) -> None:
        self.status.setStyleSheet(f"color: {OK_COLOUR if ok else ERROR_COLOUR};")
        self.status.setText(text)
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    # ------------------------------------------------------------------ actions
    def test_connection(self) -> None:
        profile = self._checked_profile()
        if profile is None:
            return
        password = self.password.text()
        self._status("正在连接服务器…", ok=True)
        self.test_button.setEnabled(False)

        def work(_p: Progress) -> ProbeReport:
            return probe(profile, password)

        self.tasks.run(work, self._tested, self._test_failed, parent=self)

    def _tested(self, report: ProbeReport) -> None:
        self.test_button.setEnabled(True)
        self.report = report
        self.last_error = None
        self._status("测试通过。\n" + "\n".join(report.lines), ok=True)

    def _test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.report = None
        self.last_error = exc
        if isinstance(exc, EffDeskError):
            self._status("测试未通过：" + str(exc), ok=False)
        else:
            self._status("测试未通过（程序错误，详见弹出的报告）。", ok=False)
            show_error(self, exc)

    def save(self) -> None:
        profile = self._checked_profile()
        if profile is None:
            return
        if self.report is None and not self._confirm_untested():
            return
        try:
            path = profiles.save(profile)
            password = self.password.text()
            in_keyring = bool(password) and remember_password(
                profile, password, keyring=self.keep_password.isChecked()
            )
        except (EffDeskError, OSError) as exc:
            show_error(self, exc)
            return
        where = (
            "密码已保存在本机系统密钥环中。"
            if in_keyring
            else "密码没有保存：每次启动 EffDesk 时输入。"
        )
        self.saved_message = f"连接设置已保存到 {path}。{where}重新启动 EffDesk 后生效。"
        QMessageBox.information(self, "数据库连接", self.saved_message)
        self.accept()

    def _confirm_untested(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "数据库连接",
            "这些设置还没有测试通过。仍要保存吗？（保存后若无法连接，下次启动会提示原因）",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("仍要保存")
        box.button(QMessageBox.StandardButton.No).setText("返回")
        return box.exec() == QMessageBox.StandardButton.Yes

    def use_local(self) -> None:
        try:
            saved = profiles.load()
        except EffDeskError:
            saved = None
        profiles.clear()
        if saved is not None:
            forget_password(saved)
        self.saved_message = "已改回使用本机数据库文件，重新启动 EffDesk 后生效。"
        QMessageBox.information(self, "数据库连接", self.saved_message)
        self.accept()
