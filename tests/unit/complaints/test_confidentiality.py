"""The complainant's identity: masked rows, a case view without identity for an inspector,
an audit entry whenever somebody reads it, and anonymous complainants never named."""

from __future__ import annotations

from datetime import timedelta

from complaint_helpers import T0, World, case_in
from sqlalchemy import func, select

from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction, ComplaintState
from effdesk.services import complaints as svc


def identity_reads(w: World) -> int:
    return int(
        w.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.READ_IDENTITY)
        )
        or 0
    )


def test_rows_are_masked_for_roles_without_identity_rights(world: World) -> None:
    world.register()
    clerk_row = svc.search_complaints(world.session, world.clerk).rows[0]
    assert (clerk_row.complainant_name, clerk_row.complainant_phone) == ("张三丰", "13812345678")
    assert clerk_row.complainant_company == "三丰商贸有限公司"
    for who in (world.inspector,):
        row = svc.search_complaints(world.session, who).rows[0]
        assert (row.complainant_name, row.complainant_phone, row.complainant_company) == (
            "***",
            "***",
            "***",
        )
    admin_row = svc.search_complaints(world.session, world.admin).rows[0]
    assert admin_row.complainant_name == "张三丰"


def test_anonymous_is_anonymous_for_everybody(world: World) -> None:
    case = world.register(
        anonymous=True, complainant_name="", complainant_company="", complainant_phone="13900001111"
    )
    for who in (world.clerk, world.leader, world.admin, world.inspector):
        row = svc.search_complaints(world.session, who).rows[0]
        assert row.complainant_name == "匿名"
        assert row.complainant_company == ""
        detail = svc.get_complaint_detail(world.session, who, case.id)
        assert detail.complainant_name is None
        assert detail.complainant_display == "匿名"
    clerk = svc.get_complaint_detail(world.session, world.clerk, case.id)
    assert clerk.complainant_phone == "13900001111"  # kept for the reply
    inspector = svc.get_complaint_detail(world.session, world.inspector, case.id)
    assert inspector.complainant_phone is None


def test_inspector_detail_has_no_identity_and_writes_no_identity_read(world: World) -> None:
    case = world.register(complainant_address="城关镇解放路1号")
    before = identity_reads(world)
    detail = svc.get_complaint_detail(world.session, world.inspector, case.id)
    assert not detail.identity_visible
    assert (
        detail.complainant_name,
        detail.complainant_phone,
        detail.complainant_company,
        detail.complainant_address,
    ) == (None, None, None, None)
    assert detail.complainant_display == "***"
    assert identity_reads(world) == before
    # The registration event shows identity changes masked, too.
    registered = detail.events[0]
    assert registered.changes["complainant_name"] == (None, "***")
    assert registered.changes["complainant_phone"] == (None, "***")
    assert registered.changes["summary"][1] == case.summary


def test_reading_identity_is_audited(world: World) -> None:
    case = world.register()
    before = identity_reads(world)
    detail = svc.get_complaint_detail(world.session, world.leader, case.id)
    assert detail.complainant_name == "张三丰"
    assert identity_reads(world) == before + 1
    entry = world.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.READ_IDENTITY)
    ).all()[-1]
    assert entry.username == "leader" and entry.object_uuid == case.uuid
    # Opening the case without showing the identity is not an identity read.
    hidden = svc.get_complaint_detail(world.session, world.leader, case.id, with_identity=False)
    assert hidden.complainant_name is None
    assert identity_reads(world) == before + 1


def test_case_view_for_units_blots_identity_out_of_free_text(world: World) -> None:
    case = world.register(content="张三丰来电，电话138-1234-5678，称三丰商贸有限公司的证照被拖延。")
    detail = svc.get_complaint_detail(world.session, world.clerk, case.id, for_units=True)
    assert not detail.identity_visible
    assert detail.content == "×××来电，电话×××，称×××的证照被拖延。"
    assert all("张三丰" not in e.text for e in detail.events)


def test_identity_is_not_searchable_without_the_right(world: World) -> None:
    case = world.register()
    clerk = svc.search_complaints(world.session, world.clerk, svc.ComplaintFilter(text="张三丰"))
    assert [r.id for r in clerk.rows] == [case.id]
    for text in ("张三丰", "13812345678", "三丰商贸"):
        rows = svc.search_complaints(
            world.session, world.inspector, svc.ComplaintFilter(text=text)
        ).rows
        assert rows == [], text
    # Two characters (the LIKE fallback) do not reach the identity either.
    assert (
        svc.search_complaints(world.session, world.inspector, svc.ComplaintFilter(text="三丰")).rows
        == []
    )
    assert (
        len(
            svc.search_complaints(world.session, world.clerk, svc.ComplaintFilter(text="三丰")).rows
        )
        == 1
    )


def test_history_of_an_identity_edit_is_masked_for_inspectors(world: World) -> None:
    case = case_in(world, ComplaintState.INVESTIGATING)
    svc.update_complaint(
        world.session,
        world.clerk,
        case.id,
        world.input(complainant_phone="13900009999"),
        expected_version=case.version,
        at=T0 + timedelta(days=1),
    )
    inspector = svc.get_complaint_detail(world.session, world.inspector, case.id)
    edit = [e for e in inspector.events if e.changes.get("complainant_phone")][-1]
    assert edit.changes["complainant_phone"] == ("***", "***")
    clerk = svc.get_complaint_detail(world.session, world.clerk, case.id)
    edit = [e for e in clerk.events if e.changes.get("complainant_phone")][-1]
    assert edit.changes["complainant_phone"] == ("13812345678", "13900009999")


def test_anonymity_change_does_not_leak_the_old_name_in_history(world: World) -> None:
    case = world.register()
    svc.update_complaint(
        world.session,
        world.clerk,
        case.id,
        world.input(anonymous=True, complainant_name="", complainant_company=""),
        expected_version=case.version,
        at=T0 + timedelta(hours=1),
    )
    detail = svc.get_complaint_detail(world.session, world.leader, case.id)
    for event in detail.events:
        assert "张三丰" not in str(event.changes)
    assert "张三丰" not in case.search_identity
