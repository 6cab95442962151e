"""明察暗访: campaigns (left), the selected campaign's target units and findings (right).

Left: the campaign list with a status filter, 新建/修改, the 现场笔记本 menu (task packages
and findings packages) and 督查情况报告. Right: the campaign's facts and status buttons, and
two tabs — 检查对象 (progress per target unit: 未检查 / 已检查·未发现问题 / 已检查·发现问题)
and 发现问题 (the findings, their status moves, and the evidence of the selected finding as a
thumbnail grid that accepts dropped files).

On a field laptop (a database opened from a task package) a banner says so and the menu
offers 「生成现场数据包」.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import CampaignStatus, FindingStatus, TargetStatus
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.services import evidence, inspections
from effdesk.services.accountability.measures import VERIFIED_FINDINGS
from effdesk.services.common import Page
from effdesk.services.inspections import CampaignRow, CampaignView, FindingRow, TargetRow
from effdesk.ui.accountability.links import BasisActions, link_target, links_html, load_links
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.inspections.campaign_dialog import CampaignDialog
from effdesk.ui.inspections.evidence_grid import EvidencePanel
from effdesk.ui.inspections.field_actions import FieldActions
from effdesk.ui.inspections.finding_dialog import FindingDialog
from effdesk.ui.inspections.visit_dialog import VisitDialog
from effdesk.ui.models.paged import CENTER, GREEN, GREY, ORANGE, RED, RIGHT, Column, PagedTableModel
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.dialog_slot import DialogSlot
from effdesk.ui.widgets.forms import enum_combo, enum_member
from effdesk.ui.widgets.icons import icon
from effdesk.ui.widgets.panes import side_by_side
from effdesk.ui.widgets.search_table import SearchableTableView

STATUS_COLOURS = {
    CampaignStatus.PLANNED: None,
    CampaignStatus.IN_PROGRESS: ORANGE,
    CampaignStatus.COMPLETED: GREEN,
    CampaignStatus.CANCELLED: GREY,
}
TARGET_COLOURS = {
    TargetStatus.PENDING: GREY,
    TargetStatus.NO_ISSUE: GREEN,
    TargetStatus.ISSUES: RED,
}
FINDING_COLOURS = {
    FindingStatus.PENDING: ORANGE,
    FindingStatus.VERIFIED: RED,
    FindingStatus.HANDLED: GREEN,
    FindingStatus.DISMISSED: GREY,
}
# Status buttons of a campaign: target status → button text (reopening reads differently).
CAMPAIGN_ACTIONS = {
    CampaignStatus.IN_PROGRESS: "开始检查",
    CampaignStatus.COMPLETED: "完成活动",
    CampaignStatus.CANCELLED: "取消活动",
    CampaignStatus.PLANNED: "恢复活动",
}
REOPEN_TEXT = "重新打开"
TRANSITION_TEXT = {
    FindingStatus.VERIFIED: "核实认定",
    FindingStatus.DISMISSED: "不予认定…",
    FindingStatus.HANDLED: "标记已处理",
    FindingStatus.PENDING: "退回待核实…",
}

CAMPAIGN_COLUMNS: list[Column[CampaignRow]] = [
    Column("活动名称", lambda r: r.name, width=190, tooltip=lambda r: f"{r.name}\n{r.theme}"),
    Column("方式", lambda r: r.kind.label, width=64),
    Column("日期", lambda r: compact_dates(r), width=150),
    Column(
        "状态",
        lambda r: r.status.label,
        align=CENTER,
        width=60,
        foreground=lambda r: STATUS_COLOURS[r.status],
    ),
    Column("已查/对象", lambda r: f"{r.visited_count}/{r.target_count}", align=CENTER, width=70),
    Column("问题", lambda r: r.finding_count, align=RIGHT),
]

TARGET_COLUMNS: list[Column[TargetRow]] = [
    Column("被检查单位", lambda r: r.unit_name, width=200),
    Column(
        "检查情况",
        lambda r: r.status.label,
        width=150,
        foreground=lambda r: TARGET_COLOURS[r.status],
    ),
    Column(
        "检查时间",
        lambda r: f"{r.visited_at:%Y-%m-%d %H:%M}" if r.visited_at else "—",
        align=CENTER,
        width=130,
    ),
    Column("问题数", lambda r: r.finding_count, align=RIGHT, width=60),
    Column("备注", lambda r: r.notes),
]

FINDING_COLUMNS: list[Column[FindingRow]] = [
    Column("发现时间", lambda r: f"{r.observed_at:%m-%d %H:%M}", width=90),
    Column("被检查单位", lambda r: r.unit_name, width=150),
    Column("地点", lambda r: r.place, width=120),
    Column("问题描述", lambda r: r.description, width=260, tooltip=lambda r: r.description),
    Column("类别", lambda r: r.category_name, width=100),
    Column("涉及人员", lambda r: r.persons_text, width=120),
    Column(
        "状态",
        lambda r: r.status.label,
        align=CENTER,
        width=64,
        foreground=lambda r: FINDING_COLOURS[r.status],
    ),
    Column("证据", lambda r: r.attachment_count, align=RIGHT, width=44),
    Column("来源", lambda r: "现场" if r.origin.value == "field" else "", align=CENTER),
]


def compact_dates(r: CampaignRow) -> str:
    """2026-03-02至03-06 within one year (the list is narrow); the full form otherwise."""
    if r.start_date == r.end_date:
        return f"{r.start_date:%Y-%m-%d}"
    if r.start_date.year == r.end_date.year:
        return f"{r.start_date:%Y-%m-%d}至{r.end_date:%m-%d}"
    return r.dates_text


def create_page(ctx: AppContext) -> QWidget:
    return InspectionsPage(ctx)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


class InspectionsPage(QWidget):
    # Shell protocol (see effdesk/ui/main_window.py): 起草通报 opens 公文通报 on this campaign.
    action_requested = Signal(str, str, int)
    # The shell opens linked records of other modules (measures, rectifications).
    open_record_requested = Signal(str, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_manage = ctx.can(Permission.MANAGE_CAMPAIGNS)
        self.can_record = ctx.can(Permission.RECORD_FINDINGS)
        self.can_verify = ctx.can(Permission.VERIFY_FINDINGS)
        self.can_import = ctx.can(Permission.IMPORT_FIELD_PACKAGE)
        self._dialog: DialogSlot[QDialog] = DialogSlot(self)
        self.campaign: CampaignView | None = None
        self.field = FieldActions(ctx, self, self._after_field_action)

        # --- campaigns ---
        self.campaigns_model: PagedTableModel[CampaignRow] = PagedTableModel(
            self._fetch_campaigns, CAMPAIGN_COLUMNS, key=lambda r: r.id, parent=self
        )
        self.campaigns_view = SearchableTableView(
            self.campaigns_model, placeholder="查找督查活动：名称或主题", noun="次活动"
        )
        self.status_combo = enum_combo(CampaignStatus, empty="全部状态")
        self.status_combo.currentIndexChanged.connect(lambda _i: self.campaigns_view.refresh())
        self.campaigns_view.toolbar.addWidget(self.status_combo)
        self.campaigns_view.currentRowChanged.connect(self._campaign_selected)
        self.campaigns_view.rowActivated.connect(lambda _r: self.edit_campaign())

        self.new_button = self._button("新建活动", "add", self.new_campaign)
        self.campaigns_view.empty_hint = "点“新建活动”安排一次明察暗访。"
        self.edit_button = self._button("修改活动", "edit", self.edit_campaign)
        self.report_button = self._button("督查情况报告…", "documents", self.render_report)
        self.field_button = QToolButton()
        self.field_button.setText("现场笔记本")
        self.field_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.field_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.field_menu = QMenu(self.field_button)
        self.export_action = self._action("导出任务包…（带到现场笔记本）", self.export_campaign)
        self.import_action = self._action("导入现场数据包…（到所选活动）", self.import_findings)
        self.field_menu.addSeparator()
        self.open_action = self._action("打开现场任务包…（在笔记本上）", self.open_task_package)
        self.pack_action = self._action("生成现场数据包…（带回办公室）", self.pack_findings)
        self.field_button.setMenu(self.field_menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.field_button)
        buttons.addWidget(self.report_button)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background:#fff4e0; color:#7a4300; padding:6px 10px; border:1px solid #f0c27a;"
        )
        self.banner.setVisible(False)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(12, 12, 6, 12)
        ll.addWidget(_heading("督查活动"))
        ll.addWidget(self.campaigns_view, 1)
        ll.addLayout(buttons)

        # --- campaign detail ---
        self.title_label = _heading("")
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_buttons: dict[CampaignStatus, QPushButton] = {}
        status_row = QHBoxLayout()
        status_row.addWidget(self.facts_label, 1)
        for status, text in CAMPAIGN_ACTIONS.items():
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, st=status: self.set_campaign_status(st))
            self.status_buttons[status] = b
            status_row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)

        # targets tab
        self.targets_model: PagedTableModel[TargetRow] = PagedTableModel(
            self._fetch_targets, TARGET_COLUMNS, key=lambda r: r.unit_id, parent=self
        )
        self.targets_view = SearchableTableView(
            self.targets_model, placeholder="查找检查对象", noun="个检查对象"
        )
        self.targets_view.filter_edit.setVisible(False)
        self.visit_button = self._button("记录检查情况…", "edit", self.record_visit)
        self.target_finding_button = self._button("录入问题…", "add", self.new_finding_for_target)
        self.targets_view.toolbar.addStretch(1)
        self.targets_view.toolbar.addWidget(self.visit_button)
        self.targets_view.toolbar.addWidget(self.target_finding_button)
        self.targets_view.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.targets_view.rowActivated.connect(lambda _r: self.record_visit())

        # findings tab
        self.findings_model: PagedTableModel[FindingRow] = PagedTableModel(
            self._fetch_findings, FINDING_COLUMNS, key=lambda r: r.id, parent=self
        )
        self.findings_view = SearchableTableView(
            self.findings_model, placeholder="查找问题：描述、地点或单位", noun="个问题"
        )
        self.finding_status_combo = enum_combo(FindingStatus, empty="全部")
        self.finding_status_combo.currentIndexChanged.connect(
            lambda _i: self.findings_view.refresh()
        )
        self.add_finding_button = self._button("录入问题…", "add", self.new_finding)
        self.edit_finding_button = self._button("修改", "edit", self.edit_finding)
        self.transition_button = QToolButton()
        self.transition_button.setText("核实处理")
        self.transition_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.transition_menu = QMenu(self.transition_button)
        self.transition_button.setMenu(self.transition_menu)
        self.findings_view.toolbar.addWidget(self.finding_status_combo)
        finding_buttons = QHBoxLayout()
        finding_buttons.addWidget(self.add_finding_button)
        finding_buttons.addWidget(self.edit_finding_button)
        finding_buttons.addWidget(self.transition_button)
        self.accountability = BasisActions(ctx)
        self.accountability.changed.connect(
            lambda: self._finding_selected(self.findings_view.selected())
        )
        finding_buttons.addWidget(self.accountability)
        finding_buttons.addStretch(1)
        # From the campaign straight to its circular: the picker opens on this campaign with
        # its verified findings ticked.
        self.circular_button = self._button("起草通报…", "documents", self.draft_circular)
        self.circular_button.setToolTip("用本活动已核实的问题起草通报（在“公文通报”中打开）")
        finding_buttons.addWidget(self.circular_button)
        self.finding_links = QLabel()
        self.finding_links.setObjectName("findingLinks")
        self.finding_links.setTextFormat(Qt.TextFormat.RichText)
        self.finding_links.linkActivated.connect(self._open_link)
        self.findings_view.currentRowChanged.connect(self._finding_selected)
        self.findings_view.rowActivated.connect(lambda _r: self.edit_finding())
        self.evidence_panel = EvidencePanel(ctx)
        self.evidence_panel.changed.connect(lambda: self.findings_view.refresh())
        self.evidence_title = QLabel("证据")
        findings_tab = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.findings_view)
        tl.addLayout(finding_buttons)
        tl.addWidget(self.finding_links)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 4, 0, 0)
        bl.addWidget(self.evidence_title)
        bl.addWidget(self.evidence_panel, 1)
        findings_tab.addWidget(top)
        findings_tab.addWidget(bottom)
        findings_tab.setSizes([330, 300])
        findings_tab.setChildrenCollapsible(False)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.targets_view, "检查对象")
        self.tabs.addTab(findings_tab, "发现问题")

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 12, 12, 12)
        rl.addWidget(self.title_label)
        rl.addLayout(status_row)
        rl.addWidget(self.tabs, 1)
        self.detail = right

        splitter = side_by_side(left, right, (4, 6), (600, 820))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self._update_banner()
        self.campaigns_view.refresh()
        if self.campaigns_model.rowCount() > 0:
            self.campaigns_view.select_row(0)
        else:
            self._campaign_selected(None)

    # --- construction helpers ---------------------------------------------------------
    def _button(self, text: str, icon_name: str, slot: Any) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _action(self, text: str, slot: Any) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        self.field_menu.addAction(action)
        return action

    # --- data -------------------------------------------------------------------------
    def _fetch_campaigns(self, offset: int, limit: int) -> Page[CampaignRow]:
        status = enum_member(CampaignStatus, self.status_combo.currentData())
        with self.ctx.session() as s:
            return inspections.list_campaigns(
                s,
                self.ctx.actor,
                self.campaigns_view.query(),
                status=status,
                offset=offset,
                limit=limit,
            )

    def _fetch_targets(self, offset: int, limit: int) -> Page[TargetRow]:
        rows = list(self.campaign.targets) if self.campaign else []
        return Page(rows=rows[offset : offset + limit], total=len(rows), offset=offset)

    def _fetch_findings(self, offset: int, limit: int) -> Page[FindingRow]:
        if self.campaign is None:
            return Page(rows=[], total=0, offset=offset)
        status = enum_member(FindingStatus, self.finding_status_combo.currentData())
        with self.ctx.session() as s:
            return inspections.list_findings(
                s,
                self.ctx.actor,
                campaign_id=self.campaign.id,
                status=status,
                query=self.findings_view.query(),
                offset=offset,
                limit=limit,
            )

    def on_shown(self) -> None:
        """Another PC (or the field import) may have changed campaigns meanwhile."""
        self._update_banner()
        self.campaigns_view.refresh()
        self._reload_campaign()

    def _update_banner(self) -> None:
        with self.ctx.session() as s:
            mode = inspections.field_mode(s)
        self.field_mode = mode
        if mode:
            names = "、".join(f"「{c.get('name', '')}」" for c in mode["campaigns"])
            self.banner.setText(
                f"现场模式：本机是督查笔记本（任务：{names}）。在这里录入的问题和证据，"
                "检查结束后请点「现场笔记本 → 生成现场数据包」带回办公室导入。"
            )
        self.banner.setVisible(bool(mode))

    # --- selection --------------------------------------------------------------------
    def _campaign_selected(self, row: CampaignRow | None) -> None:
        self.campaign = None
        if row is not None:
            try:
                with self.ctx.session() as s:
                    self.campaign = inspections.get_campaign(s, self.ctx.actor, row.id)
            except EffDeskError as exc:
                show_error(self, exc)
        self._show_campaign()

    def _reload_campaign(self) -> None:
        if self.campaign is None:
            return
        try:
            with self.ctx.session() as s:
                self.campaign = inspections.get_campaign(s, self.ctx.actor, self.campaign.id)
        except EffDeskError:
            self.campaign = None
        self._show_campaign()

    def _show_campaign(self) -> None:
        c = self.campaign
        self.detail.setEnabled(c is not None)
        if c is None:
            self.title_label.setText("请在左侧选择督查活动")
            self.facts_label.setText("")
        else:
            self.title_label.setText(c.name)
            team = "、".join(m.display_name for m in c.members) or "未指定"
            leader = f"（组长：{c.leader_name}）" if c.leader_name else ""
            self.facts_label.setText(
                f"{c.kind.label}　{c.theme or '未填主题'}　{c.dates_text}　"
                f"状态：<b>{c.status.label}</b><br>督查组：{team}{leader}<br>"
                f"检查对象 {len(c.targets)} 个，已检查 {c.visited_count} 个，"
                f"发现问题 {c.finding_count} 条"
                + (f"，另有不予认定 {c.dismissed_count} 条" if c.dismissed_count else "")
            )
        self.targets_view.refresh()
        self.findings_view.refresh()
        self._finding_selected(self.findings_view.selected())
        self._update_buttons()

    def _finding_selected(self, row: FindingRow | None) -> None:
        window = None
        if self.campaign is not None:
            window = evidence.window_for_dates(self.campaign.start_date, self.campaign.end_date)
        self.evidence_panel.set_finding(row.id if row else None, window)
        self.evidence_panel.grid.drop_enabled = row is not None and self.can_record
        self.evidence_title.setText(
            f"证据 — {row.unit_name} {row.observed_at:%m-%d %H:%M}"
            if row
            else "证据（请先选择问题）"
        )
        verified = row is not None and row.status in VERIFIED_FINDINGS
        self.accountability.set_basis(None, row.id if verified and row else None, "")
        links = None
        if row is not None:
            with self.ctx.session() as s:
                links = load_links(s, self.ctx.actor, finding_id=row.id)
        self.finding_links.setText(links_html(links))
        self.finding_links.setVisible(bool(self.finding_links.text()))
        self._update_buttons()

    def draft_circular(self) -> None:
        if self.campaign is not None:
            self.action_requested.emit("documents", "circular_from_campaign", self.campaign.id)

    def _update_buttons(self) -> None:
        c = self.campaign
        live = c is not None and c.status is not CampaignStatus.CANCELLED
        self.new_button.setEnabled(self.can_manage)
        self.edit_button.setEnabled(c is not None)
        self.edit_button.setText("修改活动" if self.can_manage else "查看活动")
        self.report_button.setEnabled(c is not None)
        self.export_action.setEnabled(self.can_manage and live)
        self.import_action.setEnabled(self.can_import)
        self.open_action.setEnabled(self.can_import)
        self.pack_action.setEnabled(self.can_record and bool(self.field_mode) and c is not None)
        for status, button in self.status_buttons.items():
            allowed = c is not None and status in inspections.CAMPAIGN_TRANSITIONS[c.status]
            button.setVisible(allowed)
            button.setEnabled(self.can_manage)
            reopen = c is not None and c.status is CampaignStatus.COMPLETED
            button.setText(REOPEN_TEXT if reopen else CAMPAIGN_ACTIONS[status])
        target = self.targets_view.selected()
        self.visit_button.setEnabled(self.can_record and live and target is not None)
        self.target_finding_button.setEnabled(self.can_record and live and target is not None)
        finding = self.findings_view.selected()
        self.add_finding_button.setEnabled(self.can_record and live)
        self.circular_button.setVisible(self.ctx.can(Permission.DRAFT_DOCUMENTS))
        self.circular_button.setEnabled(c is not None and c.finding_count > 0)
        self.edit_finding_button.setEnabled(finding is not None)
        self.edit_finding_button.setText("修改" if self.can_record else "查看")
        self.transition_menu.clear()
        if finding is not None:
            for to in inspections.allowed_transitions(finding.status, self.ctx.actor):
                action = self.transition_menu.addAction(TRANSITION_TEXT[to])
                action.triggered.connect(lambda _c=False, st=to: self.change_finding_status(st))
        self.transition_button.setEnabled(not self.transition_menu.isEmpty())

    def _open_link(self, link: str) -> None:
        target = link_target(link)
        if target is not None:
            self.open_record_requested.emit(*target)

    def open_record(self, finding_id: int) -> None:
        """The shell's open-record protocol: the finding's campaign, its findings tab, the row."""
        try:
            with self.ctx.session() as s:
                view = inspections.get_finding(s, self.ctx.actor, finding_id)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        if view.row.campaign_id is not None:
            self.campaigns_view.set_query("")
            self.status_combo.setCurrentIndex(0)
            self.campaigns_view.select_key(view.row.campaign_id)
        self.tabs.setCurrentIndex(1)
        self.findings_view.set_query("")
        self.finding_status_combo.setCurrentIndex(0)
        self.findings_view.refresh(select_key=finding_id)

    # --- dialogs ----------------------------------------------------------------------
    @property
    def dialog(self) -> QDialog | None:
        """The open dialog (one at a time; tests look at it)."""
        return self._dialog.current

    def _open(self, make: Any, on_saved: Any, connect: Any | None = None) -> QDialog | None:
        def wire(dialog: Any) -> None:
            dialog.saved.connect(on_saved)
            if connect is not None:
                connect(dialog)

        return self._dialog.open(make, wire)

    def new_campaign(self) -> QDialog | None:
        if not self.can_manage:
            return None
        return self._open(lambda: CampaignDialog(self.ctx, None, self), self._campaign_saved)

    def edit_campaign(self) -> QDialog | None:
        if self.campaign is None:
            return None
        cid = self.campaign.id
        return self._open(
            lambda: CampaignDialog(self.ctx, cid, self, read_only=not self.can_manage),
            self._campaign_saved,
        )

    def _campaign_saved(self, campaign_id: int) -> None:
        self.campaigns_view.refresh(keep_selection=False)
        if not self.campaigns_view.select_key(campaign_id):
            self.campaigns_view.set_query("")
            self.status_combo.setCurrentIndex(0)
            self.campaigns_view.select_key(campaign_id)

    def new_finding(self, unit_id: int | None = None) -> QDialog | None:
        if self.campaign is None or not self.can_record:
            return None
        cid = self.campaign.id
        self.tabs.setCurrentIndex(1)
        return self._open(
            lambda: FindingDialog(self.ctx, None, self, campaign_id=cid, unit_id=unit_id),
            self._finding_saved,
        )

    def new_finding_for_target(self) -> QDialog | None:
        target = self.targets_view.selected()
        return self.new_finding(target.unit_id if target else None)

    def edit_finding(self) -> QDialog | None:
        row = self.findings_view.selected()
        if row is None:
            return None
        return self._open(
            lambda: FindingDialog(self.ctx, row.id, self, read_only=not self.can_record),
            self._finding_saved,
            lambda dialog: dialog.evidenceChanged.connect(lambda: self._finding_saved(row.id)),
        )

    def _finding_saved(self, finding_id: int) -> None:
        self._after_change(finding_id)

    def _after_change(self, finding_id: int | None = None) -> None:
        self.campaigns_view.refresh()
        self._reload_campaign()
        if finding_id is not None and not self.findings_view.select_key(finding_id):
            self.findings_view.set_query("")
            self.finding_status_combo.setCurrentIndex(0)
            self.findings_view.select_key(finding_id)

    def record_visit(self) -> QDialog | None:
        target = self.targets_view.selected()
        if self.campaign is None or target is None or not self.can_record:
            return None
        cid = self.campaign.id
        return self._open(
            lambda: VisitDialog(self.ctx, cid, target, self), lambda: self._after_change()
        )

    # --- status moves -----------------------------------------------------------------
    def set_campaign_status(self, status: CampaignStatus) -> None:
        c = self.campaign
        if c is None:
            return
        ctx = self.ctx

        def work(_p: Progress) -> None:
            with ctx.session() as s:
                inspections.set_campaign_status(s, ctx.actor, c.id, status, c.version)

        self.ctx.tasks.run(work, lambda _r: self._after_change(), self._failed(None), parent=self)

    def change_finding_status(self, status: FindingStatus, note: str | None = None) -> None:
        """Move the selected finding; 不予认定 and 退回 ask for a reason (``note`` in tests)."""
        row = self.findings_view.selected()
        if row is None:
            return
        if note is None and status in (FindingStatus.DISMISSED, FindingStatus.PENDING):
            text, ok = QInputDialog.getMultiLineText(
                self, TRANSITION_TEXT[status].rstrip("…"), "理由："
            )
            if not ok:
                return
            note = text
        ctx = self.ctx

        def work(_p: Progress) -> None:
            with ctx.session() as s:
                inspections.change_finding_status(
                    s, ctx.actor, row.id, status, note or "", row.version
                )

        self.ctx.tasks.run(
            work, lambda _r: self._after_change(row.id), self._failed(row.id), parent=self
        )

    def _failed(self, finding_id: int | None) -> Any:
        def failed(exc: BaseException) -> None:
            show_error(self, exc)
            self._after_change(finding_id)

        return failed

    # --- field laptop and report --------------------------------------------------------
    def _after_field_action(self, campaign_id: int | None) -> None:
        self._update_banner()
        self.campaigns_view.refresh(keep_selection=False)
        if campaign_id is not None and not self.campaigns_view.select_key(campaign_id):
            self.campaigns_view.set_query("")
            self.status_combo.setCurrentIndex(0)
            self.campaigns_view.select_key(campaign_id)
        self._reload_campaign()

    def export_campaign(self, path: Any = None) -> None:
        if self.campaign is not None:
            self.field.export_campaign(self.campaign.id, self.campaign.name, path)

    def import_findings(self, path: Any = None) -> None:
        expected = self.campaign.id if self.campaign is not None else None
        self.field.import_findings(expected, path)

    def open_task_package(self, path: Any = None) -> None:
        self.field.open_task_package(path)

    def pack_findings(self, path: Any = None) -> None:
        if self.campaign is not None:
            self.field.pack_findings(self.campaign.id, self.campaign.name, path)

    def render_report(self, path: Any = None) -> None:
        if self.campaign is not None:
            self.field.render_report(self.campaign.id, self.campaign.name, path)
