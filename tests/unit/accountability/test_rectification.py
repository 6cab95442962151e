"""The rectification cycle through the real services: every state change, the overdue path,
the failed check that restarts the cycle, 暂定 deadlines, 待办, the notice document, voiding,
permissions and stale edits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from unit.complaints.complaint_helpers import World, make_world

from effdesk.auth import Actor
from effdesk.calendar import compute_deadline
from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, DocumentSource, Rectification
from effdesk.enums import (
    DocumentState,
    DocumentType,
    DueStatus,
    RectificationNoticeKind,
    RectificationState,
)
from effdesk.errors import (
    ConcurrentEditError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationErrors,
)
from effdesk.evidence.store import EvidenceStore
from effdesk.office_calendar import load_calendar
from effdesk.reports.documents import render_document_bytes
from effdesk.services import documents as docs
from effdesk.services.accountability import notice
from effdesk.services.accountability import rectification as rs
from effdesk.services.calendar_admin import HolidayDay, provisional_count, save_year

S = RectificationState
ISSUED = date(2026, 3, 2)  # a Monday


@pytest.fixture
def world(session: Session, actors: dict[str, Actor]) -> World:
    return make_world(session, actors)


def open_rect(w: World, days: int | None = 10, deadline: date | None = None, **kw: object) -> int:
    data = rs.RectificationInput(
        unit_id=w.police,
        items=["户籍窗口工作人员上班时间玩手机游戏", "群众等候无人理会"],
        issued_date=kw.pop("issued", ISSUED),  # type: ignore[arg-type]
        deadline_days=days,
        deadline=deadline,
        **kw,  # type: ignore[arg-type]
    )
    return rs.create_rectification(w.session, w.clerk, data).id


def view(w: World, rid: int, today: date) -> rs.RectificationView:
    return rs.get_rectification(w.session, w.leader, rid, today)


def test_full_cycle_each_state_change(world: World) -> None:
    s = world.session
    rid = open_rect(world)
    v = view(world, rid, ISSUED)
    # 10 working days from Monday 2 March 2026 (the start day does not count).
    assert v.row.deadline == date(2026, 3, 16)
    assert v.row.state is S.PENDING
    assert v.row.due_status is DueStatus.NORMAL
    assert v.items == ["户籍窗口工作人员上班时间玩手机游戏", "群众等候无人理会"]
    assert v.actions == [rs.RectAction.REPORT]
    rs.record_report(s, world.clerk, rid, date(2026, 3, 12), "已约谈当事人并调整岗位", v.version)
    v = view(world, rid, date(2026, 3, 12))
    assert v.row.state is S.IN_PROGRESS and v.row.due_status is None
    assert [r.text for r in v.reports] == ["已约谈当事人并调整岗位"]
    assert set(v.actions) == {
        rs.RectAction.REPORT,
        rs.RectAction.CHECK_PASSED,
        rs.RectAction.CHECK_FAILED,
    }
    rs.check_rectification(s, world.leader, rid, date(2026, 3, 13), True, v.version)
    v = view(world, rid, date(2026, 3, 20))
    assert v.row.state is S.DONE
    assert v.row.completed_date == date(2026, 3, 13)
    assert not v.row.ever_overdue
    assert v.checks[0].passed
    with pytest.raises(TransitionNotAllowed, match="已整改"):
        rs.record_report(s, world.clerk, rid, date(2026, 3, 20), "补充", v.version)
    summaries = s.scalars(
        select(AuditEntry.summary)
        .where(AuditEntry.object_type == "rectification")
        .order_by(AuditEntry.seq)
    ).all()
    assert [x.split("：")[0] for x in summaries] == ["下达整改", "登记整改报告", "整改验收通过"]


def test_failed_check_restarts_the_cycle_with_a_new_deadline(world: World) -> None:
    s = world.session
    rid = open_rect(world)
    v = view(world, rid, ISSUED)
    rs.record_report(s, world.clerk, rid, date(2026, 3, 10), "已整改", v.version)
    v = view(world, rid, date(2026, 3, 10))
    with pytest.raises(ValidationErrors) as err:
        rs.check_rectification(s, world.leader, rid, date(2026, 3, 11), False, v.version)
    assert {p.field for p in err.value.problems} == {"reasons", "new_deadline"}
    rs.check_rectification(
        s,
        world.leader,
        rid,
        date(2026, 3, 11),
        False,
        v.version,
        reasons="复查时仍有工作人员玩手机",
        new_deadline_days=5,
    )
    v = view(world, rid, date(2026, 3, 11))
    assert v.row.state is S.PENDING
    assert v.row.deadline == date(2026, 3, 18)
    assert v.checks[-1].new_deadline == date(2026, 3, 18)
    assert v.checks[-1].reasons == "复查时仍有工作人员玩手机"
    # The second round: report, check passes.
    rs.record_report(s, world.clerk, rid, date(2026, 3, 17), "再次整改", v.version)
    v = view(world, rid, date(2026, 3, 17))
    rs.check_rectification(s, world.leader, rid, date(2026, 3, 18), True, v.version)
    v = view(world, rid, date(2026, 3, 18))
    assert v.row.state is S.DONE
    assert [c.passed for c in v.checks] == [False, True]
    assert len(v.reports) == 2


def test_overdue_path_scan_and_late_report(world: World) -> None:
    s = world.session
    rid = open_rect(world, days=None, deadline=date(2026, 3, 9))
    # Before the scan the list already shows it as overdue on a later day.
    row = view(world, rid, date(2026, 3, 10)).row
    assert row.state is S.OVERDUE and row.due_status is DueStatus.OVERDUE
    assert rs.scan_overdue(s, today=date(2026, 3, 9)) == 0
    assert rs.scan_overdue(s, today=date(2026, 3, 10)) == 1
    assert rs.scan_overdue(s, today=date(2026, 3, 11)) == 0  # idempotent
    r = s.get(Rectification, rid)
    assert r is not None and r.state is S.OVERDUE and r.ever_overdue
    filt = rs.RectificationFilter(state=S.OVERDUE)
    assert [
        x.id for x in rs.list_rectifications(s, world.clerk, filt, today=date(2026, 3, 11)).rows
    ] == [rid]
    rs.record_report(s, world.clerk, rid, date(2026, 3, 12), "迟报的整改报告", r.version)
    v = view(world, rid, date(2026, 3, 12))
    assert v.row.state is S.IN_PROGRESS
    assert v.row.ever_overdue  # the lateness stays in the record


def test_near_deadline_and_todo(world: World) -> None:
    s = world.session
    near = open_rect(world, days=None, deadline=date(2026, 3, 12))
    late = open_rect(world, days=None, deadline=date(2026, 3, 5))
    normal = open_rect(world, days=None, deadline=date(2026, 4, 30))
    reported = open_rect(world, days=None, deadline=date(2026, 4, 30))
    r = s.get(Rectification, reported)
    assert r is not None
    rs.record_report(s, world.clerk, reported, date(2026, 3, 9), "已整改完毕", r.version)
    today = date(2026, 3, 10)
    assert view(world, near, today).row.due_status is DueStatus.NEAR
    assert view(world, normal, today).row.due_status is DueStatus.NORMAL
    todo = rs.todo_for(s, world.clerk, today)
    assert [(t.rectification_id, t.what) for t in todo] == [
        (late, "逾期未整改"),
        (near, "整改临期"),
        (reported, "整改待验收"),
    ]
    assert rs.todo_for(s, world.admin, today) == []  # admin does not manage rectification
    by_due = rs.RectificationFilter(due=DueStatus.NEAR)
    assert [x.id for x in rs.list_rectifications(s, world.clerk, by_due, today=today).rows] == [
        near
    ]


def test_deadline_provisional_for_an_unknown_year(world: World) -> None:
    rid = open_rect(world, issued=date(2026, 12, 28), days=10)
    row = view(world, rid, date(2026, 12, 28)).row
    expected = compute_deadline(load_calendar(world.session), date(2026, 12, 28), 10)
    assert expected.provisional
    assert row.deadline == expected.due and row.deadline_provisional
    assert row.deadline_text.endswith("（暂定）")


def test_report_with_attachments_through_the_evidence_store(
    world: World, db: Database, tmp_path: Path
) -> None:
    rid = open_rect(world)
    scan = tmp_path / "整改报告.png"
    Image.new("RGB", (40, 30), "white").save(scan)
    store = EvidenceStore(db.files_dir)
    r = world.session.get(Rectification, rid)
    assert r is not None
    ingest = rs.record_report(
        world.session, world.clerk, rid, date(2026, 3, 6), "", r.version, files=[scan], store=store
    )
    assert ingest is not None and len(ingest.added) == 1
    v = view(world, rid, date(2026, 3, 6))
    (att,) = v.attachments
    assert att.original_name == "整改报告.png"
    assert att.caption == "整改报告（2026-03-06收到）"
    assert store.path_of(att.sha256).read_bytes() == scan.read_bytes()


def test_validation_permissions_void_and_stale(world: World) -> None:
    s = world.session
    with pytest.raises(ValidationErrors) as err:
        rs.create_rectification(
            s, world.clerk, rs.RectificationInput(unit_id=None, items=[" "], issued_date=ISSUED)
        )
    assert {p.field for p in err.value.problems} == {"unit_id", "items", "deadline"}
    with pytest.raises(PermissionDenied, match="管理整改"):
        open_rect(World(**{**world.__dict__, "clerk": world.admin}))
    rid = open_rect(world)
    v = view(world, rid, ISSUED)
    rs.record_report(s, world.clerk, rid, date(2026, 3, 5), "整改报告", v.version)
    with pytest.raises(ConcurrentEditError, match="已被其他人修改"):
        rs.check_rectification(s, world.leader, rid, date(2026, 3, 6), True, v.version)
    with pytest.raises(PermissionDenied):
        rs.void_rectification(s, world.clerk, rid, "错误下达", None)
    rs.void_rectification(s, world.leader, rid, "错误下达", None)
    v = view(world, rid, ISSUED)
    assert v.row.voided and v.actions == []
    assert rs.list_rectifications(s, world.leader).total == 0
    voided = rs.RectificationFilter(voided=True)
    assert rs.list_rectifications(s, world.leader, voided).total == 1
    with pytest.raises(TransitionNotAllowed, match="已作废"):
        rs.check_rectification(s, world.leader, rid, date(2026, 3, 6), True, None)


def test_notice_document_from_items_and_deadline(world: World, db: Database) -> None:
    s = world.session
    rid = open_rect(world, notice_kind=RectificationNoticeKind.SUPERVISION)
    r = s.get(Rectification, rid)
    assert r is not None
    doc = notice.create_notice_draft(s, world.clerk, rid, r.version, today=ISSUED)
    assert doc.doc_type is DocumentType.SUPERVISION_NOTICE
    assert doc.title == "关于督促县公安局限期整改有关问题的督办通知"
    assert doc.main_recipients == "县公安局："
    paras = doc.body.split("\n")
    assert paras[1] == "1.户籍窗口工作人员上班时间玩手机游戏。"
    assert paras[2] == "2.群众等候无人理会。"
    assert "于2026年3月16日前完成整改" in doc.body
    (src,) = s.scalars(select(DocumentSource).where(DocumentSource.document_id == doc.id))
    assert src.rectification_id == rid
    assert r.notice_document_id == doc.id
    with pytest.raises(TransitionNotAllowed, match="已有通知书草稿"):
        notice.create_notice_draft(s, world.clerk, rid, None)
    issued = notice.issue_notice(
        s, world.leader, rid, db.files_dir, doc.version, renderer=render_document_bytes
    )
    assert issued.state is DocumentState.ISSUED
    assert issued.number == "X效督〔2026〕1号"
    assert view(world, rid, ISSUED).row.notice_number == "X效督〔2026〕1号"
    with pytest.raises(TransitionNotAllowed, match="已印发"):
        notice.create_notice_draft(s, world.clerk, rid, None)
    # A failed check restarts the cycle: a new notice may follow, naming the reasons.
    rs.record_report(s, world.clerk, rid, date(2026, 3, 10), "整改报告", r.version)
    rs.check_rectification(
        s,
        world.leader,
        rid,
        date(2026, 3, 11),
        False,
        r.version,
        reasons="整改措施不具体",
        new_deadline_days=5,
    )
    again = notice.create_notice_draft(s, world.clerk, rid, r.version, today=date(2026, 3, 11))
    assert "验收认为：整改措施不具体。" in again.body
    assert "于2026年3月18日前完成整改" in again.body
    assert docs.get_document(s, world.leader, again.id).state is DocumentState.DRAFT


def test_provisional_deadlines_recomputed_when_the_year_is_entered(world: World) -> None:
    s = world.session
    crossing = open_rect(world, issued=date(2026, 12, 28), days=10)
    typed = open_rect(world, issued=date(2026, 12, 28), days=None, deadline=date(2027, 1, 20))
    # A failed check sets a provisional deadline counted from the check.
    restarted = open_rect(world, issued=date(2026, 12, 1), days=5)
    r = s.get(Rectification, restarted)
    assert r is not None
    rs.record_report(s, world.clerk, restarted, date(2026, 12, 3), "已整改", r.version)
    rs.check_rectification(
        s,
        world.leader,
        restarted,
        date(2026, 12, 4),
        False,
        r.version,
        reasons="仍未整改到位",
        new_deadline_days=20,
    )
    # Provisional: weekends and 01-01 only.
    assert view(world, crossing, date(2026, 12, 28)).row.deadline == date(2027, 1, 12)
    assert view(world, restarted, date(2026, 12, 4)).row.deadline == date(2027, 1, 4)
    assert not view(world, typed, date(2026, 12, 28)).row.deadline_provisional
    # The admin enters 2027 (an invented notice: 01-01..01-05 off).
    days = [HolidayDay(date(2027, 1, d), False, "元旦") for d in range(1, 6)]
    changed = save_year(s, world.admin, 2027, days)
    assert changed == 2
    row = view(world, crossing, date(2026, 12, 29)).row
    assert (row.deadline, row.deadline_provisional) == (date(2027, 1, 14), False)
    # Counted again from the failed check (2026-12-04), not from the issue date.
    assert view(world, restarted, date(2026, 12, 4)).row.deadline == date(2027, 1, 6)
    assert view(world, typed, date(2026, 12, 29)).row.deadline == date(2027, 1, 20)
    summary = s.scalars(
        select(AuditEntry.summary)
        .where(AuditEntry.summary.like("录入节假日安排后重新计算整改时限%"))
        .order_by(AuditEntry.seq)
    ).all()
    assert len(summary) == 2 and summary[0].endswith("2027-01-12→2027-01-14")
    assert provisional_count(s) == 0
