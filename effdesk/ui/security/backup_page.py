"""The 备份与恢复 tab: back up now, the archives on this PC, the recovery key, restore."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk import settings
from effdesk.errors import EffDeskError
from effdesk.paths import backup_dir
from effdesk.permissions import Permission
from effdesk.security import backup, keys
from effdesk.services import setup, users
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.security.recovery_key_dialog import RecoveryKeyDialog
from effdesk.ui.security.restore_dialog import RestoreDialog, restored_message
from effdesk.ui.tasks import Progress


def _quit_after_restore(parent: QWidget, result: backup.RestoreResult) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("恢复完成")
    box.setText(restored_message(result) + "\n\nEffDesk 将关闭，请重新启动后继续使用。")
    box.exec()
    QApplication.quit()


class BackupPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("backupPage")
        self.folder = backup_dir()
        self.last_result: backup.BackupResult | None = None
        self.last_verified: backup.Manifest | None = None
        self.key_dialog: RecoveryKeyDialog | None = None
        # What happens after a restore (tests replace it): the running app must restart.
        self.on_restored: Callable[[QWidget, backup.RestoreResult], None] = _quit_after_restore
        # A key file (on a USB stick) instead of the OS keyring, for PCs without one (many
        # UOS / Kylin desktops): chosen here, remembered on this PC.
        # The office's key file (the setup wizard's, or chosen here): the daily backup and the
        # CLI use the same one (security/backup.py backup_key).
        self.key_file: Path | None = backup.configured_key_file(ctx.db)
        self.can_backup = ctx.can(Permission.BACKUP)
        self.can_restore = ctx.can(Permission.RESTORE)
        layout = QVBoxLayout(self)

        self.info = QLabel()
        self.info.setObjectName("backupInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.info)

        bar = QHBoxLayout()
        self.backup_button = QPushButton("立即备份")
        self.backup_to_button = QPushButton("备份到其他位置…")
        self.key_button = QPushButton("显示恢复密钥…")
        self.key_file_button = QPushButton("密钥文件…")
        self.key_file_button.setToolTip(
            "选择或新建备份密钥文件（建议放在U盘上，不要与备份文件放在一起）；"
            "本机没有系统密钥环时用它备份和恢复"
        )
        self.verify_button = QPushButton("校验备份文件…")
        self.restore_button = QPushButton("从备份恢复…")
        for b in (
            self.backup_button,
            self.backup_to_button,
            self.key_button,
            self.key_file_button,
            self.verify_button,
            self.restore_button,
        ):
            bar.addWidget(b)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels(["备份文件", "时间", "大小"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.backup_button.clicked.connect(lambda: self.backup_now(None))
        self.backup_to_button.clicked.connect(self._backup_elsewhere)
        self.key_button.clicked.connect(self.show_recovery_key)
        self.key_file_button.clicked.connect(lambda: self.choose_key_file())
        self.verify_button.clicked.connect(self._verify_selected)
        self.restore_button.clicked.connect(lambda: self.restore(None))
        for b in (
            self.backup_button,
            self.backup_to_button,
            self.key_button,
            self.key_file_button,
            self.verify_button,
        ):
            b.setEnabled(self.can_backup)
        self.restore_button.setEnabled(self.can_restore)
        self.refresh()

    # --- display ----------------------------------------------------------------------
    def archives(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.glob(f"*{backup.SUFFIX}") if p.is_file()]
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    def refresh(self) -> None:
        with self.ctx.session() as s:
            keep = settings.get(s, settings.BACKUP_KEEP)
        if self.key_file is not None:
            where = f"备份密钥保存在密钥文件中：{self.key_file}（请妥善保管U盘）。"
        elif keys.keyring_available():
            where = "备份密钥保存在本机系统密钥环中。"
        else:
            where = (
                "⚠ 本机没有系统密钥环（统信UOS、麒麟等电脑常见）。请点「密钥文件…」选择U盘上的"
                "密钥文件（第一次备份时自动生成），之后即可备份；恢复时也需要它。"
            )
        if self.ctx.db.backend != "sqlite":
            where += (
                "\n服务器数据库：备份是服务器上全部数据的一致快照（格式与单机版相同）；"
                "恢复前须关闭其他电脑上的 EffDesk，恢复前的数据会另存保留。"
            )
        self.info.setText(
            f"备份文件夹：{self.folder}\n"
            f"每天第一次启动时自动备份，保留最近 {keep} 份自动备份（手动备份不会被自动删除）。\n"
            "备份是加密的：数据库快照和全部证据文件在一个文件中，需要备份密钥才能恢复。\n" + where
        )
        rows = self.archives()
        self.table.setRowCount(len(rows))
        for i, p in enumerate(rows):
            st = p.stat()
            for j, v in enumerate(
                [
                    p.name,
                    f"{datetime.fromtimestamp(st.st_mtime):%Y-%m-%d %H:%M}",
                    f"{st.st_size / 1024 / 1024:.1f} MB",
                ]
            ):
                self.table.setItem(i, j, QTableWidgetItem(v))

    def selected_archive(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        archives = self.archives()
        return archives[rows[0].row()] if rows and rows[0].row() < len(archives) else None

    # --- backup -----------------------------------------------------------------------
    def _backup_elsewhere(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择备份位置（如U盘、移动硬盘）")
        if folder:
            self.backup_now(Path(folder))

    def choose_key_file(self, path: Path | None = None) -> Path | None:
        """Choose (or name a new) key file; ``path`` skips the dialog. Remembered on this PC."""
        if path is None:
            start = str(self.key_file or Path.home() / "effdesk-backup.key")
            name, _ = QFileDialog.getSaveFileName(
                self,
                "选择或新建备份密钥文件（建议放在U盘上）",
                start,
                "密钥文件 (*.key);;所有文件 (*)",
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not name:
                return None
            path = Path(name)
        self.key_file = path
        with self.ctx.session() as s:
            setup.remember_key_file(s, self.ctx.actor, path)
        self.refresh()
        return path

    def backup_now(self, dest: Path | None) -> None:
        db = self.ctx.db
        actor = self.ctx.actor
        no_key_yet = self.key_file is None and not keys.keyring_available()
        if no_key_yet and self.choose_key_file() is None:
            return
        key_file = self.key_file

        def work(progress: Progress) -> tuple[backup.BackupResult, backup.KeyChoice]:
            choice = backup.backup_key(db, key_file=key_file, create=True)
            result = backup.create_backup(
                db, dest or self.folder, choice.key, actor=actor, progress=progress
            )
            return result, choice

        def done(out: tuple[backup.BackupResult, backup.KeyChoice]) -> None:
            result, choice = out
            self.last_result = result
            self.refresh()
            if choice.created:
                self._show_key(choice.key, choice.database_id, new=True)
            else:
                QMessageBox.information(
                    self,
                    "备份完成",
                    f"备份完成：{result.path}\n证据文件 {result.files} 个，"
                    f"{result.size / 1024 / 1024:.1f} MB，用时 {result.seconds:.1f} 秒。",
                )

        def failed(exc: BaseException) -> None:
            show_error(self, exc, title="备份未完成")

        self.ctx.tasks.run(work, done, failed, parent=self, title="正在备份")

    def _show_key(self, key: bytes, database_id: str, *, new: bool) -> RecoveryKeyDialog:
        with self.ctx.session() as s:
            office = settings.get(s, settings.OFFICE_NAME)
        dialog = RecoveryKeyDialog(key, database_id, office, self, new=new)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.key_dialog = dialog
        dialog.open()
        return dialog

    def show_recovery_key(self, password: str | None = None) -> RecoveryKeyDialog | None:
        """Asks for the admin's own password again before showing the key."""
        if password is None:
            text, ok = QInputDialog.getText(
                self,
                "确认身份",
                "恢复密钥可以解密全部备份。请输入您的登录密码：",
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return None
            password = text
        with self.ctx.session() as s:
            confirmed = users.confirm_password(s, self.ctx.actor, password)
        if not confirmed:
            show_error(self, EffDeskError("密码不正确，未显示恢复密钥。"))
            return None
        try:
            choice = backup.backup_key(self.ctx.db, key_file=self.key_file, create=False)
        except EffDeskError as err:
            show_error(self, err)
            return None
        return self._show_key(choice.key, choice.database_id, new=False)

    def _verify_selected(self) -> None:
        path = self.selected_archive()
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "选择备份文件", str(self.folder), f"EffDesk 备份 (*{backup.SUFFIX})"
            )
            if not chosen:
                return
            path = Path(chosen)
        self.verify_archive(path)

    def verify_archive(self, path: Path) -> None:
        key_file = self.key_file

        def work(progress: Progress) -> backup.Manifest:
            key = backup.key_for_archive(path)
            if key is None and key_file is not None and key_file.exists():
                key = keys.read_key_file(key_file)
            if key is None:
                raise EffDeskError(
                    "本机密钥环中没有这个备份的密钥，也没有选择密钥文件，无法校验。"
                    "请点「密钥文件…」选择保存密钥的文件。"
                )
            return backup.verify_archive(path, key, progress)

        def done(m: backup.Manifest) -> None:
            self.last_verified = m
            QMessageBox.information(
                self,
                "备份文件完好",
                f"{path.name}\n备份时间 {m.created_at}；证据文件 {m.files} 个；"
                f"审计日志至第 {m.audit_head_seq} 条。全部内容校验通过。",
            )

        def failed(exc: BaseException) -> None:
            show_error(self, exc, title="备份文件校验未通过")

        self.ctx.tasks.run(work, done, failed, parent=self, title="正在校验备份文件")

    # --- restore ----------------------------------------------------------------------
    def restore(self, archive: Path | None) -> RestoreDialog:
        dialog = RestoreDialog(
            self,
            self.ctx.db.url,
            archive or self.selected_archive(),
            tasks=self.ctx.tasks,
            before_restore=self.ctx.db.dispose,
            after_failure=self.ctx.db.hold_again,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            if dialog.result_ is not None:
                self.on_restored(self, dialog.result_)

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog
