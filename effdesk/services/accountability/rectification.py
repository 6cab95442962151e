"""整改: the rectification cycle — notice, the unit's report, the office's check (验收).

States (:class:`RectificationState`) and the steps between them, as data::

    待整改 ──report──▶ 整改中 ──check passed──▶ 已整改
      │                  │
      │                  └─check failed (reasons, new deadline)──▶ 待整改   (the cycle restarts)
      └─deadline passed, no report──▶ 逾期未整改 ──report (late)──▶ 整改中

The deadline is N working days from the calendar (provisional, 暂定, when the calendar lacks
the year, exactly as for complaints) or a date the user gives. 临期/超期 are judged as for
complaints. Nothing is deleted; a rectification opened in error is voided with a reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from effdesk import audit, settings
from effdesk.auth import SYSTEM, Actor
from effdesk.calendar import Deadline, WorkCalendar, compute_deadline, provisional_is_workday
from effdesk.db.base import now
from effdesk.db.models import (
    Complaint,
    Document,
    Finding,
    Rectification,
    RectificationCheck,
    RectificationItem,
    RectificationReport,
    Unit,
    User,
)
from effdesk.enums import (
    AuditAction,
    DocumentState,
    DueStatus,
    RectificationNoticeKind,
    RectificationState,
)
from effdesk.errors import (
    ConcurrentEditError,
    FieldProblem,
    TransitionNotAllowed,
    ValidationError,
    ValidationErrors,
)
from effdesk.office_calendar import load_calendar
from effdesk.permissions import Permission, allowed, require
from effdesk.services.accountability._common import check_fresh
from effdesk.services.common import Page, fetch_page, get_or_404, like_escape
from effdesk.services.complaints.deadlines import near_limit, status_for

if TYPE_CHECKING:
    from effdesk.evidence.store import EvidenceStore
    from effdesk.services.evidence import AttachmentRow, IngestReport

# The evidence service (and Pillow behind it) is imported by the calls that attach or list
# files: the 待办 on the dashboard reads rectifications at every start and needs neither.

S = RectificationState


class RectAction(enum.Enum):
    REPORT = "report"
    CHECK_PASSED = "check_passed"
    CHECK_FAILED = "check_failed"
    MARK_OVERDUE = "mark_overdue"

    @property
    def label(self) -> str:
        return {
            "report": "登记整改报告",
            "check_passed": "验收通过",
            "check_failed": "验收未通过",
            "mark_overdue": "逾期未整改",
        }[self.value]


# The transition table: (action, from state) → to state. Every step is checked here.
TRANSITIONS: dict[tuple[RectAction, RectificationState], RectificationState] = {
    (RectAction.REPORT, S.PENDING): S.IN_PROGRESS,
    (RectAction.REPORT, S.OVERDUE): S.IN_PROGRESS,
    (RectAction.REPORT, S.IN_PROGRESS): S.IN_PROGRESS,  # a supplementary report
    (RectAction.CHECK_PASSED, S.IN_PROGRESS): S.DONE,
    (RectAction.CHECK_FAILED, S.IN_PROGRESS): S.PENDING,
    (RectAction.MARK_OVERDUE, S.PENDING): S.OVERDUE,
}
# The unit owes work (a report) in these states: the deadline runs.
RUNNING = frozenset({S.PENDING, S.OVERDUE})


def target_state(action: RectAction, state: RectificationState) -> RectificationState:
    to = TRANSITIONS.get((action, state))
    if to is None:
        raise TransitionNotAllowed(f"该整改当前为「{state.label}」，不能{action.label}。")
    return to


def allowed_actions(state: RectificationState, voided: bool) -> list[RectAction]:
    if voided:
        return []
    return [a for (a, s) in TRANSITIONS if s is state and a is not RectAction.MARK_OVERDUE]


# --------------------------------------------------------------------------- values


@dataclass
class RectificationInput:
    """A new rectification: ``deadline_days`` working days from ``issued_date``, or
    ``deadline`` when given (exactly one of them)."""

    unit_id: int | None
    items: list[str]
    issued_date: date
    notice_kind: RectificationNoticeKind = RectificationNoticeKind.RECTIFICATION
    deadline_days: int | None = None
    deadline: date | None = None
    complaint_id: int | None = None
    finding_id: int | None = None
    campaign_id: int | None = None
    requirements: str = ""


@dataclass(frozen=True)
class RectificationRow:
    id: int
    uuid: str
    unit_id: int
    unit_name: str
    notice_kind: RectificationNoticeKind
    state: RectificationState  # effective today: a PENDING one past its deadline is OVERDUE
    issued_date: date
    deadline: date
    deadline_provisional: bool
    due_status: DueStatus | None
    basis_label: str
    complaint_id: int | None
    finding_id: int | None
    notice_document_id: int | None
    notice_number: str
    item_count: int
    first_item: str
    report_count: int
    check_count: int
    completed_date: date | None
    ever_overdue: bool
    voided: bool
    void_reason: str
    version: int

    @property
    def deadline_text(self) -> str:
        return f"{self.deadline:%Y-%m-%d}" + ("（暂定）" if self.deadline_provisional else "")


@dataclass(frozen=True)
class ReportRow:
    id: int
    received_date: date
    text: str
    recorded_by: str


@dataclass(frozen=True)
class CheckRow:
    id: int
    check_date: date
    passed: bool
    reasons: str
    new_deadline: date | None
    checked_by: str


@dataclass(frozen=True)
class RectificationView:
    row: RectificationRow
    items: list[str]
    requirements: str
    reports: list[ReportRow]
    checks: list[CheckRow]
    attachments: list[AttachmentRow]
    notice_state: DocumentState | None
    actions: list[RectAction]

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def version(self) -> int:
        return self.row.version


@dataclass(frozen=True)
class RectificationFilter:
    state: RectificationState | None = None
    unit_id: int | None = None
    due: DueStatus | None = None
    complaint_id: int | None = None
    finding_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    voided: bool | None = False
    text: str = ""


@dataclass(frozen=True)
class RectificationTodo:
    """A 待办 line about a rectification (shown beside the complaints' 待办)."""

    rectification_id: int
    unit_name: str
    what: str  # 逾期未整改 / 临期 / 待验收
    state: RectificationState
    deadline: date
    provisional: bool
    text: str
    rank: int


# --------------------------------------------------------------------------- helpers


def _flush(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(
            f"{what}刚被其他人修改，您的操作未保存。请刷新后重试。", other_change=str(exc)
        ) from exc


def _label(session: Session, r: Rectification) -> str:
    u = session.get(Unit, r.unit_id)
    return f"{u.name if u else ''}整改（{r.issued_date:%Y-%m-%d}下发）"


def _load(session: Session, rect_id: int) -> Rectification:
    return get_or_404(session.get(Rectification, rect_id), "该整改记录")


def effective_state(r: Rectification | RectificationRow, today: date) -> RectificationState:
    """The state as of ``today``: a 待整改 past its deadline is 逾期未整改 even before the
    daily scan has recorded it."""
    if r.state is S.PENDING and r.deadline < today:
        return S.OVERDUE
    return r.state


def _deadline(
    calendar: WorkCalendar, start: date, days: int | None, explicit: date | None, field_: str
) -> tuple[date, bool]:
    if explicit is not None and days is not None:
        raise ValidationError(field_, "整改时限请填写工作日数或截止日期，二者选一。")
    if explicit is not None:
        if explicit < start:
            raise ValidationError(field_, "整改截止日期不能早于下发（验收）日期。")
        return explicit, False
    if days is None or days <= 0:
        raise ValidationError(field_, "请填写整改时限（工作日数，大于0）或截止日期。")
    if days > 250:
        raise ValidationError(field_, "整改时限不超过250个工作日。")
    d = compute_deadline(calendar, start, days)
    return d.due, d.provisional


def _snapshot(r: Rectification) -> dict[str, Any]:
    snap = audit.snapshot(
        r,
        [
            "state",
            "unit_id",
            "notice_kind",
            "deadline_provisional",
            "complaint_id",
            "finding_id",
            "notice_document_id",
            "ever_overdue",
            "voided",
            "void_reason",
        ],
    )
    snap["deadline"] = r.deadline.isoformat()
    snap["issued_date"] = r.issued_date.isoformat()
    snap["completed_date"] = r.completed_date.isoformat() if r.completed_date else None
    return snap


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    r: Rectification,
    summary: str,
    before: dict[str, Any] | None,
) -> None:
    after = _snapshot(r)
    if before is not None:
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        before = {k: before.get(k) for k in changed}
        after = changed
    audit.record(session, actor, action, "rectification", r.uuid, summary, before, after)


# --------------------------------------------------------------------------- creating


def preview_deadline(session: Session, start: date, days: int) -> Deadline:
    """The due date ``days`` working days after ``start`` (暂定 when the year is unknown), for
    a dialog to show before saving."""
    return compute_deadline(load_calendar(session), start, days)


def default_deadline_days(session: Session) -> int:
    return settings.get(session, settings.RECTIFICATION_DAYS)


def create_rectification(session: Session, actor: Actor, data: RectificationInput) -> Rectification:
    """Open a rectification (待整改) with its items and deadline."""
    require(actor, Permission.MANAGE_RECTIFICATION)
    problems: list[FieldProblem] = []
    items = [t.strip() for t in data.items if t.strip()]
    if data.unit_id is None or session.get(Unit, data.unit_id) is None:
        problems.append(FieldProblem("unit_id", "请选择整改单位。"))
    if not items:
        problems.append(FieldProblem("items", "请至少填写一项整改问题。"))
    if data.complaint_id is not None:
        c = session.get(Complaint, data.complaint_id)
        if c is None:
            problems.append(FieldProblem("complaint_id", "找不到作为依据的投诉件。"))
    if data.finding_id is not None and session.get(Finding, data.finding_id) is None:
        problems.append(FieldProblem("finding_id", "找不到作为依据的督查发现问题。"))
    calendar = load_calendar(session)
    due: tuple[date, bool] | None = None
    try:
        due = _deadline(calendar, data.issued_date, data.deadline_days, data.deadline, "deadline")
    except ValidationError as exc:
        problems.append(FieldProblem(exc.field, exc.message))
    if problems:
        raise ValidationErrors(problems)
    assert due is not None and data.unit_id is not None
    r = Rectification(
        unit_id=data.unit_id,
        notice_kind=data.notice_kind,
        state=S.PENDING,
        issued_date=data.issued_date,
        deadline=due[0],
        deadline_provisional=due[1],
        complaint_id=data.complaint_id,
        finding_id=data.finding_id,
        campaign_id=data.campaign_id,
        requirements=data.requirements.strip(),
        created_by_id=actor.user_id,
    )
    r.items = [RectificationItem(text=t, sort_order=n) for n, t in enumerate(items)]
    session.add(r)
    _flush(session, "整改记录")
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        r,
        f"下达整改：{_label(session, r)}，{len(items)}项，限{r.deadline:%Y-%m-%d}前",
        None,
    )
    return r


def prefill_from_complaint(session: Session, actor: Actor, complaint_id: int) -> RectificationInput:
    """A rectification of the complaint's unit for the problem it found."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    c = get_or_404(session.get(Complaint, complaint_id), "该投诉件")
    text = c.summary + (f"（{c.handling_result.strip()}）" if c.handling_result.strip() else "")
    return RectificationInput(
        unit_id=c.unit_id,
        items=[text],
        issued_date=now().date(),
        deadline_days=default_deadline_days(session),
        complaint_id=c.id,
    )


def prefill_from_finding(session: Session, actor: Actor, finding_id: int) -> RectificationInput:
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    f = get_or_404(session.get(Finding, finding_id), "该督查发现问题")
    where = f"{f.place}：" if f.place else ""
    return RectificationInput(
        unit_id=f.unit_id,
        items=[f"{f.observed_at:%Y年%m月%d日}，{where}{f.description}"],
        issued_date=now().date(),
        deadline_days=default_deadline_days(session),
        finding_id=f.id,
        campaign_id=f.campaign_id,
    )


# --------------------------------------------------------------------------- the cycle


def record_report(
    session: Session,
    actor: Actor,
    rect_id: int,
    received_date: date,
    text: str,
    expected_version: int | None,
    *,
    files: Sequence[Path] = (),
    store: EvidenceStore | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport | None:
    """The unit's report arrived (整改中): its date, text and files (into the evidence store,
    attached to the rectification). A report after the deadline leaves ``ever_overdue``."""
    require(actor, Permission.MANAGE_RECTIFICATION)
    r = _load(session, rect_id)
    check_fresh(session, r, expected_version, _label(session, r), "rectification")
    if r.voided:
        raise TransitionNotAllowed("该整改记录已作废。")
    to = target_state(RectAction.REPORT, effective_state(r, received_date))
    text = text.strip()
    problems: list[FieldProblem] = []
    if not text and not files:
        problems.append(FieldProblem("text", "请填写整改报告内容或添加报告文件。"))
    if received_date < r.issued_date:
        problems.append(FieldProblem("received_date", "收到报告的日期不能早于整改下发日期。"))
    if received_date > now().date():
        problems.append(FieldProblem("received_date", "收到报告的日期不能晚于今天。"))
    if problems:
        raise ValidationErrors(problems)
    before = _snapshot(r)
    if received_date > r.deadline:
        r.ever_overdue = True
    r.state = to
    r.reports.append(
        RectificationReport(received_date=received_date, text=text, recorded_by_id=actor.user_id)
    )
    r.updated_at = now()
    _flush(session, _label(session, r))
    from effdesk.services import evidence
    from effdesk.services.evidence import AttachmentOwner

    ingest: IngestReport | None = None
    if files:
        if store is None:
            raise ValueError("files need the evidence store")
        ingest = evidence.attach_files(
            session,
            actor,
            store,
            AttachmentOwner(rectification_id=r.id),
            list(files),
            progress=progress,
        )
        for a in ingest.added:
            a.caption = f"整改报告（{received_date:%Y-%m-%d}收到）"
        session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        r,
        f"登记整改报告：{_label(session, r)}，{received_date:%Y-%m-%d}收到"
        + (f"，附件{len(ingest.added)}个" if ingest else ""),
        before,
    )
    return ingest


def check_rectification(
    session: Session,
    actor: Actor,
    rect_id: int,
    check_date: date,
    passed: bool,
    expected_version: int | None,
    *,
    reasons: str = "",
    new_deadline_days: int | None = None,
    new_deadline: date | None = None,
) -> Rectification:
    """The office's check (验收). Passed: 已整改. Not passed: the reasons and a new deadline
    (working days from the check, or a date) are required, and the cycle restarts (待整改)."""
    require(actor, Permission.MANAGE_RECTIFICATION)
    r = _load(session, rect_id)
    check_fresh(session, r, expected_version, _label(session, r), "rectification")
    if r.voided:
        raise TransitionNotAllowed("该整改记录已作废。")
    action = RectAction.CHECK_PASSED if passed else RectAction.CHECK_FAILED
    to = target_state(action, r.state)
    problems: list[FieldProblem] = []
    last_report = max((rep.received_date for rep in r.reports), default=r.issued_date)
    if check_date < last_report:
        problems.append(FieldProblem("check_date", "验收日期不能早于收到整改报告的日期。"))
    if check_date > now().date():
        problems.append(FieldProblem("check_date", "验收日期不能晚于今天。"))
    due: tuple[date, bool] | None = None
    reasons = reasons.strip()
    if not passed:
        if not reasons:
            problems.append(FieldProblem("reasons", "验收未通过时请填写未通过的原因。"))
        try:
            due = _deadline(
                load_calendar(session), check_date, new_deadline_days, new_deadline, "new_deadline"
            )
        except ValidationError as exc:
            problems.append(FieldProblem(exc.field, exc.message))
    if problems:
        raise ValidationErrors(problems)
    before = _snapshot(r)
    r.checks.append(
        RectificationCheck(
            check_date=check_date,
            passed=passed,
            reasons=reasons,
            new_deadline=due[0] if due else None,
            checked_by_id=actor.user_id,
        )
    )
    r.state = to
    if passed:
        r.completed_date = check_date
    else:
        assert due is not None
        r.deadline, r.deadline_provisional = due
    r.updated_at = now()
    _flush(session, _label(session, r))
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        r,
        f"整改验收{'通过' if passed else '未通过'}：{_label(session, r)}"
        + ("" if passed else f"，重新限{r.deadline:%Y-%m-%d}前整改：{reasons}"),
        before,
    )
    return r


def scan_overdue(session: Session, actor: Actor = SYSTEM, today: date | None = None) -> int:
    """Record 逾期未整改 for every 待整改 past its deadline (idempotent; startup and daily).

    Derived by the system: no version bump, so a user editing the record is not disturbed.
    """
    today = today or now().date()
    late = session.execute(
        select(Rectification.id, Rectification.uuid).where(
            Rectification.state == S.PENDING,
            Rectification.deadline < today,
            Rectification.voided.is_(False),
        )
    ).all()
    if not late:
        return 0
    ids = [r.id for r in late]
    session.execute(
        update(Rectification)
        .where(Rectification.id.in_(ids))
        .values(state=S.OVERDUE, ever_overdue=True)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "rectification",
        "",
        f"整改逾期检查（{today:%Y-%m-%d}）：{len(ids)}项整改逾期未整改",
        None,
        {"uuids": [r.uuid for r in late]},
    )
    session.expire_all()
    return len(ids)


def recompute_provisional_deadlines(session: Session, actor: Actor, calendar: WorkCalendar) -> int:
    """Count every 暂定 deadline again once the admin has entered the year it falls in.

    A provisional deadline was always computed (a typed date is never provisional), from the
    issue date or from the failed check that set it; its number of working days is what the
    provisional rule (weekends and fixed-date holidays) counts between the two, in the years
    the calendar did not know. Each change is audited; returns how many changed.
    """
    require(actor, Permission.MANAGE_CALENDAR)
    changed = 0
    rects = session.scalars(
        select(Rectification)
        .where(Rectification.deadline_provisional.is_(True), Rectification.voided.is_(False))
        .options(selectinload(Rectification.checks))
        .order_by(Rectification.id)
    ).all()
    for r in rects:
        start = deadline_start(r)
        unknown_then = {r.deadline.year} | {
            y for y in range(start.year, r.deadline.year + 1) if not calendar.knows(y)
        }
        days = sum(
            1
            for n in range(1, (r.deadline - start).days + 1)
            if _workday_then(calendar, start + timedelta(days=n), unknown_then)
        )
        new = compute_deadline(calendar, start, days)
        if (new.due, new.provisional) == (r.deadline, r.deadline_provisional):
            continue
        before = _snapshot(r)
        old = r.deadline
        r.deadline, r.deadline_provisional = new.due, new.provisional
        _flush(session, _label(session, r))
        _audit(
            session,
            actor,
            AuditAction.UPDATE,
            r,
            f"录入节假日安排后重新计算整改时限：{_label(session, r)}，{old:%Y-%m-%d}→{new.label()}",
            before,
        )
        changed += 1
    return changed


def deadline_start(r: Rectification) -> date:
    """The day the running deadline was counted from: the failed check that set it, else the
    issue date."""
    for c in reversed(r.checks):
        if not c.passed and c.new_deadline == r.deadline:
            return c.check_date
    return r.issued_date


def _workday_then(calendar: WorkCalendar, day: date, unknown_then: set[int]) -> bool:
    return provisional_is_workday(day) if day.year in unknown_then else calendar.is_workday(day)


def void_rectification(
    session: Session, actor: Actor, rect_id: int, reason: str, expected_version: int | None
) -> Rectification:
    """Void a rectification opened in error (kept, with the reason, in the history)."""
    require(actor, Permission.VOID_MEASURES)
    r = _load(session, rect_id)
    check_fresh(session, r, expected_version, _label(session, r), "rectification")
    if r.voided:
        raise TransitionNotAllowed("该整改记录已经作废。")
    reason = reason.strip()
    if len(reason) < 2:
        raise ValidationError("void_reason", "请填写作废原因。")
    before = _snapshot(r)
    r.voided = True
    r.void_reason = reason
    r.updated_at = now()
    _flush(session, _label(session, r))
    _audit(session, actor, AuditAction.VOID, r, f"作废整改：{_label(session, r)}：{reason}", before)
    return r


# --------------------------------------------------------------------------- reading


def _select() -> Any:
    stmt = (
        select(Rectification, Unit.name, Complaint.number, Finding.description, Document.number)
        .join(Unit, Unit.id == Rectification.unit_id)
        .outerjoin(Complaint, Complaint.id == Rectification.complaint_id)
        .outerjoin(Finding, Finding.id == Rectification.finding_id)
        .outerjoin(Document, Document.id == Rectification.notice_document_id)
        .options(
            selectinload(Rectification.items),
            selectinload(Rectification.reports),
            selectinload(Rectification.checks),
        )
    )
    return stmt


def _row(r: Any, today: date, calendar: WorkCalendar, near_days: int) -> RectificationRow:
    rect: Rectification = r[0]
    state = effective_state(rect, today)
    due = (
        status_for(rect.deadline, today, near_limit(calendar, today, near_days))
        if state in RUNNING and not rect.voided
        else None
    )
    if r[2]:
        basis = f"投诉件 {r[2]}"
    elif r[3]:
        basis = "督查发现：" + (r[3] if len(r[3]) <= 20 else r[3][:19] + "…")
    else:
        basis = "直接下达"
    items = list(rect.items)
    return RectificationRow(
        id=rect.id,
        uuid=rect.uuid,
        unit_id=rect.unit_id,
        unit_name=r[1],
        notice_kind=rect.notice_kind,
        state=state,
        issued_date=rect.issued_date,
        deadline=rect.deadline,
        deadline_provisional=rect.deadline_provisional and not calendar.knows(rect.deadline.year),
        due_status=due,
        basis_label=basis,
        complaint_id=rect.complaint_id,
        finding_id=rect.finding_id,
        notice_document_id=rect.notice_document_id,
        notice_number=r[4] or "",
        item_count=len(items),
        first_item=items[0].text if items else "",
        report_count=len(rect.reports),
        check_count=len(rect.checks),
        completed_date=rect.completed_date,
        ever_overdue=rect.ever_overdue or state is S.OVERDUE,
        voided=rect.voided,
        void_reason=rect.void_reason,
        version=rect.version,
    )


def _conditions(f: RectificationFilter, today: date, near_before: date) -> list[Any]:
    R = Rectification
    conds: list[Any] = []
    if f.voided is not None:
        conds.append(R.voided.is_(f.voided))
    if f.unit_id is not None:
        conds.append(R.unit_id == f.unit_id)
    if f.complaint_id is not None:
        conds.append(R.complaint_id == f.complaint_id)
    if f.finding_id is not None:
        conds.append(R.finding_id == f.finding_id)
    if f.date_from is not None:
        conds.append(R.issued_date >= f.date_from)
    if f.date_to is not None:
        conds.append(R.issued_date <= f.date_to)
    running = R.state.in_(list(RUNNING))
    if f.state is S.OVERDUE:
        conds.append(or_(R.state == S.OVERDUE, and_(R.state == S.PENDING, R.deadline < today)))
    elif f.state is S.PENDING:
        conds.append(and_(R.state == S.PENDING, R.deadline >= today))
    elif f.state is not None:
        conds.append(R.state == f.state)
    if f.due is DueStatus.OVERDUE:
        conds.append(and_(running, R.deadline < today))
    elif f.due is DueStatus.NEAR:
        conds.append(and_(running, R.deadline >= today, R.deadline < near_before))
    elif f.due is DueStatus.NORMAL:
        conds.append(and_(running, R.deadline >= near_before))
    text = f.text.strip()
    if text:
        pat = f"%{like_escape(text)}%"
        items = select(RectificationItem.rectification_id).where(
            RectificationItem.text.ilike(pat, escape="\\")
        )
        conds.append(
            or_(
                Unit.name.ilike(pat, escape="\\"),
                Unit.short_name.ilike(pat, escape="\\"),
                R.requirements.ilike(pat, escape="\\"),
                Complaint.number.ilike(pat, escape="\\"),
                Document.number.ilike(pat, escape="\\"),
                R.id.in_(items),
            )
        )
    return conds


def list_rectifications(
    session: Session,
    actor: Actor,
    filt: RectificationFilter = RectificationFilter(),
    offset: int = 0,
    limit: int = 200,
    today: date | None = None,
) -> Page[RectificationRow]:
    """Rectifications, the most pressing deadline first (running ones), then the newest."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    today = today or now().date()
    calendar = load_calendar(session)
    near_days = settings.get(session, settings.NEAR_DAYS)
    near_before = near_limit(calendar, today, near_days)
    stmt = _select().where(*_conditions(filt, today, near_before))
    R = Rectification
    # What needs the office first: overdue, then awaiting the unit, awaiting the check, done
    # (the newest done first).
    urgency = case(
        (or_(R.state == S.OVERDUE, and_(R.state == S.PENDING, R.deadline < today)), 0),
        (R.state == S.PENDING, 1),
        (R.state == S.IN_PROGRESS, 2),
        else_=3,
    )
    rows, total = fetch_page(
        session,
        stmt,
        R.voided,
        urgency,
        case((urgency == 3, R.issued_date), else_=None).desc(),
        R.deadline,
        R.id.desc(),
        offset=offset,
        limit=limit,
        count_by=R.id,
    )
    return Page([_row(r, today, calendar, near_days) for r in rows], total, offset)


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    real = {i for i in ids if i is not None}
    if not real:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(real))).all()
    return {int(uid): str(name) for uid, name in rows}


def get_rectification(
    session: Session, actor: Actor, rect_id: int, today: date | None = None
) -> RectificationView:
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    today = today or now().date()
    r = session.execute(_select().where(Rectification.id == rect_id)).first()
    if r is None:
        get_or_404(None, "该整改记录")
    assert r is not None
    rect: Rectification = r[0]
    calendar = load_calendar(session)
    row = _row(r, today, calendar, settings.get(session, settings.NEAR_DAYS))
    names = _names(
        session,
        {rep.recorded_by_id for rep in rect.reports} | {c.checked_by_id for c in rect.checks},
    )
    notice_state = None
    if rect.notice_document_id is not None:
        doc = session.get(Document, rect.notice_document_id)
        notice_state = doc.state if doc else None
    return RectificationView(
        row=row,
        items=[i.text for i in rect.items],
        requirements=rect.requirements,
        reports=[
            ReportRow(rep.id, rep.received_date, rep.text, names.get(rep.recorded_by_id or 0, ""))
            for rep in rect.reports
        ],
        checks=[
            CheckRow(
                c.id,
                c.check_date,
                c.passed,
                c.reasons,
                c.new_deadline,
                names.get(c.checked_by_id or 0, ""),
            )
            for c in rect.checks
        ],
        attachments=_attachments(session, actor, rect.id),
        notice_state=notice_state,
        actions=allowed_actions(row.state, rect.voided)
        if allowed(actor, Permission.MANAGE_RECTIFICATION)
        else [],
    )


def rectifications_for(
    session: Session,
    actor: Actor,
    *,
    complaint_id: int | None = None,
    finding_id: int | None = None,
) -> list[RectificationRow]:
    """The rectifications resting on a complaint or a finding (voided ones too)."""
    filt = RectificationFilter(complaint_id=complaint_id, finding_id=finding_id, voided=None)
    return list(list_rectifications(session, actor, filt, 0, 1000).rows)


# --------------------------------------------------------------------------- 待办


def todo_for(
    session: Session, actor: Actor, today: date | None = None, *, limit: int = 100
) -> list[RectificationTodo]:
    """Rectifications needing the office: 逾期未整改, 临期 (the unit should be reminded) and
    reports awaiting the check (待验收). Empty for roles that do not manage rectification."""
    if not allowed(actor, Permission.MANAGE_RECTIFICATION):
        return []
    today = today or now().date()
    out: list[RectificationTodo] = []
    for due, what, rank in ((DueStatus.OVERDUE, "逾期未整改", 0), (DueStatus.NEAR, "整改临期", 1)):
        page = list_rectifications(
            session, actor, RectificationFilter(due=due), 0, limit, today=today
        )
        for row in page.rows:
            if due is DueStatus.OVERDUE:
                text = f"{row.unit_name} 整改时限{row.deadline_text}已过，尚未报送整改报告"
            else:
                text = f"{row.unit_name} 整改时限{row.deadline_text}，请督促报送整改报告"
            out.append(_todo(row, what, text, rank))
    page = list_rectifications(
        session, actor, RectificationFilter(state=S.IN_PROGRESS), 0, limit, today=today
    )
    for row in page.rows:
        out.append(_todo(row, "整改待验收", f"{row.unit_name} 已报送整改报告，待验收", 2))
    return out[:limit]


def _todo(row: RectificationRow, what: str, text: str, rank: int) -> RectificationTodo:
    return RectificationTodo(
        rectification_id=row.id,
        unit_name=row.unit_name,
        what=what,
        state=row.state,
        deadline=row.deadline,
        provisional=row.deadline_provisional,
        text=text,
        rank=rank,
    )


__all__ = [
    "RUNNING",
    "TRANSITIONS",
    "CheckRow",
    "RectAction",
    "RectificationFilter",
    "RectificationInput",
    "RectificationRow",
    "RectificationTodo",
    "RectificationView",
    "ReportRow",
    "allowed_actions",
    "check_rectification",
    "create_rectification",
    "effective_state",
    "get_rectification",
    "list_rectifications",
    "record_report",
    "rectifications_for",
    "scan_overdue",
    "target_state",
    "todo_for",
    "void_rectification",
]


def _attachments(session: Session, actor: Actor, rectification_id: int) -> list[AttachmentRow]:
    from effdesk.services import evidence
    from effdesk.services.evidence import AttachmentOwner

    return evidence.list_attachments(
        session, actor, AttachmentOwner(rectification_id=rectification_id)
    )
