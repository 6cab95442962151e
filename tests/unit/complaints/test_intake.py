"""Intake: validation messages per field, phone normalisation, anonymity, numbering, drafts,
duplicate hints and edits recorded in the history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from complaint_helpers import T0, World
from sqlalchemy import select

from effdesk import settings
from effdesk.db.models import AuditEntry, ComplaintEvent, NumberSeries
from effdesk.enums import AuditAction, Channel, ComplaintEventKind, ComplaintState
from effdesk.errors import FieldProblem, NotFound, PermissionDenied, ValidationErrors
from effdesk.services import complaints as svc


def problems_of(w: World, **overrides: object) -> dict[str, str]:
    with pytest.raises(ValidationErrors) as info:
        w.register(**overrides)
    return {p.field: p.message for p in info.value.problems}


def test_required_fields_are_named(world: World) -> None:
    found = problems_of(
        world, received_at=None, channel=None, summary=" ", category_id=None, unit_id=None
    )
    assert found == {
        "received_at": "请填写受理时间。",
        "channel": "请选择来源渠道。",
        "summary": "请填写内容摘要。",
        "category_id": "请选择问题类别。",
        "unit_id": "请选择被投诉单位；不清楚是哪个单位时，请填写被投诉对象的描述。",
    }


def test_subject_description_instead_of_unit(world: World) -> None:
    case = world.register(unit_id=None, subject_description="火车站附近某办税服务厅")
    assert case.unit_id is None
    assert case.subject_description == "火车站附近某办税服务厅"


def test_wrong_references_and_lengths(world: World) -> None:
    found = problems_of(
        world, unit_id=9999, category_id=9999, person_ids=[9999], summary="长" * 301
    )
    assert found["unit_id"] == "所选被投诉单位不存在，请重新选择。"
    assert found["category_id"] == "所选问题类别不存在，请重新选择。"
    assert found["person_ids"] == "所选被投诉人员不存在，请重新选择。"
    assert found["summary"] == "内容摘要不能超过300个字。"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0571-8888 1234", "057188881234"),
        ("(0571)88881234", "057188881234"),
        ("8888123", "8888123"),
        ("12345", "12345"),
    ],
)
def test_phone_is_lenient_and_stored_normalised(world: World, typed: str, stored: str) -> None:
    assert world.register(complainant_phone=typed).complainant_phone == stored


@pytest.mark.parametrize("typed", ["1381234567", "23812345678", "电话不详", "0571-88"])
def test_bad_phone_is_refused_at_its_field(world: World, typed: str) -> None:
    found = problems_of(world, complainant_phone=typed)
    assert list(found) == ["complainant_phone"]
    assert "手机号或带区号的座机号" in found["complainant_phone"]


def test_receipt_not_in_the_future_and_deadline_not_before_receipt(world: World) -> None:
    data = world.input(received_at=T0 + timedelta(hours=1), due_date=date(2026, 3, 1))
    with pytest.raises(ValidationErrors) as info:
        svc.register_complaint(world.session, world.clerk, data, at=T0)
    found = {p.field: p.message for p in info.value.problems}
    assert found["received_at"] == "受理时间不能晚于现在（2026-03-02 09:30）。"
    assert found["due_date"] == "办理时限不能早于受理日期（2026-03-02）。"
    # A few minutes of clock difference between PCs is tolerated.
    ok = world.input(received_at=T0 + timedelta(minutes=5))
    assert (
        svc.register_complaint(world.session, world.clerk, ok, at=T0).received_at == ok.received_at
    )


def test_check_input_lists_problems_without_saving(world: World) -> None:
    assert svc.check_input(world.session, world.input(), at=T0) == []
    assert svc.check_input(world.session, world.input(channel=None), at=T0) == [
        FieldProblem("channel", "请选择来源渠道。")
    ]


def test_anonymous_keeps_a_phone_but_never_a_name(world: World) -> None:
    found = problems_of(world, anonymous=True)
    assert set(found) == {"complainant_name", "complainant_company"}
    assert "匿名投诉不记录投诉人姓名" in found["complainant_name"]
    case = world.register(
        anonymous=True, complainant_name="", complainant_company="", complainant_phone="13900001111"
    )
    assert case.anonymous
    assert case.complainant_name == "" and case.complainant_company == ""
    assert case.complainant_phone == "13900001111"
    assert case.search_identity == "13900001111"


def test_numbers_are_yearly_and_use_the_prefix(world: World) -> None:
    first = world.register()
    second = world.register()
    assert (first.number, second.number) == ("效投2026-0001", "效投2026-0002")
    settings.put(world.session, world.admin, "complaint.number_prefix", "城效投")
    third = world.register()
    assert third.number == "城效投2026-0003"
    older = world.register(at=datetime(2025, 12, 30, 10, 0))
    assert older.number == "城效投2025-0001"
    series = world.session.scalars(
        select(NumberSeries).where(NumberSeries.key == "complaint").order_by(NumberSeries.year)
    ).all()
    assert [(s.year, s.last_number) for s in series] == [(2025, 1), (2026, 3)]


def test_registration_is_recorded_with_event_and_audit(world: World) -> None:
    case = world.register()
    event = world.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)
    ).one()
    assert event.kind == ComplaintEventKind.REGISTERED
    assert event.from_state is None and event.to_state == ComplaintState.REGISTERED
    assert event.actor_id == world.clerk.user_id
    assert event.changes["summary"] == [None, case.summary]
    assert event.changes["basis"] == {
        "acceptance_due": ["2026-03-02", 3],
        "due_date": ["2026-03-02", 15],
    }
    entry = world.session.scalars(
        select(AuditEntry).where(AuditEntry.object_uuid == case.uuid)
    ).one()
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None and entry.after["number"] == "效投2026-0001"
    assert case.registered_by_id == case.handler_user_id == world.clerk.user_id
    assert "县公安局" in case.search_text and "推诿不办" in case.search_text
    assert "张三丰" not in case.search_text and "张三丰" in case.search_identity


def test_edit_records_before_and_after(world: World) -> None:
    case = world.register()
    version = case.version
    svc.update_complaint(
        world.session,
        world.clerk,
        case.id,
        world.input(
            summary="窗口人员推诿扯皮",
            channel=Channel.VISIT,
            person_ids=[world.person],
            person_descriptions=["3号窗口女工作人员"],
        ),
        expected_version=version,
        at=T0 + timedelta(hours=1),
    )
    event = world.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == ComplaintEventKind.EDITED)
    ).one()
    assert event.changes["summary"] == ["窗口工作人员服务态度生硬，推诿不办", "窗口人员推诿扯皮"]
    assert event.changes["channel"] == ["phone", "visit"]
    assert event.changes["persons"] == [[], ["李四", "3号窗口女工作人员"]]
    assert case.version > version
    assert "李四" in case.search_text and "3号窗口女工作人员" in case.search_text
    # Saving the same form again changes nothing and records nothing.
    same = world.input(
        summary="窗口人员推诿扯皮",
        channel=Channel.VISIT,
        person_ids=[world.person],
        person_descriptions=["3号窗口女工作人员"],
    )
    v = case.version
    svc.update_complaint(
        world.session, world.clerk, case.id, same, expected_version=v, at=T0 + timedelta(hours=2)
    )
    assert case.version == v


def test_edit_of_receipt_date_recounts_computed_limits(world: World) -> None:
    case = world.register()
    svc.update_complaint(
        world.session,
        world.clerk,
        case.id,
        world.input(received_at=datetime(2026, 2, 12, 15, 0)),
        expected_version=case.version,
        at=T0 + timedelta(hours=1),
    )
    assert case.acceptance_due == date(2026, 2, 24)
    assert case.due_date == date(2026, 3, 11)  # 15 working days, 02-14 and 02-28 worked


def test_drafts_survive_and_belong_to_their_user(world: World) -> None:
    half = svc.ComplaintInput(summary="有人反映", complainant_phone="1381234", received_at=T0)
    info = svc.save_draft(world.session, world.clerk, svc.input_to_draft(half))
    assert info.summary == "有人反映"
    svc.save_draft(
        world.session,
        world.clerk,
        svc.input_to_draft(world.input(channel=Channel.WEB)),
        draft_id=info.id,
    )
    assert [d.id for d in svc.list_drafts(world.session, world.clerk)] == [info.id]
    restored = svc.input_from_draft(svc.load_draft(world.session, world.clerk, info.id))
    assert restored == world.input(channel=Channel.WEB)
    with pytest.raises(NotFound):
        svc.load_draft(world.session, world.leader, info.id)
    with pytest.raises(PermissionDenied):
        svc.list_drafts(world.session, world.inspector)
    svc.discard_draft(world.session, world.clerk, info.id)
    assert svc.list_drafts(world.session, world.clerk) == []


def test_draft_with_unreadable_values_still_opens() -> None:
    data = svc.input_from_draft(
        {"received_at": "昨天", "channel": "pigeon", "summary": "摘要", "unit_id": "x", "new": 1}
    )
    assert data.summary == "摘要"
    assert data.received_at is None and data.channel is None and data.unit_id is None


def test_duplicate_hints(world: World) -> None:
    old = world.register(at=datetime(2026, 1, 20, 9, 0))
    recent = world.register(at=datetime(2026, 2, 20, 9, 0), complainant_phone="13900002222")
    other_unit = world.register(
        at=datetime(2026, 2, 25, 9, 0), unit_id=world.market, complainant_phone="13900003333"
    )
    hints = svc.find_possible_duplicates(
        world.session,
        world.clerk,
        phone="139-0000-2222",
        unit_id=world.police,
        category_id=world.attitude,
        received=date(2026, 3, 2),
    )
    assert [h.id for h in hints] == [recent.id]
    assert hints[0].reason == "同一联系电话"
    # The oldest case is more than 30 days back, but still open: same phone still counts.
    by_phone = svc.find_possible_duplicates(
        world.session, world.clerk, phone="13812345678", received=date(2026, 3, 10)
    )
    assert [h.id for h in by_phone] == [old.id]
    # An inspector may not match on phones.
    assert (
        svc.find_possible_duplicates(
            world.session, world.inspector, phone="13900002222", received=date(2026, 3, 2)
        )
        == []
    )
    same_unit = svc.find_possible_duplicates(
        world.session,
        world.inspector,
        unit_id=world.market,
        category_id=world.attitude,
        received=date(2026, 3, 2),
    )
    assert [(h.id, h.reason) for h in same_unit] == [
        (other_unit.id, "同一单位、同类问题（30日内）")
    ]
