"""The whole data model of EffDesk (SQLAlchemy 2.0 typed mappings).

Designed for every capability in DOMAIN.md at once: directory (units, persons), users and roles,
complaints and their history, spot-check campaigns, findings and evidence, accountability
measures, rectification, monthly assessment, official documents with yearly number series, the
working-day calendar, settings and the hash-chained audit log.

Conventions: enumerations are stored as their English code (see effdesk/enums.py for labels);
"voided" replaces deleting for anything with legal weight; free text is ``Text``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from effdesk.db.base import Base, Record, now
from effdesk.enums import (
    AssessmentCategory,
    AttachmentRole,
    AuditAction,
    CampaignKind,
    CampaignStatus,
    Channel,
    CircularTone,
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DocumentState,
    DocumentType,
    FindingOrigin,
    FindingStatus,
    HandlingMode,
    MeasureType,
    MediaKind,
    RectificationNoticeKind,
    RectificationState,
    ReplyMethod,
    Role,
    Satisfaction,
    SubjectKind,
    TargetStatus,
    UnitKind,
    Verification,
)


def enum_col(enum_cls: type[enum.Enum], **kw: Any) -> Any:
    """A VARCHAR column holding an enum's value (portable: no native ENUM, no CHECK)."""
    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kw,
    )


# --------------------------------------------------------------------------- directory


class Unit(Record):
    """被监督单位: a county agency, town or window unit."""

    __tablename__ = "units"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[UnitKind] = enum_col(UnitKind)
    category: Mapped[AssessmentCategory] = enum_col(AssessmentCategory)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    contact_person: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    # Pinyin initials and full pinyin, so "gaj" finds 公安局 when typed on the phone.
    pinyin: Mapped[str] = mapped_column(String(300), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    persons: Mapped[list[Person]] = relationship(back_populates="unit")


class Person(Record):
    """干部职工: named, or only described ("3号窗口女工作人员")."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint("name <> '' OR description <> ''", name="named_or_described"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    post: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    pinyin: Mapped[str] = mapped_column(String(200), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship(back_populates="persons")

    @property
    def display_name(self) -> str:
        return self.name or self.description


# --------------------------------------------------------------------------- users


class User(Record):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    # "scrypt$n$r$p$salt$hash" (see effdesk/security); never the password itself.
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str] = mapped_column(String(40), default="")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
        ),
        primary_key=True,
    )

    user: Mapped[User] = relationship(back_populates="roles")


# --------------------------------------------------------------------------- configuration


class Setting(Record):
    """Office-wide settings shared by every PC (office name, prefixes, deadlines, rules)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[Any] = mapped_column(JSON)


class ProblemCategory(Record):
    """问题类别, configurable; defaults from DOMAIN.md."""

    __tablename__ = "problem_categories"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Overrides the default conclusion limit (working days) for cases of this category.
    conclusion_days: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CalendarYear(Record):
    """A year whose holiday notice the admin has entered (for years the package lacks)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, unique=True)
    source_text: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarDay(Record):
    """An override: a holiday (休) or a make-up working day (调休上班) of an entered year."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, unique=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")


class NumberSeries(Record):
    """A yearly number series (complaints, each document type). Incremented atomically."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("key", "year", name="uq_number_series_key_year"),)

    key: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str] = mapped_column(String(40), default="")
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- complaints

# Every column the complaint list filters on, carried by two SQLite covering indexes: one in
# received order (the list walks it and counts over it without reading the wide rows), one by
# id (a full-text match is checked against the filters without reading the wide rows).
COMPLAINT_FILTER_COLUMNS = (
    "state",
    "unit_id",
    "category_id",
    "channel",
    "handler_user_id",
    "handler_unit_id",
    "ever_overdue",
    "acceptance_due",
    "due_date",
    "reply_due",
)
# The states whose cases run against a deadline (acceptance, conclusion, reply): every due
# status and every open state lies in them. A partial SQLite index holds only these cases; a
# query uses it when its WHERE carries this very term (SQLite compares the text's meaning).
RUNNING_STATES_SQL = (
    "state IN ('registered', 'awaiting_instruction', 'instructed', 'routed', "
    "'investigating', 'awaiting_review', 'concluded')"
)


class Complaint(Record):
    """效能投诉件 and everything its ledger row carries."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_state_due", "state", "due_date"),
        Index("ix_complaints_unit_received", "unit_id", "received_date"),
        Index("ix_complaints_category_received", "category_id", "received_date"),
        Index("ix_complaints_complainant_phone", "complainant_phone"),
        # Statistics (migration 0009): the as-of corrections and the open cases.
        Index("ix_complaints_reply_date", "reply_date"),
        Index("ix_complaints_return_visit_date", "return_visit_date"),
        Index(
            "ix_complaints_open_stats",
            "concluded_date",
            "received_date",
            "due_date",
            "state",
            "rejection_reason",
            "unit_id",
            "category_id",
            "channel",
            "handler_user_id",
            sqlite_where=text("concluded_date IS NULL"),
            postgresql_where=text("concluded_date IS NULL"),
        ),
        # The list's query plans (services/complaints/search.py, migration 0003).
        Index("ix_complaints_handler_received", "handler_user_id", "received_date"),
        Index("ix_complaints_list", "received_date", "id", *COMPLAINT_FILTER_COLUMNS).ddl_if(
            dialect="sqlite"
        ),
        Index(
            "ix_complaints_filters_by_id", "id", "received_date", *COMPLAINT_FILTER_COLUMNS
        ).ddl_if(dialect="sqlite"),
        Index("ix_complaints_state_received", "state", "received_date"),
        Index(
            "ix_complaints_running",
            "received_date",
            "id",
            *COMPLAINT_FILTER_COLUMNS,
            sqlite_where=text(RUNNING_STATES_SQL),
        ).ddl_if(dialect="sqlite"),
    )

    number: Mapped[str] = mapped_column(String(40), unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    received_date: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[Channel] = enum_col(Channel)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Complainant identity: confidential (clerk, leader, admin only; see effdesk/permissions).
    complainant_kind: Mapped[ComplainantKind] = enum_col(
        ComplainantKind, default=ComplainantKind.CITIZEN
    )
    complainant_name: Mapped[str] = mapped_column(String(60), default="")
    complainant_phone: Mapped[str] = mapped_column(String(40), default="")
    complainant_company: Mapped[str] = mapped_column(String(120), default="")
    complainant_address: Mapped[str] = mapped_column(String(200), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    subject_description: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("problem_categories.id"))
    summary: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text, default="")
    complexity: Mapped[Complexity] = enum_col(Complexity, default=Complexity.NORMAL)

    state: Mapped[ComplaintState] = enum_col(ComplaintState, default=ComplaintState.REGISTERED)
    leader_instruction: Mapped[str] = mapped_column(Text, default="")
    instructed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instructed_at: Mapped[datetime | None] = mapped_column(DateTime)
    handling_mode: Mapped[HandlingMode | None] = enum_col(HandlingMode, nullable=True)
    handler_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    forwarded_to: Mapped[str] = mapped_column(String(120), default="")
    routed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")

    # Deadlines are stored (computed by the deadline service from the calendar). "Provisional"
    # means the calendar did not know the year yet; recomputed once the admin enters it.
    acceptance_due: Mapped[date | None] = mapped_column(Date)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    reply_due: Mapped[date | None] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)

    verification: Mapped[Verification | None] = enum_col(Verification, nullable=True)
    handling_result: Mapped[str] = mapped_column(Text, default="")
    concluded_date: Mapped[date | None] = mapped_column(Date, index=True)
    reply_date: Mapped[date | None] = mapped_column(Date)
    reply_method: Mapped[ReplyMethod | None] = enum_col(ReplyMethod, nullable=True)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    return_visit_date: Mapped[date | None] = mapped_column(Date)
    return_visit_notes: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[Satisfaction | None] = enum_col(Satisfaction, nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    remarks: Mapped[str] = mapped_column(Text, default="")

    # Denormalised text for full-text search (FTS5 trigram on SQLite, pg_trgm on PostgreSQL),
    # kept apart so that roles without identity rights never match on the complainant.
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_identity: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    handler_unit: Mapped[Unit | None] = relationship(foreign_keys=[handler_unit_id])
    category: Mapped[ProblemCategory | None] = relationship()
    handler_user: Mapped[User | None] = relationship(foreign_keys=[handler_user_id])
    persons: Mapped[list[ComplaintPerson]] = relationship(
        back_populates="complaint", cascade="all, delete-orphan"
    )
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    merged_into: Mapped[Complaint | None] = relationship(remote_side="Complaint.id")


class ComplaintPerson(Record):
    """被投诉人员: a person of the directory, or a description when unknown."""

    __tablename__ = "complaint_persons"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="persons")
    person: Mapped[Person | None] = relationship()


class ComplaintEvent(Record):
    """One step of a case history: who, when, what, before → after."""

    __tablename__ = "complaint_events"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ComplaintEventKind] = enum_col(ComplaintEventKind)
    from_state: Mapped[ComplaintState | None] = enum_col(ComplaintState, nullable=True)
    to_state: Mapped[ComplaintState | None] = enum_col(ComplaintState, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # {"field": [before, after], ...} for edits; extra facts for other kinds.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ComplaintDraft(Record):
    """An intake form being typed, saved continuously so a crash loses nothing."""

    __tablename__ = "complaint_drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --------------------------------------------------------------------------- spot checks


class Campaign(Record):
    """督查活动: a planned round of checks."""

    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[CampaignKind] = enum_col(CampaignKind)
    theme: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[CampaignStatus] = enum_col(CampaignStatus, default=CampaignStatus.PLANNED)
    description: Mapped[str] = mapped_column(Text, default="")
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[CampaignMember]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )
    targets: Mapped[list[CampaignTarget]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )
    findings: Mapped[list[Finding]] = relationship(back_populates="campaign")


class CampaignMember(Base):
    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    campaign: Mapped[Campaign] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class CampaignTarget(Record):
    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_campaign_targets_campaign_unit"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[TargetStatus] = enum_col(TargetStatus, default=TargetStatus.PENDING)
    visited_at: Mapped[datetime | None] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()


class Finding(Record):
    """督查发现问题."""

    __tablename__ = "findings"

    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    observed_at: Mapped[datetime] = mapped_column(DateTime)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("problem_categories.id"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[FindingStatus] = enum_col(FindingStatus, default=FindingStatus.PENDING)
    proposed_measure: Mapped[MeasureType | None] = enum_col(MeasureType, nullable=True)
    rectification_required: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[FindingOrigin] = enum_col(FindingOrigin, default=FindingOrigin.OFFICE)
    # UUID of the field package it came in, so a re-import is recognised.
    package_uuid: Mapped[str | None] = mapped_column(String(36))
    verification_note: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign | None] = relationship(back_populates="findings")
    unit: Mapped[Unit] = relationship()
    category: Mapped[ProblemCategory | None] = relationship()
    persons: Mapped[list[FindingPerson]] = relationship(
        back_populates="finding", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="finding", order_by="Attachment.sort_order"
    )


class FindingPerson(Record):
    __tablename__ = "finding_persons"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")

    finding: Mapped[Finding] = relationship(back_populates="persons")
    person: Mapped[Person | None] = relationship()


# --------------------------------------------------------------------------- evidence


class StoredFile(Record):
    """Content-addressed blob (evidence, issued PDFs). The file itself is never modified."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100))
    media_kind: Mapped[MediaKind] = enum_col(MediaKind)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # Facts read from the file itself (EXIF), kept apart from when it entered EffDesk.
    captured_at: Mapped[datetime | None] = mapped_column(DateTime)
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    camera: Mapped[str] = mapped_column(String(120), default="")
    first_imported_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class Attachment(Record):
    """A stored file attached to exactly one owner, with the name it arrived under."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN finding_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN rectification_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN document_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
    )

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    rectification_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectifications.id"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[AttachmentRole] = enum_col(AttachmentRole, default=AttachmentRole.EVIDENCE)
    original_name: Mapped[str] = mapped_column(String(260))
    caption: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Doubts found on ingest (EvidenceFlag codes): flagged, never rejected.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    file: Mapped[StoredFile] = relationship()
    finding: Mapped[Finding | None] = relationship(back_populates="attachments")


# --------------------------------------------------------------------------- accountability


class AccountabilityMeasure(Record):
    """效能问责: one measure against a person or a unit, with its basis."""

    __tablename__ = "accountability_measures"
    __table_args__ = (
        CheckConstraint("subject_kind <> 'person' OR person_id IS NOT NULL", name="person_subject"),
        Index("ix_measures_decided", "decided_date"),
    )

    subject_kind: Mapped[SubjectKind] = enum_col(SubjectKind)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # Always set: the unit itself, or the person's unit at the time of the decision.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    measure: Mapped[MeasureType] = enum_col(MeasureType)
    decided_date: Mapped[date] = mapped_column(Date)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    deciding_body: Mapped[str] = mapped_column(String(120), default="")
    document_number: Mapped[str] = mapped_column(String(60), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person | None] = relationship()
    unit: Mapped[Unit] = relationship()
    complaint: Mapped[Complaint | None] = relationship()
    finding: Mapped[Finding | None] = relationship()


class Rectification(Record):
    """整改: a notice to a unit with items and a deadline, the unit's reports, the checks."""

    __tablename__ = "rectifications"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    notice_kind: Mapped[RectificationNoticeKind] = enum_col(RectificationNoticeKind)
    state: Mapped[RectificationState] = enum_col(
        RectificationState, default=RectificationState.PENDING
    )
    issued_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    notice_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    requirements: Mapped[str] = mapped_column(Text, default="")
    completed_date: Mapped[date | None] = mapped_column(Date)
    ever_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[RectificationItem]] = relationship(
        back_populates="rectification",
        order_by="RectificationItem.sort_order",
        cascade="all, delete-orphan",
    )
    reports: Mapped[list[RectificationReport]] = relationship(
        back_populates="rectification",
        order_by="RectificationReport.received_date",
        cascade="all, delete-orphan",
    )
    checks: Mapped[list[RectificationCheck]] = relationship(
        back_populates="rectification",
        order_by="RectificationCheck.check_date",
        cascade="all, delete-orphan",
    )


class RectificationItem(Record):
    __tablename__ = "rectification_items"

    rectification_id: Mapped[int] = mapped_column(
        ForeignKey("rectifications.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    rectification: Mapped[Rectification] = relationship(back_populates="items")


class RectificationReport(Record):
    """The unit's report (整改报告) as received."""

    __tablename__ = "rectification_reports"

    rectification_id: Mapped[int] = mapped_column(
        ForeignKey("rectifications.id", ondelete="CASCADE"), index=True
    )
    received_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    rectification: Mapped[Rectification] = relationship(back_populates="reports")


class RectificationCheck(Record):
    """The office's check (验收); a failed check restarts the cycle with a new deadline."""

    __tablename__ = "rectification_checks"

    rectification_id: Mapped[int] = mapped_column(
        ForeignKey("rectifications.id", ondelete="CASCADE"), index=True
    )
    check_date: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(Text, default="")
    new_deadline: Mapped[date | None] = mapped_column(Date)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    rectification: Mapped[Rectification] = relationship(back_populates="checks")


# --------------------------------------------------------------------------- assessment


class AssessmentRun(Record):
    """One month's computed ranking, with the rules used frozen beside it."""

    __tablename__ = "assessment_runs"
    __table_args__ = (UniqueConstraint("period", name="uq_assessment_runs_period"),)

    period: Mapped[str] = mapped_column(String(7))  # "2026-10"
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    final: Mapped[bool] = mapped_column(Boolean, default=False)

    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class AssessmentScore(Record):
    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("run_id", "unit_id", name="uq_assessment_scores_run_unit"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[AssessmentCategory] = enum_col(AssessmentCategory)
    base_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    deduction: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    rank_in_category: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"rule": code, "points": x, "basis": "complaint:<uuid>"}, ...] so every point is traceable.
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    run: Mapped[AssessmentRun] = relationship(back_populates="scores")
    unit: Mapped[Unit] = relationship()


# --------------------------------------------------------------------------- documents


class Document(Record):
    """公文: draft → issued (locked, PDF kept with its hash) → voided with a reason."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("series_id", "serial", name="uq_documents_series_serial"),
        Index("ix_documents_type_state", "doc_type", "state"),
    )

    doc_type: Mapped[DocumentType] = enum_col(DocumentType)
    tone: Mapped[CircularTone | None] = enum_col(CircularTone, nullable=True)
    state: Mapped[DocumentState] = enum_col(DocumentState, default=DocumentState.DRAFT)
    # Number parts: set when issued, never reused (a voided document keeps its number).
    series_id: Mapped[int | None] = mapped_column(ForeignKey("number_series.id"))
    year: Mapped[int | None] = mapped_column(Integer)
    serial: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)
    red_header: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str] = mapped_column(String(300))
    main_recipients: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"title": ..., "kind": "text"|"photos", "text": ..., "attachment_ids": [...]}, ...]
    attachments_spec: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    issuer: Mapped[str] = mapped_column(String(120), default="")
    doc_date: Mapped[date | None] = mapped_column(Date)
    with_seal: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    copy_to: Mapped[str] = mapped_column(Text, default="")
    printing_office: Mapped[str] = mapped_column(String(120), default="")
    print_date: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # A correction is a new document pointing at the one it replaces.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    series: Mapped[NumberSeries | None] = relationship()
    pdf_file: Mapped[StoredFile | None] = relationship()
    sources: Mapped[list[DocumentSource]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )


class DocumentSource(Record):
    """What a document was composed from: a complaint, a finding or a whole campaign."""

    __tablename__ = "document_sources"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    rectification_id: Mapped[int | None] = mapped_column(ForeignKey("rectifications.id"))

    document: Mapped[Document] = relationship(back_populates="sources")


# --------------------------------------------------------------------------- audit


class AuditEntry(Base):
    """Append-only, hash-chained: hash = sha256(prev_hash + canonical JSON of this entry).

    Not a ``Record``: an entry is never updated, so it has no version or updated time.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[AuditAction] = enum_col(AuditAction)
    object_type: Mapped[str] = mapped_column(String(60), default="")
    object_uuid: Mapped[str] = mapped_column(String(36), default="", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    host: Mapped[str] = mapped_column(String(100), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# --------------------------------------------------------------------------- statistics cache


class StatsDayCell(Base):
    """Derived data (effdesk/services/statistics/cache.py): the as-of-independent complaint
    counts of one received day for one unit / category / channel / handler (``dim``), so a
    year's statistics read a few thousand cells instead of every case. Rebuilt from the
    complaints at any time; kept in step through the complaints' history events."""

    __tablename__ = "stats_day_cells"
    # Clustered on its key (SQLite: WITHOUT ROWID): a period's cells are read in one range.
    __table_args__ = ({"sqlite_with_rowid": False},)

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # The unit / category / handler id as text, the channel code, or "" for none.
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    registered: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    merged: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)
    concluded: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    substantiated: Mapped[int] = mapped_column(Integer)
    replied: Mapped[int] = mapped_column(Integer)
    visited: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)


class StatsCacheState(Base):
    """One row: the last complaint history event the statistics cache has taken in."""

    __tablename__ = "stats_cache_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime | None] = mapped_column(DateTime)
