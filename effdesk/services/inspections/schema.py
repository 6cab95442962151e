"""Plain values the inspections service takes and returns (no ORM objects cross into the UI):
campaign, target, finding and report rows, the inputs of the dialogs, what a field package says
about an imported finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from effdesk.enums import (
    CampaignKind,
    CampaignStatus,
    FindingOrigin,
    FindingStatus,
    MeasureType,
    MediaKind,
    TargetStatus,
)


@dataclass
class CampaignInput:
    name: str
    kind: CampaignKind
    start_date: date | None
    end_date: date | None
    theme: str = ""
    description: str = ""
    leader_id: int | None = None
    member_ids: list[int] = field(default_factory=list)
    target_unit_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignHead:
    """What a list row and the full view of a campaign both show (columns of the same names)."""

    id: int
    uuid: str
    name: str
    kind: CampaignKind
    theme: str
    start_date: date
    end_date: date
    status: CampaignStatus

    @property
    def dates_text(self) -> str:
        return format_dates(self.start_date, self.end_date)


@dataclass(frozen=True)
class CampaignRow(CampaignHead):
    target_count: int
    visited_count: int
    finding_count: int
    version: int


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class TargetRow:
    id: int
    unit_id: int
    unit_uuid: str
    unit_name: str
    status: TargetStatus
    visited_at: datetime | None
    finding_count: int
    notes: str
    version: int


@dataclass(frozen=True)
class CampaignView(CampaignHead):
    description: str
    leader_id: int | None
    leader_name: str
    members: tuple[MemberRow, ...]
    targets: tuple[TargetRow, ...]
    # 发现问题: findings not dismissed (不予认定); the campaign's findings list shows both kinds,
    # so its total is finding_count + dismissed_count.
    finding_count: int
    version: int
    dismissed_count: int = 0

    @property
    def visited_count(self) -> int:
        return sum(1 for t in self.targets if t.status is not TargetStatus.PENDING)

    def to_input(self) -> CampaignInput:
        return CampaignInput(
            name=self.name,
            kind=self.kind,
            start_date=self.start_date,
            end_date=self.end_date,
            theme=self.theme,
            description=self.description,
            leader_id=self.leader_id,
            member_ids=[m.user_id for m in self.members],
            target_unit_ids=[t.unit_id for t in self.targets],
        )


@dataclass
class FindingPersonInput:
    """A person of the directory (``person_id``) or, when unknown, a ``description``."""

    person_id: int | None = None
    description: str = ""


@dataclass
class FindingInput:
    unit_id: int | None
    observed_at: datetime | None
    description: str
    campaign_id: int | None = None
    place: str = ""
    category_id: int | None = None
    persons: list[FindingPersonInput] = field(default_factory=list)
    proposed_measure: MeasureType | None = None
    rectification_required: bool = False


@dataclass(frozen=True)
class FindingPersonRow:
    id: int
    uuid: str
    person_id: int | None
    person_uuid: str | None
    name: str
    post: str
    description: str

    @property
    def label(self) -> str:
        if self.person_id is None:
            return self.description
        base = f"{self.name}（{self.post}）" if self.post and self.name else self.name
        base = base or self.description
        return f"{base}，{self.description}" if self.description and self.name else base


@dataclass(frozen=True)
class FindingRow:
    id: int
    uuid: str
    campaign_id: int | None
    campaign_name: str
    unit_id: int
    unit_name: str
    place: str
    observed_at: datetime
    category_id: int | None
    category_name: str
    description: str
    status: FindingStatus
    persons_text: str
    attachment_count: int
    proposed_measure: MeasureType | None
    rectification_required: bool
    origin: FindingOrigin
    version: int


@dataclass(frozen=True)
class FindingView:
    row: FindingRow
    persons: tuple[FindingPersonRow, ...]
    verification_note: str
    recorded_by_name: str
    package_uuid: str | None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def version(self) -> int:
        return self.row.version

    def to_input(self) -> FindingInput:
        r = self.row
        return FindingInput(
            unit_id=r.unit_id,
            observed_at=r.observed_at,
            description=r.description,
            campaign_id=r.campaign_id,
            place=r.place,
            category_id=r.category_id,
            persons=[FindingPersonInput(p.person_id, p.description) for p in self.persons],
            proposed_measure=r.proposed_measure,
            rectification_required=r.rectification_required,
        )


@dataclass(frozen=True)
class CategoryRow:
    id: int
    uuid: str
    code: str
    name: str


@dataclass(frozen=True)
class ImportedFinding:
    """What a field package says about a finding beyond :class:`FindingInput`."""

    uuid: str
    status: FindingStatus
    verification_note: str
    recorded_by_id: int | None
    recorded_at: datetime
    package_uuid: str


@dataclass(frozen=True)
class ReportEvidence:
    sha256: str
    media_kind: MediaKind
    mime: str
    original_name: str
    captured_at: datetime | None
    caption: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ReportFinding:
    row: FindingRow
    persons: tuple[FindingPersonRow, ...]
    evidence: tuple[ReportEvidence, ...]


@dataclass(frozen=True)
class ReportUnit:
    unit_id: int
    unit_name: str
    target: TargetRow | None
    findings: tuple[ReportFinding, ...]


@dataclass(frozen=True)
class CampaignReport:
    campaign: CampaignView
    units: tuple[ReportUnit, ...]
    generated_at: datetime

    @property
    def finding_count(self) -> int:
        return sum(len(u.findings) for u in self.units)

    @property
    def evidence_count(self) -> int:
        return sum(len(f.evidence) for u in self.units for f in u.findings)


def format_dates(start: date, end: date) -> str:
    if start == end:
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
