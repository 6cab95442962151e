"""Run long work off the GUI thread, with a progress dialog that can cancel.

One helper for every screen (as Anki's QueryOp / Picard's run_task): ``run`` executes
``work(progress)`` on a worker thread and calls ``on_done(result)`` or ``on_error(exc)`` back on
the GUI thread. Workers never touch widgets: they only call ``progress.report`` and check
``progress.cancelled``. Tests set ``TaskRunner(synchronous=True)`` to run inline, deterministic.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside work when the user pressed 取消; the work must leave no half-done data."""


class Progress:
    """Thread-safe progress reporting handed to the work function."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self.on_report: Callable[[int, int, str], None] | None = None

    def report(self, done: int, total: int, text: str = "") -> None:
        if self.on_report is not None:
            self.on_report(done, total, text)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user cancelled (call between steps)."""
        if self._cancel.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        self._cancel.set()


class _Bridge(QObject):
    """The one QObject that worker threads touch. It is created once, on the GUI thread, and
    lives until the process ends, so no Qt object is ever created, disconnected or destroyed
    off that thread.

    (Per-task QObjects freed by a pool thread deadlocked PySide: the worker waited for the
    GIL inside QObject::disconnect while the GUI thread, holding the GIL, waited for the
    same connection lock in QProgressDialog.close().)
    """

    finished = Signal(int, bool, object)
    progress = Signal(int, int, int, str)

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[int, _Pending] = {}
        self.ids = itertools.count(1)
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    @Slot(int, bool, object)
    def _on_finished(self, job_id: int, ok: bool, payload: object) -> None:
        pending = self.pending.pop(job_id, None)
        if pending is not None:
            pending.complete(ok, payload)

    @Slot(int, int, int, str)
    def _on_progress(self, job_id: int, done: int, total: int, text: str) -> None:
        pending = self.pending.get(job_id)
        if pending is not None and pending.dialog is not None:
            pending.dialog.setMaximum(max(total, 0))
            pending.dialog.setValue(done)
            if text:
                pending.dialog.setLabelText(text)


_bridge: _Bridge | None = None
_pool: ThreadPoolExecutor | None = None


def _shared() -> tuple[_Bridge, ThreadPoolExecutor]:
    """The process-wide bridge and worker threads (first call is on the GUI thread)."""
    global _bridge, _pool
    if _bridge is None or _pool is None:
        _bridge = _Bridge()
        _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="effdesk-task")
    return _bridge, _pool


class _Pending:
    """GUI-thread bookkeeping of one running task."""

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        dialog: QProgressDialog | None,
        progress: Progress,
    ) -> None:
        self.on_done = on_done
        self.on_error = on_error
        self.dialog = dialog
        self.progress = progress

    def complete(self, ok: bool, payload: object) -> None:
        if self.dialog is not None:
            # Closing a QProgressDialog emits canceled(); the work is over, nothing to cancel.
            self.dialog.canceled.disconnect(self.progress.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if ok:
            self.on_done(payload)
        else:
            assert isinstance(payload, BaseException)
            self.on_error(payload)


class TaskRunner:
    """Runs work on worker threads and calls back on the GUI thread.

    Work functions return plain data (never widgets or other Qt objects): the worker may drop
    the last reference to what they return.
    """

    def __init__(self, synchronous: bool = False) -> None:
        self.synchronous = synchronous

    @staticmethod
    def busy() -> bool:
        """Whether any task of this process is still running (start-up probes, tests)."""
        return _bridge is not None and bool(_bridge.pending)

    def run(
        self,
        work: Callable[[Progress], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        *,
        parent: QWidget | None = None,
        title: str = "",
        label: str = "",
        cancellable: bool = True,
    ) -> Progress:
        """Run ``work`` off the GUI thread; with ``title`` a modal progress dialog is shown."""
        progress = Progress()
        dialog: QProgressDialog | None = None
        if title:
            dialog = QProgressDialog(label or title, "取消" if cancellable else "", 0, 0, parent)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            if not cancellable:
                dialog.setCancelButton(None)
            dialog.canceled.connect(progress.cancel)
        pending = _Pending(on_done, on_error, dialog, progress)

        if self.synchronous:
            try:
                result = work(progress)
            except BaseException as exc:
                pending.complete(False, exc)
            else:
                pending.complete(True, result)
            return progress

        bridge, pool = _shared()
        job_id = next(bridge.ids)
        bridge.pending[job_id] = pending
        progress.on_report = lambda d, t, text: bridge.progress.emit(job_id, d, t, text)
        pool.submit(_work_in_thread, bridge, job_id, work, progress)
        return progress


def _work_in_thread(
    bridge: _Bridge, job_id: int, work: Callable[[Progress], Any], progress: Progress
) -> None:
    """Runs on a worker thread: only calls ``work`` and emits on the long-lived bridge."""
    ok = True
    try:
        payload: object = work(progress)
    except BaseException as exc:  # delivered to on_error on the GUI thread
        ok, payload = False, exc
    del work  # its closure may hold widgets: drop it before the GUI thread is told
    bridge.finished.emit(job_id, ok, payload)
