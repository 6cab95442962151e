"""单位设置: office-wide settings kept in the database (every PC of the office shares them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from effdesk import settings
from effdesk.errors import EffDeskError, FieldProblem, ValidationErrors
from effdesk.permissions import Permission
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.widgets.forms import FieldForm


@dataclass(frozen=True)
class SettingField:
    key: str
    label: str
    kind: str = "text"  # "text" or "int"
    minimum: int = 0
    maximum: int = 9999
    required: bool = False
    hint: str = ""


FIELDS: tuple[SettingField, ...] = (
    SettingField("office.county", "县（市、区）名", required=True),
    SettingField("office.name", "单位全称", required=True, hint="用于公文署名、页眉"),
    SettingField("office.short_name", "单位简称"),
    SettingField("office.authority_mark", "发文机关标志", hint="红头文件上方的机关名称"),
    SettingField("office.phone", "联系电话"),
    SettingField("office.address", "地址"),
    SettingField("complaint.number_prefix", "投诉编号前缀", required=True),
    SettingField("deadline.acceptance_days", "受理决定时限（工作日）", "int", 1, 30),
    SettingField("deadline.reply_days", "办结后反馈时限（工作日）", "int", 1, 60),
    SettingField("deadline.near_days", "临期提醒（剩余工作日）", "int", 0, 30),
    SettingField("deadline.extension_max_days", "延期上限（工作日）", "int", 0, 60),
    SettingField("deadline.rectification_days", "整改时限（工作日）", "int", 1, 180),
    SettingField("backup.keep", "保留自动备份份数", "int", 1, 365),
    SettingField("security.max_failed_logins", "连续输错密码几次锁定", "int", 3, 20),
    SettingField("security.lockout_minutes", "锁定时长（分钟）", "int", 1, 1440),
    SettingField("evidence.max_file_mb", "单个证据文件上限（MB）", "int", 1, 10240),
)


class OfficeSettingsWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("officeSettings")
        self.editable = ctx.can(Permission.MANAGE_SETTINGS)
        outer = QVBoxLayout(self)
        if not self.editable:
            outer.addWidget(QLabel("只有系统管理员可以修改这些设置。"))
        self.wizard_button = QPushButton("重新运行设置向导…")
        self.wizard_button.setObjectName("runSetupWizard")
        self.wizard_button.setToolTip(
            "逐页检查本单位名称、文号、单位名录、办理时限、工作日历和备份密钥。"
        )
        self.wizard_button.setEnabled(self.editable)
        self.wizard_button.clicked.connect(self.run_wizard)
        outer.addWidget(self.wizard_button)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        self.form = FieldForm()
        self.widgets: dict[str, QLineEdit | QSpinBox] = {}
        for f in FIELDS:
            w: QLineEdit | QSpinBox
            if f.kind == "int":
                w = QSpinBox()
                w.setRange(f.minimum, f.maximum)
            else:
                w = QLineEdit()
                w.setMaxLength(200)
            w.setEnabled(self.editable)
            w.setObjectName(f.key)
            self.form.add_field(f.key, f.label, w, required=f.required, hint=f.hint)
            self.widgets[f.key] = w
        scroll.setWidget(self.form)
        outer.addWidget(scroll, 1)
        buttons = QDialogButtonBox()
        self.save_button = QPushButton("保存")
        self.revert_button = QPushButton("还原")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.revert_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.save_button.setEnabled(self.editable)
        self.revert_button.setEnabled(self.editable)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load)
        outer.addWidget(buttons)
        self.status = QLabel()
        outer.addWidget(self.status)
        self.loaded: dict[str, Any] = {}
        self.load()

    def run_wizard(self) -> QWidget:
        from effdesk.ui.setup.wizard import SetupWizard

        wizard = SetupWizard(self.ctx.db, self.ctx.actor, self)
        wizard.finished.connect(lambda _r: self.load())
        wizard.open()
        return wizard

    def load(self) -> None:
        with self.ctx.session() as s:
            values = settings.get_all(s)
        self.loaded = {f.key: values.get(f.key) for f in FIELDS}
        for f in FIELDS:
            w = self.widgets[f.key]
            v = self.loaded[f.key]
            if isinstance(w, QSpinBox):
                w.setValue(int(v or 0))
            else:
                w.setText(str(v or ""))
        self.form.clear_errors()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in FIELDS:
            w = self.widgets[f.key]
            out[f.key] = w.value() if isinstance(w, QSpinBox) else w.text().strip()
        return out

    def save(self) -> None:
        values = self.values()
        problems = [
            FieldProblem(f.key, f"请填写{f.label}。")
            for f in FIELDS
            if f.required and not values[f.key]
        ]
        if problems:
            self.form.show_errors(ValidationErrors(problems))
            return
        changed = {k: v for k, v in values.items() if v != self.loaded.get(k)}
        if not changed:
            self.status.setText("没有修改。")
            return
        try:
            with self.ctx.session() as s:
                for key, value in changed.items():
                    settings.put(s, self.ctx.actor, key, value)
        except EffDeskError as err:
            show_error(self, err)
            return
        self.status.setText(f"已保存 {len(changed)} 项设置。")
        self.load()
