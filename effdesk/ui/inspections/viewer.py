"""Full-size evidence viewer: zoom, previous/next, the file's facts; video and audio go to the
system player.

The viewer never hands the stored original to another program: 「用系统程序打开」 copies it to a
temporary read-only file first (see :func:`handoff_copy`), so no player or editor can change
the evidence. Photos are decoded off the GUI thread with EXIF orientation applied.

Keys: ←/PageUp previous, →/PageDown/Space next, +/- zoom, 0 fit to window, 1 actual size.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QImage,
    QImageReader,
    QKeyEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from effdesk.enums import MediaKind
from effdesk.errors import EffDeskError
from effdesk.evidence.store import EvidenceStore
from effdesk.services.evidence import AttachmentRow
from effdesk.ui.context import AppContext
from effdesk.ui.errors import show_error
from effdesk.ui.inspections.evidence_text import describe
from effdesk.ui.tasks import Progress

HANDOFF_DIR = "effdesk-view"
HANDOFF_KEEP_S = 7 * 24 * 3600
ZOOM_STEP = 1.25
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def handoff_copy(store: EvidenceStore, sha256: str, original_name: str) -> Path:
    """A read-only temporary copy of a stored file, named as it arrived, for other programs.

    Copies older than a week are removed on the way.
    """
    base = Path(tempfile.gettempdir()) / HANDOFF_DIR
    base.mkdir(parents=True, exist_ok=True)
    _clean_old(base)
    name = _UNSAFE.sub("_", original_name).strip(" .") or sha256[:12]
    folder = base / sha256[:16]
    folder.mkdir(exist_ok=True)
    dest = folder / name
    if not dest.is_file():
        tmp = folder / f".{name}.part"
        with store.open(sha256) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        os.replace(tmp, dest)
        os.chmod(dest, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return dest


def _clean_old(base: Path) -> None:
    limit = time.time() - HANDOFF_KEEP_S
    for folder in base.iterdir():
        with contextlib.suppress(OSError):
            if folder.is_dir() and folder.stat().st_mtime < limit:
                for f in folder.iterdir():
                    os.chmod(f, stat.S_IRUSR | stat.S_IWUSR)
                    f.unlink()
                folder.rmdir()


def load_image(path: Path) -> QImage:
    """Decode a photo with its EXIF orientation applied (safe off the GUI thread)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    # Originals of 100+ MP exceed Qt's default allocation limit; the store has checked them.
    QImageReader.setAllocationLimit(1024)
    image = reader.read()
    if image.isNull():
        raise OSError(reader.errorString())
    return image


class _ScrollArea(QScrollArea):
    def __init__(self, viewer: EvidenceViewer) -> None:
        super().__init__()
        self.viewer = viewer

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.viewer.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            event.accept()
            return
        super().wheelEvent(event)


class EvidenceViewer(QDialog):
    """One attachment at a time out of ``rows``, starting at ``index``."""

    def __init__(
        self,
        ctx: AppContext,
        rows: list[AttachmentRow],
        index: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.db.evidence
        self.rows = list(rows)
        self.index = index
        self.image: QImage | None = None
        self.zoom = 1.0
        self.fit = True
        self.last_handoff: Path | None = None
        self.setWindowTitle("查看证据")
        self.resize(1100, 780)

        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.scroll_area = _ScrollArea(self)
        self.scroll_area.setWidget(self.picture)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setStyleSheet("QScrollArea { background: #2b2b2b; }")

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setMinimumWidth(260)
        self.info.setMaximumWidth(320)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.prev_button = QPushButton("◀ 上一个")
        self.next_button = QPushButton("下一个 ▶")
        self.fit_button = QPushButton("适合窗口")
        self.actual_button = QPushButton("原始大小")
        self.zoom_in_button = QPushButton("放大")
        self.zoom_out_button = QPushButton("缩小")
        self.external_button = QPushButton("用系统程序打开")
        self.position_label = QLabel()
        self.prev_button.clicked.connect(lambda _c=False: self.go(-1))
        self.next_button.clicked.connect(lambda _c=False: self.go(1))
        self.fit_button.clicked.connect(lambda _c=False: self.fit_to_window())
        self.actual_button.clicked.connect(lambda _c=False: self.set_zoom(1.0))
        self.zoom_in_button.clicked.connect(lambda _c=False: self.zoom_by(ZOOM_STEP))
        self.zoom_out_button.clicked.connect(lambda _c=False: self.zoom_by(1 / ZOOM_STEP))
        self.external_button.clicked.connect(lambda _c=False: self.open_external())
        for b in (
            self.prev_button,
            self.next_button,
            self.fit_button,
            self.actual_button,
            self.zoom_in_button,
            self.zoom_out_button,
            self.external_button,
        ):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        bar = QHBoxLayout()
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.position_label)
        bar.addStretch(1)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.fit_button)
        bar.addWidget(self.actual_button)
        bar.addWidget(self.zoom_in_button)
        bar.addSpacing(12)
        bar.addWidget(self.external_button)
        body = QHBoxLayout()
        body.addWidget(self.scroll_area, 1)
        body.addWidget(self.info)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(bar)
        self.show_current()

    @property
    def current(self) -> AttachmentRow:
        return self.rows[self.index]

    # --- navigation -------------------------------------------------------------------
    def go(self, step: int) -> None:
        new = self.index + step
        if 0 <= new < len(self.rows):
            self.index = new
            self.show_current()

    def show_current(self) -> None:
        row = self.current
        self.setWindowTitle(f"查看证据 — {row.original_name}")
        self.position_label.setText(f"{self.index + 1} / {len(self.rows)}")
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.rows) - 1)
        flags = (
            f'<p style="color:#b85c00"><b>疑点：</b>{"、".join(row.flag_labels)}</p>'
            if row.flags
            else ""
        )
        text = describe(row).replace("\n", "<br>")
        self.info.setText(f"{flags}<p>{text}</p>")
        is_photo = row.media_kind is MediaKind.PHOTO
        for b in (self.fit_button, self.actual_button, self.zoom_in_button, self.zoom_out_button):
            b.setEnabled(is_photo)
        self.image = None
        if not is_photo:
            self.picture.setPixmap(QPixmap())
            verb = "播放" if row.media_kind in (MediaKind.VIDEO, MediaKind.AUDIO) else "打开"
            self.picture.setText(
                f"{row.media_kind.label}：{row.original_name}\n\n"
                f"请点「用系统程序打开」{verb}（打开的是只读副本，原件不会被改动）。"
            )
            self.picture.setStyleSheet("color: #eeeeee; font-size: 15px;")
            self.picture.resize(self.scroll_area.viewport().size())
            return
        self.picture.setStyleSheet("")
        self.picture.setText("正在载入…")
        sha = row.sha256
        path = self.store.path_of(sha)

        def work(_p: Progress) -> QImage:
            return load_image(path)

        def done(image: QImage) -> None:
            if self.current.sha256 != sha:  # the user moved on meanwhile
                return
            self.image = image
            self.fit_to_window() if self.fit else self._render()

        def failed(exc: BaseException) -> None:
            if self.current.sha256 == sha:
                self.picture.setText(f"无法显示此照片：{exc}")
                if not isinstance(exc, OSError):
                    show_error(self, exc)

        self.ctx.tasks.run(work, done, failed)

    # --- zoom -------------------------------------------------------------------------
    def fit_to_window(self) -> None:
        self.fit = True
        if self.image is None:
            return
        area = self.scroll_area.viewport().size() - QSize(4, 4)
        sx = area.width() / max(1, self.image.width())
        sy = area.height() / max(1, self.image.height())
        self.zoom = min(sx, sy, 1.0)
        self._render()

    def set_zoom(self, zoom: float) -> None:
        self.fit = False
        self.zoom = max(0.02, min(zoom, 8.0))
        self._render()

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def _render(self) -> None:
        if self.image is None:
            return
        size = self.image.size() * self.zoom
        pixmap = QPixmap.fromImage(
            self.image.scaled(
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.picture.setPixmap(pixmap)
        self.picture.resize(pixmap.size())
        self.fit_button.setText(f"适合窗口（{round(self.zoom * 100)}%）")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit:
            self.fit_to_window()

    # --- hand-off ---------------------------------------------------------------------
    def open_external(self) -> Path | None:
        """Open a read-only temporary copy with the program the system associates."""
        row = self.current
        try:
            copy = handoff_copy(self.store, row.sha256, row.original_name)
        except EffDeskError as exc:  # the original is missing from the store
            show_error(self, exc)
            return None
        except OSError as exc:
            show_error(self, EffDeskError(f"无法创建临时副本：{exc.strerror or exc}"))
            return None
        self.last_handoff = copy
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy))):
            self.picture.setText(f"系统中没有可以打开此文件的程序。只读副本位于：\n{copy}")
        return copy

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self.go(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Space):
            self.go(1)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit_to_window()
        elif key == Qt.Key.Key_1:
            self.set_zoom(1.0)
        else:
            super().keyPressEvent(event)
