"""The office the report benchmarks build: one campaign, 20 findings, two 12 MP photos each.

bench_circular.py and bench_inspection_report.py time different documents made from the same
kind of office; this builds it once through the services (directory, inspections, evidence),
as an office would, so both benchmarks measure the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from effdesk.auth import SYSTEM
from effdesk.db.engine import Database, open_database
from effdesk.enums import AssessmentCategory, CampaignKind, FindingStatus, UnitKind
from effdesk.services import directory, evidence, inspections

FINDINGS = 20


def build_campaign_office(
    folder: Path,
    photos: Sequence[Path],
    units: Sequence[tuple[str, UnitKind]],
    descriptions: Sequence[str],
    *,
    theme: str,
    extra: Callable[[int], dict[str, Any]] = lambda i: {},
    verify: bool = False,
) -> tuple[Database, int, list[int]]:
    """A new office database in ``folder``: the campaign's id and its findings' ids.

    Finding ``i`` gets ``photos[2i:2i+2]`` and ``extra(i)`` as further FindingInput fields;
    ``verify`` marks every finding 属实.
    """
    db = open_database(f"sqlite:///{folder / 'office.sqlite'}", create=True)
    with db.session() as s:
        unit_ids = [
            directory.create_unit(
                s,
                SYSTEM,
                directory.UnitInput(name=n, kind=k, category=AssessmentCategory.FIRST),
            ).id
            for n, k in units
        ]
        campaign = inspections.create_campaign(
            s,
            SYSTEM,
            inspections.CampaignInput(
                name="2026年3月作风效能暗访",
                kind=CampaignKind.UNDERCOVER,
                start_date=date(2026, 3, 2),
                end_date=date(2026, 3, 6),
                theme=theme,
                target_unit_ids=unit_ids,
            ),
        )
        window = evidence.window_for_dates(campaign.start_date, campaign.end_date)
        finding_ids = []
        for i in range(FINDINGS):
            f = inspections.create_finding(
                s,
                SYSTEM,
                inspections.FindingInput(
                    unit_id=unit_ids[i % len(unit_ids)],
                    observed_at=datetime(2026, 3, 3, 9, 0) + timedelta(minutes=20 * i),
                    description=descriptions[i % len(descriptions)],
                    campaign_id=campaign.id,
                    place=f"{i % 3 + 1}楼服务窗口",
                    **extra(i),
                ),
            )
            if verify:
                inspections.change_finding_status(s, SYSTEM, f.id, FindingStatus.VERIFIED)
            report = evidence.attach_files(
                s,
                SYSTEM,
                db.evidence,
                evidence.AttachmentOwner(finding_id=f.id),
                list(photos[2 * i : 2 * i + 2]),
                window=window,
            )
            assert not report.problems, report.summary()
            finding_ids.append(f.id)
        return db, campaign.id, finding_ids
