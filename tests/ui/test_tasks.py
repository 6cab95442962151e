"""TaskRunner with real worker threads: callbacks on the GUI thread, progress, cancel, and many
tasks with progress dialogs finishing at once (which once deadlocked PySide)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from effdesk.ui.tasks import Cancelled, Progress, TaskRunner


def test_callbacks_run_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: dict[str, Any] = {}

    def work(p: Progress) -> int:
        seen["worker"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback"] = threading.current_thread()

    runner.run(work, done, lambda exc: seen.setdefault("error", exc))
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["worker"] is not threading.main_thread()
    assert seen["callback"] is threading.main_thread()
    assert "error" not in seen


def test_errors_are_delivered_not_raised(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def work(p: Progress) -> None:
        raise ValueError("文件「照片.jpg」无法读取")

    runner.run(work, lambda _v: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and "照片.jpg" in str(errors[0])


def test_progress_reaches_the_dialog_and_cancel_stops_the_work(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    runner = TaskRunner()
    errors: list[BaseException] = []
    reported = threading.Event()

    def work(p: Progress) -> None:
        p.report(3, 10, "正在处理第3个文件")
        reported.set()
        deadline = time.monotonic() + 10  # bounded: a failing test must not leave it running
        while time.monotonic() < deadline:  # until the user cancels
            p.check()
            time.sleep(0.01)

    runner.run(work, lambda _v: None, errors.append, parent=parent, title="导入证据")
    dialog = parent.findChild(QProgressDialog)
    assert dialog is not None and dialog.windowTitle() == "导入证据"
    qtbot.waitUntil(lambda: dialog.value() == 3, timeout=5000)
    assert dialog.maximum() == 10 and dialog.labelText() == "正在处理第3个文件"
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "取消"
    button.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], Cancelled)


def test_many_tasks_with_progress_dialogs_finish_together(qtbot: QtBot) -> None:
    # Each task reports progress and finishes while others are still closing their dialogs:
    # the pattern that deadlocked when per-task QObjects were freed on pool threads.
    count = 40
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    runner = TaskRunner()
    results: list[int] = []

    def make(i: int) -> Any:
        def work(p: Progress) -> int:
            for k in range(5):
                p.report(k, 5, f"任务{i}")
            return i

        return work

    for i in range(count):
        runner.run(make(i), results.append, pytest.fail, parent=parent, title=f"任务{i}")
    qtbot.waitUntil(lambda: len(results) == count, timeout=20000)
    assert sorted(results) == list(range(count))
    qtbot.waitUntil(lambda: not parent.findChildren(QProgressDialog), timeout=5000)
