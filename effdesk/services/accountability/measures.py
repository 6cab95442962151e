"""效能问责: the register of measures against persons and units.

A measure rests on a basis — a concluded complaint that was not found 不属实, or a verified
finding — or on a leader's decision alone. Nothing is deleted: a measure recorded in error is
voided with a reason and stays in the history. Every change is audited; saves carry the
version the user's screen showed (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import (
    AccountabilityMeasure,
    Complaint,
    Document,
    DocumentSource,
    Finding,
    Person,
    Unit,
    User,
)
from effdesk.enums import (
    AuditAction,
    ComplaintState,
    DocumentType,
    FindingStatus,
    MeasureType,
    SubjectKind,
    Verification,
)
from effdesk.errors import (
    ConcurrentEditError,
    FieldProblem,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.permissions import Permission, require
from effdesk.services.accountability._common import check_fresh
from effdesk.services.common import Page, fetch_page, get_or_404, like_escape
from effdesk.services.measure_counts import MeasureTotals, measure_totals

# A complaint may ground a measure once it is concluded (and later steps).
CONCLUDED_STATES = frozenset(
    {ComplaintState.CONCLUDED, ComplaintState.ANSWERED, ComplaintState.ARCHIVED}
)
# A finding may ground a measure once verified.
VERIFIED_FINDINGS = frozenset({FindingStatus.VERIFIED, FindingStatus.HANDLED})
FINANCIAL = frozenset({MeasureType.PAY_DEDUCTION})
# How many 效能告诫 a person may have in a year before the next one is warned about.
WARNING_LIMIT = 3
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(9999, 12, 31)


class BasisKind:
    """What a measure rests on (plain strings, for filters and rows)."""

    COMPLAINT = "complaint"
    FINDING = "finding"
    NONE = "none"
    LABELS: ClassVar[dict[str, str]] = {
        COMPLAINT: "投诉件",
        FINDING: "督查发现问题",
        NONE: "直接决定",
    }


# --------------------------------------------------------------------------- values


@dataclass
class MeasureInput:
    """What the measure dialog edits. ``unit_id`` may be left empty for a person (their unit)."""

    subject_kind: SubjectKind
    measure: MeasureType
    decided_date: date
    person_id: int | None = None
    unit_id: int | None = None
    complaint_id: int | None = None
    finding_id: int | None = None
    deciding_body: str = ""
    document_number: str = ""
    document_id: int | None = None
    amount: Decimal | None = None
    notes: str = ""


@dataclass(frozen=True)
class MeasureRow:
    """One line of the register (plain values, as the Excel export takes them)."""

    id: int
    uuid: str
    subject_kind: SubjectKind
    person_id: int | None
    person_name: str
    person_post: str
    unit_id: int
    unit_name: str
    measure: MeasureType
    measure_label: str
    decided_date: date
    basis_kind: str
    complaint_id: int | None
    finding_id: int | None
    basis_label: str
    deciding_body: str
    document_number: str
    document_id: int | None
    amount: Decimal | None
    notes: str
    voided: bool
    void_reason: str
    voided_at: datetime | None
    recorded_by: str
    version: int
    # For a person's 效能告诫 in force: which one it is in its year (1, 2, 3 …), so the
    # register shows a 3rd at a glance.
    warning_ordinal: int | None = None

    @property
    def subject_label(self) -> str:
        if self.subject_kind is SubjectKind.PERSON:
            post = f"（{self.person_post}）" if self.person_post else ""
            return f"{self.person_name}{post}"
        return self.unit_name

    def to_input(self) -> MeasureInput:
        return MeasureInput(
            subject_kind=self.subject_kind,
            measure=self.measure,
            decided_date=self.decided_date,
            person_id=self.person_id,
            unit_id=self.unit_id,
            complaint_id=self.complaint_id,
            finding_id=self.finding_id,
            deciding_body=self.deciding_body,
            document_number=self.document_number,
            document_id=self.document_id,
            amount=self.amount,
            notes=self.notes,
        )


@dataclass(frozen=True)
class MeasureFilter:
    """Register filters; ``voided``: False = in force (default), True = voided only, None = all."""

    date_from: date | None = None
    date_to: date | None = None
    unit_id: int | None = None
    person_id: int | None = None
    measure: MeasureType | None = None
    subject_kind: SubjectKind | None = None
    basis_kind: str | None = None
    complaint_id: int | None = None
    finding_id: int | None = None
    voided: bool | None = False
    text: str = ""


@dataclass(frozen=True)
class MeasureOutcome:
    """A saved measure and the warnings the screen must show (never refusals)."""

    id: int
    version: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WarningCount:
    """效能告诫 of one person in the window ending ``on``."""

    count: int
    window_from: date
    window_to: date
    window_label: str

    @property
    def text(self) -> str:
        return f"{self.window_label}效能告诫 {self.count} 次"


@dataclass(frozen=True)
class PersonHistory:
    person_id: int
    name: str
    post: str
    unit_name: str
    measures: list[MeasureRow]
    warnings: WarningCount


@dataclass(frozen=True)
class UnitHistory:
    unit_id: int
    name: str
    measures: list[MeasureRow]
    totals: MeasureTotals


# --------------------------------------------------------------------------- choices


_BY_CODE = {m.value: m for m in MeasureType}


def measure_type_choices(session: Session) -> list[tuple[MeasureType, str]]:
    """The measure types the office offers, in its order, with its labels (settings
    ``accountability.measure_types`` / ``accountability.measure_labels``; default: all, lightest
    first, with the enum's labels)."""
    codes = settings.get(session, settings.MEASURE_TYPES)
    labels = settings.get(session, settings.MEASURE_LABELS)
    out: list[tuple[MeasureType, str]] = []
    for code in codes:
        m = _BY_CODE.get(str(code))
        if m is None:
            continue  # a type from a newer EffDesk or a typo in the settings: not offered
        out.append((m, str(labels.get(m.value) or m.label)))
    return out or [(m, m.label) for m in MeasureType]


WARNING_WINDOWS = {"calendar": "自然年", "rolling": "近一年（滚动365天）"}


@dataclass(frozen=True)
class MeasureSettings:
    """The office's measure types (in order, enabled ones), label overrides, 告诫 window."""

    enabled: list[MeasureType]
    labels: dict[MeasureType, str]
    warning_window: str


def measure_settings(session: Session) -> MeasureSettings:
    labels = settings.get(session, settings.MEASURE_LABELS)
    return MeasureSettings(
        enabled=[m for m, _label in measure_type_choices(session)],
        labels={m: str(labels[m.value]) for m in MeasureType if labels.get(m.value)},
        warning_window=settings.get(session, settings.WARNING_WINDOW),
    )


def save_measure_settings(session: Session, actor: Actor, value: MeasureSettings) -> None:
    """Store the office's measure settings (admin: MANAGE_SETTINGS; audited by settings.put).
    Types switched off stay on the measures already recorded; they are only not offered."""
    problems: list[FieldProblem] = []
    if not value.enabled:
        problems.append(FieldProblem("enabled", "至少启用一种问责措施。"))
    for m, label in value.labels.items():
        if len(label.strip()) > 20:
            problems.append(FieldProblem("labels", f"「{m.label}」的显示名称不超过20字。"))
    if value.warning_window not in WARNING_WINDOWS:
        problems.append(FieldProblem("warning_window", "效能告诫次数的统计期间无效。"))
    if problems:
        raise ValidationErrors(problems)
    settings.put(session, actor, settings.MEASURE_TYPES, [m.value for m in value.enabled])
    settings.put(
        session,
        actor,
        settings.MEASURE_LABELS,
        {
            m.value: label.strip()
            for m, label in value.labels.items()
            if label.strip() and label.strip() != m.label
        },
    )
    settings.put(session, actor, settings.WARNING_WINDOW, value.warning_window)


def measure_label(session: Session, measure: MeasureType) -> str:
    labels = settings.get(session, settings.MEASURE_LABELS)
    return str(labels.get(measure.value) or measure.label)


# --------------------------------------------------------------------------- reading


def _row_select() -> Any:
    m = AccountabilityMeasure
    recorder = aliased(User)
    stmt = (
        select(
            m,
            Person.name,
            Person.description,
            Person.post,
            Unit.name,
            Complaint.number,
            Complaint.summary,
            Finding.description,
            Finding.observed_at,
            recorder.display_name,
        )
        .join(Unit, Unit.id == m.unit_id)
        .outerjoin(Person, Person.id == m.person_id)
        .outerjoin(Complaint, Complaint.id == m.complaint_id)
        .outerjoin(Finding, Finding.id == m.finding_id)
        .outerjoin(recorder, recorder.id == m.recorded_by_id)
    )
    return stmt


def _basis_label(complaint_number: str | None, finding_text: str | None, at: Any) -> str:
    if complaint_number:
        return f"投诉件 {complaint_number}"
    if finding_text:
        when = f"{at:%Y-%m-%d} " if isinstance(at, datetime) else ""
        short = finding_text if len(finding_text) <= 24 else finding_text[:23] + "…"
        return f"督查发现 {when}{short}"
    return "直接决定"


def basis_text(session: Session, complaint_id: int | None, finding_id: int | None) -> str:
    """How a basis reads on a screen: "投诉件 效投2026-0012", "督查发现 2026-03-03 …"."""
    if complaint_id is not None:
        c = session.get(Complaint, complaint_id)
        return _basis_label(c.number if c else "?", None, None)
    if finding_id is not None:
        f = session.get(Finding, finding_id)
        if f is not None:
            return _basis_label(None, f.description, f.observed_at)
    return _basis_label(None, None, None)


def _to_row(r: Any, labels: dict[str, str]) -> MeasureRow:
    m: AccountabilityMeasure = r[0]
    basis = (
        BasisKind.COMPLAINT
        if m.complaint_id is not None
        else BasisKind.FINDING
        if m.finding_id is not None
        else BasisKind.NONE
    )
    return MeasureRow(
        id=m.id,
        uuid=m.uuid,
        subject_kind=m.subject_kind,
        person_id=m.person_id,
        person_name=(r[1] or r[2] or "") if m.person_id is not None else "",
        person_post=r[3] or "",
        unit_id=m.unit_id,
        unit_name=r[4],
        measure=m.measure,
        measure_label=str(labels.get(m.measure.value) or m.measure.label),
        decided_date=m.decided_date,
        basis_kind=basis,
        complaint_id=m.complaint_id,
        finding_id=m.finding_id,
        basis_label=_basis_label(r[5], r[7], r[8]),
        deciding_body=m.deciding_body,
        document_number=m.document_number,
        document_id=m.document_id,
        amount=m.amount,
        notes=m.notes,
        voided=m.voided,
        void_reason=m.void_reason,
        voided_at=m.voided_at,
        recorded_by=r[9] or "",
        version=m.version,
    )


def _conditions(f: MeasureFilter) -> list[ColumnElement[bool]]:
    m = AccountabilityMeasure
    conds: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        conds.append(m.decided_date >= f.date_from)
    if f.date_to is not None:
        conds.append(m.decided_date <= f.date_to)
    if f.unit_id is not None:
        conds.append(m.unit_id == f.unit_id)
    if f.person_id is not None:
        conds.append(m.person_id == f.person_id)
    if f.measure is not None:
        conds.append(m.measure == f.measure)
    if f.subject_kind is not None:
        conds.append(m.subject_kind == f.subject_kind)
    if f.basis_kind == BasisKind.COMPLAINT:
        conds.append(m.complaint_id.is_not(None))
    elif f.basis_kind == BasisKind.FINDING:
        conds.append(m.finding_id.is_not(None))
    elif f.basis_kind == BasisKind.NONE:
        conds.append(and_(m.complaint_id.is_(None), m.finding_id.is_(None)))
    if f.complaint_id is not None:
        conds.append(m.complaint_id == f.complaint_id)
    if f.finding_id is not None:
        conds.append(m.finding_id == f.finding_id)
    if f.voided is not None:
        conds.append(m.voided.is_(f.voided))
    return conds


def _text_condition(text: str) -> ColumnElement[bool] | None:
    text = text.strip()
    if not text:
        return None
    pat = f"%{like_escape(text)}%"
    m = AccountabilityMeasure
    cols = [
        Person.name,
        Person.description,
        Person.post,
        Unit.name,
        Unit.short_name,
        m.deciding_body,
        m.document_number,
        m.notes,
        Complaint.number,
    ]
    conds = [c.ilike(pat, escape="\\") for c in cols]
    # A measure type typed by its label ("告诫") finds the measures of that type.
    types = [t for t in MeasureType if text in t.label]
    if types:
        conds.append(m.measure.in_(types))
    return or_(*conds)


def list_measures(
    session: Session,
    actor: Actor,
    filt: MeasureFilter = MeasureFilter(),
    offset: int = 0,
    limit: int = 200,
) -> Page[MeasureRow]:
    """The register, newest decision first."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    m = AccountabilityMeasure
    conds = _conditions(filt)
    text = _text_condition(filt.text)
    if text is not None:
        conds.append(text)
    stmt = _row_select().where(*conds)
    rows, total = fetch_page(
        session, stmt, m.decided_date.desc(), m.id.desc(), offset=offset, limit=limit
    )
    labels = settings.get(session, settings.MEASURE_LABELS)
    out = [_to_row(r, labels) for r in rows]
    return Page(_with_warning_ordinals(session, out), total, offset)


def _with_warning_ordinals(session: Session, rows: list[MeasureRow]) -> list[MeasureRow]:
    """Number each person's 效能告诫 within its window (calendar year or the 365 days
    before), counting only those in force, with one query for the page."""
    wanted = [
        r
        for r in rows
        if r.measure is MeasureType.EFFICIENCY_WARNING and r.person_id is not None and not r.voided
    ]
    if not wanted:
        return rows
    m = AccountabilityMeasure
    persons = {r.person_id for r in wanted}
    history: dict[int, list[tuple[date, int]]] = {}
    for pid, day, mid in session.execute(
        select(m.person_id, m.decided_date, m.id).where(
            m.person_id.in_(persons),
            m.subject_kind == SubjectKind.PERSON,
            m.measure == MeasureType.EFFICIENCY_WARNING,
            m.voided.is_(False),
        )
    ):
        if pid is not None:
            history.setdefault(pid, []).append((day, mid))
    rolling = settings.get(session, settings.WARNING_WINDOW) == "rolling"
    ordinals: dict[int, int] = {}
    for r in wanted:
        assert r.person_id is not None
        start = r.decided_date - timedelta(days=364) if rolling else date(r.decided_date.year, 1, 1)
        ordinals[r.id] = sum(
            1
            for day, mid in history.get(r.person_id, [])
            if start <= day and (day, mid) <= (r.decided_date, r.id)
        )
    return [replace(r, warning_ordinal=ordinals.get(r.id)) for r in rows]


def get_measure(session: Session, actor: Actor, measure_id: int) -> MeasureRow:
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    r = session.execute(_row_select().where(AccountabilityMeasure.id == measure_id)).first()
    if r is None:
        get_or_404(None, "该问责记录")
    assert r is not None
    labels = settings.get(session, settings.MEASURE_LABELS)
    return _with_warning_ordinals(session, [_to_row(r, labels)])[0]


def all_rows(session: Session, actor: Actor, filt: MeasureFilter) -> list[MeasureRow]:
    """Every row matching ``filt`` (for an export), in register order."""
    out: list[MeasureRow] = []
    offset = 0
    while True:
        page = list_measures(session, actor, filt, offset, 1000)
        out.extend(page.rows)
        offset += len(page.rows)
        if not page.rows or offset >= page.total:
            return out


def register_totals(
    session: Session,
    actor: Actor,
    filt: MeasureFilter = MeasureFilter(),
) -> MeasureTotals:
    """人次 and units of the measures the filter shows, counted by
    :func:`effdesk.services.measure_counts.measure_totals` (the statistics' definition).

    Voided measures never count; a filter showing voided measures only totals zero."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    if filt.voided is True:
        return MeasureTotals(persons=0, units=0)
    extra = [c for c in _conditions(replace(filt, date_from=None, date_to=None, voided=None))]
    text = _text_condition(filt.text)
    if text is not None:
        # The text condition reads joined tables: narrow by the matching ids instead.
        matching = _row_select().where(text).with_only_columns(AccountabilityMeasure.id)
        extra.append(AccountabilityMeasure.id.in_(matching))
    return measure_totals(session, filt.date_from or DATE_MIN, filt.date_to or DATE_MAX, *extra)


def totals_text(totals: MeasureTotals) -> str:
    return f"问责 {totals.persons} 人次、单位 {totals.units} 个"


# --------------------------------------------------------------------------- 效能告诫 count


def warning_count(
    session: Session, person_id: int, on: date, *, exclude_id: int | None = None
) -> WarningCount:
    """The person's 效能告诫 in force in the year ending ``on``: the calendar year of ``on``
    or the 365 days up to it (setting ``accountability.warning_window``)."""
    mode = settings.get(session, settings.WARNING_WINDOW)
    if mode == "rolling":
        start, label = on - timedelta(days=364), "近一年"
    else:
        start, label = date(on.year, 1, 1), f"{on.year}年"
    m = AccountabilityMeasure
    conds = [
        m.person_id == person_id,
        m.subject_kind == SubjectKind.PERSON,
        m.measure == MeasureType.EFFICIENCY_WARNING,
        m.voided.is_(False),
        m.decided_date >= start,
        m.decided_date <= on,
    ]
    if exclude_id is not None:
        conds.append(m.id != exclude_id)
    n = session.scalar(select(func.count()).select_from(m).where(*conds))
    return WarningCount(int(n or 0), start, on, label)


# --------------------------------------------------------------------------- history


def person_history(session: Session, actor: Actor, person_id: int, today: date) -> PersonHistory:
    """Every measure against the person (voided ones too) and this year's 效能告诫 count."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    person = get_or_404(session.get(Person, person_id), "该人员")
    rows = all_rows(session, actor, MeasureFilter(person_id=person_id, voided=None))
    return PersonHistory(
        person.id,
        person.display_name,
        person.post,
        person.unit.name,
        rows,
        warning_count(session, person_id, today),
    )


def unit_history(
    session: Session, actor: Actor, unit_id: int, date_from: date | None = None
) -> UnitHistory:
    """Every measure against the unit or its staff (voided ones too), with the totals."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    unit = get_or_404(session.get(Unit, unit_id), "该单位")
    rows = all_rows(
        session, actor, MeasureFilter(unit_id=unit_id, voided=None, date_from=date_from)
    )
    totals = register_totals(session, actor, MeasureFilter(unit_id=unit_id, date_from=date_from))
    return UnitHistory(unit.id, unit.name, rows, totals)


# --------------------------------------------------------------------------- validation


def _parse_amount(value: Decimal | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(str(value).strip().replace(",", "").replace("元", ""))
    except InvalidOperation:
        raise ValidationError("amount", f"扣发金额「{value}」不是数字。") from None


def check_basis(
    session: Session, complaint_id: int | None, finding_id: int | None
) -> list[FieldProblem]:
    """Why the basis cannot ground a measure (empty when it can)."""
    problems: list[FieldProblem] = []
    if complaint_id is not None and finding_id is not None:
        problems.append(FieldProblem("complaint_id", "问责依据只能是一件投诉或一个督查发现问题。"))
    if complaint_id is not None:
        c = session.get(Complaint, complaint_id)
        if c is None:
            problems.append(FieldProblem("complaint_id", "找不到作为依据的投诉件。"))
        elif c.verification is Verification.UNFOUNDED:
            problems.append(
                FieldProblem(
                    "complaint_id",
                    f"投诉件 {c.number} 的核查结论为「不属实」，不能据此问责。",
                )
            )
        elif c.state not in CONCLUDED_STATES:
            problems.append(
                FieldProblem(
                    "complaint_id",
                    f"投诉件 {c.number} 当前为「{c.state.label}」，办结后才能据此问责。",
                )
            )
    if finding_id is not None:
        f = session.get(Finding, finding_id)
        if f is None:
            problems.append(FieldProblem("finding_id", "找不到作为依据的督查发现问题。"))
        elif f.status not in VERIFIED_FINDINGS:
            problems.append(
                FieldProblem(
                    "finding_id",
                    f"该督查发现问题当前为「{f.status.label}」，核实认定后才能据此问责。",
                )
            )
    return problems


def _validate(session: Session, data: MeasureInput) -> tuple[int, Decimal | None]:
    """Check the whole form; return the unit id to store and the amount."""
    problems: list[FieldProblem] = []
    unit_id = data.unit_id
    if data.subject_kind is SubjectKind.PERSON:
        if data.person_id is None:
            problems.append(FieldProblem("person_id", "请选择被问责的人员。"))
        else:
            person = session.get(Person, data.person_id)
            if person is None:
                problems.append(FieldProblem("person_id", "找不到所选人员。"))
            elif unit_id is None:
                unit_id = person.unit_id
    elif data.person_id is not None:
        problems.append(FieldProblem("person_id", "问责对象为单位时不填写人员。"))
    if unit_id is None:
        if data.subject_kind is SubjectKind.UNIT:
            problems.append(FieldProblem("unit_id", "请选择被问责的单位。"))
    elif session.get(Unit, unit_id) is None:
        problems.append(FieldProblem("unit_id", "找不到所选单位。"))
    if data.decided_date > now().date() + timedelta(days=1):
        problems.append(FieldProblem("decided_date", "决定日期不能晚于今天。"))
    amount: Decimal | None = None
    try:
        amount = _parse_amount(data.amount)
    except ValidationError as exc:
        problems.append(FieldProblem("amount", exc.message))
    if data.measure in FINANCIAL:
        if amount is None or amount <= 0:
            problems.append(FieldProblem("amount", "扣发绩效/津贴须填写扣发金额（元）。"))
        elif amount >= Decimal("10000000"):
            problems.append(FieldProblem("amount", "扣发金额过大，请核对。"))
    elif amount is not None:
        problems.append(
            FieldProblem("amount", f"「{data.measure.label}」不是经济处理，不填写金额。")
        )
    if len(data.deciding_body) > 120:
        problems.append(FieldProblem("deciding_body", "决定机关不超过120字。"))
    if len(data.document_number) > 60:
        problems.append(FieldProblem("document_number", "文号不超过60字。"))
    if data.document_id is not None and session.get(Document, data.document_id) is None:
        problems.append(FieldProblem("document_id", "找不到所链接的公文。"))
    problems += check_basis(session, data.complaint_id, data.finding_id)
    if problems:
        raise ValidationErrors(problems)
    assert unit_id is not None
    return unit_id, amount


def _fields() -> list[str]:
    return [
        "subject_kind",
        "person_id",
        "unit_id",
        "measure",
        "decided_date",
        "complaint_id",
        "finding_id",
        "deciding_body",
        "document_number",
        "document_id",
        "amount",
        "notes",
        "voided",
        "void_reason",
    ]


def _snapshot(m: AccountabilityMeasure) -> dict[str, Any]:
    snap = audit.snapshot(m, _fields())
    snap["decided_date"] = m.decided_date.isoformat() if m.decided_date else None
    snap["amount"] = str(m.amount) if m.amount is not None else None
    return snap


def _label(session: Session, m: AccountabilityMeasure) -> str:
    if m.subject_kind is SubjectKind.PERSON and m.person_id is not None:
        p = session.get(Person, m.person_id)
        who = p.display_name if p else "?"
    else:
        u = session.get(Unit, m.unit_id)
        who = u.name if u else "?"
    return f"{who}「{m.measure.label}」（{m.decided_date:%Y-%m-%d}）"


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(
            f"{what}刚被其他人修改，您的操作未保存。请刷新后重试。", other_change=str(exc)
        ) from exc


def _warnings(session: Session, m: AccountabilityMeasure) -> list[str]:
    if m.measure is not MeasureType.EFFICIENCY_WARNING or m.person_id is None or m.voided:
        return []
    count = warning_count(session, m.person_id, m.decided_date)
    if count.count <= WARNING_LIMIT:
        return []
    p = session.get(Person, m.person_id)
    who = p.display_name if p else ""
    return [
        f"{who}{count.window_label}已被效能告诫 {count.count} 次（含本次），"
        f"超过 {WARNING_LIMIT} 次，请考虑更重的处理。"
    ]


def _apply(m: AccountabilityMeasure, data: MeasureInput, unit_id: int, amount: Any) -> None:
    m.subject_kind = data.subject_kind
    m.person_id = data.person_id if data.subject_kind is SubjectKind.PERSON else None
    m.unit_id = unit_id
    m.measure = data.measure
    m.decided_date = data.decided_date
    m.complaint_id = data.complaint_id
    m.finding_id = data.finding_id
    m.deciding_body = data.deciding_body.strip()
    m.document_number = data.document_number.strip()
    m.document_id = data.document_id
    m.amount = amount
    m.notes = data.notes.strip()


# --------------------------------------------------------------------------- changing


def record_measure(session: Session, actor: Actor, data: MeasureInput) -> MeasureOutcome:
    """Record one measure (the leader decides: DECIDE_MEASURES). A 4th 效能告诫 of a person
    in a year is recorded with a warning in the outcome, not refused."""
    require(actor, Permission.DECIDE_MEASURES)
    unit_id, amount = _validate(session, data)
    m = AccountabilityMeasure(recorded_by_id=actor.user_id)
    _apply(m, data, unit_id, amount)
    session.add(m)
    _flush(session, "问责记录")
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "accountability_measure",
        m.uuid,
        f"记录问责：{_label(session, m)}",
        None,
        _snapshot(m),
    )
    return MeasureOutcome(m.id, m.version, _warnings(session, m))


def record_measures(
    session: Session, actor: Actor, items: Sequence[MeasureInput]
) -> list[MeasureOutcome]:
    """Several measures at once (a circular's list), all or nothing."""
    problems: list[FieldProblem] = []
    for n, data in enumerate(items, 1):
        try:
            _validate(session, data)
        except ValidationErrors as exc:
            problems += [FieldProblem(p.field, f"第{n}条：{p.message}") for p in exc.problems]
    if problems:
        raise ValidationErrors(problems)
    return [record_measure(session, actor, data) for data in items]


def update_measure(
    session: Session,
    actor: Actor,
    measure_id: int,
    data: MeasureInput,
    expected_version: int | None,
) -> MeasureOutcome:
    """Correct a measure in force (a voided one is history and stays as it is)."""
    require(actor, Permission.DECIDE_MEASURES)
    m = get_or_404(session.get(AccountabilityMeasure, measure_id), "该问责记录")
    check_fresh(
        session, m, expected_version, f"问责记录 {_label(session, m)}", "accountability_measure"
    )
    if m.voided:
        raise TransitionNotAllowed("该问责记录已作废，不能修改。")
    unit_id, amount = _validate(session, data)
    before = _snapshot(m)
    _apply(m, data, unit_id, amount)
    after = _snapshot(m)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if not changed:
        return MeasureOutcome(m.id, m.version, [])
    _flush(session, "问责记录")
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "accountability_measure",
        m.uuid,
        f"修改问责：{_label(session, m)}",
        {k: before.get(k) for k in changed},
        changed,
    )
    return MeasureOutcome(m.id, m.version, _warnings(session, m))


def void_measure(
    session: Session, actor: Actor, measure_id: int, reason: str, expected_version: int | None
) -> AccountabilityMeasure:
    """Void a measure with a reason (VOID_MEASURES); it stays in the register's history and no
    longer counts."""
    require(actor, Permission.VOID_MEASURES)
    m = get_or_404(session.get(AccountabilityMeasure, measure_id), "该问责记录")
    check_fresh(
        session, m, expected_version, f"问责记录 {_label(session, m)}", "accountability_measure"
    )
    if m.voided:
        raise TransitionNotAllowed(f"问责记录 {_label(session, m)} 已经作废。")
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("void_reason", "请填写作废原因。")
    before = audit.snapshot(m, ["voided", "void_reason"])
    m.voided = True
    m.void_reason = reason
    m.voided_at = now()
    m.voided_by_id = actor.user_id
    _flush(session, "问责记录")
    audit.record(
        session,
        actor,
        AuditAction.VOID,
        "accountability_measure",
        m.uuid,
        f"作废问责：{_label(session, m)}：{reason}",
        before,
        audit.snapshot(m, ["voided", "void_reason"]),
    )
    return m


# --------------------------------------------------------------------------- prefill


def _office_body(session: Session) -> str:
    return settings.get(session, settings.OFFICE_NAME)


def prefill_from_complaint(
    session: Session, actor: Actor, complaint_id: int, today: date | None = None
) -> list[MeasureInput]:
    """One proposed measure per person complained about (their unit when none is named),
    resting on the complaint. Refused for a complaint not concluded or found 不属实."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    c = get_or_404(session.get(Complaint, complaint_id), "该投诉件")
    problems = check_basis(session, complaint_id, None)
    if problems:
        raise TransitionNotAllowed(problems[0].message)
    day = c.concluded_date or today or now().date()
    out = [
        MeasureInput(
            subject_kind=SubjectKind.PERSON,
            measure=MeasureType.CRITICISM_EDUCATION,
            decided_date=day,
            person_id=p.person_id,
            complaint_id=c.id,
            deciding_body=_office_body(session),
        )
        for p in c.persons
        if p.person_id is not None
    ]
    if not out and c.unit_id is not None:
        out.append(
            MeasureInput(
                subject_kind=SubjectKind.UNIT,
                measure=MeasureType.CIRCULATED_CRITICISM,
                decided_date=day,
                unit_id=c.unit_id,
                complaint_id=c.id,
                deciding_body=_office_body(session),
            )
        )
    return out


def prefill_from_finding(
    session: Session, actor: Actor, finding_id: int, today: date | None = None
) -> list[MeasureInput]:
    """One proposed measure per named person of the finding (else the unit), with the
    finding's proposed measure. Refused for a finding not verified."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    f = get_or_404(session.get(Finding, finding_id), "该督查发现问题")
    problems = check_basis(session, None, finding_id)
    if problems:
        raise TransitionNotAllowed(problems[0].message)
    return _finding_inputs(session, f, today or now().date())


def _finding_inputs(session: Session, f: Finding, day: date) -> list[MeasureInput]:
    proposed = f.proposed_measure
    persons = [p.person_id for p in f.persons if p.person_id is not None]
    if persons and proposed is not MeasureType.CIRCULATED_CRITICISM:
        return [
            MeasureInput(
                subject_kind=SubjectKind.PERSON,
                measure=proposed or MeasureType.CRITICISM_EDUCATION,
                decided_date=day,
                person_id=pid,
                finding_id=f.id,
                deciding_body=_office_body(session),
            )
            for pid in persons
        ]
    return [
        MeasureInput(
            subject_kind=SubjectKind.UNIT,
            measure=proposed or MeasureType.CIRCULATED_CRITICISM,
            decided_date=day,
            unit_id=f.unit_id,
            finding_id=f.id,
            deciding_body=_office_body(session),
        )
    ]


def prefill_from_document(session: Session, actor: Actor, document_id: int) -> list[MeasureInput]:
    """The measures a circular announces: for each verified finding it reports, the finding's
    proposed measure (unless already recorded); for each complaint, its persons or unit. The
    circular's number, issuer and date are filled in."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    doc = get_or_404(session.get(Document, document_id), "该公文")
    if doc.doc_type is not DocumentType.CIRCULAR:
        raise TransitionNotAllowed(f"「{doc.title}」不是通报，没有宣布问责措施。")
    day = doc.doc_date or now().date()
    src = session.scalars(select(DocumentSource).where(DocumentSource.document_id == doc.id)).all()
    finding_ids = [s.finding_id for s in src if s.finding_id is not None]
    complaint_ids = [s.complaint_id for s in src if s.complaint_id is not None]
    out: list[MeasureInput] = []
    recorded_f = set(
        session.scalars(
            select(AccountabilityMeasure.finding_id).where(
                AccountabilityMeasure.finding_id.in_(finding_ids),
                AccountabilityMeasure.voided.is_(False),
            )
        )
    )
    for f in session.scalars(select(Finding).where(Finding.id.in_(finding_ids))):
        if f.status in VERIFIED_FINDINGS and f.id not in recorded_f:
            out += _finding_inputs(session, f, day)
    recorded_c = set(
        session.scalars(
            select(AccountabilityMeasure.complaint_id).where(
                AccountabilityMeasure.complaint_id.in_(complaint_ids),
                AccountabilityMeasure.voided.is_(False),
            )
        )
    )
    for cid in complaint_ids:
        if cid in recorded_c or check_basis(session, cid, None):
            continue
        out += prefill_from_complaint(session, actor, cid, day)
    number = doc.number or ""
    body = doc.issuer or _office_body(session)
    return [
        replace(i, decided_date=day, document_number=number, document_id=doc.id, deciding_body=body)
        for i in out
    ]
