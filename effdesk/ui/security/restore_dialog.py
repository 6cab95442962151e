"""Restoring a backup, and the offer to restore when the database is found corrupt at start.

For effdesk/ui/app.py: :func:`offer_restore` is the default corrupt-database handler
(``offer_restore(err, url) -> Database | None``); :func:`corrupt_database_dialog` is the dialog
itself (``corrupt_database_dialog(parent, error, db_url) -> bool``, True when a backup was
restored). Neither overwrites anything: the restore moves the damaged file aside first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.db.engine import Database, is_sqlite_url, open_database
from effdesk.errors import DatabaseCorrupt, EffDeskError
from effdesk.paths import backup_dir, default_db_url
from effdesk.security import backup, keys
from effdesk.ui.errors import domain_message_box, show_error
from effdesk.ui.tasks import Progress, TaskRunner
from effdesk.ui.widgets.forms import ERROR_COLOUR


def _describe_archive(path: Path) -> str:
    try:
        header = backup.inspect_archive(path)
    except EffDeskError as err:
        return str(err)
    size = path.stat().st_size / 1024 / 1024
    return f"{path.name}（{size:.1f} MB，数据库标识 {header.database_id[:8]}）"


class RestoreDialog(QDialog):
    """Choose an archive and its key; verify everything; then restore (old data kept aside)."""

    def __init__(
        self,
        parent: QWidget | None,
        db_url: str,
        archive: Path | None = None,
        *,
        tasks: TaskRunner | None = None,
        before_restore: Callable[[], None] | None = None,
        after_failure: Callable[[], None] | None = None,
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.db_url = db_url
        self.tasks = tasks or TaskRunner()
        self.before_restore = before_restore
        # Undoes before_restore when the restore did not happen (refused, wrong key …).
        self.after_failure = after_failure
        self.result_: backup.RestoreResult | None = None
        self.setObjectName("restoreDialog")
        self.setWindowTitle("从备份恢复")
        layout = QVBoxLayout(self)
        text = intro or (
            "恢复会先完整解密并校验整个备份文件；校验通过后，当前数据库和证据文件夹会改名保留"
            "（不会删除），再换成备份中的数据。其他窗口或电脑上的 EffDesk 打开着这个数据库时，"
            "恢复会被拒绝并列出它们，请先关闭。"
        )
        if not intro and not is_sqlite_url(db_url):
            text = (
                "恢复会先完整解密并校验整个备份文件；校验通过后，服务器上的当前数据会另存为一个"
                "文件保留（不会删除），再在一次事务中整体换成备份中的数据（中途失败或取消则保持"
                "原样）。还有其他电脑上的 EffDesk 连着这个服务器数据库时，恢复会被拒绝并列出它们，"
                "请先关闭。"
            )
        note = QLabel(text)
        note.setWordWrap(True)
        layout.addWidget(note)

        form = QFormLayout()
        row = QHBoxLayout()
        self.file_edit = QLineEdit(str(archive) if archive else "")
        self.file_edit.setObjectName("archivePath")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse_archive)
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        form.addRow("备份文件：", row)

        self.source_keyring = QRadioButton("本机系统密钥环中的密钥")
        self.source_recovery = QRadioButton("打印保存的恢复密钥")
        self.source_file = QRadioButton("密钥文件")
        group = QButtonGroup(self)
        for b in (self.source_keyring, self.source_recovery, self.source_file):
            group.addButton(b)
        self.recovery_edit = QLineEdit()
        self.recovery_edit.setObjectName("recoveryKeyInput")
        self.recovery_edit.setPlaceholderText("ABCD-EFGH-…（14组，每组4个字母或数字）")
        key_file_row = QHBoxLayout()
        self.key_file_edit = QLineEdit()
        key_browse = QPushButton("浏览…")
        key_browse.clicked.connect(self._browse_key_file)
        key_file_row.addWidget(self.key_file_edit, 1)
        key_file_row.addWidget(key_browse)
        keys_box = QVBoxLayout()
        keys_box.addWidget(self.source_keyring)
        keys_box.addWidget(self.source_recovery)
        keys_box.addWidget(self.recovery_edit)
        keys_box.addWidget(self.source_file)
        keys_box.addLayout(key_file_row)
        form.addRow("密钥：", keys_box)
        layout.addLayout(form)
        self.recovery_edit.textEdited.connect(lambda _t: self.source_recovery.setChecked(True))
        self.key_file_edit.textEdited.connect(lambda _t: self.source_file.setChecked(True))

        self.error_label = QLabel()
        self.error_label.setObjectName("restoreError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error_label)

        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton(
            "校验并恢复", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._choose_default_source()
        self.setMinimumWidth(600)

    def _choose_default_source(self) -> None:
        if keys.keyring_available():
            self.source_keyring.setChecked(True)
            path = Path(self.file_edit.text()) if self.file_edit.text() else None
            if path is not None and path.is_file():
                try:
                    if backup.key_for_archive(path) is None:
                        self.source_recovery.setChecked(True)
                except EffDeskError:
                    pass
        else:
            self.source_keyring.setEnabled(False)
            self.source_keyring.setText("本机系统密钥环（不可用）")
            self.source_recovery.setChecked(True)

    def _browse_archive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择备份文件", str(backup_dir()), f"EffDesk 备份 (*{backup.SUFFIX})"
        )
        if path:
            self.file_edit.setText(path)
            self._choose_default_source()

    def _browse_key_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择密钥文件", "", "密钥文件 (*.txt *.key)")
        if path:
            self.key_file_edit.setText(path)
            self.source_file.setChecked(True)

    def archive(self) -> Path:
        text = self.file_edit.text().strip()
        if not text:
            raise EffDeskError("请选择备份文件。")
        path = Path(text)
        if not path.is_file():
            raise EffDeskError(f"找不到备份文件 {path}。")
        return path

    def key(self, archive: Path) -> bytes:
        if self.source_recovery.isChecked():
            return keys.parse_recovery_key(self.recovery_edit.text())
        if self.source_file.isChecked():
            if not self.key_file_edit.text().strip():
                raise EffDeskError("请选择密钥文件。")
            return keys.read_key_file(Path(self.key_file_edit.text().strip()))
        found = backup.key_for_archive(archive)
        if found is None:
            raise EffDeskError(
                "本机系统密钥环中没有这个备份的密钥（可能是在另一台电脑上备份的，"
                "或系统重装过）。请选择「打印保存的恢复密钥」并输入。"
            )
        return found

    def start(self) -> None:
        self.error_label.clear()
        try:
            archive = self.archive()
            key = self.key(archive)
        except EffDeskError as err:
            self.error_label.setText(str(err))
            return
        if self.before_restore is not None:
            self.before_restore()

        def work(progress: Progress) -> backup.RestoreResult:
            return backup.restore_backup(archive, key, self.db_url, progress=progress)

        self.tasks.run(work, self._done, self._failed, parent=self, title="正在恢复备份")

    def _done(self, result: backup.RestoreResult) -> None:
        self.result_ = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if self.after_failure is not None:
            try:
                self.after_failure()
            except EffDeskError as err:
                show_error(self, err)
        if isinstance(exc, EffDeskError):
            self.error_label.setText(str(exc))
        else:
            show_error(self, exc)


def restored_message(result: backup.RestoreResult) -> str:
    lines = [f"已从备份「{result.archive.name}」恢复（备份时间 {result.manifest.created_at}）。"]
    server = isinstance(result.database, str)  # a server database: its rows were replaced
    if result.kept_database is not None:
        if server:
            lines.append(f"恢复前的数据已另存保留为：{result.kept_database}")
        else:
            lines.append(f"原数据库已改名保留：{result.kept_database}")
    if result.kept_files is not None:
        if server:
            lines.append(f"备份中没有的证据文件已移到：{result.kept_files}")
        else:
            lines.append(f"原证据文件夹已改名保留：{result.kept_files}")
    return "\n".join(lines)


class CorruptDatabaseDialog(QDialog):
    """The start-up message for a damaged database, with the offer to restore a backup."""

    def __init__(
        self,
        parent: QWidget | None,
        error: BaseException,
        db_url: str,
        *,
        tasks: TaskRunner | None = None,
        latest: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_url = db_url
        self.tasks = tasks
        self.latest = latest if latest is not None else backup.latest_backup()
        self.restored: backup.RestoreResult | None = None
        self.restore_dialog: RestoreDialog | None = None
        self.setObjectName("corruptDatabaseDialog")
        self.setWindowTitle("数据库已损坏")
        layout = QVBoxLayout(self)
        self.message = QLabel(
            f"{error}\n\n"
            "EffDesk 不会修改或覆盖这个损坏的文件。您可以从备份恢复：恢复时损坏的文件会改名保留，"
            "以便日后交给技术人员分析。"
        )
        self.message.setObjectName("corruptMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.latest_label = QLabel(
            f"最新的备份：{_describe_archive(self.latest)}"
            if self.latest
            else f"在备份文件夹 {backup_dir()} 中没有找到备份，可以选择其他位置的备份文件。"
        )
        self.latest_label.setWordWrap(True)
        layout.addWidget(self.latest_label)
        buttons = QDialogButtonBox()
        self.restore_latest_button = buttons.addButton(
            "从最新备份恢复…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_latest_button.setEnabled(self.latest is not None)
        self.choose_button = buttons.addButton(
            "选择备份文件…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.quit_button = buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_latest_button.clicked.connect(lambda: self.open_restore(self.latest))
        self.choose_button.clicked.connect(lambda: self.open_restore(None))
        self.quit_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def open_restore(self, archive: Path | None) -> None:
        dialog = RestoreDialog(
            self,
            self.db_url,
            archive,
            tasks=self.tasks,
            intro="校验通过后，损坏的数据库会改名保留（不会删除或覆盖），再换成备份中的数据。",
        )
        self.restore_dialog = dialog
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_ is not None:
                self.restored = dialog.result_
                self.accept()
        finally:
            self.restore_dialog = None
            dialog.deleteLater()


def corrupt_database_dialog(
    parent: QWidget | None, error: BaseException, db_url: str | None
) -> bool:
    """Show the corrupt-database message and offer a restore; True when one was restored."""
    dialog = CorruptDatabaseDialog(parent, error, db_url or default_db_url())
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted and dialog.restored is not None
    finally:
        dialog.deleteLater()


def offer_restore(err: DatabaseCorrupt, url: str | None) -> Database | None:
    """The corrupt-database handler for effdesk/ui/app.py: the restored database, or None."""
    if not corrupt_database_dialog(None, err, url):
        return None
    try:
        return open_database(url)
    except EffDeskError as exc:
        domain_message_box(None, exc, "无法打开恢复后的数据库").exec()
        return None
