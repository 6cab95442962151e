"""The case view (投诉件详情): every field, the deadlines, the history as a timeline, the
attachments, and a button for every step this actor may take now.

Which buttons show, and which are greyed with what reason as their tooltip, is the complaint
policy's answer (:func:`effdesk.services.complaints.policy.offers`) for this actor and the
case facts the service returned — the same guards the service checks on use, so a button that
would only be refused is greyed with the reason the service would give. The complainant's
identity is shown only when the service filled it in.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import (
    Channel,
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DeadlineKind,
    HandlingMode,
    ReplyMethod,
    Satisfaction,
    Verification,
)
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import complaints, evidence
from effdesk.services.accountability import measures as ms
from effdesk.services.complaints import (
    ANONYMOUS,
    MASK,
    ComplaintAction,
    ComplaintDetail,
    ComplaintForm,
    EventRow,
    IdNames,
)
from effdesk.services.complaints.policy import offers
from effdesk.services.evidence import AttachmentOwner, AttachmentRow, IngestReport
from effdesk.ui.accountability.links import (
    BasisActions,
    BasisLinks,
    link_target,
    links_html,
    load_links,
)
from effdesk.ui.complaints.actions import DIALOGS, ActionDialog, ActionOutcome
from effdesk.ui.complaints.common import DUE_BADGE, STATE_BADGE, badge, d, dt
from effdesk.ui.complaints.flow import FlowLayout
from effdesk.ui.complaints.form_preview import FormPreviewDialog, form_available
from effdesk.ui.complaints.intake import IntakeDialog
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.panes import side_by_side

A = ComplaintAction

BUTTON_TEXT: dict[ComplaintAction, str] = {
    A.EDIT: "修改登记信息…",
    A.SUBMIT: "呈批…",
    A.INSTRUCT: "领导批示…",
    A.ROUTE: "交办/转办…",
    A.REJECT: "不予受理…",
    A.START: "开始调查…",
    A.NOTE: "办理记录…",
    A.REMIND: "催办…",
    A.SUPERVISE: "督办…",
    A.REQUEST_EXTENSION: "申请延期…",
    A.APPROVE_EXTENSION: "批准延期…",
    A.DENY_EXTENSION: "不同意延期…",
    A.DRAFT_CONCLUSION: "拟办结…",
    A.SIGN_OFF: "审核办结…",
    A.SEND_BACK: "退回重办…",
    A.REPLY: "答复投诉人…",
    A.RETURN_VISIT: "回访…",
    A.REOPEN: "重办…",
    A.ARCHIVE: "归档…",
    A.MERGE: "合并…",
}
# The next step of the ordinary path is drawn as the main button.
PRIMARY = frozenset(
    {
        A.SUBMIT,
        A.INSTRUCT,
        A.ROUTE,
        A.START,
        A.DRAFT_CONCLUSION,
        A.SIGN_OFF,
        A.REPLY,
        A.RETURN_VISIT,
        A.ARCHIVE,
        A.APPROVE_EXTENSION,
    }
)
PRIMARY_CSS = (
    "QPushButton { background: #1565c0; color: white; border: 1px solid #0d47a1;"
    " border-radius: 3px; padding: 4px 12px; }"
    "QPushButton:disabled { background: #9fb6d3; border-color: #9fb6d3; }"
)

FIELD_LABELS: dict[str, str] = {
    "state": "状态",
    "received_at": "受理时间",
    "channel": "来源渠道",
    "summary": "内容摘要",
    "content": "详细内容",
    "category_id": "问题类别",
    "unit_id": "被投诉单位",
    "subject_description": "被投诉对象",
    "persons": "被投诉人员",
    "complexity": "复杂程度",
    "anonymous": "匿名",
    "complainant_kind": "投诉人类型",
    "complainant_name": "投诉人姓名",
    "complainant_phone": "联系电话",
    "complainant_company": "投诉人单位",
    "complainant_address": "投诉人地址",
    "remarks": "备注",
    "acceptance_due": "受理决定时限",
    "limit_days": "办理期限（工作日）",
    "due_date": "办理时限",
    "reply_due": "反馈时限",
    "deadline_provisional": "时限暂定",
    "leader_instruction": "领导批示",
    "handling_mode": "承办方式",
    "handler_unit_id": "承办单位",
    "handler_user_id": "承办人",
    "forwarded_to": "转往单位",
    "rejection_reason": "不予受理理由",
    "extension_days": "累计延期（工作日）",
    "verification": "核查结论",
    "handling_result": "处理结果",
    "concluded_date": "办结日期",
    "reply_date": "答复日期",
    "reply_method": "答复方式",
    "reply_text": "答复内容",
    "return_visit_date": "回访日期",
    "return_visit_notes": "回访情况",
    "satisfaction": "满意度",
    "merged_into_id": "并入",
    "reopen_count": "重办次数",
    "ever_overdue": "曾超期",
}
# Facts the event's own time, actor or text already say.
HIDDEN_CHANGES = frozenset(
    {
        "received_date",
        "instructed_by_id",
        "instructed_at",
        "routed_at",
        "archived_at",
        "registered_by_id",
        "number",
    }
)
ENUM_FIELDS: dict[str, Any] = {
    "state": ComplaintState,
    "channel": Channel,
    "complexity": Complexity,
    "complainant_kind": ComplainantKind,
    "handling_mode": HandlingMode,
    "verification": Verification,
    "reply_method": ReplyMethod,
    "satisfaction": Satisfaction,
}
FACT_LABELS = {
    "days": "天数（工作日）",
    "letter": "转办函正文",
    "to": "通知对象",
    "report_by": "报告期限",
    "merged_into": "并入投诉件",
    "merged_from": "并入本件的投诉件",
}
HIDDEN_FACTS = frozenset({"basis", "deadline", "due"})
EVENT_COLOURS = {
    ComplaintEventKind.OVERDUE: "#c62828",
    ComplaintEventKind.INSTRUCTED: "#6a1b9a",
    ComplaintEventKind.REMINDER: "#b85c00",
    ComplaintEventKind.SUPERVISION: "#b85c00",
    ComplaintEventKind.EXTENSION_REQUESTED: "#b85c00",
    ComplaintEventKind.CONCLUDED: "#2e7d32",
    ComplaintEventKind.ARCHIVED: "#555555",
    ComplaintEventKind.SENT_BACK: "#c62828",
    ComplaintEventKind.REOPENED: "#c62828",
}

PAGE_CSS = """
body { font-size: 10.5pt; }
h3 { color: #1f4e79; margin-top: 10px; margin-bottom: 4px; }
td.k { color: #666; white-space: nowrap; padding-right: 10px; }
td.v { padding-bottom: 3px; }
.muted { color: #888; }
.warn { color: #c62828; }
"""


@dataclass(frozen=True)
class CaseData:
    detail: ComplaintDetail
    names: IdNames
    attachments: list[AttachmentRow]
    links: BasisLinks | None = None


# =========================================================================== rendering


def esc(value: object) -> str:
    return html.escape(str(value)).replace("\n", "<br>")


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    cells = [
        f'<tr><td class="k" width="92" valign="top">{esc(k)}</td><td class="v">{v}</td></tr>'
        for k, v in pairs
        if v
    ]
    return '<table cellspacing="0" cellpadding="2">' + "".join(cells) + "</table>"


def _section(title: str, pairs: Iterable[tuple[str, str]]) -> str:
    table = _rows(pairs)
    return f"<h3>{esc(title)}</h3>{table}" if "<tr>" in table else ""


def identity_pairs(detail: ComplaintDetail) -> list[tuple[str, str]]:
    """The complainant as this actor may see them (the service decided what is filled in)."""
    if detail.anonymous:
        rows = [("投诉人", esc(ANONYMOUS))]
        if detail.identity_visible and detail.complainant_phone:
            rows.append(("联系电话", esc(detail.complainant_phone)))
        return rows
    if not detail.identity_visible:
        return [
            (
                "投诉人",
                f'{MASK} <span class="muted">（投诉人身份信息保密，您的角色无权查看）</span>',
            )
        ]
    return [
        ("投诉人", esc(detail.complainant_name or "（未留姓名）")),
        ("类型", esc(detail.complainant_kind.label)),
        ("联系电话", esc(detail.complainant_phone or "")),
        ("工作单位", esc(detail.complainant_company or "")),
        ("地址", esc(detail.complainant_address or "")),
    ]


def _deadline_pairs(detail: ComplaintDetail) -> list[tuple[str, str]]:
    running = detail.deadline
    provisional = '<span class="warn">（暂定：该年节假日安排尚未录入）</span>'

    def line(kind: DeadlineKind, due: Any, extra: str = "") -> str:
        if due is None:
            return ""
        text = esc(d(due)) + extra
        if running is not None and running.kind == kind and running.due == due:
            if running.provisional:
                text += provisional
            if detail.due_status is not None:
                fg, bg = DUE_BADGE[detail.due_status]
                text += (
                    f' <span style="color:{fg}; background:{bg}">'
                    f"&nbsp;{esc(detail.due_status.label)}&nbsp;</span>"
                )
        return text

    limit = ""
    if detail.limit_days:
        limit = f"（{detail.limit_days}个工作日"
        if detail.extension_days:
            limit += f"，已延期{detail.extension_days}个"
        limit += "）"
    pairs = [
        ("受理决定时限", line(DeadlineKind.ACCEPTANCE, detail.acceptance_due)),
        ("办理时限", line(DeadlineKind.CONCLUSION, detail.due_date, esc(limit))),
        ("反馈时限", line(DeadlineKind.REPLY, detail.reply_due)),
    ]
    if detail.pending_extension is not None:
        p = detail.pending_extension
        pairs.append(
            (
                "延期申请",
                f'<span class="warn">待领导审批：延期{p.days}个工作日</span>（{esc(p.requested_by)}，'
                f"{esc(dt(p.requested_at))}）：{esc(p.reason)}",
            )
        )
    if detail.ever_overdue:
        pairs.append(("超期记录", '<span class="warn">办理过程中曾超期（见办理经过）</span>'))
    return pairs


def detail_html(detail: ComplaintDetail) -> str:
    persons = "、".join(
        esc(p.display + (f"（{p.post}）" if p.post else "")) for p in detail.persons
    )
    parts = [
        _section(
            "受理信息",
            [
                ("编号", f"<b>{esc(detail.number)}</b>"),
                ("受理时间", esc(dt(detail.received_at))),
                ("来源渠道", esc(detail.channel.label)),
                ("登记人", esc(detail.registered_by)),
                ("复杂程度", esc(detail.complexity.label)),
            ],
        ),
        _section("投诉人", identity_pairs(detail)),
        _section(
            "被投诉对象",
            [
                ("被投诉单位", esc(detail.unit_name)),
                ("对象描述", esc(detail.subject_description)),
                ("被投诉人员", persons),
            ],
        ),
        _section(
            "反映问题",
            [
                ("问题类别", esc(detail.category_name)),
                ("内容摘要", esc(detail.summary)),
                ("详细内容", esc(detail.content)),
            ],
        ),
        _section(
            "领导批示",
            [
                ("批示意见", esc(detail.leader_instruction)),
                (
                    "批示人",
                    esc(f"{detail.instructed_by}　{dt(detail.instructed_at)}")
                    if detail.instructed_by
                    else "",
                ),
            ],
        ),
        _section(
            "办理",
            [
                ("承办方式", esc(detail.handling_mode.label) if detail.handling_mode else ""),
                ("承办单位", esc(detail.handler_unit_name)),
                ("承办人", esc(detail.handler_user_name)),
                ("转往单位", esc(detail.forwarded_to)),
                ("交办时间", esc(dt(detail.routed_at))),
                ("不予受理理由", esc(detail.rejection_reason)),
                ("重办次数", esc(detail.reopen_count) if detail.reopen_count else ""),
            ],
        ),
        _section("时限", _deadline_pairs(detail)),
        _section(
            "办结与反馈",
            [
                ("核查结论", esc(detail.verification.label) if detail.verification else ""),
                ("处理结果", esc(detail.handling_result)),
                ("办结日期", esc(d(detail.concluded_date))),
                (
                    "答复",
                    esc(
                        f"{d(detail.reply_date)}　{detail.reply_method.label}"
                        if detail.reply_date and detail.reply_method
                        else ""
                    ),
                ),
                ("答复内容", esc(detail.reply_text)),
                ("回访日期", esc(d(detail.return_visit_date))),
                ("满意度", esc(detail.satisfaction.label) if detail.satisfaction else ""),
                ("回访情况", esc(detail.return_visit_notes)),
                ("归档时间", esc(dt(detail.archived_at))),
            ],
        ),
        _section(
            "合并",
            [
                (
                    "已并入",
                    f'<a href="case:{detail.merged_into_id}">{esc(detail.merged_into_number)}</a>'
                    if detail.merged_into_id
                    else "",
                ),
                (
                    "并入本件",
                    "、".join(
                        f'<a href="case:{cid}">{esc(num)}</a>' for cid, num in detail.merged_from
                    ),
                ),
            ],
        ),
        _section("备注", [("备注", esc(detail.remarks))]),
    ]
    return f"<html><head><style>{PAGE_CSS}</style></head><body>{''.join(parts)}</body></html>"


def _value_text(field: str, value: Any, names: IdNames) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    enum = ENUM_FIELDS.get(field)
    if enum is not None:
        for member in enum:
            if member.value == value:
                return str(member.label)
    if field in ("unit_id", "handler_unit_id") and isinstance(value, int):
        return names.units.get(value, f"单位#{value}")
    if field == "category_id" and isinstance(value, int):
        return names.categories.get(value, f"类别#{value}")
    if field == "handler_user_id" and isinstance(value, int):
        return names.users.get(value, f"用户#{value}")
    if field == "received_at" and isinstance(value, str):
        return value.replace("T", " ")[:16]
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "（空）"
    return str(value)


def event_html(event: EventRow, names: IdNames) -> str:
    colour = EVENT_COLOURS.get(event.kind, "#1f4e79")
    states = ""
    if event.from_state is not None and event.to_state not in (None, event.from_state):
        assert event.to_state is not None
        states = f"　{esc(event.from_state.label)} → <b>{esc(event.to_state.label)}</b>"
    head = (
        f'<span class="muted">{esc(dt(event.at))}</span>　'
        f'<b style="color:{colour}">{esc(event.kind.label)}</b>　{esc(event.actor_name)}{states}'
    )
    body = f"<div>{esc(event.text)}</div>" if event.text else ""
    rows = []
    if event.kind != ComplaintEventKind.REGISTERED:
        for field, (before, after) in event.changes.items():
            if field in HIDDEN_CHANGES or field == "state":
                continue
            label = FIELD_LABELS.get(field, field)
            rows.append(
                f'<tr><td class="k">{esc(label)}</td><td class="v">'
                f'<span class="muted">{esc(_value_text(field, before, names))}</span>'
                f" → {esc(_value_text(field, after, names))}</td></tr>"
            )
    for key, value in event.facts.items():
        if key in HIDDEN_FACTS or key in event.changes:
            continue
        rows.append(
            f'<tr><td class="k">{esc(FACT_LABELS.get(key, key))}</td>'
            f'<td class="v">{esc(_value_text(key, value, names))}</td></tr>'
        )
    table = f'<table cellspacing="0" cellpadding="1">{"".join(rows)}</table>' if rows else ""
    # QTextBrowser draws no CSS side borders: a narrow coloured cell marks the event's kind.
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" style="margin-bottom: 8px"><tr>'
        f'<td width="4" bgcolor="{colour}"></td><td>{head}{body}{table}</td></tr></table>'
    )


def timeline_html(events: list[EventRow], names: IdNames) -> str:
    blocks = "".join(event_html(e, names) for e in events)
    return f"<html><head><style>{PAGE_CSS}</style></head><body>{blocks}</body></html>"


def _names_needed(detail: ComplaintDetail) -> tuple[set[int], set[int], set[int]]:
    units: set[int] = set()
    categories: set[int] = set()
    users: set[int] = set()
    for event in detail.events:
        for field, pair in event.changes.items():
            for value in pair:
                if not isinstance(value, int) or isinstance(value, bool):
                    continue
                if field in ("unit_id", "handler_unit_id"):
                    units.add(value)
                elif field == "category_id":
                    categories.add(value)
                elif field == "handler_user_id":
                    users.add(value)
    return units, categories, users


# =========================================================================== the view


class CaseView(QWidget):
    """One case. Signals: ``changed(int)`` after a step was taken, ``caseRequested(int)``
    for a linked case (merged into / from), ``titleChanged(str)``."""

    changed = Signal(int)
    caseRequested = Signal(int)
    # (module key, id) of a linked measure or rectification, for the shell's open_record.
    recordRequested = Signal(str, int)
    titleChanged = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, complaint_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.detail: ComplaintDetail | None = None
        self.names = IdNames()
        self.attachments: list[AttachmentRow] = []
        self.dialog: QDialog | None = None
        self.preview: FormPreviewDialog | None = None
        self.last_error: BaseException | None = None
        self._generation = 0

        # --- header ---
        self.number_label = QLabel("…")
        font = self.number_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.number_label.setFont(font)
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_badge = QLabel()
        self.due_badge = QLabel()
        self.deadline_label = QLabel()
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet("color: #333;")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新读取本件（F5）")
        self.refresh_button.clicked.connect(lambda _c=False: self.reload())
        self.print_button = QToolButton()
        self.print_button.setText("打印表单")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.print_menu = QMenu(self)
        self.print_actions = {}
        for form in ComplaintForm:
            act = self.print_menu.addAction(form.label)
            act.triggered.connect(lambda _c=False, f=form: self.print_form(f))
            self.print_actions[form] = act
        self.print_button.setMenu(self.print_menu)

        head = QHBoxLayout()
        head.addWidget(self.number_label)
        head.addWidget(self.state_badge)
        head.addWidget(self.due_badge)
        head.addWidget(self.deadline_label)
        head.addStretch(1)
        head.addWidget(self.refresh_button)
        head.addWidget(self.print_button)

        # --- actions ---
        self.actions_box = QWidget()
        self.actions_layout = FlowLayout(self.actions_box)
        self.action_buttons: dict[ComplaintAction, QPushButton] = {}
        for action in ComplaintAction:
            if action == A.REGISTER:
                continue
            button = QPushButton(BUTTON_TEXT.get(action, action.label))
            button.setObjectName(f"action_{action.value}")
            button.clicked.connect(lambda _c=False, a=action: self.open_action(a))
            if action in PRIMARY:
                button.setStyleSheet(PRIMARY_CSS)
            button.setVisible(False)
            self.actions_layout.addWidget(button)
            self.action_buttons[action] = button
        self.accountability = BasisActions(ctx)
        self.accountability.changed.connect(self.reload)
        self.actions_layout.addWidget(self.accountability)
        self.readonly_label = QLabel()
        self.readonly_label.setStyleSheet("color: #777;")

        # --- body ---
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(self._link)
        self.timeline = QTextBrowser()
        self.timeline.setOpenLinks(False)
        self.attachment_list = QListWidget()
        self.attachment_list.itemActivated.connect(lambda _i: self.open_attachment())
        self.add_file_button = QPushButton("添加附件…")
        self.add_file_button.clicked.connect(lambda _c=False: self.add_attachments())
        self.add_file_button.setEnabled(ctx.can(Permission.HANDLE_COMPLAINT))
        self.open_file_button = QPushButton("打开原件")
        self.open_file_button.clicked.connect(lambda _c=False: self.open_attachment())
        files = QWidget()
        fl = QVBoxLayout(files)
        fl.setContentsMargins(0, 4, 0, 0)
        fl.addWidget(self.attachment_list, 1)
        fb = QHBoxLayout()
        note = QLabel("原件只读保存，记录 SHA-256。")
        note.setStyleSheet("color: #777;")
        fb.addWidget(note, 1)
        fb.addWidget(self.open_file_button)
        fb.addWidget(self.add_file_button)
        fl.addLayout(fb)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.timeline, "办理经过")
        self.side_tabs.addTab(files, "附件")

        splitter = side_by_side(self.details, self.side_tabs, (5, 6))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(head)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.actions_box)
        layout.addWidget(self.readonly_label)
        layout.addWidget(splitter, 1)

        QShortcut(QKeySequence("F5"), self, self.reload)
        self.reload()

    # --- loading ----------------------------------------------------------------------
    def reload(self) -> None:
        """Read the case again (off the GUI thread) and show it."""
        self._generation += 1
        generation = self._generation
        ctx, cid = self.ctx, self.complaint_id
        today = clock.today()

        def work(_p: Progress) -> CaseData:
            with ctx.session() as s:
                detail = complaints.get_complaint_detail(s, ctx.actor, cid, today=today)
                units, categories, users = _names_needed(detail)
                names = complaints.names_for(
                    s, ctx.actor, unit_ids=units, category_ids=categories, user_ids=users
                )
                files = evidence.list_attachments(s, ctx.actor, AttachmentOwner(complaint_id=cid))
                links = load_links(s, ctx.actor, complaint_id=cid)
            return CaseData(detail, names, files, links)

        def done(data: CaseData) -> None:
            if generation == self._generation:
                self.show_case(data)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self.last_error = exc
            self.summary_label.setText(f'<span style="color:#c62828">{esc(exc)}</span>')
            show_error(self, exc)

        ctx.tasks.run(work, done, failed)

    def show_case(self, data: CaseData) -> None:
        detail = data.detail
        self.detail, self.names, self.attachments = detail, data.names, data.attachments
        self.number_label.setText(detail.number)
        badge(self.state_badge, detail.state.label, STATE_BADGE.get(detail.state))
        if detail.due_status is not None:
            badge(self.due_badge, detail.due_status.label, DUE_BADGE[detail.due_status])
        else:
            badge(self.due_badge, "", None)
        running = detail.deadline
        self.deadline_label.setText(
            f"{running.kind.label} {d(running.due)}" + ("（暂定）" if running.provisional else "")
            if running
            else ""
        )
        self.summary_label.setText(esc(detail.summary))
        self.details.setHtml(detail_html(detail) + links_html(data.links))
        concluded = detail.state in ms.CONCLUDED_STATES
        self.accountability.set_basis(
            detail.id if concluded else None,
            None,
            "核查结论为「不属实」，不能据此问责或下达整改。"
            if detail.verification is Verification.UNFOUNDED
            else "",
        )
        self.timeline.setHtml(timeline_html(detail.events, data.names))
        self.side_tabs.setTabText(0, f"办理经过（{len(detail.events)}）")
        self.side_tabs.setTabText(1, f"附件（{len(data.attachments)}）")
        self._show_attachments()
        self._update_actions(detail)
        self._update_print_menu(detail)
        self.titleChanged.emit(detail.number)
        self.loaded.emit()

    def _update_actions(self, detail: ComplaintDetail) -> None:
        shown = 0
        for offer in offers(self.ctx.actor, detail.facts, clock.today()):
            button = self.action_buttons[offer.action]
            if offer.action == A.INSTRUCT:
                first = detail.state == ComplaintState.AWAITING_INSTRUCTION
                button.setText("领导批示…" if first else "补充批示…")
                button.setStyleSheet(PRIMARY_CSS if first else "")
            button.setVisible(offer.shown)
            button.setEnabled(not offer.refusal)
            button.setToolTip(offer.refusal or offer.action.label)
            shown += offer.shown
        if shown == 0:
            self.readonly_label.setText(
                f"此件当前为「{detail.state.label}」，您的角色在此状态下没有可办理的操作。"
            )
        else:
            self.readonly_label.setText("")
        self.readonly_label.setVisible(bool(self.readonly_label.text()))
        self.actions_box.updateGeometry()

    def _update_print_menu(self, detail: ComplaintDetail) -> None:
        for form, act in self.print_actions.items():
            why = form_available(detail, form)
            act.setEnabled(not why)
            act.setText(form.label + (f"（{why}）" if why else ""))

    def _show_attachments(self) -> None:
        self.attachment_list.clear()
        for row in self.attachments:
            size = (
                f"{row.size / 1024:.0f} KB"
                if row.size < 1024 * 1024
                else f"{row.size / 1048576:.1f} MB"
            )
            item = QListWidgetItem(
                f"{row.original_name}　{size}　{dt(row.imported_at)} {row.imported_by}"
            )
            item.setToolTip(f"SHA-256：{row.sha256}")
            self.attachment_list.addItem(item)
        self.open_file_button.setEnabled(bool(self.attachments))

    def _link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("case:"):
            self.caseRequested.emit(int(text.split(":", 1)[1]))
        elif (target := link_target(text)) is not None:
            self.recordRequested.emit(*target)

    # --- actions ----------------------------------------------------------------------
    def open_action(self, action: ComplaintAction) -> QDialog | None:
        """Open the dialog of ``action`` for the case as shown (non-blocking)."""
        detail = self.detail
        if detail is None:
            return None
        if action == A.EDIT:
            try:
                intake = IntakeDialog(self.ctx, self, complaint_id=detail.id)
            except EffDeskError as exc:
                show_error(self, exc)
                return None
            intake.saved.connect(lambda _id: self._after_step(None))
            return self._show_dialog(intake)
        cls = DIALOGS.get(action)
        if cls is None:
            return None
        try:
            dialog: ActionDialog = cls(self.ctx, detail, self)
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        dialog.performed.connect(self._after_step)
        return self._show_dialog(dialog)

    def _show_dialog(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._forget(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _after_step(self, outcome: ActionOutcome | None) -> None:
        self.reload()
        self.changed.emit(self.complaint_id)
        if outcome is not None and outcome.print_form is not None:
            self.print_form(outcome.print_form)

    # --- printing ---------------------------------------------------------------------
    def print_form(self, form: ComplaintForm) -> FormPreviewDialog | None:
        if self.detail is None:
            return None
        preview = FormPreviewDialog(self.ctx, self.complaint_id, self.detail.number, form, self)
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.finished.connect(lambda _r: self._forget_preview(preview))
        self.preview = preview
        preview.open()
        return preview

    def _forget_preview(self, preview: FormPreviewDialog) -> None:
        if self.preview is preview:
            self.preview = None

    # --- attachments ------------------------------------------------------------------
    def add_attachments(self, paths: list[Path] | None = None) -> None:
        if paths is None:
            names, _ = QFileDialog.getOpenFileNames(self, "添加附件", "", "所有文件 (*)")
            paths = [Path(n) for n in names]
        if not paths:
            return
        ctx, cid = self.ctx, self.complaint_id
        store = ctx.db.evidence

        def work(progress: Progress) -> IngestReport:
            with ctx.session() as s:
                return evidence.attach_files(
                    s,
                    ctx.actor,
                    store,
                    AttachmentOwner(complaint_id=cid),
                    paths,
                    progress=progress.report,
                    cancelled=lambda: progress.cancelled,
                )

        def done(report: IngestReport) -> None:
            self.reload()
            box = QMessageBox(
                QMessageBox.Icon.Information, "添加附件", report.summary(), parent=self
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

        def failed(exc: BaseException) -> None:
            self.reload()
            show_error(self, exc)

        ctx.tasks.run(work, done, failed, parent=self, title="添加附件", label="正在保存附件…")

    def open_attachment(self) -> None:
        row = self.attachment_list.currentRow()
        if not 0 <= row < len(self.attachments):
            return
        path = self.ctx.db.evidence.path_of(self.attachments[row].sha256)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
