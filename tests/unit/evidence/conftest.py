from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from effdesk.db.engine import Database
from effdesk.db.models import Campaign, Document, Finding, Unit
from effdesk.enums import AssessmentCategory, CampaignKind, DocumentType, UnitKind
from effdesk.evidence.store import EvidenceStore


@pytest.fixture
def store(db: Database) -> EvidenceStore:
    return EvidenceStore(db.files_dir)


@pytest.fixture
def unit(session: Session) -> Unit:
    u = Unit(
        name="县市场监督管理局",
        kind=UnitKind.DEPARTMENT,
        category=AssessmentCategory.FIRST,
    )
    session.add(u)
    session.flush()
    return u


@pytest.fixture
def campaign(session: Session) -> Campaign:
    c = Campaign(
        name="2026年3月上班纪律暗访",
        kind=CampaignKind.UNDERCOVER,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 6),
    )
    session.add(c)
    session.flush()
    return c


@pytest.fixture
def finding(session: Session, unit: Unit, campaign: Campaign) -> Finding:
    f = Finding(
        campaign_id=campaign.id,
        unit_id=unit.id,
        place="一楼办事大厅3号窗口",
        observed_at=datetime(2026, 3, 3, 9, 10),
        description="工作时间窗口无人",
    )
    session.add(f)
    session.flush()
    return f


@pytest.fixture
def other_finding(session: Session, unit: Unit, campaign: Campaign) -> Finding:
    f = Finding(
        campaign_id=campaign.id,
        unit_id=unit.id,
        place="二楼办公室",
        observed_at=datetime(2026, 3, 4, 10, 0),
        description="上班时间玩游戏",
    )
    session.add(f)
    session.flush()
    return f


@pytest.fixture
def document(session: Session) -> Document:
    d = Document(doc_type=DocumentType.CIRCULAR, title="关于2026年3月暗访情况的通报")
    session.add(d)
    session.flush()
    return d
