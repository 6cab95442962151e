"""Plain values the complaints service takes and returns (no ORM objects cross into the UI).

Confidentiality is applied when these are built: a row or detail given to an actor without
``VIEW_COMPLAINANT_IDENTITY`` never holds the complainant's identity, and an anonymous
complainant is never named to anybody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from effdesk.enums import (
    Channel,
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DeadlineKind,
    DueStatus,
    HandlingMode,
    LabeledEnum,
    ReplyMethod,
    Satisfaction,
    Verification,
)
from effdesk.services.common import Page
from effdesk.services.complaints.policy import CaseFacts, ComplaintAction

if TYPE_CHECKING:
    from effdesk.services.statistics.definitions import FigureRef

# What identity fields look like to somebody who may not see them.
MASK = "***"
# What an anonymous complainant is called, to everybody.
ANONYMOUS = "匿名"


@dataclass
class ComplaintInput:
    """The intake form (登记) as typed; also used for edits of a registered case.

    Every field has a default so that a half-filled form can be built and validated; the
    service names each missing or wrong field (``FieldProblem.field`` is the attribute name).

    Anonymous complainants: name, company and address must be left empty (they are never
    stored); a phone number may be left for the reply and the return visit — it is stored,
    shown only to roles with identity rights, and never printed on any form.
    """

    received_at: datetime | None = None
    channel: Channel | None = None
    summary: str = ""
    category_id: int | None = None
    # The subject: a unit of the directory, or a description when the unit is unknown.
    unit_id: int | None = None
    subject_description: str = ""
    # Persons complained about: directory persons and/or descriptions ("3号窗口女工作人员").
    person_ids: list[int] = field(default_factory=list)
    person_descriptions: list[str] = field(default_factory=list)
    content: str = ""
    complexity: Complexity = Complexity.NORMAL
    anonymous: bool = False
    complainant_kind: ComplainantKind = ComplainantKind.CITIZEN
    complainant_name: str = ""
    complainant_phone: str = ""
    complainant_company: str = ""
    complainant_address: str = ""
    # A limit fixed by whoever passed the case on (12345 hotline, a leader); None = computed.
    due_date: date | None = None
    remarks: str = ""


@dataclass(frozen=True)
class RunningDeadline:
    """The deadline the case is currently working against."""

    kind: DeadlineKind
    due: date
    provisional: bool


@dataclass(frozen=True)
class ComplaintRow:
    """One line of the complaint list (台账视图). Identity fields are already masked."""

    id: int
    uuid: str
    number: str
    received_date: date
    channel: Channel
    state: ComplaintState
    anonymous: bool
    # "匿名" for anonymous cases; "***" (non-empty values) without identity rights.
    complainant_name: str
    complainant_phone: str
    complainant_company: str
    unit_id: int | None
    unit_name: str
    subject_description: str
    category_id: int | None
    category_name: str
    summary: str
    handling_mode: HandlingMode | None
    handler_unit_name: str
    handler_user_id: int | None
    handler_user_name: str
    deadline: RunningDeadline | None
    # None when no deadline is running (concluded and answered, archived, rejected, merged).
    due_status: DueStatus | None
    ever_overdue: bool
    concluded_date: date | None
    satisfaction: Satisfaction | None
    version: int

    @property
    def subject(self) -> str:
        """被投诉单位/对象 as one string for display."""
        if self.unit_name and self.subject_description:
            return f"{self.unit_name}（{self.subject_description}）"
        return self.unit_name or self.subject_description


@dataclass(frozen=True)
class ComplaintPage(Page[ComplaintRow]):
    """A page of rows. ``total`` is exact only when ``total_exact``; otherwise it is a lower
    bound (``offset + len(rows)`` plus one when ``has_more``) — ask :func:`count_complaints`
    off the GUI thread for the exact figure."""

    has_more: bool = False
    total_exact: bool = False


class ComplaintSort(LabeledEnum):
    RECEIVED_DESC = ("received_desc", "受理日期（新→旧）")
    RECEIVED_ASC = ("received_asc", "受理日期（旧→新）")
    DUE_ASC = ("due_asc", "办理时限（近→远）")
    NUMBER_DESC = ("number_desc", "编号（大→小）")


@dataclass(frozen=True)
class ComplaintFilter:
    """List filters; empty values mean "any". ``text`` is matched over number, summary,
    content, unit and persons complained about — and the complainant's name, phone, company
    and address only for roles that may see them."""

    states: frozenset[ComplaintState] = frozenset()
    due_statuses: frozenset[DueStatus] = frozenset()
    unit_id: int | None = None
    category_id: int | None = None
    channels: frozenset[Channel] = frozenset()
    handler_user_id: int | None = None
    handler_unit_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str = ""
    ever_overdue: bool | None = None
    # The cases behind one statistics figure (统计台账's click-through): exactly the
    # conditions the figure was counted with (effdesk.services.statistics.definitions).
    statistic: FigureRef | None = None


@dataclass(frozen=True)
class PersonRef:
    """A person complained about: a directory person or a description."""

    person_id: int | None
    name: str
    description: str
    unit_name: str
    post: str

    @property
    def display(self) -> str:
        return self.name or self.description


@dataclass(frozen=True)
class EventRow:
    """One step of the case history (timeline).

    ``changes`` maps a field to (before, after) as plain values (dates as ISO text, enums as
    their code). ``facts`` holds other recorded facts (deadline bases, extension days,
    merged numbers …). Identity values are masked for actors without identity rights.
    """

    id: int
    at: datetime
    actor_name: str
    kind: ComplaintEventKind
    from_state: ComplaintState | None
    to_state: ComplaintState | None
    text: str
    changes: Mapping[str, tuple[Any, Any]]
    facts: Mapping[str, Any]


@dataclass(frozen=True)
class ExtensionRequest:
    """A request for more time awaiting the leader (延期申请)."""

    event_id: int
    requested_at: datetime
    requested_by: str
    days: int
    reason: str


@dataclass(frozen=True)
class ComplaintDetail:
    """Everything the case view shows. Identity fields are None when the actor may not see
    them (the service decides, not the widget); ``complainant_name`` is None for anonymous
    cases for everybody — show :data:`ANONYMOUS`."""

    id: int
    uuid: str
    number: str
    version: int
    state: ComplaintState
    received_at: datetime
    received_date: date
    channel: Channel
    registered_by: str
    identity_visible: bool
    anonymous: bool
    complainant_kind: ComplainantKind
    complainant_name: str | None
    complainant_phone: str | None
    complainant_company: str | None
    complainant_address: str | None
    unit_id: int | None
    unit_name: str
    subject_description: str
    persons: list[PersonRef]
    category_id: int | None
    category_name: str
    summary: str
    content: str
    complexity: Complexity
    leader_instruction: str
    instructed_by: str
    instructed_at: datetime | None
    handling_mode: HandlingMode | None
    handler_unit_id: int | None
    handler_unit_name: str
    handler_user_id: int | None
    handler_user_name: str
    forwarded_to: str
    routed_at: datetime | None
    rejection_reason: str
    acceptance_due: date | None
    limit_days: int | None
    due_date: date | None
    extension_days: int
    reply_due: date | None
    deadline_provisional: bool
    deadline: RunningDeadline | None
    due_status: DueStatus | None
    ever_overdue: bool
    verification: Verification | None
    handling_result: str
    concluded_date: date | None
    reply_date: date | None
    reply_method: ReplyMethod | None
    reply_text: str
    return_visit_date: date | None
    return_visit_notes: str
    satisfaction: Satisfaction | None
    archived_at: datetime | None
    merged_into_id: int | None
    merged_into_number: str
    merged_from: list[tuple[int, str]]
    reopen_count: int
    remarks: str
    pending_extension: ExtensionRequest | None
    events: list[EventRow]
    # What this actor may do now, per the transition table (case conditions checked on use).
    allowed_actions: list[ComplaintAction]
    # What the complaint policy's guards and form rules look at (see policy.offers).
    facts: CaseFacts

    @property
    def complainant_display(self) -> str:
        """The complainant as any screen may show them to this actor."""
        if self.anonymous:
            return ANONYMOUS
        if not self.identity_visible:
            return MASK
        return self.complainant_name or self.complainant_company or "（未留姓名）"


@dataclass(frozen=True)
class DuplicateHint:
    """A registered case that may be the same matter as the one being typed."""

    id: int
    number: str
    received_date: date
    state: ComplaintState
    summary: str
    unit_name: str
    category_name: str
    # Why it is suggested: "同一联系电话" / "同一单位、同类问题（30日内）".
    reason: str
    version: int


@dataclass(frozen=True)
class DraftInfo:
    """A saved, unfinished intake form of the current user."""

    id: int
    saved_at: datetime
    summary: str
    version: int


class TodoKind(LabeledEnum):
    """What a 待办 line asks for, most urgent first."""

    OVERDUE = ("overdue", "已超期")
    DUE_TODAY = ("due_today", "今日到期")
    NEAR = ("near", "临期")
    AWAIT_INSTRUCTION = ("await_instruction", "待批示")
    AWAIT_ROUTING = ("await_routing", "已批示待交办")
    AWAIT_EXTENSION = ("await_extension", "延期待审批")
    AWAIT_SIGN_OFF = ("await_sign_off", "待审核办结")

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)


@dataclass(frozen=True)
class TodoItem:
    complaint_id: int
    number: str
    summary: str
    state: ComplaintState
    kind: TodoKind
    # The deadline concerned (for the due kinds) or the case's running deadline.
    deadline: RunningDeadline | None
    # One line in Chinese, e.g. "效投2026-0012 办理时限 2026-12-01 已超期2个工作日".
    text: str


@dataclass(frozen=True)
class OverdueScanResult:
    """What an overdue scan did: new OVERDUE events written, and cases newly flagged."""

    events: int
    cases: int
