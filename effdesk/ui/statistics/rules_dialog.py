"""扣分规则: the deduction rules of the unit assessment, edited by a leader or the admin.

One table of the counted kinds (计分, 每项扣分, 部分属实扣分, 每月上限) with the base score, the
monthly cap and the number of units warned; "适用范围" switches between the office-wide rules and
one category's own rules (a category without its own rules follows the office-wide ones).
Saving goes through :func:`effdesk.services.assessment.save_rules` (validated, audited);
months already computed keep the rules they were computed with.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import AssessmentCategory
from effdesk.errors import EffDeskError
from effdesk.services import assessment
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error

NO_CAP = -1.0  # the spin boxes' special value, shown as 不限
ALL = ""


def _spin(maximum: float, *, cap: bool = False) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(1)
    box.setSingleStep(0.5)
    box.setRange(NO_CAP if cap else 0.0, maximum)
    if cap:
        box.setSpecialValueText("不限")
    return box


def _cap_value(box: QDoubleSpinBox) -> float | None:
    return None if box.value() <= NO_CAP else box.value()


class RulesDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("作风监测指数扣分规则")
        self.resize(760, 460)
        with ctx.session() as s:
            self.rules: dict[str, Any] = assessment.current_rules(s)
        self.scope_key = ALL

        self.scope = QComboBox()
        self.scope.addItem("全部考评单位（统一规则）", ALL)
        for cat in AssessmentCategory:
            self.scope.addItem(cat.label, cat.value)
        self.own = QCheckBox("该类单位使用单独的规则")
        self.own.setToolTip("不勾选时该类单位沿用统一规则")
        scope_bar = QHBoxLayout()
        scope_bar.addWidget(QLabel("适用范围："))
        scope_bar.addWidget(self.scope)
        scope_bar.addWidget(self.own)
        scope_bar.addStretch(1)

        self.base = _spin(1000)
        self.monthly_cap = _spin(1000, cap=True)
        self.flag_bottom = QSpinBox()
        self.flag_bottom.setRange(0, 20)
        self.flag_bottom.setSuffix(" 名")
        form = QFormLayout()
        form.addRow("基础分", self.base)
        form.addRow("每月扣分上限", self.monthly_cap)
        form.addRow("扣分预警（每类排名后）", self.flag_bottom)

        self.table = QTableWidget(len(assessment.KINDS), 5)
        self.table.setHorizontalHeaderLabels(
            ["扣分项目", "计分", "每项扣分", "部分属实扣分", "每月该项上限"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.enabled: dict[str, QCheckBox] = {}
        self.points: dict[str, QDoubleSpinBox] = {}
        self.partly: dict[str, QDoubleSpinBox] = {}
        self.caps: dict[str, QDoubleSpinBox] = {}
        for r, info in enumerate(assessment.KINDS):
            name = QTableWidgetItem(info.label)
            name.setToolTip(info.what)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(r, 0, name)
            self.enabled[info.code] = QCheckBox()
            self.points[info.code] = _spin(100)
            self.caps[info.code] = _spin(1000, cap=True)
            self.table.setCellWidget(r, 1, self.enabled[info.code])
            self.table.setCellWidget(r, 2, self.points[info.code])
            if info.code == "complaint_substantiated":
                self.partly[info.code] = _spin(100)
                self.table.setCellWidget(r, 3, self.partly[info.code])
            else:
                blank = QTableWidgetItem("—")
                blank.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(r, 3, blank)
            self.table.setCellWidget(r, 4, self.caps[info.code])
        self.table.resizeRowsToContents()

        self.note = QLabel(
            "已计算的月份保留计算时的规则；修改规则只影响之后计算的月份。"
            "已定稿的月份只能由领导或管理员填写理由后重算。"
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.restore = QPushButton("恢复默认规则")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.addButton(self.restore, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.restore.clicked.connect(self.restore_defaults)

        layout = QVBoxLayout(self)
        layout.addLayout(scope_bar)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

        self.scope.currentIndexChanged.connect(lambda _i: self._switch_scope())
        self.own.toggled.connect(self._own_toggled)
        self._load(ALL)

    # ------------------------------------------------------------------ scope

    def _part(self, key: str) -> dict[str, Any] | None:
        if key == ALL:
            return self.rules
        part = (self.rules.get("categories") or {}).get(key)
        return part if isinstance(part, dict) else None

    def _effective(self, key: str) -> dict[str, Any]:
        """The values shown for a scope: the category's own merged over the office-wide."""
        if key == ALL:
            return self.rules
        merged = copy.deepcopy({k: v for k, v in self.rules.items() if k != "categories"})
        own = self._part(key) or {}
        for k, v in own.items():
            if k == "kinds":
                for code, raw in v.items():
                    merged["kinds"].setdefault(code, {}).update(raw)
            else:
                merged[k] = v
        return merged

    def _load(self, key: str) -> None:
        self.scope_key = key
        eff = self._effective(key)
        own = key == ALL or self._part(key) is not None
        self.own.blockSignals(True)
        self.own.setChecked(own)
        self.own.setVisible(key != ALL)
        self.own.blockSignals(False)
        self.base.setValue(float(eff.get("base", 100)))
        cap = eff.get("monthly_cap")
        self.monthly_cap.setValue(NO_CAP if cap is None else float(cap))
        self.flag_bottom.setValue(int(eff.get("flag_bottom", 3)))
        for info in assessment.KINDS:
            raw = eff["kinds"].get(info.code, {})
            self.enabled[info.code].setChecked(bool(raw.get("enabled", True)))
            self.points[info.code].setValue(float(raw.get("points", 0)))
            if info.code in self.partly:
                self.partly[info.code].setValue(
                    float(raw.get("partly_points", raw.get("points", 0)))
                )
            kcap = raw.get("cap")
            self.caps[info.code].setValue(NO_CAP if kcap is None else float(kcap))
        self._set_editable(own)

    def _set_editable(self, editable: bool) -> None:
        for w in (self.base, self.monthly_cap, self.flag_bottom, self.table):
            w.setEnabled(editable)

    def _values(self) -> dict[str, Any]:
        kinds: dict[str, Any] = {}
        for info in assessment.KINDS:
            raw: dict[str, Any] = {
                "enabled": self.enabled[info.code].isChecked(),
                "points": self.points[info.code].value(),
                "cap": _cap_value(self.caps[info.code]),
            }
            if info.code in self.partly:
                raw["partly_points"] = self.partly[info.code].value()
            kinds[info.code] = raw
        return {
            "base": self.base.value(),
            "monthly_cap": _cap_value(self.monthly_cap),
            "flag_bottom": self.flag_bottom.value(),
            "kinds": kinds,
        }

    def _store_current(self) -> None:
        """Keep what the form shows in ``self.rules`` before switching scope or saving."""
        key = self.scope_key
        if key == ALL:
            self.rules.update(self._values())
            return
        cats = self.rules.setdefault("categories", {})
        if self.own.isChecked():
            cats[key] = self._values()
        else:
            cats.pop(key, None)

    def _switch_scope(self) -> None:
        self._store_current()
        self._load(str(self.scope.currentData()))

    def _own_toggled(self, checked: bool) -> None:
        self._set_editable(checked)
        if not checked:
            self.rules.setdefault("categories", {}).pop(self.scope_key, None)
            self._load(self.scope_key)

    def restore_defaults(self) -> None:
        self.rules = assessment.normalized(copy.deepcopy(assessment.DEFAULT_RULES))
        self.scope.setCurrentIndex(0)
        self._load(ALL)

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        self._store_current()
        try:
            with self.ctx.session() as s:
                self.rules = assessment.save_rules(s, self.ctx.actor, self.rules)
        except EffDeskError as err:
            show_error(self, err, title="不能保存扣分规则")
            return
        self.accept()
