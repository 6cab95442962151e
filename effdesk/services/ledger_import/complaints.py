"""Importing an office's complaint ledger (投诉台账) kept in Excel.

Imported cases keep their original numbers and dates. Their deadlines and on-time status are
computed from the working-day calendar exactly as for a registered case (the computed ones
leave their basis, so provisional deadlines are recounted when the admin enters a year). The
state follows from what the row holds: a reply date or satisfaction → 已反馈; a conclusion
date → 已办结; otherwise 登记. Each case gets an IMPORTED event naming the file and row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.calendar import WorkCalendar, compute_deadline
from effdesk.db.base import new_uuid, now
from effdesk.db.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPerson,
    NumberSeries,
    ProblemCategory,
)
from effdesk.enums import (
    AuditAction,
    Channel,
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    Complexity,
    DeadlineKind,
    HandlingMode,
    ReplyMethod,
    Satisfaction,
    Verification,
)
from effdesk.errors import CalendarUnknown, RowProblem
from effdesk.office_calendar import load_calendar
from effdesk.services.complaints import BASIS_KEY
from effdesk.services.complaints.deadlines import conclusion_limit, load_policy
from effdesk.services.complaints.intake import NUMBER_SERIES_KEY, format_complaint_number
from effdesk.services.complaints.privacy import search_columns
from effdesk.services.ledger_import.layout import FieldSpec
from effdesk.services.ledger_import.plan import ImportPlan, ProgressFn, SheetPlan, SourceRow
from effdesk.services.ledger_import.units import unit_key
from effdesk.services.ledger_import.values import parse_date, parse_datetime, parse_limit
from effdesk.services.numbering import allocate
from effdesk.textutil import is_valid_phone, normalise_phone

F = FieldSpec
COMPLAINT_FIELDS: tuple[FieldSpec, ...] = (
    F("number", "编号", ("投诉编号", "案件编号", "件号", "受理编号", "登记编号", "序号", "编码")),
    F(
        "received",
        "受理日期",
        (
            "受理时间",
            "投诉时间",
            "投诉日期",
            "来电时间",
            "来电日期",
            "登记日期",
            "登记时间",
            "收件日期",
            "反映时间",
            "日期",
        ),
        required=True,
    ),
    F("channel", "来源渠道", ("来源", "渠道", "投诉渠道", "投诉方式", "受理方式", "件源")),
    F(
        "complainant_name",
        "投诉人",
        ("姓名", "投诉人姓名", "反映人", "来电人", "投诉群众", "投诉人/姓名"),
    ),
    F(
        "complainant_phone",
        "联系电话",
        ("电话", "手机", "联系方式", "投诉人电话", "投诉人联系电话", "手机号码", "电话号码"),
    ),
    F("complainant_company", "投诉人单位", ("工作单位", "企业名称", "投诉人单位/企业", "所在单位")),
    F(
        "unit",
        "被投诉单位",
        (
            "投诉对象",
            "被投诉对象",
            "被投诉单位名称",
            "涉及单位",
            "被反映单位",
            "责任单位",
            "被投诉部门",
            "投诉单位",
        ),
        required=True,
    ),
    F("persons", "被投诉人员", ("被投诉人", "被反映人", "涉及人员", "当事人")),
    F("category", "问题类别", ("投诉类别", "问题类型", "投诉类型", "类别", "问题性质")),
    F(
        "summary",
        "内容摘要",
        (
            "投诉内容",
            "反映问题",
            "主要问题",
            "投诉事项",
            "反映内容",
            "问题摘要",
            "投诉问题",
            "简要内容",
            "主要内容",
            "事由",
        ),
        required=True,
    ),
    F("instruction", "领导批示", ("批示", "领导意见", "批示意见")),
    F("handling_mode", "承办方式", ("办理方式", "处理方式")),
    F("handler_unit", "承办单位", ("办理单位", "交办单位", "承办部门")),
    F("limit", "办理时限", ("时限", "办理期限", "期限", "限办日期", "办结时限")),
    F("concluded", "办结日期", ("办结时间", "结案日期", "结案时间", "办结")),
    F("verification", "核查结论", ("调查结果", "核查结果", "核实情况", "是否属实", "核查情况")),
    F("result", "处理结果", ("处理意见", "办理结果", "处理情况", "办理情况")),
    F("reply_date", "反馈日期", ("回复时间", "反馈时间", "答复日期", "答复时间", "回复日期")),
    F("reply_method", "反馈方式", ("回复方式", "答复方式")),
    F("satisfaction", "满意度", ("满意情况", "回访情况", "是否满意", "回访满意度", "群众满意度")),
    F("state", "办理状态", ("状态", "案件状态", "当前状态")),
    F("remarks", "备注", ("说明", "其他")),
)
_OPEN_IMPORT_STATES = {
    ComplaintState.REGISTERED,
    ComplaintState.AWAITING_INSTRUCTION,
    ComplaintState.ROUTED,
    ComplaintState.INVESTIGATING,
    ComplaintState.AWAITING_REVIEW,
}
_CLOSED_IMPORT_STATES = {
    ComplaintState.CONCLUDED,
    ComplaintState.ANSWERED,
    ComplaintState.ARCHIVED,
}

_ANONYMOUS = {"匿名", "匿名投诉", "不愿透露", "不愿留名", "未留名", "无名氏"}
_CHANNEL_WORDS: tuple[tuple[str, Channel], ...] = (
    ("12345", Channel.HOTLINE_12345),
    ("热线", Channel.HOTLINE_12345),
    ("领导", Channel.LEADER_ASSIGNED),
    ("交办", Channel.LEADER_ASSIGNED),
    ("监督员", Channel.SUPERVISOR),
    ("媒体", Channel.MEDIA),
    ("报", Channel.MEDIA),
    ("电视", Channel.MEDIA),
    ("电话", Channel.PHONE),
    ("来电", Channel.PHONE),
    ("信", Channel.LETTER),
    ("访", Channel.VISIT),
    ("上门", Channel.VISIT),
    ("网", Channel.WEB),
    ("微信", Channel.WEB),
    ("邮件", Channel.WEB),
    ("信箱", Channel.WEB),
    ("其他", Channel.OTHER),
)
_VERIFICATION = {
    "属实": Verification.SUBSTANTIATED,
    "情况属实": Verification.SUBSTANTIATED,
    "部分属实": Verification.PARTLY,
    "基本属实": Verification.PARTLY,
    "不属实": Verification.UNFOUNDED,
    "不实": Verification.UNFOUNDED,
    "查无实据": Verification.UNFOUNDED,
    "无法核实": Verification.UNVERIFIABLE,
    "无法查实": Verification.UNVERIFIABLE,
    "无法核查": Verification.UNVERIFIABLE,
}
_SATISFACTION = {
    "满意": Satisfaction.SATISFIED,
    "非常满意": Satisfaction.SATISFIED,
    "基本满意": Satisfaction.BASICALLY,
    "较满意": Satisfaction.BASICALLY,
    "比较满意": Satisfaction.BASICALLY,
    "不满意": Satisfaction.UNSATISFIED,
}
_REPLY_METHOD = {
    "电话": ReplyMethod.PHONE,
    "电话反馈": ReplyMethod.PHONE,
    "书面": ReplyMethod.LETTER,
    "书面答复": ReplyMethod.LETTER,
    "信函": ReplyMethod.LETTER,
    "当面": ReplyMethod.IN_PERSON,
    "面谈": ReplyMethod.IN_PERSON,
    "短信": ReplyMethod.SMS,
    "网络": ReplyMethod.WEB,
    "网上": ReplyMethod.WEB,
    "无法反馈": ReplyMethod.NONE,
}
WRITE_BATCH = 500
_SERIAL_ONLY = re.compile(r"^\d{1,6}$")


@dataclass
class ComplaintRecord:
    """One ledger row, checked and converted (plain values; units by normalised name)."""

    row: int
    sheet: str
    number: str
    received_at: datetime
    channel: Channel
    anonymous: bool
    complainant_name: str
    complainant_phone: str
    complainant_company: str
    unit_key: str
    unit_name: str
    persons: list[str]
    category_id: int | None
    summary: str
    content: str
    instruction: str
    handling_mode: HandlingMode | None
    handler_unit_key: str
    limit_days: int | None
    due_date: date | None
    concluded: date | None
    verification: Verification | None
    result: str
    reply_date: date | None
    reply_method: ReplyMethod | None
    satisfaction: Satisfaction | None
    remarks: str
    state: ComplaintState | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _lookup(text: str, table: dict[str, Any], what: str) -> Any:
    key = re.sub(r"\s+", "", text)
    if key in table:
        return table[key]
    raise ValueError(f"「{text}」不是可识别的{what}（可填：{'、'.join(dict.fromkeys(table))}）")


def _channel(text: str) -> Channel:
    for member in Channel:
        if text == member.label:
            return member
    for word, member in _CHANNEL_WORDS:
        if word in text:
            return member
    raise ValueError(f"「{text}」不是可识别的来源渠道（如 电话、来信、来访、网络、12345转办）")


def _category_finder(session: Session) -> tuple[dict[str, int], list[tuple[str, int]], int | None]:
    rows = session.execute(
        select(ProblemCategory.id, ProblemCategory.name).order_by(ProblemCategory.sort_order)
    ).all()
    exact = {re.sub(r"\s+", "", name): cid for cid, name in rows}
    parts: list[tuple[str, int]] = []
    for cid, name in rows:
        for part in re.split(r"[、,，/；;]", name):
            if len(part.strip()) >= 2:
                parts.append((part.strip(), cid))
    other = exact.get("其他")
    return exact, parts, other


def convert_rows(session: Session, plan: ImportPlan, sheet: SheetPlan, today: date) -> None:
    """Check and convert every row of ``sheet`` into ComplaintRecords, adding problems."""
    exact, parts, other = _category_finder(session)
    prefix = settings.get(session, settings.COMPLAINT_NUMBER_PREFIX)
    seen: dict[str, int] = plan.extra.setdefault("numbers_seen", {})
    for row in sheet.rows:
        problems: list[RowProblem] = []

        def bad(
            key: str, message: str, row: SourceRow = row, problems: list[RowProblem] = problems
        ) -> None:
            problems.append(RowProblem(row.number, _where(plan, sheet, row.header(key)), message))

        received: datetime | None = None
        if row.get("received") is None:
            bad("received", "受理日期不能为空")
        else:
            try:
                received = parse_datetime(row.get("received"))
                if received.date() > today:
                    bad("received", f"受理日期{received:%Y-%m-%d}晚于今天")
            except ValueError as exc:
                bad("received", str(exc))
        summary_text = row.text("summary")
        if not summary_text:
            bad("summary", "内容摘要不能为空")
        unit_name = row.text("unit")
        if not unit_name:
            bad("unit", "被投诉单位不能为空")
        number = row.text("number")
        if number and _SERIAL_ONLY.match(number) and received is not None:
            number = format_complaint_number(prefix, received.year, int(number))
        if number:
            if number in seen:
                bad("number", f"编号「{number}」与第{seen[number]}行重复")
            else:
                seen[number] = row.number
        channel = Channel.OTHER
        if row.text("channel"):
            try:
                channel = _channel(row.text("channel"))
            except ValueError as exc:
                bad("channel", str(exc))
        name = row.text("complainant_name")
        anonymous = name in _ANONYMOUS
        phone = row.text("complainant_phone")
        if phone:
            if is_valid_phone(phone):
                phone = normalise_phone(phone)
            else:
                bad("complainant_phone", f"联系电话「{phone}」格式不正确（手机号或带区号的座机号）")
        category_id = other
        cat_text = re.sub(r"\s+", "", row.text("category"))
        if cat_text:
            category_id = exact.get(cat_text) or next(
                (cid for part, cid in parts if part in cat_text or cat_text in part), None
            )
            if category_id is None:
                names = "、".join(exact)
                bad("category", f"问题类别「{cat_text}」不在本系统的类别中（现有：{names}）")
        limit_days: int | None = None
        due: date | None = None
        if row.get("limit") is not None:
            try:
                limit = parse_limit(row.get("limit"))
                if isinstance(limit, int):
                    limit_days = limit
                else:
                    due = limit
            except ValueError as exc:
                bad("limit", str(exc))
        dates: dict[str, date | None] = {}
        for key in ("concluded", "reply_date"):
            dates[key] = None
            if row.get(key) is not None:
                try:
                    dates[key] = parse_date(row.get(key))
                except ValueError as exc:
                    bad(key, str(exc))
        concluded, reply_date = dates["concluded"], dates["reply_date"]
        verification = satisfaction = reply_method = handling_mode = None
        for key, table, what in (
            ("verification", _VERIFICATION, "核查结论"),
            ("satisfaction", _SATISFACTION, "满意度"),
            ("reply_method", _REPLY_METHOD, "反馈方式"),
        ):
            if row.text(key):
                try:
                    value = _lookup(row.text(key), table, what)
                except ValueError as exc:
                    bad(key, str(exc))
                    continue
                if key == "verification":
                    verification = value
                elif key == "satisfaction":
                    satisfaction = value
                else:
                    reply_method = value
        if row.text("handling_mode"):
            try:
                handling_mode = HandlingMode.from_label(row.text("handling_mode"))
            except ValueError:
                bad(
                    "handling_mode",
                    f"「{row.text('handling_mode')}」不是承办方式（自办、交办、转办）",
                )
        if received is not None:
            if concluded is not None and concluded < received.date():
                bad("concluded", f"办结日期{concluded:%Y-%m-%d}早于受理日期{received:%Y-%m-%d}")
            if due is not None and due < received.date():
                bad("limit", f"办理时限{due:%Y-%m-%d}早于受理日期{received:%Y-%m-%d}")
        state: ComplaintState | None = None
        if row.text("state"):
            try:
                state = ComplaintState.from_label(row.text("state"))
                if state not in _OPEN_IMPORT_STATES | _CLOSED_IMPORT_STATES | {
                    ComplaintState.REJECTED
                }:
                    raise ValueError(state.label)
            except ValueError:
                allowed = "、".join(s.label for s in ComplaintState if s != ComplaintState.MERGED)
                bad("state", f"「{row.text('state')}」不是可导入的办理状态（可填：{allowed}）")
        if state in (ComplaintState.CONCLUDED, ComplaintState.ANSWERED) and concluded is None:
            bad("concluded", f"办理状态为「{state.label}」，但没有办结日期")
        elif state in _OPEN_IMPORT_STATES and concluded is not None:
            bad("concluded", f"办理状态为「{state.label}」，却填写了办结日期")
        if (
            reply_date is not None
            and concluded is None
            and state
            not in (
                ComplaintState.REJECTED,
                ComplaintState.ARCHIVED,
            )
        ):
            bad("reply_date", "已填写反馈日期，但没有办结日期")
        elif reply_date is not None and concluded is not None and reply_date < concluded:
            bad("reply_date", f"反馈日期{reply_date:%Y-%m-%d}早于办结日期{concluded:%Y-%m-%d}")
        if (
            state is None
            and concluded is None
            and (verification is not None or satisfaction is not None)
        ):
            bad("concluded", "已填写核查结论或满意度，但没有办结日期")
        plan.problems.extend(problems)
        if problems or received is None:
            continue
        if unit_key(unit_name) not in plan.extra["units"]:
            missing = plan.extra.setdefault("missing_units", {})
            missing.setdefault(unit_key(unit_name), unit_name)
        handler = row.text("handler_unit")
        if handler and unit_key(handler) not in plan.extra["units"]:
            plan.extra.setdefault("missing_units", {}).setdefault(unit_key(handler), handler)
        summary, content = summary_text, ""
        if len(summary_text) > 300:
            summary, content = summary_text[:298] + "……", summary_text
        persons = [p for p in re.split(r"[、,，;；]", row.text("persons")) if p.strip()]
        sheet.records.append(
            ComplaintRecord(
                row=row.number,
                sheet=sheet.name,
                number=number,
                received_at=received,
                channel=channel,
                anonymous=anonymous,
                complainant_name="" if anonymous else name[:60],
                complainant_phone=phone,
                complainant_company="" if anonymous else row.text("complainant_company")[:120],
                unit_key=unit_key(unit_name),
                unit_name=unit_name,
                persons=[p.strip()[:200] for p in persons],
                category_id=category_id,
                summary=summary,
                content=content,
                instruction=row.text("instruction"),
                handling_mode=handling_mode,
                handler_unit_key=unit_key(handler) if handler else "",
                limit_days=limit_days,
                due_date=due,
                concluded=concluded,
                verification=verification,
                result=row.text("result"),
                reply_date=reply_date,
                reply_method=reply_method,
                satisfaction=satisfaction,
                remarks=row.text("remarks"),
                state=state,
            )
        )


def _where(plan: ImportPlan, sheet: SheetPlan, header: str) -> str:
    return f"{sheet.name}!{header}" if len(plan.sheets) > 1 else header


def check_existing_numbers(session: Session, plan: ImportPlan) -> None:
    records = [(s, r) for s in plan.sheets for r in s.records if r.number]
    numbers = [r.number for _, r in records]
    taken: set[str] = set()
    for i in range(0, len(numbers), 500):
        chunk = numbers[i : i + 500]
        taken.update(session.scalars(select(Complaint.number).where(Complaint.number.in_(chunk))))
    for sheet, rec in records:
        if rec.number in taken:
            col = sheet.layout.column_for("number")
            plan.problems.append(
                RowProblem(
                    rec.row,
                    _where(plan, sheet, col.header if col else "编号"),
                    f"编号「{rec.number}」的投诉件已在系统中（不重复导入）",
                )
            )


# --------------------------------------------------------------------------- writing


class _Deadlines:
    """Working-day counting for thousands of rows: each day's status is asked of the calendar
    once, and each (start, days) pair is counted once; a year the calendar does not know falls
    back to :func:`compute_deadline` (provisional, 暂定)."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.cache: dict[tuple[date, int], tuple[date, bool]] = {}
        self.workdays: dict[date, bool] = {}

    def _is_workday(self, day: date) -> bool:
        known = self.workdays.get(day)
        if known is None:
            known = self.workdays[day] = self.calendar.is_workday(day)
        return known

    def __call__(self, start: date, days: int) -> tuple[date, bool]:
        key = (start, days)
        if key not in self.cache:
            try:
                current, counted = start, 0
                while counted < days:
                    current += timedelta(days=1)
                    if self._is_workday(current):
                        counted += 1
                if days == 0:
                    while not self._is_workday(current):
                        current += timedelta(days=1)
                self.cache[key] = (current, False)
            except CalendarUnknown:
                result = compute_deadline(self.calendar, start, days)
                self.cache[key] = (result.due, result.provisional)
        return self.cache[key]


def write_complaints(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    units: dict[str, int],
    today: date,
    progress: ProgressFn | None,
) -> int:
    """Insert every record of the plan (the caller's transaction makes it all or nothing)."""
    policy = load_policy(session)
    deadlines = _Deadlines(load_calendar(session))
    categories = {c.id: c for c in session.scalars(select(ProblemCategory))}
    prefix = settings.get(session, settings.COMPLAINT_NUMBER_PREFIX)
    at = now()
    records: list[ComplaintRecord] = [r for s in plan.sheets for r in s.records]
    total = len(records)
    serial_top: dict[int, int] = {}
    number_re = re.compile(rf"^{re.escape(prefix)}(\d{{4}})-(\d+)$")
    unnumbered = [r for r in records if not r.number]
    for rec in sorted(unnumbered, key=lambda r: r.received_at):
        serial = allocate(session, NUMBER_SERIES_KEY, rec.received_at.year, prefix).serial
        rec.number = format_complaint_number(prefix, rec.received_at.year, serial)
    for rec in records:
        m = number_re.match(rec.number)
        if m is not None:
            year, serial = int(m[1]), int(m[2])
            serial_top[year] = max(serial_top.get(year, 0), serial)
    for first in range(0, total, WRITE_BATCH):
        if progress is not None:
            progress(first, total, f"正在写入第{first + 1}件，共{total}件")
        chunk = records[first : first + WRITE_BATCH]
        built = [
            _build_case(rec, units, categories, policy, deadlines, actor, today, at, plan)
            for rec in chunk
        ]
        # Bulk inserts (executemany): the ORM unit of work would spend most of the import on
        # bookkeeping for objects nobody looks at again. The ids are read back by UUID
        # (RETURNING in parameter order makes SQLite insert row by row).
        for case, _, _ in built:
            case["uuid"] = new_uuid()
        session.execute(insert(_table(Complaint)), [case for case, _, _ in built])
        by_uuid = dict(
            session.execute(
                select(Complaint.uuid, Complaint.id).where(
                    Complaint.uuid.in_([case["uuid"] for case, _, _ in built])
                )
            ).all()
        )
        ids = [by_uuid[case["uuid"]] for case, _, _ in built]
        events = [
            dict(e, complaint_id=cid)
            for cid, (_, _, evs) in zip(ids, built, strict=True)
            for e in evs
        ]
        persons = [
            {"complaint_id": cid, "description": d, "person_id": None, "version": 1}
            for cid, (_, names, _) in zip(ids, built, strict=True)
            for d in names
        ]
        session.execute(insert(_table(ComplaintEvent)), events)
        if persons:
            session.execute(insert(_table(ComplaintPerson)), persons)
    _advance_series(session, prefix, serial_top)
    if progress is not None:
        progress(total, total, "正在保存")
    audit.record(
        session,
        actor,
        AuditAction.IMPORT,
        "complaint",
        "",
        f"从「{plan.path.name}」导入投诉台账{total}件",
        None,
        {"file": plan.path.name, "count": total, "numbers": [r.number for r in records]},
    )
    return total


def _build_case(
    rec: ComplaintRecord,
    units: dict[str, int],
    categories: dict[int, ProblemCategory],
    policy: Any,
    deadlines: _Deadlines,
    actor: Actor,
    today: date,
    at: datetime,
    plan: ImportPlan,
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    """The row as column values for the complaints table, its persons and its events."""
    start = rec.received_at.date()
    category = categories.get(rec.category_id) if rec.category_id else None
    limit = rec.limit_days or conclusion_limit(policy, Complexity.NORMAL, category)
    basis: dict[str, Any] = {}
    provisional = False
    acceptance_due, p = deadlines(start, policy.acceptance_days)
    provisional |= p
    basis["acceptance_due"] = [start.isoformat(), policy.acceptance_days]
    if rec.due_date is not None:
        due_date = rec.due_date
        basis["due_date"] = None
    else:
        due_date, p = deadlines(start, limit)
        provisional |= p
        basis["due_date"] = [start.isoformat(), limit]
    reply_due = None
    if rec.concluded is not None:
        reply_due, p = deadlines(rec.concluded, policy.reply_days)
        provisional |= p
        basis["reply_due"] = [rec.concluded.isoformat(), policy.reply_days]
    if rec.state is not None:
        state = rec.state
    elif rec.reply_date is not None or rec.satisfaction is not None:
        state = ComplaintState.ANSWERED
    elif rec.concluded is not None:
        state = ComplaintState.CONCLUDED
    else:
        state = ComplaintState.REGISTERED
    late: list[tuple[DeadlineKind, date]] = []
    if rec.concluded is not None and rec.concluded > due_date:
        late.append((DeadlineKind.CONCLUSION, due_date))
    if rec.concluded is None and due_date < today and state in _OPEN_IMPORT_STATES:
        late.append((DeadlineKind.CONCLUSION, due_date))
    if (
        reply_due is not None
        and (rec.reply_date or today) > reply_due
        and (rec.reply_date is not None or state == ComplaintState.CONCLUDED)
    ):
        late.append((DeadlineKind.REPLY, reply_due))
    case: dict[str, Any] = dict(
        version=1,
        number=rec.number,
        received_at=rec.received_at,
        received_date=start,
        channel=rec.channel,
        registered_by_id=actor.user_id,
        complainant_kind=ComplainantKind.ENTERPRISE
        if rec.complainant_company
        else ComplainantKind.CITIZEN,
        complainant_name=rec.complainant_name,
        complainant_phone=rec.complainant_phone,
        complainant_company=rec.complainant_company,
        complainant_address="",
        anonymous=rec.anonymous,
        unit_id=units.get(rec.unit_key),
        subject_description="",
        category_id=rec.category_id,
        summary=rec.summary,
        content=rec.content,
        complexity=Complexity.NORMAL,
        state=state,
        leader_instruction=rec.instruction,
        handling_mode=rec.handling_mode,
        handler_unit_id=units.get(rec.handler_unit_key) if rec.handler_unit_key else None,
        acceptance_due=acceptance_due,
        limit_days=limit,
        due_date=due_date,
        extension_days=0,
        reply_due=reply_due,
        deadline_provisional=provisional,
        ever_overdue=bool(late),
        verification=rec.verification,
        handling_result=rec.result,
        concluded_date=rec.concluded,
        reply_date=rec.reply_date,
        reply_method=rec.reply_method,
        satisfaction=rec.satisfaction,
        reopen_count=0,
        remarks=rec.remarks,
    )
    case["search_text"], case["search_identity"] = search_texts(rec)
    events = [
        dict(
            version=1,
            at=at,
            actor_id=actor.user_id,
            kind=ComplaintEventKind.IMPORTED,
            from_state=None,
            to_state=state,
            text=f"从台账「{plan.path.name}」"
            + (f"工作表「{rec.sheet}」" if len(plan.sheets) > 1 else "")
            + f"第{rec.row}行导入（原编号 {rec.number}，受理日期 {start:%Y-%m-%d}）",
            changes={
                BASIS_KEY: basis,
                "source": {"file": plan.path.name, "sheet": rec.sheet, "row": rec.row},
            },
        )
    ]
    for kind, due in late:
        events.append(
            dict(
                version=1,
                at=at,
                actor_id=None,
                kind=ComplaintEventKind.OVERDUE,
                from_state=state,
                to_state=state,
                text=f"{kind.label}{due:%Y-%m-%d}已过（导入时按工作日日历判定）。",
                changes={"deadline": kind.value, "due": due.isoformat()},
            )
        )
    return case, rec.persons, events


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def search_texts(rec: ComplaintRecord) -> tuple[str, str]:
    """As ``intake.refresh_search_text``, from the row's own names (no lookups per case): the
    complainant's identity is kept out of the text every role searches."""
    return search_columns(
        [rec.number, rec.summary, rec.content, rec.unit_name, *rec.persons],
        anonymous=rec.anonymous,
        name=rec.complainant_name,
        phone=rec.complainant_phone,
        company=rec.complainant_company,
    )


def _advance_series(session: Session, prefix: str, serial_top: dict[int, int]) -> None:
    """Numbers registered after the import continue after the highest imported serial."""
    for year, top in serial_top.items():
        alloc = allocate(session, NUMBER_SERIES_KEY, year, prefix)
        session.execute(
            update(NumberSeries)
            .where(NumberSeries.id == alloc.series_id)
            .values(last_number=max(alloc.serial - 1, top))
            .execution_options(synchronize_session=False)
        )


__all__ = [
    "COMPLAINT_FIELDS",
    "ComplaintRecord",
    "check_existing_numbers",
    "convert_rows",
    "write_complaints",
]
