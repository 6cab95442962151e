"""Campaigns, target progress and findings through the service layer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from inspection_helpers import Directory, at, campaign_input
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import AuditEntry, Finding, FindingPerson
from effdesk.enums import (
    CampaignStatus,
    FindingOrigin,
    FindingStatus,
    MeasureType,
    TargetStatus,
)
from effdesk.errors import (
    ConcurrentEditError,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.services import inspections as svc
from effdesk.services.inspections import FindingInput, FindingPersonInput


def _audit_count(session: Session, object_type: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_type == object_type)
        )
        or 0
    )


@pytest.fixture
def campaign(session: Session, actors: dict[str, Actor], dirdata: Directory) -> svc.CampaignView:
    insp = actors["inspector"]
    c = svc.create_campaign(
        session, insp, campaign_input(dirdata, [insp.user_id or 0, actors["leader"].user_id or 0])
    )
    return svc.get_campaign(session, insp, c.id)


def _finding(d: Directory, campaign_id: int | None, **kw: object) -> FindingInput:
    data = FindingInput(
        unit_id=d.units["县自然资源局"].id,
        observed_at=at(3, 9, 10),
        description="9:10 不动产登记窗口无人在岗，群众排队等候",
        campaign_id=campaign_id,
        place="一楼不动产登记窗口",
        category_id=d.categories["discipline"].id,
        persons=[FindingPersonInput(person_id=d.persons["张三"].id)],
    )
    for k, v in kw.items():
        setattr(data, k, v)
    return data


def test_create_campaign_plans_team_and_targets(
    session: Session, actors: dict[str, Actor], campaign: svc.CampaignView
) -> None:
    assert campaign.status is CampaignStatus.PLANNED
    assert {m.username for m in campaign.members} == {"inspector", "leader"}
    assert {t.unit_name for t in campaign.targets} == {
        "县市场监督管理局",
        "县自然资源局",
        "县政务服务中心",
    }
    assert all(t.status is TargetStatus.PENDING for t in campaign.targets)
    assert _audit_count(session, "campaign") == 1
    page = svc.list_campaigns(session, actors["clerk"])
    assert page.total == 1
    row = page.rows[0]
    assert (row.target_count, row.visited_count, row.finding_count) == (3, 0, 0)
    assert row.dates_text == "2026-03-02至2026-03-06"


def test_campaign_validation_names_fields(
    session: Session, actors: dict[str, Actor], dirdata: Directory
) -> None:
    data = campaign_input(dirdata, [], name=" ", end_date=None)
    with pytest.raises(ValidationErrors) as err:
        svc.create_campaign(session, actors["inspector"], data)
    fields = {p.field for p in err.value.problems}
    assert fields == {"name", "end_date"}
    assert "活动名称不能为空" in str(err.value)
    data = campaign_input(dirdata, [])
    data.end_date = data.start_date - timedelta(days=1)  # type: ignore[operator]
    with pytest.raises(ValidationErrors, match="结束日期不能早于开始日期"):
        svc.create_campaign(session, actors["inspector"], data)


def test_clerk_cannot_manage_campaigns(
    session: Session, actors: dict[str, Actor], dirdata: Directory
) -> None:
    with pytest.raises(PermissionDenied, match="管理督查活动"):
        svc.create_campaign(session, actors["clerk"], campaign_input(dirdata, []))


def test_update_campaign_optimistic_lock_and_targets(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    data = campaign.to_input()
    data.target_unit_ids.append(dirdata.units["城关镇人民政府"].id)
    data.theme = "窗口服务"
    svc.update_campaign(session, insp, campaign.id, data, campaign.version)
    view = svc.get_campaign(session, insp, campaign.id)
    assert len(view.targets) == 4 and view.theme == "窗口服务"
    assert view.version == campaign.version + 1
    with pytest.raises(ConcurrentEditError, match="已被其他人修改"):
        svc.update_campaign(session, insp, campaign.id, data, campaign.version)


def test_finding_marks_target_and_starts_campaign(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    f = svc.create_finding(session, insp, _finding(dirdata, campaign.id))
    assert f.status is FindingStatus.PENDING and f.origin is FindingOrigin.OFFICE
    view = svc.get_campaign(session, insp, campaign.id)
    assert view.status is CampaignStatus.IN_PROGRESS
    target = next(t for t in view.targets if t.unit_name == "县自然资源局")
    assert target.status is TargetStatus.ISSUES
    assert target.visited_at == at(3, 9, 10)
    assert target.finding_count == 1
    fv = svc.get_finding(session, actors["clerk"], f.id)
    assert fv.row.persons_text == "张三（窗口科员）"
    assert fv.row.category_name == "违反工作纪律"
    assert fv.recorded_by_name == "inspector"
    assert _audit_count(session, "finding") == 1


def test_visit_without_findings_is_no_issue(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    unit = dirdata.units["县市场监督管理局"]
    row = svc.record_visit(session, actors["inspector"], campaign.id, unit.id, at(4, 8, 30), "正常")
    assert row.status is TargetStatus.NO_ISSUE and row.notes == "正常"
    row = svc.record_visit(session, actors["inspector"], campaign.id, unit.id, None)
    assert row.status is TargetStatus.PENDING


def test_finding_at_unplanned_unit_adds_target(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    data = _finding(dirdata, campaign.id, unit_id=dirdata.units["城关镇人民政府"].id, persons=[])
    svc.create_finding(session, actors["inspector"], data)
    view = svc.get_campaign(session, actors["inspector"], campaign.id)
    town = next(t for t in view.targets if t.unit_name == "城关镇人民政府")
    assert town.status is TargetStatus.ISSUES and "新增" in town.notes


def test_finding_validation(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    bad = _finding(dirdata, campaign.id, unit_id=None, description="  ", observed_at=None)
    with pytest.raises(ValidationErrors) as err:
        svc.create_finding(session, insp, bad)
    assert {p.field for p in err.value.problems} == {"unit_id", "description", "observed_at"}
    outside = _finding(dirdata, campaign.id, observed_at=datetime(2026, 2, 20, 9, 0))
    with pytest.raises(ValidationErrors, match=r"不在督查活动.*前后一天内"):
        svc.create_finding(session, insp, outside)
    # A day either side is accepted ("near" the campaign).
    svc.create_finding(
        session, insp, _finding(dirdata, campaign.id, observed_at=datetime(2026, 3, 7, 8, 0))
    )
    future = _finding(dirdata, None, observed_at=now() + timedelta(hours=2))
    with pytest.raises(ValidationErrors, match="不能晚于当前时间"):
        svc.create_finding(session, insp, future)
    wrong_unit = _finding(
        dirdata, campaign.id, persons=[FindingPersonInput(person_id=dirdata.persons["王五"].id)]
    )
    with pytest.raises(ValidationErrors, match="「王五」不属于「县自然资源局」"):
        svc.create_finding(session, insp, wrong_unit)
    empty_person = _finding(dirdata, campaign.id, persons=[FindingPersonInput()])
    with pytest.raises(ValidationErrors, match="描述此人特征"):
        svc.create_finding(session, insp, empty_person)


def test_described_person_and_edit(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    data = _finding(
        dirdata,
        campaign.id,
        unit_id=dirdata.units["县政务服务中心"].id,
        persons=[
            FindingPersonInput(description="戴眼镜男子，工牌未佩戴"),
            FindingPersonInput(person_id=dirdata.persons["3号窗口"].id),
        ],
    )
    f = svc.create_finding(session, insp, data)
    view = svc.get_finding(session, insp, f.id)
    assert view.row.persons_text == "戴眼镜男子，工牌未佩戴、3号窗口女工作人员"
    edit = view.to_input()
    edit.persons = edit.persons[:1]
    edit.proposed_measure = MeasureType.CRITICISM_EDUCATION
    edit.rectification_required = True
    svc.update_finding(session, insp, f.id, edit, view.version)
    view2 = svc.get_finding(session, insp, f.id)
    assert len(view2.persons) == 1 and view2.row.rectification_required
    assert view2.row.proposed_measure is MeasureType.CRITICISM_EDUCATION
    assert session.scalar(select(func.count()).select_from(FindingPerson)) == 1
    with pytest.raises(ConcurrentEditError):
        svc.update_finding(session, insp, f.id, edit, view.version)


def test_status_transitions_and_permissions(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp, clerk = actors["inspector"], actors["clerk"]
    f = svc.create_finding(session, insp, _finding(dirdata, campaign.id))
    assert svc.allowed_transitions(FindingStatus.PENDING, insp) == [
        FindingStatus.VERIFIED,
        FindingStatus.DISMISSED,
    ]
    assert svc.allowed_transitions(FindingStatus.PENDING, clerk) == []
    with pytest.raises(PermissionDenied, match="核实认定问题"):
        svc.change_finding_status(session, clerk, f.id, FindingStatus.VERIFIED)
    with pytest.raises(TransitionNotAllowed, match="「待核实」，不能改为「已处理」"):
        svc.change_finding_status(session, insp, f.id, FindingStatus.HANDLED)
    with pytest.raises(ValidationError, match="不予认定时请填写理由"):
        svc.change_finding_status(session, insp, f.id, FindingStatus.DISMISSED)
    svc.change_finding_status(session, insp, f.id, FindingStatus.VERIFIED, "调取监控核实")
    svc.change_finding_status(session, actors["leader"], f.id, FindingStatus.HANDLED)
    assert session.get(Finding, f.id).status is FindingStatus.HANDLED  # type: ignore[union-attr]
    view = svc.get_finding(session, insp, f.id)
    assert "调取监控核实" in view.verification_note
    with pytest.raises(TransitionNotAllowed, match="不能再修改"):
        svc.update_finding(session, insp, f.id, view.to_input(), view.version)


def test_dismissed_finding_leaves_target_visited_without_issue(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    f = svc.create_finding(session, insp, _finding(dirdata, campaign.id))
    svc.change_finding_status(session, insp, f.id, FindingStatus.DISMISSED, "系正常轮岗")
    view = svc.get_campaign(session, insp, campaign.id)
    target = next(t for t in view.targets if t.unit_name == "县自然资源局")
    assert target.status is TargetStatus.NO_ISSUE and target.finding_count == 0
    assert view.finding_count == 0


def test_unit_with_findings_cannot_leave_campaign(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    svc.create_finding(session, insp, _finding(dirdata, campaign.id))
    view = svc.get_campaign(session, insp, campaign.id)
    data = view.to_input()
    data.target_unit_ids.remove(dirdata.units["县自然资源局"].id)
    with pytest.raises(ValidationErrors, match="县自然资源局」已有发现问题记录"):
        svc.update_campaign(session, insp, campaign.id, data, view.version)


def test_campaign_status_machine(
    session: Session, actors: dict[str, Actor], campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    with pytest.raises(TransitionNotAllowed, match="「计划中」，不能改为「已完成」"):
        svc.set_campaign_status(session, insp, campaign.id, CampaignStatus.COMPLETED, None)
    svc.set_campaign_status(session, insp, campaign.id, CampaignStatus.CANCELLED, None)
    with pytest.raises(TransitionNotAllowed, match="已取消"):
        svc.record_visit(session, insp, campaign.id, campaign.targets[0].unit_id, at(3))


def test_list_findings_filters(
    session: Session, actors: dict[str, Actor], dirdata: Directory, campaign: svc.CampaignView
) -> None:
    insp = actors["inspector"]
    svc.create_finding(session, insp, _finding(dirdata, campaign.id))
    svc.create_finding(
        session,
        insp,
        _finding(
            dirdata,
            campaign.id,
            unit_id=dirdata.units["县政务服务中心"].id,
            description="工作人员上班时间玩手机游戏",
            persons=[],
            observed_at=at(4, 10, 5),
        ),
    )
    page = svc.list_findings(session, actors["clerk"], campaign_id=campaign.id)
    assert page.total == 2
    assert page.rows[0].unit_name == "县政务服务中心"  # newest observation first
    assert svc.list_findings(session, insp, query="游戏").total == 1
    assert svc.list_findings(session, insp, unit_id=dirdata.units["县自然资源局"].id).total == 1
    assert svc.list_findings(session, insp, status=FindingStatus.VERIFIED).total == 0


def test_find_campaign_by_id_or_uuid(
    session: Session, actors: dict[str, Actor], campaign: svc.CampaignView
) -> None:
    assert svc.find_campaign(session, actors["clerk"], str(campaign.id)).uuid == campaign.uuid
    assert svc.find_campaign(session, actors["clerk"], campaign.uuid).id == campaign.id
    with pytest.raises(Exception, match="找不到督查活动"):
        svc.find_campaign(session, actors["clerk"], "999")
