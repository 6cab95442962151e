"""Run long work off the GUI thread, with a progress dialog that can cancel.

One helper for every screen (as Anki's QueryOp / Picard's run_task): ``run`` executes
``work(progress)`` on a thread pool and calls ``on_done(result)`` or ``on_error(exc)`` back on
the GUI thread. Workers never touch widgets: they only call ``progress.report`` and check
``progress.cancelled``. Tests set ``TaskRunner(synchronous=True)`` to run inline, deterministic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
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


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int, str)


class _Job(QRunnable, Generic[T]):
    def __init__(self, work: Callable[[Progress], T], progress: Progress, signals: _Signals):
        super().__init__()
        self.work = work
        self.progress = progress
        self.signals = signals

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(self.progress)
        except BaseException as exc:  # delivered to on_error on the GUI thread
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class TaskRunner:
    def __init__(self, synchronous: bool = False) -> None:
        self.synchronous = synchronous
        self._pool = QThreadPool.globalInstance()
        self._live: set[_Signals] = set()

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

        def finish() -> None:
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()

        def done(result: Any) -> None:
            finish()
            on_done(result)

        def failed(exc: Any) -> None:
            finish()
            on_error(exc)

        if self.synchronous:
            try:
                result = work(progress)
            except BaseException as exc:
                failed(exc)
            else:
                done(result)
            return progress

        signals = _Signals()
        self._live.add(signals)

        def cleanup(*_: Any) -> None:
            self._live.discard(signals)

        signals.done.connect(done)
        signals.failed.connect(failed)
        signals.done.connect(cleanup)
        signals.failed.connect(cleanup)
        if dialog is not None:

            def on_progress(d: int, t: int, text: str) -> None:
                dialog.setMaximum(max(t, 0))
                dialog.setValue(d)
                if text:
                    dialog.setLabelText(text)

            signals.progress.connect(on_progress)
        progress.on_report = lambda d, t, text: signals.progress.emit(d, t, text)
        self._pool.start(_Job(work, progress, signals))
        return progress
