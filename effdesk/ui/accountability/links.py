"""What other modules embed: the measures and rectifications resting on a complaint or a
finding (a section of links), and the buttons 「记录问责…」「下达整改…」 that open the dialogs
prefilled from it. Links read ``measure:<id>`` / ``rectification:<id>``; the shell opens them
with ``open_record_requested("accountability", id)`` and ``("accountability:rectification", id)``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QWidget
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission, allowed
from effdesk.services.accountability import measures as ms
from effdesk.services.accountability import rectification as rs
from effdesk.ui.accountability.measure_dialog import MeasureDialog, open_measure_dialog
from effdesk.ui.accountability.rectification_dialogs import RectificationDialog
from effdesk.ui.accountability.todo import RECTIFICATION_KEY
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error

MEASURE_KEY = "accountability"


@dataclass(frozen=True)
class BasisLinks:
    measures: list[ms.MeasureRow] = field(default_factory=list)
    rectifications: list[rs.RectificationRow] = field(default_factory=list)


def load_links(
    session: Session,
    actor: Actor,
    *,
    complaint_id: int | None = None,
    finding_id: int | None = None,
) -> BasisLinks:
    """The measures (voided ones too) and rectifications resting on the basis; empty for
    roles that may not see the register."""
    if not allowed(actor, Permission.VIEW_ACCOUNTABILITY):
        return BasisLinks()
    filt = ms.MeasureFilter(complaint_id=complaint_id, finding_id=finding_id, voided=None)
    if complaint_id is None and finding_id is None:
        return BasisLinks()
    return BasisLinks(
        ms.all_rows(session, actor, filt),
        rs.rectifications_for(session, actor, complaint_id=complaint_id, finding_id=finding_id),
    )


def links_html(links: BasisLinks | None) -> str:
    if links is None or (not links.measures and not links.rectifications):
        return ""
    out = ["<h3>问责整改</h3><table>"]
    for m in links.measures:
        void = f"（已作废：{html.escape(m.void_reason)}）" if m.voided else ""
        style = " style='color:#999'" if m.voided else ""
        out.append(
            f"<tr><td class='k'>{m.decided_date:%Y-%m-%d}</td><td class='v'{style}>"
            f"{html.escape(m.subject_label)}　<a href='measure:{m.id}'>"
            f"{html.escape(m.measure_label)}</a>{void}</td></tr>"
        )
    for r in links.rectifications:
        out.append(
            f"<tr><td class='k'>{r.issued_date:%Y-%m-%d}</td><td class='v'>"
            f"<a href='rectification:{r.id}'>{html.escape(r.notice_kind.label)}：整改"
            f"{html.escape(r.state.label)}</a>，时限 {html.escape(r.deadline_text)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def link_target(url: str) -> tuple[str, int] | None:
    """The shell's (module key, id) for a ``measure:`` / ``rectification:`` link."""
    kind, _, ident = url.partition(":")
    if kind == "measure" and ident.isdigit():
        return MEASURE_KEY, int(ident)
    if kind == "rectification" and ident.isdigit():
        return RECTIFICATION_KEY, int(ident)
    return None


class BasisActions(QWidget):
    """「记录问责…」「下达整改…」 for one complaint or finding. Signal ``changed()``."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint_id: int | None = None
        self.finding_id: int | None = None
        self.dialog: QDialog | None = None
        self.measure_button = QPushButton("记录问责…")
        self.measure_button.setObjectName("recordMeasures")
        self.measure_button.clicked.connect(lambda _c=False: self.record_measures())
        self.rect_button = QPushButton("下达整改…")
        self.rect_button.setObjectName("orderRectification")
        self.rect_button.clicked.connect(lambda _c=False: self.order_rectification())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.measure_button)
        layout.addWidget(self.rect_button)
        self.set_basis(None, None, "")

    def set_basis(self, complaint_id: int | None, finding_id: int | None, refusal: str) -> None:
        """The basis shown; ``refusal`` (e.g. 「不属实」) disables 记录问责 with that tooltip."""
        self.complaint_id, self.finding_id = complaint_id, finding_id
        has = complaint_id is not None or finding_id is not None
        can_decide = self.ctx.can(Permission.DECIDE_MEASURES)
        self.measure_button.setVisible(has and can_decide)
        self.measure_button.setEnabled(not refusal)
        self.measure_button.setToolTip(refusal or "记录对单位或人员的问责措施（依据本件预填）")
        self.rect_button.setVisible(has and self.ctx.can(Permission.MANAGE_RECTIFICATION))
        self.rect_button.setEnabled(not refusal)
        self.rect_button.setToolTip(refusal or "向单位下达整改通知（依据本件预填）")
        self.setVisible(self.measure_button.isVisibleTo(self) or self.rect_button.isVisibleTo(self))

    def record_measures(self) -> MeasureDialog | None:
        dialog = open_measure_dialog(
            self.ctx, self.window(), complaint_id=self.complaint_id, finding_id=self.finding_id
        )
        if dialog is not None:
            self.dialog = dialog
            dialog.saved.connect(lambda _id: self.changed.emit())
        return dialog

    def order_rectification(self) -> RectificationDialog | None:
        try:
            with self.ctx.session() as s:
                if self.complaint_id is not None:
                    prefill = rs.prefill_from_complaint(s, self.ctx.actor, self.complaint_id)
                elif self.finding_id is not None:
                    prefill = rs.prefill_from_finding(s, self.ctx.actor, self.finding_id)
                else:
                    return None
                days = rs.default_deadline_days(s)
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        dialog = RectificationDialog(self.ctx, self.window(), prefill=prefill, default_days=days)
        dialog.done_.connect(lambda _id: self.changed.emit())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog = dialog
        return dialog
