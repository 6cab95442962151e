"""What the inspection report (:mod:`effdesk.reports.inspection_report`) prints: a campaign's
findings grouped by unit, with their evidence.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import Attachment, Finding, StoredFile
from effdesk.enums import AuditAction, FindingStatus
from effdesk.services.inspections.campaigns import get_campaign
from effdesk.services.inspections.findings import finding_rows, finding_select, person_rows
from effdesk.services.inspections.schema import (
    CampaignReport,
    ReportEvidence,
    ReportFinding,
    ReportUnit,
)


def report_data(
    session: Session, actor: Actor, campaign_id: int, include_dismissed: bool = False
) -> CampaignReport:
    """Everything the inspection report prints: findings grouped by unit, with evidence."""
    campaign = get_campaign(session, actor, campaign_id)
    stmt = finding_select().where(Finding.campaign_id == campaign_id)
    if not include_dismissed:
        stmt = stmt.where(Finding.status != FindingStatus.DISMISSED)
    results = session.execute(stmt.order_by(Finding.observed_at, Finding.id)).all()
    rows = finding_rows(session, results)
    persons = person_rows(session, [r.id for r in rows])
    evidence: dict[int, list[ReportEvidence]] = {r.id: [] for r in rows}
    if rows:
        att = session.execute(
            select(Attachment, StoredFile)
            .join(StoredFile, StoredFile.id == Attachment.file_id)
            .where(Attachment.finding_id.in_([r.id for r in rows]))
            .order_by(Attachment.sort_order, Attachment.id)
        ).all()
        for a, sf in att:
            assert a.finding_id is not None
            evidence[a.finding_id].append(
                ReportEvidence(
                    sha256=sf.sha256,
                    media_kind=sf.media_kind,
                    mime=sf.mime,
                    original_name=a.original_name,
                    captured_at=sf.captured_at,
                    caption=a.caption,
                    flags=tuple(a.flags or ()),
                )
            )
    targets = {t.unit_id: t for t in campaign.targets}
    by_unit: dict[int, list[ReportFinding]] = {}
    names: dict[int, str] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, []).append(
            ReportFinding(r, tuple(persons[r.id]), tuple(evidence[r.id]))
        )
        names[r.unit_id] = r.unit_name
    # Units in target order (the plan), then any unit outside the plan.
    order = [t.unit_id for t in campaign.targets if t.unit_id in by_unit]
    order += [uid for uid in by_unit if uid not in order]
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "campaign",
        campaign.uuid,
        f"生成督查情况报告：{campaign.name}",
    )
    return CampaignReport(
        campaign=campaign,
        units=tuple(
            ReportUnit(uid, names[uid], targets.get(uid), tuple(by_unit[uid])) for uid in order
        ),
        generated_at=now(),
    )
