"""The list's total for a filtered view: exact at once when it is cheap, otherwise an
estimate shown as such ("约 N 件") and replaced by the exact count from a worker thread, while
the list keeps scrolling."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from ui_complaint_support import Office

from effdesk.enums import Channel
from effdesk.services import complaints
from effdesk.services.complaints import ComplaintInput, search
from effdesk.ui.complaints.list_view import ComplaintListView
from effdesk.ui.tasks import TaskRunner

CASES = 230


@pytest.fixture
def many(office: Office) -> None:
    clerk = office.actors["clerk"]
    start = datetime.now().replace(second=0, microsecond=0) - timedelta(days=20)
    with office.db.session() as s:
        for i in range(CASES):
            complaints.register_complaint(
                s,
                clerk,
                ComplaintInput(
                    received_at=start + timedelta(minutes=i),
                    channel=Channel.WEB if i % 2 else Channel.PHONE,
                    summary=f"网络投诉第{i}件",
                    category_id=office.categories["其他"],
                    unit_id=office.units["县公安局"],
                ),
                at=start + timedelta(minutes=i),
            )
    if office.db.backend == "postgresql":
        # PostgreSQL estimates from its statistics, which autovacuum keeps on a live server.
        with office.db.session() as s:
            s.execute(text("ANALYZE complaints"))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every exact count until set (the worker thread waits, the GUI does not)."""
    opened = threading.Event()
    real = complaints.count_complaints

    def held(*args: object, **kw: object) -> int:
        assert opened.wait(10), "the exact count was never released"
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(complaints, "count_complaints", held)
    yield opened
    opened.set()


def threaded_list(qtbot: QtBot, office: Office) -> ComplaintListView:
    ctx = replace(office.ctx("clerk"), tasks=TaskRunner())  # real worker threads
    view = ComplaintListView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_estimate_is_shown_then_replaced_by_the_exact_count(
    qtbot: QtBot,
    office: Office,
    many: None,
    gate: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search, "EXACT_CHEAP", 0)  # as if 230 cases were a million
    view = threaded_list(qtbot, office)
    view.unit_picker.set_current(office.units["县公安局"])  # a filtered view
    qtbot.waitUntil(lambda: view.estimated_count is not None, timeout=10_000)
    assert view.exact_count is None
    assert view.count_label.text() == f"约 {CASES} 件（正在统计准确总数…）"
    # The count does not hold the list up: the next page comes while it runs.
    page = view.PAGE_SIZE
    view.view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.loaded == 2 * page, timeout=10_000)
    assert view.exact_count is None
    gate.set()
    qtbot.waitUntil(lambda: view.exact_count == CASES, timeout=10_000)
    assert view.count_label.text() == f"共 {CASES} 件（已显示 {2 * page} 件，向下滚动加载更多）"


def test_cheap_count_is_exact_at_once(
    qtbot: QtBot, office: Office, many: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_a: object, **_k: object) -> int:
        raise AssertionError("no second count when the first was exact")

    monkeypatch.setattr(complaints, "count_complaints", never)
    view = threaded_list(qtbot, office)
    view.channel_combo.setCurrentIndex(view.channel_combo.findData(Channel.WEB.value))
    qtbot.waitUntil(lambda: view.exact_count is not None, timeout=10_000)
    assert view.exact_count == CASES // 2
    assert view.estimated_count is None
    assert view.count_label.text().startswith(f"共 {CASES // 2} 件")
