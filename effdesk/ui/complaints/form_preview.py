"""Printed forms of a case (登记表, 呈批单, 交办单, 转办函, 催办/督办通知书, 答复函) in a preview.

The PDF is rendered off the GUI thread by :func:`render_complaint_form` (the complaints service
applies the identity rules of each form and records the print in the audit trail; the report
draws) and shown in the
documents module's :class:`PdfPreview` (QtPdf view, 打印 through the system print dialog,
另存为PDF).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from effdesk.reports.complaint_forms import render_complaint_form
from effdesk.services.complaints import ComplaintDetail, ComplaintForm
from effdesk.services.complaints.policy import form_unavailable
from effdesk.services.complaints.printing import ComplaintFormResult
from effdesk.ui.context import AppContext
from effdesk.ui.documents.preview import PdfPreview
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock


@dataclass(frozen=True)
class RenderedForm:
    data: bytes
    result: ComplaintFormResult


def form_available(detail: ComplaintDetail, form: ComplaintForm) -> str:
    """Why ``form`` cannot be printed for this case yet ("" when it can): the policy's word."""
    return form_unavailable(detail.facts, form)


class FormPreviewDialog(QDialog):
    """Renders ``form`` of the case and shows it. Signal ``rendered()`` once shown."""

    rendered = Signal()

    def __init__(
        self,
        ctx: AppContext,
        complaint_id: int,
        number: str,
        form: ComplaintForm,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.number = number
        self.form = form
        self.error: BaseException | None = None
        self.setWindowTitle(f"{number}《{form.label}》")
        self.setObjectName("formPreview")
        self.preview = PdfPreview(self)
        self.preview.print_button.setText("打印…")
        self.preview.show_message("正在生成…")
        buttons = QDialogButtonBox()
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.resize(860, 1000)
        self.start_render()

    def start_render(self) -> None:
        ctx, cid, form = self.ctx, self.complaint_id, self.form
        today = clock.today()

        def work(_p: Progress) -> RenderedForm:
            buffer = io.BytesIO()
            with ctx.session() as s:
                result = render_complaint_form(s, ctx.actor, cid, form, buffer, today=today)
            return RenderedForm(buffer.getvalue(), result)

        ctx.tasks.run(work, self._show, self._failed, parent=self)

    def _show(self, rendered: RenderedForm) -> None:
        result = rendered.result
        if result.identity_printed:
            privacy = "含投诉人身份信息，请注意保密。"
        elif self.form.for_units:
            privacy = "发往承办单位，不含投诉人身份信息。"
        else:
            privacy = "未打印投诉人身份信息。"
        self.preview.show_pdf(
            rendered.data,
            title=f"{self.number}《{self.form.label}》",
            fonts="字体：" + "、".join(result.fonts_used) + "　" + privacy,
            suggested_name=f"{self.number} {self.form.label}.pdf",
        )
        self.rendered.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self.preview.show_message(f"未能生成：{exc}")
        show_error(self, exc)
