"""The 现场笔记本 menu and the report: each runs on the task runner with progress and cancel.

* 导出任务包… (office): the selected campaign → a zip to carry to the laptop;
* 打开现场任务包… (laptop): load a campaign package, this database becomes a field database;
* 生成现场数据包… (laptop): the findings and evidence recorded here → a zip for the office;
* 导入现场数据包… (office): checked whole before anything is written;
* 督查情况报告… : the PDF of the selected campaign.

Every method takes an optional path (tests pass one; the GUI asks with a file dialog) and
reports the outcome in one message box, kept in :attr:`FieldActions.last_message`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from effdesk.reports.inspection_report import ReportInfo
from effdesk.services.inspections.field_export import CampaignExport, PackResult
from effdesk.services.inspections.field_import import FieldOpenResult, ImportResult
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress

ZIP_FILTER = "EffDesk 数据包 (*.zip);;所有文件 (*)"
PDF_FILTER = "PDF 文件 (*.pdf)"


def safe_file_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "督查活动"


class FieldActions(QObject):
    """Field-package and report operations for a page; ``on_changed(campaign_id)`` refreshes it."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget,
        on_changed: Callable[[int | None], None],
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.widget = parent
        self.on_changed = on_changed
        self.store = ctx.db.evidence
        self.last_message: QMessageBox | None = None
        self.last_result: object = None

    # --- plumbing ---------------------------------------------------------------------
    def _ask_save(self, title: str, suggested: str, filt: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.widget, title, suggested, filt)
        return Path(name) if name else None

    def _ask_open(self, title: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.widget, title, "", ZIP_FILTER)
        return Path(name) if name else None

    def _message(self, title: str, text: str, *, warning: bool = False) -> QMessageBox:
        box = QMessageBox(self.widget)
        box.setWindowTitle(title)
        box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
        box.setText(text)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: self._forget(box))
        self.last_message = box
        box.open()
        return box

    def _forget(self, box: QMessageBox) -> None:
        if self.last_message is box:
            self.last_message = None

    def _failed(self, title: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            self.last_result = exc
            show_error(self.widget, exc, title=title)

        return failed

    def _run(
        self,
        title: str,
        label: str,
        work: Callable[[Progress], Any],
        done: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``work`` on the task runner; its result is kept in :attr:`last_result` and handed
        to ``done`` (by default: its summary in a message box titled ``title``)."""

        def finished(result: Any) -> None:
            self.last_result = result
            if done is None:
                self._message(title, result.summary())
            else:
                done(result)

        self.ctx.tasks.run(
            work, finished, self._failed(title), parent=self.widget, title=title, label=label
        )

    def _ask_save_zip(self, title: str, kind: str, name: str) -> Path | None:
        suggested = f"{kind}-{safe_file_name(name)}-{date.today():%Y%m%d}.zip"
        return self._ask_save(title, suggested, ZIP_FILTER)

    # --- office → laptop --------------------------------------------------------------
    def export_campaign(self, campaign_id: int, name: str, path: Path | None = None) -> None:
        if path is None:
            path = self._ask_save_zip("导出督查任务包", "督查任务包", name)
        if path is None:
            return
        ctx, out = self.ctx, path

        def work(_p: Progress) -> CampaignExport:
            from effdesk.services.inspections.field_export import export_campaign

            with ctx.session() as s:
                return export_campaign(s, ctx.actor, campaign_id, out)

        def done(result: CampaignExport) -> None:
            self._message(
                "导出督查任务包",
                result.summary()
                + "\n\n请把此文件拷到督查笔记本，在 EffDesk 中「打开现场任务包」。",
            )

        self._run("导出督查任务包", "正在导出…", work, done)

    def open_task_package(self, path: Path | None = None) -> None:
        if path is None:
            path = self._ask_open("打开现场任务包")
        if path is None:
            return
        ctx, src = self.ctx, path

        def work(_p: Progress) -> FieldOpenResult:
            from effdesk.services.inspections.field_import import open_campaign_package

            with ctx.session() as s:
                return open_campaign_package(s, ctx.actor, src)

        def done(result: FieldOpenResult) -> None:
            self.on_changed(result.campaign_id)
            self._message("打开现场任务包", result.summary())

        self._run("打开现场任务包", "正在校验并载入任务包…", work, done)

    # --- laptop → office --------------------------------------------------------------
    def pack_findings(self, campaign_id: int, name: str, path: Path | None = None) -> None:
        if path is None:
            path = self._ask_save_zip("生成现场数据包", "现场数据包", name)
        if path is None:
            return
        ctx, store, out = self.ctx, self.store, path

        def work(progress: Progress) -> PackResult:
            from effdesk.services.inspections.field_export import pack_findings

            with ctx.session() as s:
                return pack_findings(
                    s,
                    ctx.actor,
                    store,
                    out,
                    campaign_id,
                    progress=progress.report,
                    cancelled=lambda: progress.cancelled,
                )

        self._run("生成现场数据包", "正在打包问题记录和证据文件…", work)

    def import_findings(self, expected_campaign_id: int | None, path: Path | None = None) -> None:
        if path is None:
            path = self._ask_open("导入现场数据包")
        if path is None:
            return
        ctx, store, src = self.ctx, self.store, path

        def work(progress: Progress) -> ImportResult:
            from effdesk.services.inspections.field_import import import_findings_package

            with ctx.session() as s:
                return import_findings_package(
                    s,
                    ctx.actor,
                    store,
                    src,
                    expected_campaign_id=expected_campaign_id,
                    progress=progress.report,
                    cancelled=lambda: progress.cancelled,
                )

        def done(result: ImportResult) -> None:
            self.on_changed(result.campaign_id)
            self._message("导入现场数据包", result.summary())

        self._run("导入现场数据包", "正在校验数据包（每个文件都重新计算 SHA-256）…", work, done)

    # --- report -----------------------------------------------------------------------
    def render_report(self, campaign_id: int, name: str, path: Path | None = None) -> None:
        if path is None:
            path = self._ask_save(
                "督查情况报告", f"{safe_file_name(name)}-督查情况报告.pdf", PDF_FILTER
            )
        if path is None:
            return
        ctx, store, out = self.ctx, self.store, path

        def work(progress: Progress) -> ReportInfo:
            from effdesk.reports.inspection_report import render_inspection_report

            with ctx.session() as s:
                return render_inspection_report(
                    s, ctx.actor, store, campaign_id, out, progress=progress.report
                )

        def done(info: ReportInfo) -> None:
            box = self._message("督查情况报告", info.summary(out), warning=bool(info.unreadable))
            open_button = QPushButton("打开")
            box.addButton(open_button, QMessageBox.ButtonRole.ActionRole)
            box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
            open_button.clicked.connect(
                lambda _c=False: QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
            )

        self._run("督查情况报告", "正在生成报告（处理照片、排版）…", work, done)
