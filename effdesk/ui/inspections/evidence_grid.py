"""Evidence of a finding as a thumbnail grid: drop files on it, or add them with a file dialog.

:class:`EvidencePanel` works in two modes:

* attached to a saved finding (:meth:`EvidencePanel.set_finding`): files dropped or chosen are
  ingested at once through the evidence service on the task runner, with a progress dialog
  that can cancel, then ONE summary message names every file that was not taken and why;
* pending (a finding being typed, not saved yet): files are only listed; the finding dialog
  attaches them right after saving (:meth:`EvidencePanel.attach_pending`).

Thumbnails come from the evidence store's cache (built at ingest); a missing one is rebuilt
off the GUI thread. Double-click (or Enter) opens the full-size viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import EvidenceFlag, MediaKind
from effdesk.errors import EffDeskError
from effdesk.evidence import thumbnails
from effdesk.evidence.store import EvidenceStore
from effdesk.permissions import Permission
from effdesk.services import evidence
from effdesk.services.evidence import AttachmentRow, IngestReport
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.inspections.evidence_text import describe
from effdesk.ui.tasks import Progress

ICON_SIZE = QSize(160, 120)
GRID_SIZE = QSize(184, 176)
FILE_FILTER = (
    "证据文件 (*.jpg *.jpeg *.png *.heic *.heif *.webp *.tif *.tiff *.bmp *.gif "
    "*.mp4 *.mov *.m4v *.3gp *.avi *.mkv *.mp3 *.m4a *.amr *.aac *.wav *.ogg *.flac *.pdf);;"
    "所有文件 (*)"
)
_ROW_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_COLOUR = QColor("#b85c00")


@dataclass(frozen=True)
class PendingFile:
    """A file chosen for a finding not saved yet."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name


Item = AttachmentRow | PendingFile


def short_time(value: datetime | None) -> str:
    return f"{value:%m-%d %H:%M}" if value else "无拍摄时间"


def _kind_icon(widget: QWidget, kind: MediaKind | None) -> QIcon:
    pixmap = {
        MediaKind.VIDEO: QStyle.StandardPixmap.SP_MediaPlay,
        MediaKind.AUDIO: QStyle.StandardPixmap.SP_MediaVolume,
        MediaKind.DOCUMENT: QStyle.StandardPixmap.SP_FileIcon,
    }.get(kind or MediaKind.DOCUMENT, QStyle.StandardPixmap.SP_FileIcon)
    return widget.style().standardIcon(pixmap)


class EvidenceModel(QAbstractListModel):
    """Stored attachments or pending files, with thumbnails as decoration."""

    def __init__(self, store: EvidenceStore, view: QWidget) -> None:
        super().__init__(view)
        self.store = store
        self.view = view
        self.items: list[Item] = []
        self._icons: dict[str, QIcon] = {}
        self.missing_thumbs: list[str] = []
        # Files dropped but not stored yet: their previews are decoded off the GUI thread too
        # (twelve-megapixel photos decoded while painting froze the dialog for seconds).
        self.missing_previews: list[Path] = []

    def set_items(self, items: list[Item]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.missing_thumbs = []
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def item(self, row: int) -> Item:
        return self.items[row]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        it = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(it, PendingFile):
                return f"{it.name}\n（待添加）"
            mark = "⚠ " if it.flags else ""
            when = short_time(it.captured_at)
            if EvidenceFlag.FUTURE_CAPTURE_TIME in it.flags:
                when = "拍摄时间不可信"  # a time in the future was read, and not believed
            return f"{mark}{it.original_name}\n{when}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(it)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(it.path) if isinstance(it, PendingFile) else describe(it)
        if role == Qt.ItemDataRole.ForegroundRole:
            if isinstance(it, AttachmentRow) and it.flags:
                return FLAG_COLOUR
            return None
        if role == _ROW_ROLE:
            return it
        return None

    def _icon(self, it: Item) -> QIcon:
        key = str(it.path) if isinstance(it, PendingFile) else it.sha256
        cached = self._icons.get(key)
        if cached is not None:
            return cached
        if isinstance(it, PendingFile):
            if it.path not in self.missing_previews:
                self.missing_previews.append(it.path)
            return _kind_icon(self.view, None)
        elif it.media_kind is not MediaKind.PHOTO:
            icon = _kind_icon(self.view, it.media_kind)
        else:
            thumb = self.store.thumb_path(it.sha256)
            if thumb.is_file():
                icon = QIcon(QPixmap(str(thumb)))
            else:
                # Built off the GUI thread by the panel; a plain icon until then.
                if it.sha256 not in self.missing_thumbs:
                    self.missing_thumbs.append(it.sha256)
                return _kind_icon(self.view, MediaKind.DOCUMENT)
        self._icons[key] = icon
        return icon

    def previews_ready(self, previews: dict[str, tuple[int, int, bytes] | None]) -> None:
        """Icons for pending files from pixels decoded by a worker (plain data in, Qt here)."""
        for key, preview in previews.items():
            if preview is None:
                self._icons[key] = _kind_icon(self.view, MediaKind.DOCUMENT)
                continue
            width, height, pixels = preview
            image = QImage(pixels, width, height, 4 * width, QImage.Format.Format_RGBA8888)
            self._icons[key] = QIcon(QPixmap.fromImage(image.copy()))
        self.missing_previews = [p for p in self.missing_previews if str(p) not in previews]
        if self.items:
            self.dataChanged.emit(self.index(0), self.index(len(self.items) - 1))

    def thumbnails_ready(self, shas: list[str]) -> None:
        for sha in shas:
            self._icons.pop(sha, None)
        if self.items:
            self.dataChanged.emit(self.index(0), self.index(len(self.items) - 1))


class EvidenceGrid(QListView):
    """Icon grid that accepts files dropped from the file manager."""

    filesDropped = Signal(list)  # list[Path]
    openRequested = Signal(int)  # row

    placeholder = "把照片、视频、录音拖到这里，或点「添加证据…」（可一次选择多个文件）"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(ICON_SIZE)
        self.setGridSize(GRID_SIZE)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setMinimumHeight(GRID_SIZE.height() + 12)
        self.drop_enabled = True
        self.doubleClicked.connect(lambda index: self.openRequested.emit(index.row()))

    @staticmethod
    def local_files(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.drop_enabled and self.local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.drop_enabled and self.local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self.local_files(event) if self.drop_enabled else []
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.filesDropped.emit(files)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openRequested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.drop_enabled:
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#8a8a8a"))
            painter.drawText(
                self.viewport().rect().adjusted(16, 16, -16, -16),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.placeholder,
            )
            painter.end()


class EvidencePanel(QWidget):
    """Grid + 添加证据… + 查看 + a count line. Signal ``changed()`` after files were attached."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.db.evidence
        self.finding_id: int | None = None
        self.window_: tuple[datetime, datetime] | None = None
        self.pending: list[PendingFile] = []
        self.rows: list[AttachmentRow] = []
        self.last_report: IngestReport | None = None
        self.last_message: QMessageBox | None = None
        self.viewer: QWidget | None = None
        self.can_add = ctx.can(Permission.RECORD_FINDINGS)

        self.grid = EvidenceGrid()
        self.model = EvidenceModel(self.store, self.grid)
        self.grid.setModel(self.model)
        self.grid.filesDropped.connect(self.add_files)
        self.grid.openRequested.connect(self.open_viewer)

        self.add_button = QPushButton("添加证据…")
        self.add_button.clicked.connect(lambda _c=False: self.add_files(None))
        self.view_button = QPushButton("查看")
        self.view_button.clicked.connect(lambda _c=False: self.open_viewer(self._current_row()))
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: #555;")

        bar = QHBoxLayout()
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.view_button)
        bar.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid, 1)
        layout.addLayout(bar)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.set_finding(None)

    # --- modes ------------------------------------------------------------------------
    def set_finding(
        self, finding_id: int | None, window: tuple[datetime, datetime] | None = None
    ) -> None:
        """Show a saved finding's evidence (``None``: nothing, or the pending files)."""
        self.finding_id = finding_id
        self.window_ = window
        self.reload()

    def set_window(self, window: tuple[datetime, datetime] | None) -> None:
        self.window_ = window

    def reload(self) -> None:
        if self.finding_id is None:
            self.rows = []
            self.model.set_items(list(self.pending))
            for i in range(self.model.rowCount()):
                self.model.data(self.model.index(i), Qt.ItemDataRole.DecorationRole)
            self._build_pending_previews()
        else:
            with self.ctx.session() as s:
                self.rows = evidence.list_attachments(
                    s, self.ctx.actor, evidence.AttachmentOwner(finding_id=self.finding_id)
                )
            self.model.set_items(list(self.rows))
            # Touch every decoration once so missing thumbnails are known, then build them.
            for i in range(self.model.rowCount()):
                self.model.data(self.model.index(i), Qt.ItemDataRole.DecorationRole)
            self._build_missing_thumbnails()
        self._update()

    def _build_pending_previews(self) -> None:
        paths = list(self.model.missing_previews)
        if not paths:
            return
        side = max(ICON_SIZE.width(), ICON_SIZE.height())

        def work(_p: Progress) -> dict[str, tuple[int, int, bytes] | None]:
            return {str(p): thumbnails.preview_rgba(p, side) for p in paths}

        def failed(exc: BaseException) -> None:
            show_error(self, exc)

        self.ctx.tasks.run(work, self.model.previews_ready, failed)

    def _build_missing_thumbnails(self) -> None:
        shas = list(self.model.missing_thumbs)
        if not shas:
            return
        store = self.store

        def work(_p: Progress) -> list[str]:
            return [sha for sha in shas if store.thumbnail(sha) is not None]

        def failed(exc: BaseException) -> None:
            show_error(self, exc)

        self.ctx.tasks.run(work, self.model.thumbnails_ready, failed)

    def _update(self) -> None:
        n = self.model.rowCount()
        if self.finding_id is None and self.pending:
            text = f"待添加 {n} 个文件（保存问题后自动添加）"
        elif self.finding_id is None:
            text = "尚无证据"
        else:
            photos = sum(1 for r in self.rows if r.media_kind is MediaKind.PHOTO)
            flagged = sum(1 for r in self.rows if r.flags)
            text = f"证据 {n} 个（照片 {photos} 张）"
            if flagged:
                text += f"，其中 {flagged} 个有疑点"
        self.count_label.setText(text)
        self.add_button.setEnabled(self.can_add)
        self.grid.drop_enabled = self.can_add
        self.view_button.setEnabled(self.finding_id is not None and self._current_row() >= 0)

    def _current_row(self) -> int:
        rows = self.grid.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return self.grid.currentIndex().row() if self.grid.currentIndex().isValid() else -1

    # --- adding -----------------------------------------------------------------------
    def choose_files(self) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(self, "选择证据文件", "", FILE_FILTER)
        return [Path(n) for n in names]

    def add_files(self, paths: list[Path] | None = None) -> None:
        """Add files (``None``: ask with a file dialog)."""
        if not self.can_add:
            return
        if paths is None:
            paths = self.choose_files()
        if not paths:
            return
        if self.finding_id is None:
            known = {p.path for p in self.pending}
            self.pending += [PendingFile(p) for p in paths if p not in known]
            self.reload()
            return
        self._attach(self.finding_id, paths, None)

    def attach_pending(
        self, finding_id: int, on_finished: Callable[[IngestReport | None], None]
    ) -> None:
        """Attach the pending files to the finding just saved; ``on_finished`` afterwards."""
        paths = [p.path for p in self.pending]
        self.pending = []
        self.finding_id = finding_id
        if not paths:
            self.reload()
            on_finished(None)
            return
        self._attach(finding_id, paths, on_finished)

    def _attach(
        self,
        finding_id: int,
        paths: list[Path],
        on_finished: Callable[[IngestReport | None], None] | None,
    ) -> None:
        store, ctx, window = self.store, self.ctx, self.window_

        def work(progress: Progress) -> IngestReport:
            with ctx.session() as s:
                return evidence.attach_files(
                    s,
                    ctx.actor,
                    store,
                    evidence.AttachmentOwner(finding_id=finding_id),
                    paths,
                    window=window,
                    progress=progress.report,
                    cancelled=lambda: progress.cancelled,
                )

        def done(report: IngestReport) -> None:
            self.last_report = report
            self.reload()
            self.changed.emit()
            self._summary(report)
            if on_finished is not None:
                on_finished(report)

        def failed(exc: BaseException) -> None:
            self.reload()
            show_error(self, exc)
            if on_finished is not None:
                on_finished(None)

        self.ctx.tasks.run(
            work,
            done,
            failed,
            parent=self.window(),
            title="添加证据",
            label=f"正在添加 {len(paths)} 个文件（校验、读取拍摄信息、生成缩略图）…",
        )

    def _summary(self, report: IngestReport) -> None:
        """One message for the whole batch: what was added, what was not and why."""
        parent = self.window().parentWidget() or self.window()
        box = QMessageBox(parent)
        box.setWindowTitle("添加证据")
        bad = bool(report.problems) or report.cancelled
        box.setIcon(QMessageBox.Icon.Warning if bad else QMessageBox.Icon.Information)
        box.setText(report.summary())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: self._forget_message(box))
        self.last_message = box
        box.open()

    def _forget_message(self, box: QMessageBox) -> None:
        if self.last_message is box:
            self.last_message = None

    # --- viewing ----------------------------------------------------------------------
    def open_viewer(self, row: int) -> QWidget | None:
        if self.finding_id is None or not (0 <= row < len(self.rows)):
            return None
        from effdesk.ui.inspections.viewer import EvidenceViewer

        try:
            viewer = EvidenceViewer(self.ctx, self.rows, row, self.window())
        except EffDeskError as exc:
            show_error(self, exc)
            return None
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.destroyed.connect(lambda *_: setattr(self, "viewer", None))
        self.viewer = viewer
        viewer.show()
        return viewer
