"""The audit trail viewer (admin and leaders): filters, a lazily paged table, the details of
one entry (before → after), and a check of the hash chain."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from effdesk import audit
from effdesk.enums import AuditAction
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission
from effdesk.security import backup
from effdesk.services import audit_view
from effdesk.services.audit_view import AuditFilter, AuditRow
from effdesk.services.common import Page
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.models.paged import RED, RIGHT, Column, PagedTableModel

_NO_DATE = QDate(2000, 1, 1)
_SENSITIVE = {AuditAction.READ_IDENTITY, AuditAction.EXPORT, AuditAction.LOGIN_FAILED}


def describe(row: AuditRow) -> str:
    """The detail text of one entry."""
    when = f"{row.at:%Y-%m-%d %H:%M:%S}" if row.at else "（时间无法解读）"
    lines = [
        f"第 {row.seq} 条　{when}　{row.username}　{row.action_label}",
        f"对象：{audit_view.object_type_label(row.object_type)} {row.object_uuid}".rstrip(),
        f"电脑：{row.host}",
        f"摘要：{row.summary}",
    ]
    changes = row.changes
    if changes:
        lines.append("")
        lines.append("修改内容（修改前 → 修改后）：")
        lines += [
            f"  {audit_view.field_label(k)}："
            f"{audit_view.readable(b, row.object_type)} → {audit_view.readable(a, row.object_type)}"
            for k, b, a in changes
        ]
    elif row.after is not None or row.before is not None:
        lines.append("")
        lines.append(
            "内容："
            + audit_view.readable(
                row.after if row.after is not None else row.before, row.object_type
            )
        )
    return "\n".join(lines)


class AuditViewer(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("auditViewer")
        self.allowed = ctx.can(Permission.VIEW_AUDIT)
        self.last_result = ""
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.from_edit = self._date_edit()
        self.to_edit = self._date_edit()
        bar.addWidget(QLabel("从"))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel("到"))
        bar.addWidget(self.to_edit)
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("userFilter")
        self.user_combo.setMinimumContentsLength(8)
        bar.addWidget(QLabel("用户"))
        bar.addWidget(self.user_combo)
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("actionFilter")
        self.action_combo.addItem("全部操作", "")
        for a in AuditAction:
            self.action_combo.addItem(a.label, a.value)
        bar.addWidget(self.action_combo)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("typeFilter")
        bar.addWidget(self.type_combo)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("textFilter")
        self.text_edit.setPlaceholderText("摘要、用户名或对象编号")
        self.text_edit.setClearButtonEnabled(True)
        bar.addWidget(self.text_edit, 1)
        self.search_button = QPushButton("查询")
        bar.addWidget(self.search_button)
        self.verify_button = QPushButton("校验完整性")
        self.verify_button.setToolTip("逐条校验审计日志哈希链，发现被修改、删除或调换的记录")
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)

        columns: list[Column[AuditRow]] = [
            Column("序号", lambda r: r.seq, align=RIGHT, width=70),
            Column(
                "时间", lambda r: f"{r.at:%Y-%m-%d %H:%M:%S}" if r.at else "（无法解读）", width=150
            ),
            Column("用户", lambda r: r.username, width=90),
            Column(
                "操作",
                lambda r: r.action_label,
                width=110,
                foreground=lambda r: RED if r.action in _SENSITIVE else None,
            ),
            Column("对象", lambda r: audit_view.object_type_label(r.object_type), width=90),
            Column("摘要", lambda r: r.summary, tooltip=lambda r: r.summary),
            Column("电脑", lambda r: r.host, width=110),
        ]
        self.model: PagedTableModel[AuditRow] = PagedTableModel(
            self._fetch, columns, key=lambda r: r.seq, page_size=200
        )
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for i, c in enumerate(columns):
            if c.width:
                self.table.setColumnWidth(i, c.width)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("auditDetail")
        self.detail.setReadOnly(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        layout.addWidget(self.status)

        self.search_button.clicked.connect(self.refresh)
        self.text_edit.returnPressed.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify_chain)
        self.model.totalChanged.connect(self._show_total)
        self.model.loadFailed.connect(lambda err: self.status.setText(str(err)))
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        if not self.allowed:
            for w in (self.search_button, self.verify_button):
                w.setEnabled(False)
            self.status.setText("只有领导和系统管理员可以查看审计日志。")
        else:
            self._fill_combos()
            self.refresh()

    def set_action(self, action: AuditAction | None) -> None:
        self.action_combo.setCurrentIndex(
            self.action_combo.findData(action.value if action is not None else "")
        )

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText("不限")
        edit.setDate(_NO_DATE)
        return edit

    def _fill_combos(self) -> None:
        with self.ctx.session() as s:
            names = audit_view.usernames(s, self.ctx.actor)
            types = audit_view.object_types(s, self.ctx.actor)
        self.user_combo.clear()
        self.user_combo.addItem("全部用户", "")
        for n in sorted(names):
            self.user_combo.addItem(n, n)
        self.type_combo.clear()
        self.type_combo.addItem("全部对象", "")
        for t in types:
            self.type_combo.addItem(audit_view.object_type_label(t), t)

    @staticmethod
    def _date(edit: QDateEdit) -> date | None:
        d = edit.date()
        return None if d == _NO_DATE else date(d.year(), d.month(), d.day())

    def filters(self) -> AuditFilter:
        code = str(self.action_combo.currentData() or "")
        action = next((a for a in AuditAction if a.value == code), None)
        return AuditFilter(
            date_from=self._date(self.from_edit),
            date_to=self._date(self.to_edit),
            username=str(self.user_combo.currentData() or ""),
            actions={action} if action is not None else set(),
            object_type=str(self.type_combo.currentData() or ""),
            text=self.text_edit.text(),
        )

    def _fetch(self, offset: int, limit: int) -> Page[AuditRow]:
        f = self.filters()
        with self.ctx.session() as s:
            return audit_view.list_entries(s, self.ctx.actor, f, offset, limit)

    def refresh(self) -> None:
        self.detail.clear()
        self.model.refresh()

    def _show_total(self, total: int) -> None:
        self.status.setText(f"共 {total} 条记录")

    def _show_detail(self, current: Any, _previous: Any = None) -> None:
        if current is None or not current.isValid():
            self.detail.clear()
            return
        self.detail.setPlainText(describe(self.model.row_at(current)))

    def verify_chain(self) -> None:
        def work(_progress: object) -> tuple[list[str], int, str]:
            with self.ctx.session() as s:
                found = [str(p) for p in audit.verify_chain(s)]
                count = audit.chain_head(s)[0]
            # The tail against the keyed anchors beside the backups and in the data folder.
            report = backup.check_database(self.ctx.db)
            note = ""
            if report is not None:
                found += report.problems
                note = "；".join(report.notes)
                if report.ok and report.checked:
                    note = f"与审计锚点一致（第{max(a.seq for a in report.checked)}条）"
            return found, count, note

        def done(result: tuple[list[str], int, str]) -> None:
            problems, count, note = result
            if problems:
                text = "\n".join(problems[:50])
                more = f"\n……另有 {len(problems) - 50} 处" if len(problems) > 50 else ""
                self.last_result = f"审计日志校验未通过，共 {len(problems)} 处问题：\n{text}{more}"
                show_error(self, EffDeskError(self.last_result), title="审计日志校验未通过")
            else:
                self.last_result = f"审计日志完好：共 {count} 条，哈希链完整。{note}"
                self.status.setText(self.last_result)

        def failed(exc: BaseException) -> None:
            show_error(self, exc)

        self.ctx.tasks.run(work, done, failed, parent=self, title="正在校验审计日志")
