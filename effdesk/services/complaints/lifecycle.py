"""The steps of a complaint after registration (呈批 → 批示 → 交办 … → 归档), one function each.

Every function: asks the complaint policy (:mod:`effdesk.services.complaints.policy`: the
transition table, the actor's role, then its guards over the case facts), checks
``expected_version`` (the version the user's screen showed; None skips the
check), validates its inputs (ValidationErrors naming the argument), changes the case, and
records one ComplaintEvent plus one audit entry. ``at`` pins the time (tests, imports); by
default it is now. Each returns the updated case; screens re-read it with
:func:`effdesk.services.complaints.get_complaint_detail`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Complaint, Unit, User
from effdesk.enums import (
    ComplaintEventKind,
    ComplaintState,
    HandlingMode,
    ReplyMethod,
    Satisfaction,
    Verification,
)
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.office_calendar import load_calendar
from effdesk.services.complaints._core import Step, add_event, clock, load_case
from effdesk.services.complaints.deadlines import (
    deadline_bases,
    load_policy,
    set_computed,
    set_explicit,
)
from effdesk.services.complaints.intake import refresh_search_text
from effdesk.services.complaints.policy import (
    VISIT_REOPEN_REFUSAL,
    ComplaintAction,
    open_extension_request,
    visit_allows_reopen,
)
from effdesk.services.complaints.schema import ExtensionRequest

A = ComplaintAction


def _step(
    session: Session,
    actor: Actor,
    complaint_id: int,
    action: ComplaintAction,
    expected_version: int | None,
    at: datetime | None,
) -> Step:
    return Step(session, actor, load_case(session, complaint_id), action, expected_version, at)


def _required(problems: list[FieldProblem], field: str, value: str, message: str) -> str:
    text = value.strip()
    if not text:
        problems.append(FieldProblem(field, message))
    return text


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationErrors(problems)


def _not_future(
    problems: list[FieldProblem], field: str, day: date, today: date, what: str
) -> None:
    if day > today:
        problems.append(FieldProblem(field, f"{what}不能晚于今天（{today:%Y-%m-%d}）。"))


# --------------------------------------------------------------------------- acceptance


def submit_for_instruction(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """呈批: send the registered case to the leader for instruction."""
    step = _step(session, actor, complaint_id, A.SUBMIT, expected_version, at)
    step.commit(text=note.strip() or "呈领导批示")
    return step.case


def instruct(
    session: Session,
    actor: Actor,
    complaint_id: int,
    instruction: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """领导批示 (leader only). A later instruction replaces the shown one; all stay in history."""
    step = _step(session, actor, complaint_id, A.INSTRUCT, expected_version, at)
    problems: list[FieldProblem] = []
    text = _required(problems, "instruction", instruction, "请填写批示意见。")
    _raise(problems)
    step.set("leader_instruction", text)
    step.set("instructed_by_id", actor.user_id)
    step.set("instructed_at", step.at)
    step.commit(text=text)
    return step.case


def route(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    mode: HandlingMode,
    handler_unit_id: int | None = None,
    handler_user_id: int | None = None,
    due_date: date | None = None,
    forwarded_to: str = "",
    letter_text: str = "",
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """交办/转办 after the leader's instruction.

    - 自办 (SELF): the office investigates; ``handler_user_id`` (default: unchanged) works on it.
    - 交办 (ASSIGNED): ``handler_unit_id`` required; ``due_date`` fixes the unit's limit (default:
      the computed conclusion limit).
    - 转办 (FORWARDED): outside the office's scope; ``forwarded_to`` (the receiving authority)
      required; ``letter_text`` is the body of the 转办函.
    """
    step = _step(session, actor, complaint_id, A.ROUTE, expected_version, at)
    case = step.case
    problems: list[FieldProblem] = []
    if mode == HandlingMode.ASSIGNED:
        if handler_unit_id is None:
            problems.append(FieldProblem("handler_unit_id", "交办须选择承办单位。"))
        elif session.get(Unit, handler_unit_id) is None:
            problems.append(FieldProblem("handler_unit_id", "所选承办单位不存在。"))
    if mode == HandlingMode.FORWARDED:
        _required(problems, "forwarded_to", forwarded_to, "转办须填写转往的单位（机关）。")
    if handler_user_id is not None and session.get(User, handler_user_id) is None:
        problems.append(FieldProblem("handler_user_id", "所选承办人不存在。"))
    if due_date is not None:
        if due_date < case.received_date:
            problems.append(
                FieldProblem(
                    "due_date", f"办理时限不能早于受理日期（{case.received_date:%Y-%m-%d}）。"
                )
            )
        elif due_date < step.today:
            problems.append(FieldProblem("due_date", "办理时限不能早于今天。"))
    _raise(problems)
    step.set("handling_mode", mode)
    step.set("handler_unit_id", handler_unit_id if mode == HandlingMode.ASSIGNED else None)
    step.set("forwarded_to", forwarded_to.strip() if mode == HandlingMode.FORWARDED else "")
    if handler_user_id is not None:
        step.set("handler_user_id", handler_user_id)
    step.set("routed_at", step.at)
    if due_date is not None and due_date != case.due_date:
        set_explicit(step, "due_date", due_date, load_calendar(session))
    if mode == HandlingMode.FORWARDED and letter_text.strip():
        step.facts["letter"] = letter_text.strip()
    refresh_search_text(session, case)
    target = {
        HandlingMode.SELF: "自办",
        HandlingMode.ASSIGNED: "交办",
        HandlingMode.FORWARDED: "转办",
    }[mode]
    where = ""
    if mode == HandlingMode.ASSIGNED and handler_unit_id is not None:
        unit = session.get(Unit, handler_unit_id)
        where = f"至{unit.name}" if unit else ""
    elif mode == HandlingMode.FORWARDED:
        where = f"至{forwarded_to.strip()}"
    step.commit(text=f"{target}{where}" + (f"：{note.strip()}" if note.strip() else ""))
    return case


def reject(
    session: Session,
    actor: Actor,
    complaint_id: int,
    reason: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """不予受理 after the leader's instruction, with the reason given to the complainant."""
    step = _step(session, actor, complaint_id, A.REJECT, expected_version, at)
    problems: list[FieldProblem] = []
    text = _required(problems, "reason", reason, "请填写不予受理的理由。")
    _raise(problems)
    step.set("rejection_reason", text)
    step.commit(text=text)
    return step.case


# --------------------------------------------------------------------------- handling


def start_investigation(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """开始调查 (→ 调查中)."""
    step = _step(session, actor, complaint_id, A.START, expected_version, at)
    step.commit(text=note.strip() or "开始调查核实")
    return step.case


def add_note(
    session: Session,
    actor: Actor,
    complaint_id: int,
    text: str,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Complaint:
    """办理记录: a dated note in the history (calls, visits, what the unit said …)."""
    step = _step(session, actor, complaint_id, A.NOTE, expected_version, at)
    problems: list[FieldProblem] = []
    body = _required(problems, "text", text, "请填写办理记录内容。")
    _raise(problems)
    step.commit(text=body)
    return step.case


def _handler_label(session: Session, case: Complaint) -> str:
    if case.handling_mode == HandlingMode.ASSIGNED and case.handler_unit_id:
        unit = session.get(Unit, case.handler_unit_id)
        return unit.name if unit else ""
    if case.handling_mode == HandlingMode.FORWARDED:
        return case.forwarded_to
    if case.handler_user_id:
        user = session.get(User, case.handler_user_id)
        return user.display_name if user else ""
    return ""


def remind(
    session: Session,
    actor: Actor,
    complaint_id: int,
    text: str = "",
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Complaint:
    """催办: chase the handler; a 催办通知书 can be printed from it."""
    step = _step(session, actor, complaint_id, A.REMIND, expected_version, at)
    to = _handler_label(session, step.case)
    if to:
        step.facts["to"] = to
    body = text.strip() or "请抓紧办理，按期办结并反馈办理结果。"
    step.commit(text=body)
    return step.case


def supervise(
    session: Session,
    actor: Actor,
    complaint_id: int,
    text: str,
    *,
    report_by: date | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Complaint:
    """督办: a formal supervision notice with requirements and a date to report by."""
    step = _step(session, actor, complaint_id, A.SUPERVISE, expected_version, at)
    problems: list[FieldProblem] = []
    body = _required(problems, "text", text, "请填写督办要求。")
    if report_by is not None and report_by < step.today:
        problems.append(FieldProblem("report_by", "报告期限不能早于今天。"))
    _raise(problems)
    to = _handler_label(session, step.case)
    if to:
        step.facts["to"] = to
    if report_by is not None:
        step.facts["report_by"] = report_by.isoformat()
    step.commit(text=body)
    return step.case


# --------------------------------------------------------------------------- extension


def pending_extension(case: Complaint) -> ExtensionRequest | None:
    """The extension request still awaiting the leader, if any."""
    latest = open_extension_request(case.events)
    if latest is None:
        return None
    return ExtensionRequest(
        event_id=latest.id,
        requested_at=latest.at,
        requested_by=latest.actor.display_name if latest.actor else "系统",
        days=int(latest.changes.get("days", 0)),
        reason=latest.text,
    )


def request_extension(
    session: Session,
    actor: Actor,
    complaint_id: int,
    days: int,
    reason: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """申请延期: only before the limit has passed; the total extension may not exceed the
    office's maximum (settings ``deadline.extension_max_days``)."""
    step = _step(session, actor, complaint_id, A.REQUEST_EXTENSION, expected_version, at)
    case = step.case
    policy = load_policy(session)
    problems: list[FieldProblem] = []
    text = _required(problems, "reason", reason, "请填写延期理由。")
    left = policy.extension_max_days - case.extension_days
    if days < 1:
        problems.append(FieldProblem("days", "延期天数至少为1个工作日。"))
    elif days > left:
        problems.append(
            FieldProblem(
                "days",
                f"延期最多{policy.extension_max_days}个工作日"
                + (
                    f"（已延期{case.extension_days}个工作日，最多还可延{left}个）"
                    if case.extension_days
                    else ""
                )
                + "。",
            )
        )
    _raise(problems)
    step.facts["days"] = days
    step.commit(text=text)
    return case


def approve_extension(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    days: int | None = None,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """批准延期 (leader): the limit moves ``days`` working days (default: as requested; a
    leader may grant fewer) past the current limit."""
    step = _step(session, actor, complaint_id, A.APPROVE_EXTENSION, expected_version, at)
    case = step.case
    request = pending_extension(case)
    assert request is not None  # the policy refused the step otherwise
    granted = request.days if days is None else days
    if not 1 <= granted <= request.days:
        raise ValidationErrors(
            [FieldProblem("days", f"批准的延期天数应在1到{request.days}个工作日之间。")]
        )
    assert case.due_date is not None  # a request needs a limit
    basis = deadline_bases(case).get("due_date")
    start, counted = basis if basis is not None else (case.due_date, 0)
    step.set("extension_days", case.extension_days + granted)
    set_computed(step, "due_date", start, counted + granted, load_calendar(session))
    step.facts["days"] = granted
    step.commit(
        text=f"同意延期{granted}个工作日，办理时限延至{case.due_date:%Y-%m-%d}"
        + (f"。{note.strip()}" if note.strip() else "")
    )
    return case


def deny_extension(
    session: Session,
    actor: Actor,
    complaint_id: int,
    reason: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """不同意延期 (leader), with the reason."""
    step = _step(session, actor, complaint_id, A.DENY_EXTENSION, expected_version, at)
    problems: list[FieldProblem] = []
    text = _required(problems, "reason", reason, "请填写不同意延期的理由。")
    _raise(problems)
    step.commit(text=text)
    return step.case


# --------------------------------------------------------------------------- conclusion


def draft_conclusion(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    verification: Verification,
    handling_result: str,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """拟办结: the finding (核查结论) and the handling result, submitted for sign-off."""
    step = _step(session, actor, complaint_id, A.DRAFT_CONCLUSION, expected_version, at)
    problems: list[FieldProblem] = []
    result = _required(problems, "handling_result", handling_result, "请填写处理结果。")
    _raise(problems)
    step.set("verification", verification)
    step.set("handling_result", result)
    step.commit(text=note.strip() or f"核查结论：{verification.label}")
    return step.case


def sign_off(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """审核办结 (leader): the case is concluded today; the reply limit starts."""
    step = _step(session, actor, complaint_id, A.SIGN_OFF, expected_version, at)
    policy = load_policy(session)
    step.set("concluded_date", step.today)
    set_computed(step, "reply_due", step.today, policy.reply_days, load_calendar(session))
    step.commit(text=note.strip() or "同意办结")
    return step.case


def send_back(
    session: Session,
    actor: Actor,
    complaint_id: int,
    reason: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """退回重办 (leader): the conclusion is not accepted; back to 调查中 with the reason.
    The limit is unchanged (a send-back is not a new case)."""
    step = _step(session, actor, complaint_id, A.SEND_BACK, expected_version, at)
    problems: list[FieldProblem] = []
    text = _required(problems, "reason", reason, "请填写退回重办的理由。")
    _raise(problems)
    step.commit(text=text)
    return step.case


# --------------------------------------------------------------------------- answer


def reply(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    reply_date: date,
    method: ReplyMethod,
    text: str,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """答复: how and when the complainant was told the result (ReplyMethod.NONE with the
    reason when they cannot be reached, e.g. anonymous without a phone)."""
    step = _step(session, actor, complaint_id, A.REPLY, expected_version, at)
    case = step.case
    problems: list[FieldProblem] = []
    body = _required(problems, "text", text, "请填写答复内容（无法答复时请写明原因）。")
    _not_future(problems, "reply_date", reply_date, step.today, "答复日期")
    earliest = case.concluded_date or case.received_date
    if reply_date < earliest:
        problems.append(
            FieldProblem("reply_date", f"答复日期不能早于{earliest:%Y-%m-%d}（办结或受理日期）。")
        )
    _raise(problems)
    step.set("reply_date", reply_date)
    step.set("reply_method", method)
    step.set("reply_text", body)
    step.commit(text=f"{method.label}答复：{body}")
    return case


def record_return_visit(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    visit_date: date,
    satisfaction: Satisfaction,
    notes: str = "",
    reopen_case: bool = False,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """回访 with the complainant's satisfaction. ``reopen_case`` (only when 不满意) reopens the
    case for 重办 in the same transaction (two history events)."""
    step = _step(session, actor, complaint_id, A.RETURN_VISIT, expected_version, at)
    case = step.case
    problems: list[FieldProblem] = []
    _not_future(problems, "visit_date", visit_date, step.today, "回访日期")
    if case.reply_date is not None and visit_date < case.reply_date:
        problems.append(
            FieldProblem("visit_date", f"回访日期不能早于答复日期（{case.reply_date:%Y-%m-%d}）。")
        )
    if reopen_case and not visit_allows_reopen(satisfaction):
        problems.append(FieldProblem("satisfaction", VISIT_REOPEN_REFUSAL))
    _raise(problems)
    step.set("return_visit_date", visit_date)
    step.set("satisfaction", satisfaction)
    step.set("return_visit_notes", notes.strip())
    step.commit(
        text=f"回访：{satisfaction.label}" + (f"。{notes.strip()}" if notes.strip() else "")
    )
    if reopen_case:
        reopen(
            session,
            actor,
            complaint_id,
            f"回访不满意，重办。{notes.strip()}".strip(),
            expected_version=case.version,
            at=step.at,
        )
    return case


def reopen(
    session: Session,
    actor: Actor,
    complaint_id: int,
    reason: str,
    *,
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """重办: back to 调查中 with a fresh conclusion limit counted from today.

    A clerk may reopen an answered case whose return visit was 不满意; any other reopening
    (a concluded or archived case) is the leader's decision. The earlier conclusion, reply and
    visit are cleared from the case and kept in its history.
    """
    step = _step(session, actor, complaint_id, A.REOPEN, expected_version, at)
    case = step.case
    problems: list[FieldProblem] = []
    text = _required(problems, "reason", reason, "请填写重办的理由。")
    _raise(problems)
    policy = load_policy(session)
    step.set("reopen_count", case.reopen_count + 1)
    for field in (
        "concluded_date",
        "reply_due",
        "reply_date",
        "reply_method",
        "return_visit_date",
        "satisfaction",
        "archived_at",
    ):
        step.set(field, None)
    step.set("reply_text", "")
    step.set("return_visit_notes", "")
    limit = case.limit_days or policy.conclusion_days[case.complexity]
    step.set("extension_days", 0)
    set_computed(step, "due_date", step.today, limit, load_calendar(session))
    step.commit(text=text)
    return case


def archive(
    session: Session,
    actor: Actor,
    complaint_id: int,
    *,
    note: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """归档 an answered (or 不予受理) case."""
    step = _step(session, actor, complaint_id, A.ARCHIVE, expected_version, at)
    step.set("archived_at", step.at)
    step.commit(text=note.strip() or "归档")
    return step.case


def merge_complaint(
    session: Session,
    actor: Actor,
    complaint_id: int,
    into_id: int,
    *,
    reason: str = "",
    expected_version: int | None,
    at: datetime | None = None,
) -> Complaint:
    """合并: the case ``complaint_id`` is a duplicate of ``into_id``; it becomes 已合并 and
    points at the other case, which gets a history note naming it."""
    at = clock(at)
    step = _step(session, actor, complaint_id, A.MERGE, expected_version, at)
    case = step.case
    target = session.get(Complaint, into_id)
    problems: list[FieldProblem] = []
    if target is None:
        problems.append(FieldProblem("into_id", "要合并到的投诉件不存在。"))
    elif target.id == case.id:
        problems.append(FieldProblem("into_id", "不能把投诉件合并到它自己。"))
    elif target.state == ComplaintState.MERGED:
        problems.append(
            FieldProblem(
                "into_id", f"投诉件 {target.number} 本身已合并，请合并到它所并入的投诉件。"
            )
        )
    _raise(problems)
    assert target is not None
    step.set("merged_into_id", target.id)
    step.facts["merged_into"] = target.number
    text = f"与投诉件 {target.number} 反映同一问题，合并办理" + (
        f"：{reason.strip()}" if reason.strip() else ""
    )
    step.commit(text=text)
    add_event(
        session,
        actor,
        target,
        ComplaintEventKind.MERGED,
        at=step.at,
        from_state=target.state,
        to_state=target.state,
        text=f"投诉件 {case.number} 反映同一问题，已合并到本件办理",
        changes={"merged_from": case.number},
    )
    return case
