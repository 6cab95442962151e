"""The data model: relations, constraints, optimistic locking, enumerations."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from effdesk import enums
from effdesk.db.engine import Database
from effdesk.db.models import (
    AccountabilityMeasure,
    Attachment,
    Campaign,
    CampaignTarget,
    Complaint,
    ComplaintEvent,
    Finding,
    Person,
    StoredFile,
    Unit,
)
from effdesk.enums import (
    AssessmentCategory,
    CampaignKind,
    Channel,
    ComplaintEventKind,
    ComplaintState,
    MeasureType,
    SubjectKind,
    UnitKind,
)


def unit(session: Session, name: str = "县市场监督管理局") -> Unit:
    u = Unit(name=name, kind=UnitKind.DEPARTMENT, category=AssessmentCategory.FIRST)
    session.add(u)
    session.flush()
    return u


def complaint(session: Session, u: Unit, number: str = "效投2026-0001") -> Complaint:
    c = Complaint(
        number=number,
        received_at=datetime(2026, 3, 5, 9, 0),
        received_date=date(2026, 3, 5),
        channel=Channel.PHONE,
        unit=u,
        summary="办证窗口推诿扯皮",
    )
    session.add(c)
    session.flush()
    return c


def test_every_record_gets_uuid_timestamps_and_version(session: Session) -> None:
    u = unit(session)
    assert len(u.uuid) == 36 and u.created_at is not None and u.version == 1
    u.contact_person = "王强"
    session.flush()
    assert u.version == 2


def test_relations_unit_tree_persons_and_case_history(session: Session) -> None:
    town = unit(session, "青石镇")
    window = Unit(
        name="青石镇便民服务中心",
        kind=UnitKind.WINDOW,
        category=AssessmentCategory.THIRD,
        parent=town,
    )
    session.add(window)
    p = Person(unit=window, description="3号窗口女工作人员")
    session.add(p)
    c = complaint(session, window)
    c.events.append(
        ComplaintEvent(kind=ComplaintEventKind.REGISTERED, to_state=ComplaintState.REGISTERED)
    )
    session.flush()
    session.expire_all()
    assert [ch.name for ch in town.children] == ["青石镇便民服务中心"]
    assert window.persons[0].display_name == "3号窗口女工作人员"
    assert c.events[0].kind is ComplaintEventKind.REGISTERED
    assert c.state is ComplaintState.REGISTERED


def test_person_must_be_named_or_described(session: Session) -> None:
    session.add(Person(unit=unit(session)))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_attachment_without_owner_is_refused(session: Session) -> None:
    f = StoredFile(sha256="b" * 64, size=1, mime="image/jpeg", media_kind=enums.MediaKind.PHOTO)
    camp = Campaign(
        name="测试", kind=CampaignKind.OPEN, start_date=date(2026, 1, 5), end_date=date(2026, 1, 6)
    )
    session.add_all([f, camp])
    session.flush()
    session.add(Attachment(file=f, original_name="a.jpg"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_attachment_with_two_owners_is_refused(db: Database) -> None:
    with db.session() as s:
        u = unit(s)
        f = StoredFile(sha256="c" * 64, size=1, mime="image/jpeg", media_kind=enums.MediaKind.PHOTO)
        camp = Campaign(
            name="测试",
            kind=CampaignKind.OPEN,
            start_date=date(2026, 1, 5),
            end_date=date(2026, 1, 6),
        )
        finding = Finding(
            campaign=camp, unit=u, observed_at=datetime(2026, 1, 5, 9), description="x"
        )
        c = complaint(s, u)
        s.add_all([f, camp, finding])
        s.flush()
        s.add(Attachment(file=f, original_name="a.jpg", finding_id=finding.id, complaint_id=c.id))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_campaign_target_unique_per_unit(session: Session) -> None:
    u = unit(session)
    camp = Campaign(
        name="窗口服务暗访",
        kind=CampaignKind.UNDERCOVER,
        start_date=date(2026, 4, 1),
        end_date=date(2026, 4, 3),
    )
    camp.targets = [CampaignTarget(unit=u), CampaignTarget(unit=u)]
    session.add(camp)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_measure_on_a_person_needs_the_person(session: Session) -> None:
    u = unit(session)
    session.add(
        AccountabilityMeasure(
            subject_kind=SubjectKind.PERSON,
            unit=u,
            measure=MeasureType.EFFICIENCY_WARNING,
            decided_date=date(2026, 3, 1),
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_optimistic_lock_refuses_the_second_save(db: Database) -> None:
    with db.session() as s:
        uid = unit(s).id
    first, second = db.sessions(), db.sessions()
    try:
        a = first.get(Unit, uid)
        b = second.get(Unit, uid)
        assert a is not None and b is not None
        a.contact_person = "甲"
        first.commit()
        b.contact_person = "乙"
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    with db.session() as s:
        assert s.scalar(select(Unit.contact_person).where(Unit.id == uid)) == "甲"


def test_enumerations_have_unique_codes_and_labels() -> None:
    for cls in enums.LabeledEnum.__subclasses__():
        values = [m.value for m in cls]
        labels = [m.label for m in cls]
        assert len(set(values)) == len(values), cls
        assert len(set(labels)) == len(labels), cls
        for m in cls:
            assert cls.from_label(m.label) is m
    assert MeasureType.CRITICISM_EDUCATION.severity < MeasureType.REFERRAL.severity
    assert [m.label for m in Channel][:3] == ["电话", "来信", "来访"]


def test_enum_column_stores_the_code(session: Session) -> None:
    c = complaint(session, unit(session))
    raw = (
        session.connection()
        .exec_driver_sql(f"SELECT channel, state FROM complaints WHERE id = {c.id}")
        .one()
    )
    assert tuple(raw) == ("phone", "registered")
