"""投诉登记: the intake dialog, built for a clerk with a caller on the phone.

Keyboard only, in the order a call goes: the caret starts in 投诉人姓名; Tab goes to 联系电话,
被投诉单位, 内容摘要, 问题类别, 详细内容, then the rarer fields. Units and persons are chosen by
typing a few characters or pinyin initials (↓ to move, Enter or Tab to take); the category is
suggested from the summary and can be typed by pinyin initials ("fw" → 服务态度差); Enter in
a one-line field and Ctrl+Enter anywhere register (Ctrl+S too); Esc closes, keeping the draft.
A phone call is thus registered with 5 keys besides the text (Tab ×4, Ctrl+Enter).

While the clerk types:

* the form is saved as a draft (debounced :func:`complaints.save_draft`) so a crash or an
  accidental close loses nothing; the next time the dialog opens it offers the draft back
  (:mod:`.drafts`);
* a panel on the right lists cases that may be the same matter
  (:func:`complaints.find_possible_duplicates`: same phone, or same unit and category within 30
  days) with 「登记并合并到此件」: the call is registered and merged into that case in one step
  (:mod:`.duplicates`).

The fields and their values are :mod:`.form`'s.

Validation is the service's: its problems are shown under their fields; nothing typed is lost.
The same dialog edits a registered case (修改登记信息) with ``complaint_id``; drafts and
merging are off then.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from effdesk.errors import ConcurrentEditError, NotFound, ValidationError, ValidationErrors
from effdesk.permissions import Permission
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintInput, DraftInfo, DuplicateHint
from effdesk.textutil import is_valid_phone
from effdesk.ui.complaints.common import d, py_datetime
from effdesk.ui.complaints.intake.drafts import DraftKeeper
from effdesk.ui.complaints.intake.duplicates import DuplicateHints, HintCard
from effdesk.ui.complaints.intake.form import IntakeForm
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.conflict import show_conflict


@dataclass(frozen=True)
class IntakeResult:
    """What a save did: the case registered (or edited), and the case it was merged into."""

    complaint_id: int
    number: str
    merged_into: str = ""


class IntakeDialog(IntakeForm):
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
        super().__init__(ctx, parent)
        self.complaint_id = complaint_id
        self.edit_mode = complaint_id is not None
        self.version: int | None = None
        self.result_: IntakeResult | None = None
        self.conflict_box: QWidget | None = None

        self.setWindowTitle("修改登记信息" if self.edit_mode else "登记投诉")
        self.setObjectName("intakeDialog")
        self._build()
        self._connect_changes()

        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(self.DUPLICATE_DELAY_MS)
        self._hint_timer.timeout.connect(self.check_duplicates)

        if self.edit_mode:
            self._load_case()
        elif offer_drafts:
            self.keeper.offer()
        self.keeper.dirty = False
        self.name_edit.setFocus()
        self.resize(1220, 760)

    # ================================================================== construction
    def _build(self) -> None:
        left, middle = self._build_fields()
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #666;")
        self.keeper = DraftKeeper(
            self.ctx,
            self,
            self.status_label,
            values=self.draft_values,
            is_blank=self.is_blank,
            delay_ms=self.DRAFT_DELAY_MS,
        )
        self.keeper.restore_button.clicked.connect(lambda _c=False: self.restore_selected_draft())
        self.duplicates = DuplicateHints(self.ctx)
        self.duplicates.mergeRequested.connect(self.register_and_merge)

        columns = QHBoxLayout()
        columns.addLayout(left, 10)
        columns.addLayout(middle, 11)
        columns.addWidget(self.duplicates)

        # --- buttons ---
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

        layout = QVBoxLayout(self)
        layout.addWidget(self.draft_banner)
        general = self.errors.general
        assert general is not None
        layout.addWidget(general)
        layout.addLayout(columns, 1)
        layout.addWidget(self.identity_warning)  # a warning, not a refusal
        layout.addLayout(bottom)

        order = [*self.call_order(), self.save_button, self.cancel_button]
        for a, b in itertools.pairwise(order):
            QWidget.setTabOrder(a, b)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)

    # --- the parts, by the names the dialog has always had (tests and callers use them) ---
    @property
    def draft_id(self) -> int | None:
        return self.keeper.draft_id

    @property
    def drafts(self) -> list[DraftInfo]:
        return self.keeper.drafts

    @property
    def draft_banner(self) -> QWidget:
        return self.keeper.banner

    @property
    def draft_label(self) -> QLabel:
        return self.keeper.label

    @property
    def restore_button(self) -> QPushButton:
        return self.keeper.restore_button

    @property
    def discard_button(self) -> QPushButton:
        return self.keeper.discard_button

    @property
    def _draft_timer(self) -> QTimer:
        return self.keeper.timer

    @property
    def _finished(self) -> bool:
        return self.keeper.finished

    @property
    def hints(self) -> list[DuplicateHint]:
        return self.duplicates.hints

    @property
    def hint_cards(self) -> list[HintCard]:
        return self.duplicates.cards

    @property
    def hint_title(self) -> QLabel:
        return self.duplicates.title

    @property
    def hint_empty(self) -> QLabel:
        return self.duplicates.empty

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

    # ================================================================== changes, drafts
    def _changed(self, *, duplicates: bool = False) -> None:
        if self._finished:
            return
        self.update_identity_warning()
        if self._loading:
            return
        if not self.edit_mode:
            self.keeper.changed()
        else:
            self.keeper.dirty = True
        if duplicates:
            self._hint_timer.start()

    def restore_selected_draft(self) -> None:
        draft_id = self.keeper.selected()
        if draft_id is not None:
            self.restore_draft(draft_id)

    def restore_draft(self, draft_id: int) -> None:
        """Fill the form from a saved draft; later saves update that draft."""
        if self.keeper.load(draft_id, self.apply_draft):
            self.check_duplicates()
            self.name_edit.setFocus()

    def discard_selected_draft(self) -> None:
        self.keeper.discard_selected()

    def save_draft_now(self, *, sync: bool = False) -> None:
        """Save the form as this user's draft (no-op when nothing changed or nothing typed)."""
        if self.edit_mode:
            self.keeper.timer.stop()
            return
        self.keeper.save_now(sync=sync)

    def throw_away(self) -> None:
        """清空并丢弃草稿: empty the form and delete its draft."""
        self.keeper.forget()
        self.apply_input(ComplaintInput(received_at=self.input_data().received_at))
        self._stash.clear()
        self.errors.clear()
        self.keeper.dirty = False
        self.status_label.setText("已清空。")
        self.show_hints([])
        self.name_edit.setFocus()

    def done(self, result: int) -> None:
        self.keeper.timer.stop()
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
        self.duplicates.look_up(
            phone=phone,
            unit_id=unit_id,
            category_id=category_id,
            received=py_datetime(self.received_edit.dateTime()).date(),
            exclude_id=self.complaint_id,
            can_merge=self._can_merge(),
        )

    def _can_merge(self) -> bool:
        return not self.edit_mode and self.ctx.can(Permission.HANDLE_COMPLAINT)

    def show_hints(self, hints: list[DuplicateHint]) -> None:
        self.duplicates.show_hints(hints, self._can_merge())

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
        self.keeper.timer.stop()
        ctx.tasks.run(
            update if self.edit_mode else register, self._saved, self._failed, parent=self
        )

    def _saved(self, result: IntakeResult) -> None:
        self.save_button.setEnabled(True)
        self.keeper.finish()
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
            self.keeper.dirty = True
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
