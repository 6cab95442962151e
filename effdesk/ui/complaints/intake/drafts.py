"""The intake form's draft keeper: what the clerk typed is never lost.

While the clerk types, the form is saved as this user's draft (debounced
:func:`complaints.save_draft`, off the GUI thread), so a crash or an accidental close loses
nothing; when the dialog opens it offers the saved drafts back in a banner (恢复草稿 /
丢弃该草稿). Registering deletes the draft, also one still on its way to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from effdesk.errors import EffDeskError, NotFound
from effdesk.services import complaints
from effdesk.services.complaints import DraftInfo
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.tasks import Progress
from effdesk.ui.widgets.forms import ERROR_COLOUR


class DraftKeeper(QObject):
    """Keeps the form of ``parent`` as a draft: ``values()`` is what to save, ``is_blank()``
    says there is nothing worth keeping; progress goes to ``status``."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget,
        status: QLabel,
        *,
        values: Callable[[], dict[str, Any]],
        is_blank: Callable[[], bool],
        delay_ms: int,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent
        self._status = status
        self._values = values
        self._is_blank = is_blank
        self.draft_id: int | None = None
        self.drafts: list[DraftInfo] = []
        self.dirty = False  # changed since the last save
        self.finished = False  # registered: nothing more to keep
        self._saving = False
        self._save_again = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)
        self._build_banner()

    def _build_banner(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("draftBanner")
        self.banner.setStyleSheet(
            "QFrame#draftBanner { background: #fff4e0; border: 1px solid #f0c36d;"
            " border-radius: 4px; }"
        )
        banner = QHBoxLayout(self.banner)
        banner.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.combo = QComboBox()
        self.restore_button = QPushButton("恢复草稿")
        self.restore_button.setAutoDefault(False)
        self.discard_button = QPushButton("丢弃该草稿")
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(lambda _c=False: self.discard_selected())
        banner.addWidget(self.label, 1)
        banner.addWidget(self.combo)
        banner.addWidget(self.restore_button)
        banner.addWidget(self.discard_button)
        self.banner.setVisible(False)

    # ================================================================== offering drafts
    def offer(self) -> None:
        """Read this user's saved drafts and offer them in the banner."""
        try:
            with self.ctx.session() as s:
                self.drafts = complaints.list_drafts(s, self.ctx.actor)
        except EffDeskError as exc:
            self._status.setText(f"无法读取草稿：{exc}")
            return
        self.show_banner()

    def show_banner(self) -> None:
        drafts = self.drafts
        self.banner.setVisible(bool(drafts))
        if not drafts:
            return
        self.combo.clear()
        for info in drafts:
            self.combo.addItem(f"{info.saved_at:%m-%d %H:%M}　{info.summary[:24]}", info.id)
        self.combo.setVisible(len(drafts) > 1)
        newest = drafts[0]
        more = f"（共{len(drafts)}份，可在右侧选择）" if len(drafts) > 1 else ""
        self.label.setText(
            f"<b>有未登记完的投诉草稿</b>{more}：{newest.summary}"
            f"（保存于 {newest.saved_at:%Y-%m-%d %H:%M}）。可恢复后继续登记。"
        )

    def selected(self) -> int | None:
        data = self.combo.currentData()
        return int(data) if data is not None else None

    def load(self, draft_id: int, apply: Callable[[dict[str, Any]], None]) -> bool:
        """Hand the saved draft to ``apply``; later saves update that draft. False (and the
        drafts offered afresh) when it could not be read."""
        try:
            with self.ctx.session() as s:
                values = complaints.load_draft(s, self.ctx.actor, draft_id)
        except EffDeskError as exc:
            show_error(self._parent, exc)
            self.offer()
            return False
        apply(values)
        self.draft_id = draft_id
        self.drafts = [d_ for d_ in self.drafts if d_.id != draft_id]
        self.show_banner()
        self.dirty = False
        self._status.setText("已恢复草稿，继续登记即可。")
        return True

    def discard_selected(self) -> None:
        draft_id = self.selected()
        if draft_id is None or not self.drop(draft_id):
            return
        self.drafts = [d_ for d_ in self.drafts if d_.id != draft_id]
        self.show_banner()

    # ================================================================== keeping
    def changed(self) -> None:
        """The form changed: save it shortly."""
        self.dirty = True
        self.timer.start()

    def save_now(self, *, sync: bool = False) -> None:
        """Save the form as this user's draft (no-op when nothing changed or nothing typed)."""
        self.timer.stop()
        if self.finished or not self.dirty:
            return
        if self.draft_id is None and self._is_blank():
            return
        if self._saving and not sync:
            self._save_again = True
            return
        values = self._values()
        draft_id = self.draft_id
        ctx = self.ctx
        self.dirty = False
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
                self._failed(exc)
            else:
                self._saved(info)
            return
        ctx.tasks.run(work, self._saved, self._failed)

    def _saved(self, info: DraftInfo) -> None:
        self._saving = False
        if self.draft_id is not None and info.id != self.draft_id:
            # Two saves raced to create the draft: keep ours, drop the stray copy.
            self.drop(info.id)
        else:
            self.draft_id = info.id
        if self.finished:
            # Registered while this save was on its way: the draft is not needed any more.
            self.drop(info.id)
            return
        self._status.setStyleSheet("color: #666;")
        self._status.setText(f"草稿已自动保存（{info.saved_at:%H:%M:%S}）")
        if self._save_again:
            self._save_again = False
            self.save_now()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        self.dirty = True
        if not isinstance(exc, EffDeskError):
            show_error(self._parent, exc)
            return
        # A message in the status line, not a box: the clerk is typing with a caller waiting.
        self._status.setStyleSheet(f"color: {ERROR_COLOUR};")
        self._status.setText(f"草稿未能保存：{exc}")

    def drop(self, draft_id: int) -> bool:
        """Delete a draft (one deleted meanwhile is gone as well); False when refused."""
        try:
            with self.ctx.session() as s:
                complaints.discard_draft(s, self.ctx.actor, draft_id)
        except NotFound:
            pass
        except EffDeskError as exc:
            show_error(self._parent, exc)
            return False
        return True

    def forget(self) -> None:
        """清空: stop saving and delete the draft kept so far."""
        self.timer.stop()
        if self.draft_id is not None:
            self.drop(self.draft_id)
            self.draft_id = None
        self.dirty = False

    def finish(self) -> None:
        """Registered: nothing more to keep (a save on its way deletes what it wrote)."""
        self.finished = True
