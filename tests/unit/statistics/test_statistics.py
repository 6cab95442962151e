"""The statistics service reproduces the figures of a hand-built office (tests/statistics_cases.py)
around National Day 2025, and every figure lists exactly its cases."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session
from statistics_cases import PERIOD, StatsOffice, build_stats_office

from effdesk.auth import Actor
from effdesk.db.models import Complaint
from effdesk.enums import Channel, ComplaintEventKind
from effdesk.errors import ValidationErrors
from effdesk.services import complaints, statistics
from effdesk.services.complaints import ComplaintFilter
from effdesk.services.measure_counts import measure_totals
from effdesk.services.statistics import Figure, GroupBy, StatsQuery

FROM, TO = PERIOD


@pytest.fixture
def office(session: Session, actors: dict[str, Actor]) -> StatsOffice:
    return build_stats_office(session, actors)


def _stats(session: Session, actor: Actor, as_of: date, by: GroupBy = GroupBy.UNIT):
    return statistics.compute(session, actor, StatsQuery(FROM, TO, as_of, by))


def test_deadlines_cross_national_day_with_make_up_days(
    session: Session, office: StatsOffice
) -> None:
    due = {k: session.get(Complaint, i).due_date for k, i in office.cases.items()}  # type: ignore[union-attr]
    # 9.26 + 5 working days: 9.28 (make-up Sunday), 9.29, 9.30, 10.9, 10.10.
    assert due["A"] == due["B"] == date(2025, 10, 10)
    # 9.30 + 5: 10.9, 10.10, 10.11 (make-up Saturday), 10.13, 10.14.
    assert due["C"] == due["D"] == date(2025, 10, 14)
    # 9.29 + 15 working days, the eight days off skipped.
    assert due["E"] == date(2025, 10, 27)


def test_figures_after_the_deadlines(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    r = _stats(session, actors["leader"], date(2025, 10, 15))
    t = r.total
    assert (t.received, t.concluded) == (6, 3)  # A B C D E I; F rejected, G merged, H earlier
    assert (t.rejected, t.merged) == (1, 1)
    assert t.conclusion_rate == 0.5
    # On time: A (10.10 of 10.10), C (10.13 of 10.14); B concluded on the make-up Saturday
    # 10.11 is late; D open and past 10.14 counts in the base.
    assert (t.on_time, t.open_overdue, t.on_time_base, t.overdue) == (2, 1, 4, 2)
    assert t.on_time_rate == 0.5
    assert t.substantiated == 2 and t.substantiated_rate == 0.6667  # 属实 A + 部分属实 B
    assert t.replied == 2 and t.feedback_rate == 0.6667  # B's 无法反馈 is no feedback
    assert (t.visited, t.satisfied, t.satisfaction_rate) == (2, 1, 0.5)
    # Measures: 2 人次 (the same person twice), 1 unit; the voided one and November's not.
    assert (t.measures_persons, t.measures_units) == (2, 1)
    assert measure_totals(session, FROM, date(2025, 10, 15)).persons == t.measures_persons
    assert t.findings == 3  # the dismissed one is not counted


def test_as_of_rule_case_before_its_deadline_is_not_in_the_base(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    on_due_day = _stats(session, actors["leader"], date(2025, 10, 14)).total
    # D is due 10.14: on its due day it is not late, so it is in neither part of the base.
    assert (on_due_day.concluded, on_due_day.on_time, on_due_day.open_overdue) == (3, 2, 0)
    assert on_due_day.on_time_rate == 0.6667
    assert (on_due_day.visited, on_due_day.satisfied) == (1, 1)  # C's visit is on 10.15
    day_after = _stats(session, actors["leader"], date(2025, 10, 15)).total
    assert day_after.open_overdue == 1 and day_after.on_time_rate == 0.5

    early = _stats(session, actors["leader"], date(2025, 10, 10)).total
    # B is due 10.10 and still open that day: not late yet. Only A is concluded.
    assert (early.received, early.concluded, early.on_time, early.open_overdue) == (6, 1, 1, 0)
    assert early.on_time_rate == 1.0
    assert early.measures_persons == 2 and early.measures_units == 1


def test_late_conclusion_stays_overdue_after_closing(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    b = session.get(Complaint, office.cases["B"])
    assert b is not None and b.ever_overdue
    assert any(e.kind == ComplaintEventKind.OVERDUE for e in b.events)
    complaints.archive(session, actors["clerk"], b.id, expected_version=None)
    t = _stats(session, actors["leader"], date(2025, 10, 31)).total
    assert t.overdue >= 1
    ref = statistics.compute(
        session, actors["leader"], StatsQuery(FROM, TO, date(2025, 10, 31))
    ).ref(Figure.OVERDUE)
    rows = complaints.search_complaints(
        session, actors["leader"], ComplaintFilter(statistic=ref)
    ).rows
    assert office.numbers["B"] in {r.number for r in rows}


def test_groups_add_up_and_name_units(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    r = _stats(session, actors["leader"], date(2025, 10, 15))
    units = {row.label: row.counts for row in r.by_unit}
    assert list(units) == ["县公安局", "县市场监督管理局", "（未指定单位）"]
    assert units["县公安局"].received == 3 and units["县市场监督管理局"].received == 2
    assert units["县公安局"].measures_persons == 2 and units["县公安局"].measures_units == 0
    assert units["县市场监督管理局"].measures_units == 1
    assert units["县公安局"].findings == 2 and units["县市场监督管理局"].findings == 1
    assert sum(c.received for c in units.values()) == r.total.received
    for by in (GroupBy.CATEGORY, GroupBy.CHANNEL, GroupBy.MONTH, GroupBy.HANDLER):
        g = _stats(session, actors["leader"], date(2025, 10, 15), by)
        for figure in ("received", "concluded", "on_time", "open_overdue", "satisfied"):
            assert sum(getattr(row.counts, figure) for row in g.groups) == getattr(g.total, figure)
    months = _stats(session, actors["leader"], date(2025, 10, 15), GroupBy.MONTH)
    assert [(row.key, row.counts.received) for row in months.groups] == [
        ("2025-09", 5),
        ("2025-10", 1),
    ]
    assert [(row.label, row.findings) for row in r.findings_by_campaign] == [
        ("国庆节后上班纪律暗访", 2),
        ("（日常督查，未关联活动）", 1),
    ]


@pytest.mark.parametrize(
    "by", [GroupBy.UNIT, GroupBy.CATEGORY, GroupBy.CHANNEL, GroupBy.MONTH, GroupBy.HANDLER]
)
def test_every_figure_lists_exactly_its_cases(
    session: Session, actors: dict[str, Actor], office: StatsOffice, by: GroupBy
) -> None:
    leader = actors["leader"]
    r = _stats(session, leader, date(2025, 10, 15), by)
    complaint_figures = [f for f in Figure if f.records == "complaint"]
    cells = [(None, None, "", r.total)] + [(by, row.key, row.label, row.counts) for row in r.groups]
    for group, key, label, counts in cells:
        for figure in complaint_figures:
            ref = r.ref(figure, group, key, label)
            listed = complaints.count_complaints(session, leader, ComplaintFilter(statistic=ref))
            assert listed == counts.value(figure), (figure, group, key)


def test_measure_and_finding_records_match_the_figures(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    leader = actors["leader"]
    r = _stats(session, leader, date(2025, 10, 15))
    assert len(statistics.measure_lines(session, leader, r.ref(Figure.MEASURES_PERSONS))) == 2
    assert statistics.count_measure_units(session, leader, r.ref(Figure.MEASURES_UNITS)) == 1
    assert len(statistics.finding_lines(session, leader, r.ref(Figure.FINDINGS))) == 3
    police = r.ref(Figure.FINDINGS, GroupBy.UNIT, office.police, "县公安局")
    assert [f.description for f in statistics.finding_lines(session, leader, police)] == [
        "上班时间脱岗",
        "窗口无人值守",
    ]
    camp = r.ref(Figure.FINDINGS, GroupBy.CAMPAIGN, office.campaign)
    assert len(statistics.finding_lines(session, leader, camp)) == 2


def test_json_has_the_keys_and_is_stable(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    r = _stats(session, actors["inspector"], date(2025, 10, 15), GroupBy.CHANNEL)
    data = json.loads(r.dumps())
    for key in (
        "received",
        "concluded",
        "conclusion_rate",
        "on_time_rate",
        "overdue",
        "substantiated_rate",
        "feedback_rate",
        "satisfaction_rate",
        "measures_persons",
        "measures_units",
        "by_unit",
        "by_channel",
    ):
        assert key in data
    assert data["by_channel"][0]["key"] == "phone"
    again = _stats(session, actors["inspector"], date(2025, 10, 15), GroupBy.CHANNEL)
    assert again.dumps() == r.dumps()


def test_default_as_of_and_empty_rates(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    past = statistics.compute(
        session, actors["leader"], StatsQuery(FROM, TO), today=date(2026, 1, 5)
    )
    assert past.as_of == TO
    running = statistics.compute(
        session, actors["leader"], StatsQuery(FROM, TO), today=date(2025, 10, 15)
    )
    assert running.as_of == date(2025, 10, 15)
    empty = statistics.compute(
        session, actors["leader"], StatsQuery(date(2024, 1, 1), date(2024, 1, 31))
    )
    assert empty.total.received == 0 and empty.total.conclusion_rate is None
    assert json.loads(empty.dumps())["on_time_rate"] is None


def test_bad_periods_are_refused(session: Session, actors: dict[str, Actor]) -> None:
    with pytest.raises(ValidationErrors) as err:
        statistics.compute(session, actors["leader"], StatsQuery(TO, FROM))
    assert "不能早于开始日期" in str(err.value)
    with pytest.raises(ValidationErrors):
        statistics.compute(session, actors["leader"], StatsQuery(FROM, TO, date(2025, 8, 1)))


AS_OFS = [date(2025, 9, 27), date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 14)]
AS_OFS += [date(2025, 10, 15), date(2025, 10, 31)]


def _same_as_a_full_scan(session: Session, actor: Actor) -> None:
    for as_of in AS_OFS:
        for by in (GroupBy.UNIT, GroupBy.CATEGORY, GroupBy.CHANNEL, GroupBy.MONTH, GroupBy.HANDLER):
            query = StatsQuery(FROM, TO, as_of, by)
            cached = statistics.compute(session, actor, query)
            scanned = statistics.compute(session, actor, query, use_cache=False)
            assert cached.to_json() == scanned.to_json(), (as_of, by)


def test_cache_gives_the_full_scan_figures_and_follows_changes(
    session: Session, actors: dict[str, Actor], office: StatsOffice
) -> None:
    leader, clerk = actors["leader"], actors["clerk"]
    _same_as_a_full_scan(session, leader)
    before = _stats(session, leader, date(2025, 10, 31)).total
    # Reopening A (the leader's decision) clears its conclusion: the cache follows.
    complaints.reopen(
        session, leader, office.cases["A"], "回访后发现问题未解决。", expected_version=None
    )
    after = _stats(session, leader, date(2025, 10, 31)).total
    assert after.concluded == before.concluded - 1
    # Moving E's 受理日期 from September into August takes it out of the period.
    e = session.get(Complaint, office.cases["E"])
    assert e is not None
    data = complaints.ComplaintInput(
        received_at=e.received_at.replace(month=8, day=28),
        channel=e.channel,
        summary=e.summary,
        category_id=e.category_id,
        unit_id=e.unit_id,
        content=e.content,
        complexity=e.complexity,
        complainant_name=e.complainant_name,
        complainant_phone=e.complainant_phone,
    )
    complaints.update_complaint(session, clerk, e.id, data, expected_version=None)
    assert _stats(session, leader, date(2025, 10, 31)).total.received == after.received - 1
    # A new case is counted at once.
    office_unit = office.market
    complaints.register_complaint(
        session,
        clerk,
        complaints.ComplaintInput(
            received_at=datetime(2025, 10, 20, 9, 0),
            channel=Channel.VISIT,
            summary="新来访投诉",
            unit_id=office_unit,
            category_id=office.attitude,
        ),
        at=datetime(2025, 10, 20, 9, 0),
    )
    _same_as_a_full_scan(session, leader)
    statistics.rebuild_cache(session)
    _same_as_a_full_scan(session, leader)
