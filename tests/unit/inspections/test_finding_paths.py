"""A finding recorded in the office and one imported from a field package go through one body.

The two entry points differ only in where their inputs come from (the recorder and the time of
recording, or what the package says about them): they refuse the same inputs with the same
words, and a finding accepted by either marks its target, starts a planned campaign and leaves
one audit entry naming the unit and the time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from inspection_helpers import Directory, at, campaign_input
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import new_uuid, now
from effdesk.db.models import AuditEntry, Finding
from effdesk.enums import (
    AuditAction,
    CampaignStatus,
    FindingOrigin,
    FindingStatus,
    TargetStatus,
)
from effdesk.errors import PermissionDenied, ValidationErrors
from effdesk.services import inspections as svc
from effdesk.services.inspections import FindingInput, FindingPersonInput, ImportedFinding

RECORDED_AT = datetime(2026, 3, 3, 18, 0)


def _campaign(session: Session, actors: dict[str, Actor], d: Directory) -> int:
    insp = actors["inspector"]
    team = [insp.user_id or 0, actors["leader"].user_id or 0]
    return svc.create_campaign(session, insp, campaign_input(d, team)).id


def _input(d: Directory, campaign_id: int, **kw: object) -> FindingInput:
    data = FindingInput(
        unit_id=d.units["县自然资源局"].id,
        observed_at=at(3, 9, 10),
        description="9:10 不动产登记窗口无人在岗",
        campaign_id=campaign_id,
        persons=[FindingPersonInput(person_id=d.persons["张三"].id)],
    )
    for k, v in kw.items():
        setattr(data, k, v)
    return data


def _meta(actor: Actor, status: FindingStatus = FindingStatus.VERIFIED) -> ImportedFinding:
    return ImportedFinding(
        uuid=new_uuid(),
        status=status,
        verification_note="现场已核实",
        recorded_by_id=actor.user_id,
        recorded_at=RECORDED_AT,
        package_uuid=new_uuid(),
    )


def _refusal(call: object) -> list[tuple[str, str]]:
    assert callable(call)
    with pytest.raises(ValidationErrors) as err:
        call()
    return [(p.field, p.message) for p in err.value.problems]


@pytest.mark.parametrize(
    "change",
    [
        {"unit_id": None, "description": "  ", "observed_at": None},
        {"observed_at": datetime(2026, 2, 20, 9, 0)},
        {"observed_at": now() + timedelta(hours=2)},
        {"description": "长" * 4001},
        {"persons": [FindingPersonInput()]},
        {"category_id": 999_999},
    ],
    ids=["missing", "outside-campaign", "future", "too-long", "empty-person", "no-category"],
)
def test_office_and_import_refuse_the_same_inputs_alike(
    session: Session, actors: dict[str, Actor], dirdata: Directory, change: dict[str, object]
) -> None:
    cid = _campaign(session, actors, dirdata)
    insp = actors["inspector"]
    data = _input(dirdata, cid, **change)
    office = _refusal(lambda: svc.create_finding(session, insp, data))
    imported = _refusal(lambda: svc.import_finding(session, insp, data, _meta(insp)))
    checked = _refusal(lambda: svc.check_finding(session, data))
    assert office and office == imported == checked
    assert session.scalar(select(Finding.id)) is None


def test_import_keeps_the_package_facts_and_does_what_recording_does(
    session: Session, actors: dict[str, Actor], dirdata: Directory
) -> None:
    cid = _campaign(session, actors, dirdata)
    insp, leader = actors["inspector"], actors["leader"]
    town = dirdata.units["城关镇人民政府"]
    meta = _meta(leader)
    f = svc.import_finding(session, insp, _input(dirdata, cid, unit_id=town.id, persons=[]), meta)
    assert (f.uuid, f.status, f.origin) == (meta.uuid, FindingStatus.VERIFIED, FindingOrigin.FIELD)
    assert (f.recorded_by_id, f.package_uuid) == (leader.user_id, meta.package_uuid)
    assert f.verification_note == "现场已核实" and f.created_at == RECORDED_AT
    view = svc.get_campaign(session, insp, cid)
    # As for a finding recorded in the office: the planned campaign starts and the unit that
    # was not planned becomes a target showing the finding.
    assert view.status is CampaignStatus.IN_PROGRESS
    target = next(t for t in view.targets if t.unit_id == town.id)
    assert target.status is TargetStatus.ISSUES and target.visited_at == at(3, 9, 10)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_uuid == f.uuid))
    assert entry is not None and entry.action is AuditAction.IMPORT
    assert entry.summary == "导入现场记录的问题：城关镇人民政府 2026-03-03 09:10"

    office = svc.create_finding(session, insp, _input(dirdata, cid))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_uuid == office.uuid))
    assert entry is not None and entry.action is AuditAction.CREATE
    assert entry.summary == "记录督查发现问题：县自然资源局 2026-03-03 09:10"
    assert (office.status, office.origin) == (FindingStatus.PENDING, FindingOrigin.OFFICE)
    assert office.recorded_by_id == insp.user_id


def test_each_path_asks_its_own_permission(
    session: Session, actors: dict[str, Actor], dirdata: Directory
) -> None:
    cid = _campaign(session, actors, dirdata)
    clerk = actors["clerk"]
    with pytest.raises(PermissionDenied):
        svc.create_finding(session, clerk, _input(dirdata, cid))
    with pytest.raises(PermissionDenied):
        svc.import_finding(session, clerk, _input(dirdata, cid), _meta(clerk))
    assert session.scalar(select(Finding.id)) is None
