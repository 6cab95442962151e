"""投诉登记: the intake form, built for a clerk with a caller on the phone.

Keyboard only, in the order a call goes: the caret starts in 投诉人姓名; Tab goes to 联系电话,
被投诉单位, 内容摘要, 问题类别, 详细内容, then the rarer fields. Units and persons are chosen by
typing a few characters or pinyin initials (↓ to move, Enter or Tab to take); the category is
suggested from the summary and can be typed by pinyin initials ("fw" → 服务态度差); Enter in
a one-line field and Ctrl+Enter anywhere register (Ctrl+S too); Esc closes, keeping the draft.
A phone call is thus registered with 5 keys besides the text (Tab ×4, Ctrl+Enter).

While the clerk types:

* the form is saved as a draft (debounced :func:`complaints.save_draft`) so a crash or an
  accidental close loses nothing; the next time the dialog opens it offers the draft back;
* a panel on the right lists cases that may be the same matter
  (:func:`complaints.find_possible_duplicates`: same phone, or same unit and category within 30
  days) with 「登记并合并到此件」: the call is registered and merged into that case in one step.

Validation is the service's: its problems are shown under their fields; nothing typed is lost.
The same dialog edits a registered case (修改登记信息) with ``complaint_id``; drafts and
merging are off then.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import Channel, ComplainantKind, Complexity
from effdesk.errors import (
    ConcurrentEditError,
    EffDeskError,
    FieldProblem,
    NotFound,
    ValidationError,
    ValidationErrors,
)
from effdesk.permissions import Permission
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintInput, DraftInfo, DuplicateHint
from effdesk.textutil import is_valid_phone
from effdesk.ui.complaints.common import d, py_date, py_datetime, qdate, qdatetime
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets import clock
from effdesk.ui.widgets.conflict import show_conflict
from effdesk.ui.widgets.forms import (
    ERROR_COLOUR,
    FieldErrors,
    enum_combo,
    enum_member,
    make_error_label,
)
from effdesk.ui.widgets.pickers import PersonPicker, UnitPicker
from effdesk.ui.widgets.pinyin_combo import PinyinComboBox

UI_KEY = "_ui"  # draft values only the dialog reads (unchosen picker text, stashed names)
_PERSON_ROLE = Qt.ItemDataRole.UserRole + 1
CHOOSE = "请从下拉列表中选择（输入后按 ↓ 选择，或按回车）。"

SUMMARY_MAX = 300  # the service's limit for 内容摘要
SUMMARY_PASTE_LIMIT = 10_000  # what the edit takes, so a long paste is kept and counted


DEADLINE_RULE = (
    "办理时限按工作日计算，不含受理当日；法定节假日和调休上班日按“系统设置 → 节假日”中的工作日历。"
)


@dataclass(frozen=True)
class IntakeResult:
    """What a save did: the case registered (or edited), and the case it was merged into."""

    complaint_id: int
    number: str
    merged_into: str = ""


def _multi_line(height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)  # Tab leaves the box; the form stays keyboard-only
    edit.setMinimumHeight(height)
    return edit


def _split_descriptions(text: str) -> list[str]:
    parts = text.replace(";", "；").split("；")
    return [p.strip() for p in parts if p.strip()]


class _HintCard(QFrame):
    def __init__(self, hint: DuplicateHint, can_merge: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.hint = hint
        self.setObjectName("hintCard")
        self.setStyleSheet(
            "QFrame#hintCard { background: #fffaf0; border: 1px solid #f0c36d; border-radius: 4px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        text = QLabel(
            f"<b>{hint.number}</b>　{d(hint.received_date)}　{hint.state.label}<br>"
            f'<span style="color:#b85c00">{hint.reason}</span><br>'
            f"{hint.unit_name}{'·' + hint.category_name if hint.category_name else ''}"
        )
        text.setWordWrap(True)
        summary = QLabel(hint.summary)
        summary.setWordWrap(True)
        summary.setStyleSheet("color: #333;")
        layout.addWidget(text)
        layout.addWidget(summary)
        self.merge_button = QPushButton("登记并合并到此件")
        self.merge_button.setAutoDefault(False)
        self.merge_button.setToolTip(
            f"把这次来电登记下来，并作为 {hint.number} 的重复件合并到该件办理"
        )
        self.merge_button.setVisible(can_merge)
        layout.addWidget(self.merge_button, 0, Qt.AlignmentFlag.AlignRight)


class IntakeDialog(QDialog):
    """New complaint (``complaint_id=None``) or 修改登记信息 of a registered case.

    Signals: ``registered(int)`` with the new case's id (also after 登记并合并),
    ``saved(int)`` after an edit, ``draftKept(int)`` when closed without registering while a
    draft is kept.
    """

    registered = Signal(int)
    saved = Signal(int)
    draftKept = Signal(int)

    DRAFT_DELAY_MS = 800
    DUPLICATE_DELAY_MS = 400

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        complaint_id: int | None = None,
        offer_drafts: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.edit_mode = complaint_id is not None
        self.version: int | None = None
        self.draft_id: int | None = None
        self.drafts: list[DraftInfo] = []
        self.hints: list[DuplicateHint] = []
        self.hint_cards: list[_HintCard] = []
        self.result_: IntakeResult | None = None
        self.conflict_box: QWidget | None = None
        self._stash: dict[str, str] = {}
        self._dirty = False
        self._saving = False
        self._save_again = False
        self._finished = False
        self._loading = False
        self._hint_generation = 0
        self._categories: list[tuple[int, str]] = []

        self.setWindowTitle("修改登记信息" if self.edit_mode else "登记投诉")
        self.setObjectName("intakeDialog")
        self.errors = FieldErrors(make_error_label())
        self._build()
        self._connect_changes()

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(self.DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft_now)
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(self.DUPLICATE_DELAY_MS)
        self._hint_timer.timeout.connect(self.check_duplicates)

        if self.edit_mode:
            self._load_case()
        elif offer_drafts:
            self._offer_drafts()
        self._dirty = False
        self.name_edit.setFocus()
        self.resize(1220, 760)

    # ================================================================== construction
    def _build(self) -> None:
        ctx = self.ctx
        # --- draft banner ---
        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("draftBanner")
        self.draft_banner.setStyleSheet(
            "QFrame#draftBanner { background: #fff4e0; border: 1px solid #f0c36d;"
            " border-radius: 4px; }"
        )
        banner = QHBoxLayout(self.draft_banner)
        banner.setContentsMargins(10, 6, 10, 6)
        self.draft_label = QLabel()
        self.draft_label.setWordWrap(True)
        self.draft_combo = QComboBox()
        self.restore_button = QPushButton("恢复草稿")
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(lambda _c=False: self.restore_selected_draft())
        self.discard_button = QPushButton("丢弃该草稿")
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(lambda _c=False: self.discard_selected_draft())
        banner.addWidget(self.draft_label, 1)
        banner.addWidget(self.draft_combo)
        banner.addWidget(self.restore_button)
        banner.addWidget(self.discard_button)
        self.draft_banner.setVisible(False)

        # --- 受理信息 ---
        self.channel_combo = enum_combo(Channel)
        self.received_edit = QDateTimeEdit()
        self.received_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setToolTip("受理时间：各项时限从受理次日起按工作日计算。")
        now = datetime.combine(
            clock.today(), datetime.now().time().replace(second=0, microsecond=0)
        )
        self.received_edit.setDateTime(qdatetime(now))
        # --- 投诉人 ---
        self.kind_combo = enum_combo(ComplainantKind)
        self.anonymous_check = QCheckBox("匿名投诉")
        self.anonymous_check.setToolTip("匿名：不记录姓名、单位和地址；可留电话以便答复和回访")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(60)
        self.phone_edit = QLineEdit()
        self.phone_edit.setMaxLength(40)
        self.phone_edit.setPlaceholderText("手机号或带区号的座机号")
        self.phone_edit.setToolTip(
            "手机号（11位）或带区号的座机号，如 0571-12345678；身份信息保密。"
        )
        # Digits and the separators people write; letters never get in.
        self.phone_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9+\-()（） 转#]*"), self)
        )
        self.company_edit = QLineEdit()
        self.company_edit.setMaxLength(120)
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(200)
        # --- 被投诉对象 ---
        self.unit_picker = UnitPicker(ctx)
        self.subject_edit = QLineEdit()
        self.subject_edit.setMaxLength(200)
        self.subject_edit.setPlaceholderText("单位不明或需补充时填写，如：城关镇某村委会")
        self.person_picker = PersonPicker(ctx, placeholder="姓名或拼音首字母，选中即加入")
        self.person_list = QListWidget()
        self.person_list.setMaximumHeight(56)
        self.person_list.setFlow(QListWidget.Flow.LeftToRight)
        self.person_list.setWrapping(True)
        self.person_list.setToolTip("选中后按 Delete 移除")
        self.person_list.installEventFilter(self)
        self.person_desc_edit = QLineEdit()
        self.person_desc_edit.setPlaceholderText(
            "不知姓名时描述特征，如：3号窗口女工作人员（多人用；分隔）"
        )
        # --- 投诉内容 ---
        self.category_combo = PinyinComboBox()
        self.category_combo.addItem("（请选择）", None)
        self.category_combo.setToolTip("可直接输入拼音首字母选择，如 fw → 服务态度差")
        self._category_chosen = False  # by the clerk; until then it follows the summary
        self._category_words: list[complaints.CategoryWords] = []
        self.category_hint = QLabel()
        self.category_hint.setStyleSheet("color: #6b6b6b;")
        self.complexity_combo = enum_combo(Complexity)
        self.complexity_combo.setCurrentIndex(
            self.complexity_combo.findData(Complexity.NORMAL.value)
        )
        self.summary_edit = QLineEdit()
        # The service's limit is 300 characters; the edit takes more so a long paste is not cut
        # silently: the counter says how much is over and registration says so at the field.
        self.summary_edit.setMaxLength(SUMMARY_PASTE_LIMIT)
        self.summary_edit.setPlaceholderText("一句话概括反映的问题（问题类别据此自动建议）")
        self.summary_counter = QLabel(f"0/{SUMMARY_MAX}")
        self.summary_counter.setStyleSheet("color: #6b6b6b;")
        self.content_edit = _multi_line(150)
        self.content_edit.setPlaceholderText("来电人反映的详细情况（Ctrl+Enter 登记）")
        self.content_edit.installEventFilter(self)
        self.due_check = QCheckBox("转办方已指定办理时限")
        self.due_edit = QDateEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd")
        self.due_edit.setDate(qdate(clock.today()))
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        for w in (self.due_check, self.due_edit):
            w.setToolTip(DEADLINE_RULE)
        # One line: remarks are short, and Enter in it registers like everywhere else.
        self.remarks_edit = QLineEdit()
        self._load_categories()

        # --- forms ---
        accept_form = self._form()
        self._row(accept_form, "channel", "来源渠道", self.channel_combo, required=True)
        self._row(accept_form, "received_at", "受理时间", self.received_edit, required=True)
        person_form = self._form()
        kind_row = QWidget()
        kr = QHBoxLayout(kind_row)
        kr.setContentsMargins(0, 0, 0, 0)
        kr.addWidget(self.kind_combo, 1)
        kr.addWidget(self.anonymous_check)
        self._row(person_form, "complainant_kind", "投诉人类型", kind_row)
        self.errors.alias("anonymous", "complainant_kind")
        self._row(person_form, "complainant_name", "姓名", self.name_edit)
        self._row(person_form, "complainant_phone", "联系电话", self.phone_edit)
        self._row(person_form, "complainant_company", "工作单位", self.company_edit)
        self._row(person_form, "complainant_address", "地址", self.address_edit)
        subject_form = self._form()
        self._row(subject_form, "unit_id", "被投诉单位", self.unit_picker, required=True)
        self._row(subject_form, "subject_description", "对象描述", self.subject_edit)
        persons = QWidget()
        pl = QVBoxLayout(persons)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(2)
        pl.addWidget(self.person_picker)
        pl.addWidget(self.person_list)
        self._row(subject_form, "person_ids", "被投诉人员", persons)
        self._row(subject_form, "person_descriptions", "人员特征", self.person_desc_edit)
        content_form = self._form()
        cat_row = QWidget()
        cr = QHBoxLayout(cat_row)
        cr.setContentsMargins(0, 0, 0, 0)
        cr.addWidget(self.category_combo, 1)
        cr.addWidget(self.category_hint)
        cr.addWidget(QLabel("复杂程度"))
        cr.addWidget(self.complexity_combo)
        summary_row = QWidget()
        sr = QHBoxLayout(summary_row)
        sr.setContentsMargins(0, 0, 0, 0)
        sr.addWidget(self.summary_edit, 1)
        sr.addWidget(self.summary_counter)
        self._row(content_form, "summary", "内容摘要", summary_row, required=True)
        self._row(content_form, "category_id", "问题类别", cat_row, required=True)
        self.errors.alias("complexity", "category_id")
        self._row(content_form, "content", "详细内容", self.content_edit)
        due_row = QWidget()
        dr = QHBoxLayout(due_row)
        dr.setContentsMargins(0, 0, 0, 0)
        dr.addWidget(self.due_check)
        dr.addWidget(self.due_edit)
        dr.addStretch(1)
        self._row(
            content_form,
            "due_date",
            "办理时限",
            due_row,
            hint="不勾选则按工作日自动计算（12345、领导交办件可按来文时限填写）",
        )
        self._row(content_form, "remarks", "备注", self.remarks_edit)

        # Who called, about which unit; when and how it came in is usually right already.
        left = QVBoxLayout()
        left.addWidget(self._group("投诉人（身份信息保密）", person_form))
        left.addWidget(self._group("被投诉对象", subject_form))
        left.addWidget(self._group("受理信息", accept_form))
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self._group("反映问题", content_form), 1)

        # --- duplicates ---
        self.hint_title = QLabel("可能重复的投诉件")
        font = self.hint_title.font()
        font.setBold(True)
        self.hint_title.setFont(font)
        self.hint_empty = QLabel(
            "填写联系电话，或选择被投诉单位和问题类别后，这里列出可能重复的投诉件。"
        )
        self.hint_empty.setWordWrap(True)
        self.hint_empty.setStyleSheet("color: #777;")
        self.hint_box = QWidget()
        self.hint_layout = QVBoxLayout(self.hint_box)
        self.hint_layout.setContentsMargins(0, 0, 0, 0)
        self.hint_layout.addWidget(self.hint_empty)
        self.hint_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.hint_box)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QVBoxLayout()
        right.addWidget(self.hint_title)
        right.addWidget(scroll, 1)
        right_widget = QWidget()
        right_widget.setLayout(right)
        right_widget.setFixedWidth(270)

        columns = QHBoxLayout()
        columns.addLayout(left, 10)
        columns.addLayout(middle, 11)
        columns.addWidget(right_widget)

        # --- buttons ---
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #666;")
        self.save_button = QPushButton("保存修改" if self.edit_mode else "登记")
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)
        self.save_button.setToolTip("回车（多行输入框内 Ctrl+回车）")
        self.save_button.clicked.connect(lambda _c=False: self.submit())
        self.cancel_button = QPushButton("关闭")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip(
            "Esc；未登记的内容保存在草稿中，下次登记时可恢复" if not self.edit_mode else "Esc"
        )
        self.cancel_button.clicked.connect(lambda _c=False: self.reject())
        self.throw_button = QPushButton("清空并丢弃草稿")
        self.throw_button.setAutoDefault(False)
        self.throw_button.clicked.connect(lambda _c=False: self.throw_away())
        self.throw_button.setVisible(not self.edit_mode)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.throw_button)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.save_button)

        # A warning, not a refusal: the summary repeats the complainant's own identity.
        self.identity_warning = QLabel()
        self.identity_warning.setObjectName("identityWarning")
        self.identity_warning.setWordWrap(True)
        self.identity_warning.setStyleSheet(
            "color: #8a5a00; background: #fff6dd; border: 1px solid #e8c874; padding: 4px;"
        )
        self.identity_warning.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.draft_banner)
        general = self.errors.general
        assert general is not None
        layout.addWidget(general)
        layout.addLayout(columns, 1)
        layout.addWidget(self.identity_warning)
        layout.addLayout(bottom)

        # The order a call goes (who, phone, which unit, what happened, category, details),
        # then the fields most calls leave as they are.
        order: list[QWidget] = [
            self.name_edit,
            self.phone_edit,
            self.unit_picker,
            self.summary_edit,
            self.category_combo,
            self.content_edit,
            self.person_picker,
            self.person_list,
            self.person_desc_edit,
            self.subject_edit,
            self.kind_combo,
            self.anonymous_check,
            self.company_edit,
            self.address_edit,
            self.complexity_combo,
            self.due_check,
            self.due_edit,
            self.remarks_edit,
            self.channel_combo,
            self.received_edit,
            self.save_button,
            self.cancel_button,
        ]
        for a, b in itertools.pairwise(order):
            QWidget.setTabOrder(a, b)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)
        self.summary_edit.textChanged.connect(self._summary_changed)
        self.category_combo.activated.connect(self._category_activated)
        self.anonymous_check.toggled.connect(self._anonymous_toggled)
        self.unit_picker.picked.connect(self._unit_picked)
        self.person_picker.picked.connect(self._person_picked)

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(6)
        return form

    def _group(self, title: str, form: QFormLayout) -> QGroupBox:
        box = QGroupBox(title)
        box.setLayout(form)
        return box

    def _row(
        self,
        form: QFormLayout,
        field: str,
        caption: str,
        widget: QWidget,
        *,
        required: bool = False,
        hint: str = "",
    ) -> None:
        text = (
            f'{caption}<span style="color:{ERROR_COLOUR}">*</span>：'
            if required
            else f"{caption}："
        )
        label = QLabel(text)
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        if isinstance(widget, (QDateTimeEdit, QComboBox)):
            # A narrow field keeps its width, but its row (and the message under it) takes
            # the whole column: a message wrapped to the field's width was clipped.
            line = QHBoxLayout()
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(widget)
            line.addStretch(1)
            box.addLayout(line)
        else:
            box.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet("color: #6b6b6b;")
            box.addWidget(note)
        error = make_error_label()
        box.addWidget(error)
        form.addRow(label, container)
        # Composite rows (a combo with a check box beside it) bind to their first input, so the
        # red border lands on something the clerk can type into.
        target = widget
        if field == "complainant_kind":
            target = self.kind_combo
        elif field == "category_id":
            target = self.category_combo
        elif field == "due_date":
            target = self.due_edit
        elif field == "person_ids":
            target = self.person_picker
        label.setBuddy(target)
        self.errors.bind(field, target, error)

    def _load_categories(self) -> None:
        try:
            with self.ctx.session() as s:
                choices = complaints.category_choices(s, self.ctx.actor)
        except EffDeskError as exc:
            show_error(self, exc)
            return
        for c in choices:
            self.category_combo.addItem(c.name, c.id)
        self.category_combo.clear_keys()
        with contextlib.suppress(EffDeskError), self.ctx.session() as s:
            self._category_words = complaints.category_words(s, self.ctx.actor)

    def _category_activated(self, _index: int) -> None:
        """The clerk chose a category (mouse or keys): stop following the summary."""
        self._category_chosen = True
        self.category_hint.clear()

    def _summary_changed(self, text: str) -> None:
        n = len(text)
        over = n - SUMMARY_MAX
        self.summary_counter.setText(
            f"{n}/{SUMMARY_MAX}" if over <= 0 else f"{n}/{SUMMARY_MAX}，超出{over}字"
        )
        self.summary_counter.setStyleSheet(
            "color: #6b6b6b;" if over <= 0 else f"color: {ERROR_COLOUR}; font-weight: bold;"
        )
        self.summary_counter.setToolTip(
            ""
            if over <= 0
            else "内容摘要最多300字：请精简为一句话，全文可粘贴到“详细内容”。登记时不会被截断。"
        )
        if self._category_chosen or not self._category_words:
            return
        suggested = complaints.suggest_category(self._category_words, text)
        if suggested is not None:
            index = self.category_combo.findData(suggested)
            if index >= 0 and index != self.category_combo.currentIndex():
                self.category_combo.setCurrentIndex(index)
            self.category_hint.setText("据摘要建议")

    def _connect_changes(self) -> None:
        for edit in (
            self.name_edit,
            self.company_edit,
            self.address_edit,
            self.subject_edit,
            self.person_desc_edit,
            self.summary_edit,
            self.unit_picker,
            self.person_picker,
        ):
            edit.textChanged.connect(lambda _t: self._changed())
        self.phone_edit.textChanged.connect(lambda _t: self._changed(duplicates=True))
        self.content_edit.textChanged.connect(lambda: self._changed())
        self.remarks_edit.textChanged.connect(lambda _t: self._changed())
        for combo in (self.channel_combo, self.kind_combo, self.complexity_combo):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        self.category_combo.currentIndexChanged.connect(lambda _i: self._changed(duplicates=True))
        self.anonymous_check.toggled.connect(lambda _on: self._changed())
        self.due_check.toggled.connect(lambda _on: self._changed())
        self.due_edit.dateChanged.connect(lambda _d: self._changed())
        self.received_edit.dateTimeChanged.connect(lambda _d: self._changed(duplicates=True))
        self.unit_picker.picked.connect(lambda _id: self._changed(duplicates=True))

    # ================================================================== values
    def input_data(self) -> ComplaintInput:
        """The form as the service's input (read on the GUI thread)."""
        channel = enum_member(Channel, self.channel_combo.currentData())
        received = py_datetime(self.received_edit.dateTime())
        due = py_date(self.due_edit.date()) if self.due_check.isChecked() else None
        return ComplaintInput(
            received_at=received.replace(second=0, microsecond=0),
            channel=channel,
            summary=self.summary_edit.text(),
            category_id=self.category_combo.currentData(),
            unit_id=self.unit_picker.current_id(),
            subject_description=self.subject_edit.text(),
            person_ids=self.person_ids(),
            person_descriptions=_split_descriptions(self.person_desc_edit.text()),
            content=self.content_edit.toPlainText(),
            complexity=enum_member(Complexity, self.complexity_combo.currentData())
            or Complexity.NORMAL,
            anonymous=self.anonymous_check.isChecked(),
            complainant_kind=enum_member(ComplainantKind, self.kind_combo.currentData())
            or ComplainantKind.CITIZEN,
            complainant_name=self.name_edit.text(),
            complainant_phone=self.phone_edit.text(),
            complainant_company=self.company_edit.text(),
            complainant_address=self.address_edit.text(),
            due_date=due,
            remarks=self.remarks_edit.text(),
        )

    def person_ids(self) -> list[int]:
        return [
            int(self.person_list.item(i).data(_PERSON_ROLE))
            for i in range(self.person_list.count())
        ]

    def is_blank(self) -> bool:
        """Nothing typed yet (defaults only): no draft is worth keeping."""
        texts = (
            self.name_edit,
            self.phone_edit,
            self.company_edit,
            self.address_edit,
            self.subject_edit,
            self.person_desc_edit,
            self.summary_edit,
            self.unit_picker,
            self.person_picker,
        )
        return (
            not any(w.text().strip() for w in texts)
            and not self.content_edit.toPlainText().strip()
            and not self.remarks_edit.text().strip()
            and self.category_combo.currentData() is None
            and self.person_list.count() == 0
            and not self._stash
        )

    def draft_values(self) -> dict[str, Any]:
        values = complaints.input_to_draft(self.input_data())
        values[UI_KEY] = {
            "unit_text": self.unit_picker.text() if self.unit_picker.is_unresolved() else "",
            "person_text": self.person_picker.text(),
            "stash": dict(self._stash),
        }
        return values

    def apply_input(self, data: ComplaintInput, ui: dict[str, Any] | None = None) -> None:
        """Fill the form from ``data`` (a restored draft or the case being edited)."""
        ui = ui or {}
        self._loading = True
        try:
            if data.channel is not None:
                self.channel_combo.setCurrentIndex(self.channel_combo.findData(data.channel.value))
            if data.received_at is not None:
                self.received_edit.setDateTime(qdatetime(data.received_at))
            self.kind_combo.setCurrentIndex(
                max(0, self.kind_combo.findData(data.complainant_kind.value))
            )
            self.anonymous_check.blockSignals(True)
            self.anonymous_check.setChecked(data.anonymous)
            self.anonymous_check.blockSignals(False)
            self._stash = {str(k): str(v) for k, v in dict(ui.get("stash") or {}).items()}
            for edit, value in (
                (self.name_edit, data.complainant_name),
                (self.phone_edit, data.complainant_phone),
                (self.company_edit, data.complainant_company),
                (self.address_edit, data.complainant_address),
                (self.subject_edit, data.subject_description),
                (self.summary_edit, data.summary),
                (self.person_desc_edit, "；".join(data.person_descriptions)),
            ):
                edit.setText(value)
            for edit in (self.name_edit, self.company_edit, self.address_edit):
                edit.setEnabled(not data.anonymous)
            self.content_edit.setPlainText(data.content)
            self.remarks_edit.setText(data.remarks)
            self.unit_picker.set_current_id(data.unit_id)
            self.person_picker.set_unit(data.unit_id)
            if data.unit_id is None:
                self.unit_picker.setText(str(ui.get("unit_text") or ""))
            self.person_list.clear()
            for pid in data.person_ids:
                self._add_person(pid, self.person_picker.text_for(pid))
            self.person_picker.setText(str(ui.get("person_text") or ""))
            i = self.category_combo.findData(data.category_id)
            self.category_combo.setCurrentIndex(max(0, i))
            self._category_chosen = i > 0
            self.complexity_combo.setCurrentIndex(
                max(0, self.complexity_combo.findData(data.complexity.value))
            )
            self.due_check.setChecked(data.due_date is not None)
            if data.due_date is not None:
                self.due_edit.setDate(qdate(data.due_date))
        finally:
            self._loading = False

    # ================================================================== persons, anonymity
    def _unit_picked(self, unit_id: object) -> None:
        self.person_picker.set_unit(unit_id if isinstance(unit_id, int) else None)

    def _person_picked(self, person_id: object) -> None:
        if not isinstance(person_id, int):
            return
        name = self.person_picker.text()
        self._add_person(person_id, name)
        self.person_picker.set_current(None)
        self._changed()

    def _add_person(self, person_id: int, name: str) -> None:
        if person_id in self.person_ids():
            return
        item = QListWidgetItem(name)
        item.setData(_PERSON_ROLE, person_id)
        item.setToolTip("Delete 键移除")
        self.person_list.addItem(item)

    def remove_selected_person(self) -> None:
        for item in self.person_list.selectedItems():
            self.person_list.takeItem(self.person_list.row(item))
        self._changed()

    def _anonymous_toggled(self, on: bool) -> None:
        # Anonymous cases keep no name, company or address: the typed values are set aside
        # (and kept in the draft) rather than thrown away, in case the box was ticked by mistake.
        fields = {
            "complainant_name": self.name_edit,
            "complainant_company": self.company_edit,
            "complainant_address": self.address_edit,
        }
        for key, edit in fields.items():
            if on:
                if edit.text():
                    self._stash[key] = edit.text()
                edit.clear()
                edit.setEnabled(False)
            else:
                edit.setEnabled(True)
                if not edit.text() and key in self._stash:
                    edit.setText(self._stash.pop(key))
        if not on:
            self._stash.clear()

    # ================================================================== keys
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if (
                obj is self.content_edit
                and key
                in (
                    Qt.Key.Key_Return,
                    Qt.Key.Key_Enter,
                )
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                self.submit()
                return True
            if obj is self.person_list and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove_selected_person()
                return True
        return super().eventFilter(obj, event)

    # ================================================================== drafts
    def update_identity_warning(self) -> None:
        """Show the service's warning when the summary or content repeats the identity."""
        warnings = complaints.identity_warnings(self.input_data())
        self.identity_warning.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.identity_warning.setVisible(bool(warnings))

    def _changed(self, *, duplicates: bool = False) -> None:
        if self._finished:
            return
        self.update_identity_warning()
        if self._loading:
            return
        self._dirty = True
        if not self.edit_mode:
            self._draft_timer.start()
        if duplicates:
            self._hint_timer.start()

    def _offer_drafts(self) -> None:
        try:
            with self.ctx.session() as s:
                self.drafts = complaints.list_drafts(s, self.ctx.actor)
        except EffDeskError as exc:
            self.status_label.setText(f"无法读取草稿：{exc}")
            return
        self._show_draft_banner()

    def _show_draft_banner(self) -> None:
        drafts = self.drafts
        self.draft_banner.setVisible(bool(drafts))
        if not drafts:
            return
        self.draft_combo.clear()
        for info in drafts:
            self.draft_combo.addItem(f"{info.saved_at:%m-%d %H:%M}　{info.summary[:24]}", info.id)
        self.draft_combo.setVisible(len(drafts) > 1)
        newest = drafts[0]
        more = f"（共{len(drafts)}份，可在右侧选择）" if len(drafts) > 1 else ""
        self.draft_label.setText(
            f"<b>有未登记完的投诉草稿</b>{more}：{newest.summary}"
            f"（保存于 {newest.saved_at:%Y-%m-%d %H:%M}）。可恢复后继续登记。"
        )

    def _selected_draft(self) -> int | None:
        data = self.draft_combo.currentData()
        return int(data) if data is not None else None

    def restore_selected_draft(self) -> None:
        draft_id = self._selected_draft()
        if draft_id is not None:
            self.restore_draft(draft_id)

    def restore_draft(self, draft_id: int) -> None:
        """Fill the form from a saved draft; later saves update that draft."""
        try:
            with self.ctx.session() as s:
                values = complaints.load_draft(s, self.ctx.actor, draft_id)
        except EffDeskError as exc:
            show_error(self, exc)
            self._offer_drafts()
            return
        ui = values.pop(UI_KEY, None)
        self.apply_input(complaints.input_from_draft(values), ui if isinstance(ui, dict) else None)
        self.draft_id = draft_id
        self.drafts = [d_ for d_ in self.drafts if d_.id != draft_id]
        self._show_draft_banner()
        self._dirty = False
        self.status_label.setText("已恢复草稿，继续登记即可。")
        self.check_duplicates()
        self.name_edit.setFocus()

    def discard_selected_draft(self) -> None:
        draft_id = self._selected_draft()
        if draft_id is None:
            return
        try:
            with self.ctx.session() as s:
                complaints.discard_draft(s, self.ctx.actor, draft_id)
        except NotFound:
            pass
        except EffDeskError as exc:
            show_error(self, exc)
            return
        self.drafts = [d_ for d_ in self.drafts if d_.id != draft_id]
        self._show_draft_banner()

    def save_draft_now(self, *, sync: bool = False) -> None:
        """Save the form as this user's draft (no-op when nothing changed or nothing typed)."""
        self._draft_timer.stop()
        if self.edit_mode or self._finished or not self._dirty:
            return
        if self.draft_id is None and self.is_blank():
            return
        if self._saving and not sync:
            self._save_again = True
            return
        values = self.draft_values()
        draft_id = self.draft_id
        ctx = self.ctx
        self._dirty = False
        self._saving = True

        def work(_p: Progress | None) -> DraftInfo:
            with ctx.session() as s:
                try:
                    return complaints.save_draft(s, ctx.actor, values, draft_id)
                except NotFound:
                    # Deleted meanwhile (registered on another screen): start a new one.
                    return complaints.save_draft(s, ctx.actor, values, None)

        if sync:
            try:
                info = work(None)
            except EffDeskError as exc:
                self._draft_failed(exc)
            else:
                self._draft_saved(info)
            return
        ctx.tasks.run(work, self._draft_saved, self._draft_failed)

    def _draft_saved(self, info: DraftInfo) -> None:
        self._saving = False
        if self.draft_id is not None and info.id != self.draft_id:
            # Two saves raced to create the draft: keep ours, drop the stray copy.
            self._drop_draft(info.id)
        else:
            self.draft_id = info.id
        if self._finished:
            # Registered while this save was on its way: the draft is not needed any more.
            self._drop_draft(info.id)
            return
        self.status_label.setStyleSheet("color: #666;")
        self.status_label.setText(f"草稿已自动保存（{info.saved_at:%H:%M:%S}）")
        if self._save_again:
            self._save_again = False
            self.save_draft_now()

    def _draft_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._dirty = True
        if not isinstance(exc, EffDeskError):
            show_error(self, exc)
            return
        # A message in the status line, not a box: the clerk is typing with a caller waiting.
        self.status_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.status_label.setText(f"草稿未能保存：{exc}")

    def _drop_draft(self, draft_id: int) -> None:
        try:
            with self.ctx.session() as s:
                complaints.discard_draft(s, self.ctx.actor, draft_id)
        except NotFound:
            pass
        except EffDeskError as exc:
            show_error(self, exc)

    def throw_away(self) -> None:
        """清空并丢弃草稿: empty the form and delete its draft."""
        self._draft_timer.stop()
        if self.draft_id is not None:
            self._drop_draft(self.draft_id)
            self.draft_id = None
        self.apply_input(ComplaintInput(received_at=self.input_data().received_at))
        self._stash.clear()
        self.errors.clear()
        self._dirty = False
        self.status_label.setText("已清空。")
        self.show_hints([])
        self.name_edit.setFocus()

    def done(self, result: int) -> None:
        self._draft_timer.stop()
        self._hint_timer.stop()
        if result != QDialog.DialogCode.Accepted and not self.edit_mode and not self._finished:
            self.save_draft_now(sync=True)
            if self.draft_id is not None:
                self.draftKept.emit(self.draft_id)
        super().done(result)

    # ================================================================== duplicates
    def check_duplicates(self) -> None:
        """Look for possible duplicates of what is typed now (off the GUI thread)."""
        self._hint_timer.stop()
        phone = self.phone_edit.text().strip()
        phone = phone if phone and is_valid_phone(phone) else ""
        unit_id = self.unit_picker.current_id()
        category_id = self.category_combo.currentData()
        if not phone and (unit_id is None or category_id is None):
            self.show_hints([])
            return
        received = py_datetime(self.received_edit.dateTime())
        self._hint_generation += 1
        generation = self._hint_generation
        ctx, exclude = self.ctx, self.complaint_id

        def work(_p: Progress) -> list[DuplicateHint]:
            with ctx.session() as s:
                return complaints.find_possible_duplicates(
                    s,
                    ctx.actor,
                    phone=phone,
                    unit_id=unit_id,
                    category_id=category_id,
                    received=received.date(),
                    exclude_id=exclude,
                )

        def done(hints: list[DuplicateHint]) -> None:
            if generation == self._hint_generation:
                self.show_hints(hints)

        def failed(exc: BaseException) -> None:
            if generation != self._hint_generation:
                return
            if isinstance(exc, EffDeskError):
                self.hint_empty.setText(f"无法查找重复件：{exc}")
            else:
                show_error(self, exc)

        ctx.tasks.run(work, done, failed)

    def show_hints(self, hints: list[DuplicateHint]) -> None:
        for card in self.hint_cards:
            self.hint_layout.removeWidget(card)
            card.deleteLater()
        self.hint_cards = []
        self.hints = list(hints)
        can_merge = not self.edit_mode and self.ctx.can(Permission.HANDLE_COMPLAINT)
        for i, hint in enumerate(hints):
            card = _HintCard(hint, can_merge)
            card.merge_button.clicked.connect(lambda _c=False, h=hint: self.register_and_merge(h))
            self.hint_layout.insertWidget(i, card)
            card.show()  # a layout shows new children only on the next event loop pass
            self.hint_cards.append(card)
        self.hint_empty.setVisible(not hints)
        self.hint_title.setText(
            f"可能重复的投诉件（{len(hints)}）" if hints else "可能重复的投诉件"
        )
        self.hint_title.setStyleSheet("color: #b85c00;" if hints else "")

    def register_and_merge(self, hint: DuplicateHint) -> None:
        """登记并合并到此件: register the call and merge it into ``hint``'s case."""
        self.submit(merge_into=hint)

    # ================================================================== edit mode
    def _load_case(self) -> None:
        assert self.complaint_id is not None
        with self.ctx.session() as s:
            detail = complaints.get_complaint_detail(s, self.ctx.actor, self.complaint_id)
        self.version = detail.version
        self.setWindowTitle(f"修改登记信息 — {detail.number}")
        data = ComplaintInput(
            received_at=detail.received_at,
            channel=detail.channel,
            summary=detail.summary,
            category_id=detail.category_id,
            unit_id=detail.unit_id,
            subject_description=detail.subject_description,
            person_ids=[p.person_id for p in detail.persons if p.person_id is not None],
            person_descriptions=[
                p.description for p in detail.persons if p.person_id is None and p.description
            ],
            content=detail.content,
            complexity=detail.complexity,
            anonymous=detail.anonymous,
            complainant_kind=detail.complainant_kind,
            complainant_name=detail.complainant_name or "",
            complainant_phone=detail.complainant_phone or "",
            complainant_company=detail.complainant_company or "",
            complainant_address=detail.complainant_address or "",
            due_date=None,
            remarks=detail.remarks,
        )
        self.apply_input(data)
        self.due_check.setText(
            f"改为指定时限（现为 {d(detail.due_date)}）" if detail.due_date else "指定办理时限"
        )

    # ================================================================== saving
    def local_problems(self) -> list[FieldProblem]:
        problems = []
        if self.unit_picker.is_unresolved():
            problems.append(FieldProblem("unit_id", CHOOSE))
        if self.person_picker.text().strip():
            problems.append(
                FieldProblem("person_ids", "「" + self.person_picker.text().strip() + "」" + CHOOSE)
            )
        return problems

    def submit(self, merge_into: DuplicateHint | None = None) -> None:
        if not self.save_button.isEnabled():
            return
        self.errors.clear()
        local = self.local_problems()
        if local:
            self.errors.show(local)
            return
        data = self.input_data()
        ctx, draft_id, complaint_id, version = (
            self.ctx,
            self.draft_id,
            self.complaint_id,
            self.version,
        )

        def register(_p: Progress) -> IntakeResult:
            with ctx.session() as s:
                case = complaints.register_complaint(s, ctx.actor, data)
                merged = ""
                if merge_into is not None:
                    complaints.merge_complaint(
                        s,
                        ctx.actor,
                        case.id,
                        merge_into.id,
                        reason="登记时发现与该件反映同一问题",
                        expected_version=case.version,
                    )
                    merged = merge_into.number
                if draft_id is not None:
                    with contextlib.suppress(NotFound):
                        complaints.discard_draft(s, ctx.actor, draft_id)
                return IntakeResult(case.id, case.number, merged)

        def update(_p: Progress) -> IntakeResult:
            assert complaint_id is not None
            with ctx.session() as s:
                case = complaints.update_complaint(
                    s, ctx.actor, complaint_id, data, expected_version=version
                )
                return IntakeResult(case.id, case.number)

        self.save_button.setEnabled(False)
        self._draft_timer.stop()
        ctx.tasks.run(
            update if self.edit_mode else register, self._saved, self._failed, parent=self
        )

    def _saved(self, result: IntakeResult) -> None:
        self.save_button.setEnabled(True)
        self._finished = True
        self.result_ = result
        if self.edit_mode:
            self.saved.emit(result.complaint_id)
        else:
            self.registered.emit(result.complaint_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, (ValidationError, ValidationErrors)):
            self.errors.show(exc)
        elif isinstance(exc, ConcurrentEditError):
            self.conflict_box = show_conflict(self, exc, self._refresh_version)
        else:
            show_error(self, exc)
        if not self.edit_mode:
            self._dirty = True
            self.save_draft_now()

    def _refresh_version(self) -> None:
        """After a conflict: take the newest version, keep what the clerk typed here."""
        assert self.complaint_id is not None
        with self.ctx.session() as s:
            detail = complaints.get_complaint_detail(
                s, self.ctx.actor, self.complaint_id, with_identity=False
            )
        self.version = detail.version
        self.status_label.setText("已载入最新版本号；您的填写未变，请核对后再保存。")
