"""The automatic daily backup, started once the main window is up (off the GUI thread).

For effdesk/ui/app.py, after ``window.show()``::

    from effdesk.ui.security.daily_backup import start_daily_backup
    start_daily_backup(ctx, window)

Only an admin may create the backup key (the recovery key is shown to them then); for other
users the first backup waits until an admin has logged in once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from effdesk import settings
from effdesk.enums import Role
from effdesk.security import backup
from effdesk.ui.context import AppContext
from effdesk.ui.errors import log_exception
from effdesk.ui.security.recovery_key_dialog import RecoveryKeyDialog
from effdesk.ui.tasks import Progress


def start_daily_backup(ctx: AppContext, parent: QWidget | None) -> None:
    is_admin = ctx.actor.has(Role.ADMIN)
    db = ctx.db

    def work(progress: Progress) -> backup.DailyBackupResult:
        return backup.maybe_daily_backup(db, allow_create_key=is_admin, progress=progress)

    def done(result: backup.DailyBackupResult) -> None:
        ctx_status = getattr(parent, "statusBar", None)
        if result.path is not None and callable(ctx_status):
            ctx_status().showMessage(f"已自动备份：{result.path.name}", 10000)
        if result.new_recovery_key and is_admin:
            choice = backup.backup_key(db, create=False)
            with ctx.session() as s:
                office = settings.get(s, settings.OFFICE_NAME)
            dialog = RecoveryKeyDialog(choice.key, choice.database_id, office, parent, new=True)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()
        elif result.skipped and is_admin and callable(ctx_status):
            ctx_status().showMessage(f"未自动备份：{result.skipped.splitlines()[0]}", 15000)

    def failed(exc: BaseException) -> None:
        # An automatic backup must never stop the user's work: log it, say it in the status bar.
        log_exception(exc)
        bar = getattr(parent, "statusBar", None)
        if callable(bar):
            bar().showMessage(f"自动备份失败：{str(exc)[:80]}（详见日志）", 30000)

    ctx.tasks.run(work, done, failed)
