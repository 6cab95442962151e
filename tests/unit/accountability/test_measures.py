"""The accountability register through the real services: bases, refusals, voiding, the
效能告诫 count and warning, permissions, stale edits, totals against measure_counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from unit.complaints.complaint_helpers import T0, World, case_in, make_world

from effdesk import settings
from effdesk.auth import Actor
from effdesk.db.models import AccountabilityMeasure, AuditEntry
from effdesk.enums import (
    AuditAction,
    ComplaintState,
    FindingStatus,
    MeasureType,
    SubjectKind,
    Verification,
)
from effdesk.errors import (
    ConcurrentEditError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.services import complaints, inspections
from effdesk.services.accountability import measures as ms
from effdesk.services.measure_counts import measure_totals

D = date(2026, 3, 20)


@pytest.fixture
def world(session: Session, actors: dict[str, Actor]) -> World:
    return make_world(session, actors)


def concluded(w: World, verification: Verification = Verification.SUBSTANTIATED) -> int:
    case = case_in(w, ComplaintState.INVESTIGATING)
    complaints.draft_conclusion(
        w.session,
        w.clerk,
        case.id,
        verification=verification,
        handling_result="已核实处理。",
        expected_version=case.version,
        at=T0 + timedelta(days=3),
    )
    complaints.sign_off(
        w.session, w.leader, case.id, expected_version=case.version, at=T0 + timedelta(days=4)
    )
    return case.id


def finding(w: World, status: FindingStatus = FindingStatus.VERIFIED) -> int:
    f = inspections.create_finding(
        w.session,
        w.leader,
        inspections.FindingInput(
            unit_id=w.police,
            observed_at=datetime(2026, 3, 3, 9, 10),
            description="户籍窗口工作人员上班时间玩手机游戏",
            place="户籍窗口",
            persons=[inspections.FindingPersonInput(person_id=w.person)],
            proposed_measure=MeasureType.EFFICIENCY_WARNING,
        ),
    )
    if status is not FindingStatus.PENDING:
        inspections.change_finding_status(w.session, w.leader, f.id, FindingStatus.VERIFIED)
    return f.id


def person_measure(w: World, measure: MeasureType = MeasureType.CRITICISM_EDUCATION, **kw: object):
    data = ms.MeasureInput(
        subject_kind=SubjectKind.PERSON,
        measure=measure,
        decided_date=kw.pop("day", D),  # type: ignore[arg-type]
        person_id=w.person,
        deciding_body="县效能办",
        **kw,  # type: ignore[arg-type]
    )
    return ms.record_measure(w.session, w.leader, data)


def test_record_from_a_concluded_complaint_links_both_ways(world: World) -> None:
    cid = concluded(world)
    (proposal,) = ms.prefill_from_complaint(world.session, world.leader, cid)
    assert proposal.complaint_id == cid
    assert proposal.subject_kind is SubjectKind.UNIT  # nobody named: the unit
    assert proposal.unit_id == world.police
    out = ms.record_measure(world.session, world.leader, proposal)
    row = ms.get_measure(world.session, world.leader, out.id)
    assert row.basis_kind == ms.BasisKind.COMPLAINT
    assert row.basis_label.startswith("投诉件 ")
    # The complaint's side: its measures are one query away.
    linked = ms.list_measures(world.session, world.leader, ms.MeasureFilter(complaint_id=cid))
    assert [r.id for r in linked.rows] == [out.id]
    entry = world.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "accountability_measure")
    ).one()
    assert entry.action is AuditAction.CREATE
    assert entry.after["complaint_id"] == cid


def test_unfounded_complaint_is_refused_clearly(world: World) -> None:
    cid = concluded(world, Verification.UNFOUNDED)
    with pytest.raises(TransitionNotAllowed, match="不属实"):
        ms.prefill_from_complaint(world.session, world.leader, cid)
    data = ms.MeasureInput(
        subject_kind=SubjectKind.UNIT,
        measure=MeasureType.CIRCULATED_CRITICISM,
        decided_date=D,
        unit_id=world.police,
        complaint_id=cid,
    )
    with pytest.raises(ValidationErrors) as err:
        ms.record_measure(world.session, world.leader, data)
    (problem,) = err.value.problems
    assert problem.field == "complaint_id"
    assert "核查结论为「不属实」，不能据此问责" in problem.message
    assert world.session.scalars(select(AccountabilityMeasure)).all() == []


def test_complaint_still_open_and_pending_finding_are_refused(world: World) -> None:
    open_case = case_in(world, ComplaintState.INVESTIGATING)
    with pytest.raises(TransitionNotAllowed, match="办结后才能"):
        ms.prefill_from_complaint(world.session, world.leader, open_case.id)
    fid = finding(world, FindingStatus.PENDING)
    with pytest.raises(TransitionNotAllowed, match="核实认定后"):
        ms.prefill_from_finding(world.session, world.leader, fid)


def test_record_from_a_verified_finding_with_its_proposed_measure(world: World) -> None:
    fid = finding(world)
    (proposal,) = ms.prefill_from_finding(world.session, world.leader, fid)
    assert proposal.subject_kind is SubjectKind.PERSON
    assert proposal.person_id == world.person
    assert proposal.measure is MeasureType.EFFICIENCY_WARNING
    out = ms.record_measure(world.session, world.leader, proposal)
    row = ms.get_measure(world.session, world.leader, out.id)
    assert row.unit_id == world.police  # the person's unit at the time
    assert row.finding_id == fid and row.basis_kind == ms.BasisKind.FINDING


def test_pay_deduction_needs_an_amount_and_others_take_none(world: World) -> None:
    with pytest.raises(ValidationErrors) as err:
        person_measure(world, MeasureType.PAY_DEDUCTION)
    assert [p.field for p in err.value.problems] == ["amount"]
    with pytest.raises(ValidationErrors, match="不是经济处理"):
        person_measure(world, MeasureType.CRITICISM_EDUCATION, amount=Decimal("100"))
    out = person_measure(world, MeasureType.PAY_DEDUCTION, amount=Decimal("500"))
    assert ms.get_measure(world.session, world.leader, out.id).amount == Decimal("500")


def test_fourth_warning_in_a_year_is_recorded_with_a_warning(world: World) -> None:
    for n in range(3):
        out = person_measure(world, MeasureType.EFFICIENCY_WARNING, day=D + timedelta(days=n))
        assert out.warnings == []
    # Last year's warning does not count in the calendar year.
    person_measure(world, MeasureType.EFFICIENCY_WARNING, day=date(2025, 12, 30))
    count = ms.warning_count(world.session, world.person, D + timedelta(days=5))
    assert (count.count, count.window_label) == (3, "2026年")
    fourth = person_measure(world, MeasureType.EFFICIENCY_WARNING, day=D + timedelta(days=6))
    assert fourth.id  # recorded, not refused
    (text,) = fourth.warnings
    assert "2026年已被效能告诫 4 次" in text
    history = ms.person_history(world.session, world.leader, world.person, D + timedelta(days=7))
    assert history.warnings.count == 4
    # The register numbers each warning within its year: the 4th reads as such at a glance.
    ordinals = {r.decided_date: r.warning_ordinal for r in history.measures}
    assert ordinals[D] == 1 and ordinals[D + timedelta(days=6)] == 4
    assert ordinals[date(2025, 12, 30)] == 1
    assert len(history.measures) == 5


def test_rolling_window_counts_the_last_365_days(world: World) -> None:
    settings.put(world.session, world.admin, "accountability.warning_window", "rolling")
    person_measure(world, MeasureType.EFFICIENCY_WARNING, day=date(2025, 12, 30))
    person_measure(world, MeasureType.EFFICIENCY_WARNING, day=date(2025, 1, 2))
    count = ms.warning_count(world.session, world.person, D)
    assert (count.count, count.window_label) == (1, "近一年")


def test_void_needs_a_reason_keeps_history_and_stops_counting(world: World) -> None:
    out = person_measure(world)
    unit = ms.record_measure(
        world.session,
        world.leader,
        ms.MeasureInput(
            subject_kind=SubjectKind.UNIT,
            measure=MeasureType.CIRCULATED_CRITICISM,
            decided_date=D,
            unit_id=world.market,
        ),
    )
    assert ms.register_totals(world.session, world.leader).persons == 1
    with pytest.raises(ValidationError, match="作废原因"):
        ms.void_measure(world.session, world.leader, out.id, " ", out.version)
    ms.void_measure(world.session, world.leader, out.id, "对象登记错误", out.version)
    with pytest.raises(TransitionNotAllowed, match="已经作废"):
        ms.void_measure(world.session, world.leader, out.id, "again", None)
    row = ms.get_measure(world.session, world.leader, out.id)
    assert row.voided and row.void_reason == "对象登记错误"
    # In force: only the unit's; voided-only list holds the voided one; nothing deleted.
    in_force = ms.list_measures(world.session, world.leader)
    assert [r.id for r in in_force.rows] == [unit.id]
    voided = ms.list_measures(world.session, world.leader, ms.MeasureFilter(voided=True))
    assert [r.id for r in voided.rows] == [out.id]
    assert ms.register_totals(world.session, world.leader) == measure_totals(
        world.session, date(2000, 1, 1), date(2100, 1, 1)
    )
    assert ms.register_totals(world.session, world.leader).persons == 0
    assert world.session.scalar(
        select(AuditEntry.summary).where(AuditEntry.action == AuditAction.VOID)
    ).endswith("对象登记错误")
    with pytest.raises(TransitionNotAllowed, match="已作废"):
        ms.update_measure(world.session, world.leader, out.id, row.to_input(), None)


def test_permissions_decide_who_records_and_voids(world: World) -> None:
    data = ms.MeasureInput(
        subject_kind=SubjectKind.PERSON,
        measure=MeasureType.CRITICISM_EDUCATION,
        decided_date=D,
        person_id=world.person,
    )
    for actor in (world.clerk, world.inspector, world.admin):
        with pytest.raises(PermissionDenied, match="决定问责措施"):
            ms.record_measure(world.session, actor, data)
    out = ms.record_measure(world.session, world.leader, data)
    with pytest.raises(PermissionDenied, match="作废问责整改记录"):
        ms.void_measure(world.session, world.clerk, out.id, "错误", out.version)
    # Every role may read the register.
    for actor in (world.clerk, world.inspector, world.admin):
        assert ms.list_measures(world.session, actor).total == 1


def test_stale_edit_is_refused_naming_the_change(world: World) -> None:
    out = person_measure(world)
    row = ms.get_measure(world.session, world.leader, out.id)
    data = row.to_input()
    data.notes = "第一台电脑的修改"
    ms.update_measure(world.session, world.leader, out.id, data, row.version)
    data.notes = "第二台电脑基于旧版本的修改"
    with pytest.raises(ConcurrentEditError) as err:
        ms.update_measure(world.session, world.leader, out.id, data, row.version)
    assert "已被其他人修改" in str(err.value)
    # Who made the change that won, and what it was, from the audit trail.
    assert "最近一次修改：leader" in str(err.value)
    assert "修改问责：李四「批评教育」" in str(err.value)
    assert f"您编辑的是版本 {row.version}" in err.value.other_change
    assert ms.get_measure(world.session, world.leader, out.id).notes == "第一台电脑的修改"
    with pytest.raises(ConcurrentEditError):
        ms.void_measure(world.session, world.leader, out.id, "原因", row.version)


def test_filters_search_and_totals_match_measure_counts(world: World) -> None:
    fid = finding(world)
    cid = concluded(world)
    person_measure(world, MeasureType.EFFICIENCY_WARNING, finding_id=fid)
    person_measure(world, MeasureType.CRITICISM_EDUCATION, day=date(2026, 4, 2))
    for unit in (world.police, world.market, world.market):
        ms.record_measure(
            world.session,
            world.leader,
            ms.MeasureInput(
                subject_kind=SubjectKind.UNIT,
                measure=MeasureType.CIRCULATED_CRITICISM,
                decided_date=D,
                unit_id=unit,
                complaint_id=cid if unit == world.police else None,
            ),
        )
    s, L = world.session, world.leader
    march = ms.MeasureFilter(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert ms.list_measures(s, L, march).total == 4
    assert ms.register_totals(s, L, march) == measure_totals(s, date(2026, 3, 1), date(2026, 3, 31))
    assert ms.totals_text(ms.register_totals(s, L, march)) == "问责 1 人次、单位 2 个"
    assert ms.list_measures(s, L, ms.MeasureFilter(basis_kind=ms.BasisKind.FINDING)).total == 1
    assert ms.list_measures(s, L, ms.MeasureFilter(basis_kind=ms.BasisKind.COMPLAINT)).total == 1
    assert ms.list_measures(s, L, ms.MeasureFilter(basis_kind=ms.BasisKind.NONE)).total == 3
    assert ms.list_measures(s, L, ms.MeasureFilter(person_id=world.person)).total == 2
    assert ms.list_measures(s, L, ms.MeasureFilter(unit_id=world.market)).total == 2
    by_type = ms.MeasureFilter(measure=MeasureType.EFFICIENCY_WARNING)
    assert ms.list_measures(s, L, by_type).total == 1
    assert ms.list_measures(s, L, ms.MeasureFilter(text="李四")).total == 2
    assert ms.list_measures(s, L, ms.MeasureFilter(text="告诫")).total == 1
    assert ms.list_measures(s, L, ms.MeasureFilter(text="市场监督")).total == 2
    text_totals = ms.register_totals(s, L, ms.MeasureFilter(text="市场监督"))
    assert (text_totals.persons, text_totals.units) == (0, 1)
    history = ms.unit_history(s, L, world.police)
    assert history.totals.persons == 2 and history.totals.units == 1
    assert len(history.measures) == 3


def test_measure_types_are_configurable(world: World) -> None:
    settings.put(
        world.session,
        world.admin,
        "accountability.measure_types",
        ["criticism_education", "efficiency_warning", "unknown_code"],
    )
    settings.put(
        world.session, world.admin, "accountability.measure_labels", {"efficiency_warning": "告诫"}
    )
    assert ms.measure_type_choices(world.session) == [
        (MeasureType.CRITICISM_EDUCATION, "批评教育"),
        (MeasureType.EFFICIENCY_WARNING, "告诫"),
    ]
    out = person_measure(world, MeasureType.EFFICIENCY_WARNING)
    assert ms.get_measure(world.session, world.leader, out.id).measure_label == "告诫"


def test_measure_settings_are_validated_and_for_the_admin(world: World) -> None:
    value = ms.MeasureSettings(enabled=[], labels={}, warning_window="weekly")
    with pytest.raises(ValidationErrors) as err:
        ms.save_measure_settings(world.session, world.admin, value)
    assert {p.field for p in err.value.problems} == {"enabled", "warning_window"}
    ok = ms.MeasureSettings([MeasureType.CRITICISM_EDUCATION], {}, "rolling")
    with pytest.raises(PermissionDenied):
        ms.save_measure_settings(world.session, world.leader, ok)
    ms.save_measure_settings(world.session, world.admin, ok)
    assert ms.measure_settings(world.session) == ok
