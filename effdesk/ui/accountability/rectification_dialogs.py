"""Dialogs of the rectification cycle: 下达整改, 登记整改报告 (with files), 验收."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from effdesk.enums import RectificationNoticeKind
from effdesk.errors import ConcurrentEditError, ValidationError, ValidationErrors
from effdesk.services.accountability import measures as ms
from effdesk.services.accountability import rectification as rs
from effdesk.ui.accountability.measure_dialog import date_edit
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import FieldForm, enum_combo, enum_member
from effdesk.ui.widgets.pickers import UnitPicker


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class DeadlineInput(QWidget):
    """N working days (from the calendar) or an explicit date."""

    def __init__(self, days: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItem("工作日数", "days")
        self.mode.addItem("指定日期", "date")
        self.days = QSpinBox()
        self.days.setRange(1, 250)
        self.days.setValue(days)
        self.days.setSuffix(" 个工作日")
        self.date = date_edit()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preview = QLabel()
        self.preview.setObjectName("deadlinePreview")
        layout.addWidget(self.mode)
        layout.addWidget(self.days)
        layout.addWidget(self.date)
        layout.addWidget(self.preview)
        layout.addStretch(1)
        self._ctx: AppContext | None = None
        self._start: QDateEdit | None = None
        self.mode.currentIndexChanged.connect(lambda _i: self._sync())
        self.days.valueChanged.connect(lambda _v: self._update_preview())
        self._sync()

    def preview_from(self, ctx: AppContext, start: QDateEdit) -> None:
        """Show the due date the days give, counted from ``start``'s date."""
        self._ctx, self._start = ctx, start
        start.dateChanged.connect(lambda _d: self._update_preview())
        self._update_preview()

    def _sync(self) -> None:
        by_days = self.mode.currentData() == "days"
        self.days.setVisible(by_days)
        self.date.setVisible(not by_days)
        self._update_preview()

    def _update_preview(self) -> None:
        if self._ctx is None or self._start is None or self.mode.currentData() != "days":
            self.preview.setText("")
            return
        with self._ctx.session() as s:
            due = rs.preview_deadline(s, _day(self._start), self.days.value())
        self.preview.setText(f"即 {due.label()} 前")
        self.preview.setStyleSheet("color:#b85c00;" if due.provisional else "color:#555;")

    def value(self) -> tuple[int | None, date | None]:
        if self.mode.currentData() == "days":
            return self.days.value(), None
        return None, _day(self.date)


class _StepDialog(QDialog):
    """A form whose OK runs ``work(session)`` through the task runner; ``done(int)`` after."""

    done_ = Signal(int)

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.form = FieldForm()
        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton("确定")
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.last_error: BaseException | None = None
        self.result_value: Any = None

    def finish_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def work(self, session: Session, progress: Progress) -> int:
        raise NotImplementedError

    def submit(self) -> None:
        self.form.clear_errors()
        self.ok_button.setEnabled(False)

        def run(progress: Progress) -> int:
            with self.ctx.session() as s:
                return self.work(s, progress)

        self.ctx.tasks.run(run, self._done, self._failed, parent=self)

    def _done(self, ident: int) -> None:
        self.ok_button.setEnabled(True)
        self.done_.emit(ident)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.last_error = exc
        if isinstance(exc, (ValidationError, ValidationErrors)):
            unplaced = self.form.show_errors(exc)
            if not unplaced:
                return
        if isinstance(exc, ConcurrentEditError):
            show_conflict(self, exc)
            return
        show_error(self, exc)


class RectificationDialog(_StepDialog):
    """下达整改: unit, items (one a line), deadline, notice kind; prefilled from a basis."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        prefill: rs.RectificationInput | None = None,
        default_days: int = 15,
    ) -> None:
        super().__init__(ctx, "下达整改", parent)
        self.prefill = prefill
        self.unit_picker = UnitPicker(ctx)
        self.form.add_field("unit_id", "整改单位", self.unit_picker, required=True)
        self.kind_combo = enum_combo(RectificationNoticeKind)
        self.form.add_field("notice_kind", "通知类型", self.kind_combo)
        self.items_edit = QPlainTextEdit()
        self.items_edit.setPlaceholderText("每行一项整改问题")
        self.items_edit.setFixedHeight(110)
        self.form.add_field("items", "整改问题", self.items_edit, required=True, hint="每行一项")
        self.issued_edit = date_edit()
        self.form.add_field("issued_date", "下发日期", self.issued_edit, required=True)
        self.deadline = DeadlineInput(default_days)
        self.form.add_field(
            "deadline",
            "整改时限",
            self.deadline,
            required=True,
            hint="按节假日安排计算工作日；该年安排尚未录入时为暂定时限",
        )
        self.deadline.preview_from(ctx, self.issued_edit)
        self.requirements_edit = QPlainTextEdit()
        self.requirements_edit.setFixedHeight(60)
        self.form.add_field("requirements", "整改要求", self.requirements_edit)
        self.basis_label = QLabel("直接下达")
        self.form.add_field(None, "依据", self.basis_label)
        self.finish_layout()
        if prefill is not None:
            if prefill.unit_id is not None:
                self.unit_picker.set_current_id(prefill.unit_id)
            self.items_edit.setPlainText("\n".join(prefill.items))
            if prefill.deadline_days:
                self.deadline.days.setValue(prefill.deadline_days)
            self.basis_label.setText(prefill_basis(ctx, prefill))

    def input(self) -> rs.RectificationInput:
        days, explicit = self.deadline.value()
        p = self.prefill
        return rs.RectificationInput(
            unit_id=self.unit_picker.current_id(),
            items=self.items_edit.toPlainText().splitlines(),
            issued_date=_day(self.issued_edit),
            notice_kind=enum_member(RectificationNoticeKind, self.kind_combo.currentData())
            or RectificationNoticeKind.RECTIFICATION,
            deadline_days=days,
            deadline=explicit,
            complaint_id=p.complaint_id if p else None,
            finding_id=p.finding_id if p else None,
            campaign_id=p.campaign_id if p else None,
            requirements=self.requirements_edit.toPlainText(),
        )

    def work(self, session: Session, progress: Progress) -> int:
        return rs.create_rectification(session, self.ctx.actor, self.input()).id


def prefill_basis(ctx: AppContext, prefill: rs.RectificationInput) -> str:
    with ctx.session() as s:
        return ms.basis_text(s, prefill.complaint_id, prefill.finding_id)


class ReportDialog(_StepDialog):
    """登记整改报告: received date, text, files (kept as evidence, originals untouched)."""

    def __init__(
        self, ctx: AppContext, view: rs.RectificationView, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, f"登记整改报告 — {view.row.unit_name}", parent)
        self.view = view
        self.files: list[Path] = []
        self.date_edit = date_edit()
        self.form.add_field("received_date", "收到日期", self.date_edit, required=True)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setFixedHeight(120)
        self.text_edit.setPlaceholderText(
            "整改报告的主要内容：采取的措施、处理的人员、建立的制度……"
        )
        self.form.add_field("text", "报告内容", self.text_edit)
        files = QWidget()
        fl = QVBoxLayout(files)
        fl.setContentsMargins(0, 0, 0, 0)
        self.file_list = QListWidget()
        self.file_list.setFixedHeight(70)
        self.add_button = QPushButton("添加文件…")
        self.add_button.clicked.connect(lambda _c=False: self.choose_files())
        fl.addWidget(self.file_list)
        fl.addWidget(self.add_button)
        self.form.add_field(
            "files", "报告文件", files, hint="扫描件、照片等；原件只读保存并记录 SHA-256"
        )
        self.finish_layout()

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择整改报告文件")
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        for p in paths:
            if p not in self.files:
                self.files.append(p)
                self.file_list.addItem(p.name)

    def work(self, session: Session, progress: Progress) -> int:
        rs.record_report(
            session,
            self.ctx.actor,
            self.view.id,
            _day(self.date_edit),
            self.text_edit.toPlainText(),
            self.view.version,
            files=self.files,
            store=self.ctx.db.evidence,
            progress=progress.report,
        )
        return self.view.id


class CheckDialog(_StepDialog):
    """验收: passed, or not passed with reasons and a new deadline (the cycle restarts)."""

    def __init__(
        self,
        ctx: AppContext,
        view: rs.RectificationView,
        parent: QWidget | None = None,
        *,
        default_days: int = 15,
    ) -> None:
        super().__init__(ctx, f"整改验收 — {view.row.unit_name}", parent)
        self.view = view
        self.date_edit = date_edit()
        self.form.add_field("check_date", "验收日期", self.date_edit, required=True)
        result = QWidget()
        rl = QHBoxLayout(result)
        rl.setContentsMargins(0, 0, 0, 0)
        self.passed_radio = QRadioButton("验收通过")
        self.failed_radio = QRadioButton("验收未通过（重新限期整改）")
        self.passed_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.passed_radio)
        group.addButton(self.failed_radio)
        rl.addWidget(self.passed_radio)
        rl.addWidget(self.failed_radio)
        rl.addStretch(1)
        self.form.add_field(None, "验收结论", result)
        self.reasons_edit = QPlainTextEdit()
        self.reasons_edit.setFixedHeight(80)
        self.form.add_field("reasons", "未通过原因", self.reasons_edit)
        self.deadline = DeadlineInput(default_days)
        self.form.add_field("new_deadline", "新的整改时限", self.deadline)
        self.deadline.preview_from(ctx, self.date_edit)
        self.failed_radio.toggled.connect(lambda _on: self._sync())
        self._sync()
        self.finish_layout()

    def _sync(self) -> None:
        failed = self.failed_radio.isChecked()
        self.reasons_edit.setEnabled(failed)
        self.deadline.setEnabled(failed)

    def work(self, session: Session, progress: Progress) -> int:
        passed = self.passed_radio.isChecked()
        days, explicit = self.deadline.value() if not passed else (None, None)
        rs.check_rectification(
            session,
            self.ctx.actor,
            self.view.id,
            _day(self.date_edit),
            passed,
            self.view.version,
            reasons=self.reasons_edit.toPlainText() if not passed else "",
            new_deadline_days=days,
            new_deadline=explicit,
        )
        return self.view.id
