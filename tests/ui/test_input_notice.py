"""The input-method message at start: shown once per input method, then never again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from effdesk.input_method import Advice, advise, qt_modules
from effdesk.ui import input_notice

PYPI_QT = qt_modules(["libibusplatforminputcontextplugin.so"])


def _show_and_count(advice: Advice) -> list[str]:
    """Show the notice; a timer presses 知道了 on whatever message box is up."""
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.buttons()[0].click()

    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(20)
    try:
        input_notice.show_input_method_notice(advice)
    finally:
        timer.stop()
    return seen


def test_fcitx_notice_is_shown_once(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EFFDESK_DATA_DIR", str(tmp_path))
    fcitx = advise({"QT_IM_MODULE": "fcitx"}, {"fcitx"}, PYPI_QT, platform="linux")
    first = _show_and_count(fcitx)
    assert len(first) == 1 and "fcitx" in first[0]
    assert _show_and_count(fcitx) == []
    # Another input method that Qt cannot use gets its own message.
    xim = advise({"QT_IM_MODULE": "xim"}, set(), PYPI_QT, platform="linux")
    assert len(_show_and_count(xim)) == 1


def test_prepare_routes_fcitx5_through_ibus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_IM_MODULE", "fcitx")
    monkeypatch.setattr("effdesk.input_method.running_programs", lambda: {"fcitx5"})
    monkeypatch.setattr("sys.platform", "linux")
    advice = input_notice.prepare_input_method()
    assert advice.framework == "fcitx"
    assert os.environ["QT_IM_MODULE"] == "ibus"
