"""The ledgers leaders expect in Excel (台账导出): what goes in each, for whom.

Services gather the rows; :mod:`effdesk.reports.excel` writes them. Rows are streamed from the
database (``yield_per``) so a ledger of any size costs a few thousand rows of memory; the
caller keeps the session open while the writer consumes :attr:`Ledger.rows`.

Confidentiality: the complainant's name, phone and company are columns only for an actor who
holds both ``VIEW_COMPLAINANT_IDENTITY`` and ``EXPORT_WITH_IDENTITY``; an anonymous
complainant is "匿名" to everybody.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.db.models import (
    AccountabilityMeasure,
    Campaign,
    Complaint,
    Finding,
    Person,
    ProblemCategory,
    Rectification,
    Unit,
)
from effdesk.enums import AuditAction, LabeledEnum
from effdesk.errors import EffDeskError
from effdesk.permissions import Permission, require
from effdesk.services.complaints.policy import may_export_identity

ANONYMOUS = "匿名"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an exported table.

    ``kind``: "text", "wrap" (long text, wrapped), "date", "datetime", "int", "number"
    (two decimals) or "percent" (a fraction shown as %). ``width`` in Excel character units;
    None: fitted to the header and the first rows.
    """

    title: str
    kind: str = "text"
    width: float | None = None
    identity: bool = False


@dataclass
class Ledger:
    """A table ready for the writer: title, columns and rows (an iterable, read once)."""

    title: str
    subtitle: str
    columns: list[ColumnSpec]
    rows: Iterable[Sequence[Any]]
    total: int
    sheet_name: str = "台账"
    with_identity: bool = False


class LedgerExportKind(LabeledEnum):
    COMPLAINTS = ("complaints", "投诉受理台账")
    FINDINGS = ("findings", "明察暗访发现问题台账")
    MEASURES = ("measures", "效能问责台账")
    RECTIFICATIONS = ("rectifications", "整改落实台账")


def identity_columns_allowed(actor: Actor) -> bool:
    return may_export_identity(actor)


def _period(start: date, end: date) -> str:
    if end < start:
        raise EffDeskError(f"截止日期{end:%Y-%m-%d}早于起始日期{start:%Y-%m-%d}。")
    return f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}"


def _office(session: Session) -> str:
    return settings.get(session, settings.OFFICE_NAME)


def build_ledger(
    session: Session, actor: Actor, kind: LedgerExportKind, start: date, end: date
) -> Ledger:
    """The ledger of ``kind`` for ``start``–``end`` (inclusive), as this actor may see it."""
    require(actor, Permission.EXPORT_LEDGERS)
    builder = {
        LedgerExportKind.COMPLAINTS: complaint_ledger,
        LedgerExportKind.FINDINGS: findings_ledger,
        LedgerExportKind.MEASURES: measures_ledger,
        LedgerExportKind.RECTIFICATIONS: rectifications_ledger,
    }[kind]
    return builder(session, actor, start, end)


def _stream(session: Session, stmt: Any, convert: Any, batch: int = 2000) -> Iterator[list[Any]]:
    for row in session.execute(stmt.execution_options(yield_per=batch)):
        yield convert(row)


# --------------------------------------------------------------------------- complaints


def complaint_ledger(session: Session, actor: Actor, start: date, end: date) -> Ledger:
    """投诉受理台账: one row per case received in the period (merged cases left out)."""
    require(actor, Permission.EXPORT_LEDGERS)
    require(actor, Permission.VIEW_COMPLAINTS)
    period = _period(start, end)
    identity = identity_columns_allowed(actor)
    handler = aliased(Unit)
    where = (
        Complaint.received_date >= start,
        Complaint.received_date <= end,
        Complaint.merged_into_id.is_(None),
    )
    total = session.scalar(select(func.count(Complaint.id)).where(*where)) or 0
    stmt = (
        select(
            Complaint.number,
            Complaint.received_date,
            Complaint.channel,
            Complaint.anonymous,
            Complaint.complainant_name,
            Complaint.complainant_phone,
            Complaint.complainant_company,
            Unit.name,
            Complaint.subject_description,
            ProblemCategory.name,
            Complaint.summary,
            Complaint.leader_instruction,
            Complaint.handling_mode,
            handler.name,
            Complaint.due_date,
            Complaint.concluded_date,
            Complaint.verification,
            Complaint.handling_result,
            Complaint.reply_date,
            Complaint.reply_method,
            Complaint.satisfaction,
            Complaint.state,
            Complaint.ever_overdue,
            Complaint.remarks,
        )
        .outerjoin(Unit, Unit.id == Complaint.unit_id)
        .outerjoin(handler, handler.id == Complaint.handler_unit_id)
        .outerjoin(ProblemCategory, ProblemCategory.id == Complaint.category_id)
        .where(*where)
        .order_by(Complaint.received_date, Complaint.number)
    )
    columns = [
        ColumnSpec("编号", width=14),
        ColumnSpec("受理日期", "date"),
        ColumnSpec("来源渠道"),
    ]
    if identity:
        columns += [
            ColumnSpec("投诉人", identity=True),
            ColumnSpec("联系电话", width=14, identity=True),
            ColumnSpec("投诉人单位", identity=True),
        ]
    columns += [
        ColumnSpec("被投诉单位", width=22),
        ColumnSpec("问题类别", width=18),
        ColumnSpec("内容摘要", "wrap", 40),
        ColumnSpec("领导批示", "wrap", 24),
        ColumnSpec("承办方式"),
        ColumnSpec("承办单位", width=20),
        ColumnSpec("办理时限", "date"),
        ColumnSpec("办结日期", "date"),
        ColumnSpec("核查结论"),
        ColumnSpec("处理结果", "wrap", 30),
        ColumnSpec("反馈日期", "date"),
        ColumnSpec("反馈方式"),
        ColumnSpec("满意度"),
        ColumnSpec("办理状态"),
        ColumnSpec("是否按期"),
        ColumnSpec("备注", "wrap", 20),
    ]
    today = date.today()

    def convert(r: Any) -> list[Any]:
        unit = r[7] or ""
        if r[8]:
            unit = f"{unit}（{r[8]}）" if unit else r[8]
        if r[15] is not None:
            on_time = "超期办结" if r[14] is not None and r[15] > r[14] else "按期办结"
        else:
            on_time = "已超期" if r[14] is not None and r[14] < today else "未到期"
        out: list[Any] = [r[0], r[1], r[2].label]
        if identity:
            name = ANONYMOUS if r[3] else r[4]
            out += [name, r[5], "" if r[3] else r[6]]
        out += [
            unit,
            r[9] or "",
            r[10],
            r[11],
            r[12].label if r[12] else "",
            r[13] or "",
            r[14],
            r[15],
            r[16].label if r[16] else "",
            r[17],
            r[18],
            r[19].label if r[19] else "",
            r[20].label if r[20] else "",
            r[21].label,
            on_time,
            r[23],
        ]
        return out

    return Ledger(
        title=f"{_office(session)}效能投诉受理台账",
        subtitle=f"受理日期：{period}　共{total}件",
        columns=columns,
        rows=_stream(session, stmt, convert),
        total=total,
        sheet_name="投诉台账",
        with_identity=identity,
    )


# --------------------------------------------------------------------------- findings


def findings_ledger(session: Session, actor: Actor, start: date, end: date) -> Ledger:
    """明察暗访发现问题台账: findings observed in the period."""
    require(actor, Permission.EXPORT_LEDGERS)
    require(actor, Permission.VIEW_INSPECTIONS)
    period = _period(start, end)
    lo, hi = (
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end, datetime.max.time()),
    )
    where = (Finding.observed_at >= lo, Finding.observed_at <= hi)
    total = session.scalar(select(func.count(Finding.id)).where(*where)) or 0
    stmt = (
        select(Finding, Unit.name, Campaign.name, ProblemCategory.name)
        .join(Unit, Unit.id == Finding.unit_id)
        .outerjoin(Campaign, Campaign.id == Finding.campaign_id)
        .outerjoin(ProblemCategory, ProblemCategory.id == Finding.category_id)
        .where(*where)
        .options(selectinload(Finding.persons))
        .order_by(Finding.observed_at, Finding.id)
    )
    person_names: dict[int, str] = {
        pid: name for pid, name in session.execute(select(Person.id, Person.name))
    }

    def convert(r: Any) -> list[Any]:
        finding: Finding = r[0]
        persons = "、".join(
            (person_names.get(p.person_id, "") if p.person_id else "") or p.description
            for p in finding.persons
        )
        return [
            finding.observed_at,
            r[2] or "",
            r[1],
            finding.place,
            persons,
            r[3] or "",
            finding.description,
            finding.status.label,
            finding.proposed_measure.label if finding.proposed_measure else "",
            "是" if finding.rectification_required else "否",
        ]

    def rows() -> Iterator[list[Any]]:
        for r in session.execute(stmt.execution_options(yield_per=500)):
            yield convert(r)

    return Ledger(
        title=f"{_office(session)}明察暗访发现问题台账",
        subtitle=f"发现时间：{period}　共{total}个问题",
        columns=[
            ColumnSpec("发现时间", "datetime"),
            ColumnSpec("督查活动", width=24),
            ColumnSpec("被督查单位", width=22),
            ColumnSpec("地点", width=18),
            ColumnSpec("涉及人员", width=18),
            ColumnSpec("问题类别", width=18),
            ColumnSpec("问题描述", "wrap", 44),
            ColumnSpec("状态"),
            ColumnSpec("拟处理意见"),
            ColumnSpec("需整改"),
        ],
        rows=rows(),
        total=total,
        sheet_name="督查发现问题",
    )


# --------------------------------------------------------------------------- measures


def measures_ledger(session: Session, actor: Actor, start: date, end: date) -> Ledger:
    """效能问责台账: measures decided in the period (voided ones left out)."""
    require(actor, Permission.EXPORT_LEDGERS)
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    period = _period(start, end)
    where = (
        AccountabilityMeasure.decided_date >= start,
        AccountabilityMeasure.decided_date <= end,
        AccountabilityMeasure.voided.is_(False),
    )
    total = session.scalar(select(func.count(AccountabilityMeasure.id)).where(*where)) or 0
    stmt = (
        select(AccountabilityMeasure, Unit.name, Person.name, Person.description, Person.post)
        .join(Unit, Unit.id == AccountabilityMeasure.unit_id)
        .outerjoin(Person, Person.id == AccountabilityMeasure.person_id)
        .where(*where)
        .order_by(AccountabilityMeasure.decided_date, AccountabilityMeasure.id)
    )
    basis_ids = select(AccountabilityMeasure.complaint_id).where(
        *where, AccountabilityMeasure.complaint_id.is_not(None)
    )
    numbers: dict[int, str] = {
        cid: number
        for cid, number in session.execute(
            select(Complaint.id, Complaint.number).where(Complaint.id.in_(basis_ids))
        )
    }

    def convert(r: Any) -> list[Any]:
        m: AccountabilityMeasure = r[0]
        if m.complaint_id:
            basis = f"投诉件 {numbers.get(m.complaint_id, '')}"
        elif m.finding_id:
            basis = "督查发现问题"
        else:
            basis = ""
        return [
            m.decided_date,
            m.subject_kind.label,
            (r[2] or r[3] or "") if m.person_id else "",
            r[1],
            r[4] or "",
            m.measure.label,
            float(m.amount) if m.amount is not None else None,
            basis,
            m.deciding_body,
            m.document_number,
            m.notes,
        ]

    return Ledger(
        title=f"{_office(session)}效能问责台账",
        subtitle=f"决定日期：{period}　共{total}项",
        columns=[
            ColumnSpec("决定日期", "date"),
            ColumnSpec("对象"),
            ColumnSpec("被问责人", width=12),
            ColumnSpec("单位", width=22),
            ColumnSpec("职务", width=14),
            ColumnSpec("问责措施", width=16),
            ColumnSpec("扣发金额（元）", "number"),
            ColumnSpec("依据", width=20),
            ColumnSpec("决定机关", width=20),
            ColumnSpec("文号", width=18),
            ColumnSpec("备注", "wrap", 24),
        ],
        rows=_stream(session, stmt, convert),
        total=total,
        sheet_name="问责台账",
    )


# --------------------------------------------------------------------------- rectifications


def rectifications_ledger(session: Session, actor: Actor, start: date, end: date) -> Ledger:
    """整改落实台账: notices issued in the period (voided ones left out)."""
    require(actor, Permission.EXPORT_LEDGERS)
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    period = _period(start, end)
    where = (
        Rectification.issued_date >= start,
        Rectification.issued_date <= end,
        Rectification.voided.is_(False),
    )
    total = session.scalar(select(func.count(Rectification.id)).where(*where)) or 0
    stmt = (
        select(Rectification, Unit.name)
        .join(Unit, Unit.id == Rectification.unit_id)
        .where(*where)
        .options(selectinload(Rectification.items))
        .order_by(Rectification.issued_date, Rectification.id)
    )
    today = date.today()

    def convert(r: Any) -> list[Any]:
        rect: Rectification = r[0]
        items = "\n".join(f"{i}. {item.text}" for i, item in enumerate(rect.items, start=1))
        late = rect.ever_overdue or (
            rect.completed_date is not None and rect.completed_date > rect.deadline
        )
        if rect.completed_date is None and rect.deadline < today:
            late = True
        return [
            rect.issued_date,
            r[1],
            rect.notice_kind.label,
            items or rect.requirements,
            rect.deadline,
            rect.state.label,
            rect.completed_date,
            "是" if late else "否",
        ]

    def rows() -> Iterator[list[Any]]:
        for r in session.execute(stmt.execution_options(yield_per=500)):
            yield convert(r)

    return Ledger(
        title=f"{_office(session)}整改落实台账",
        subtitle=f"下发日期：{period}　共{total}件",
        columns=[
            ColumnSpec("下发日期", "date"),
            ColumnSpec("整改单位", width=22),
            ColumnSpec("通知类型", width=14),
            ColumnSpec("整改事项", "wrap", 48),
            ColumnSpec("整改时限", "date"),
            ColumnSpec("状态"),
            ColumnSpec("完成日期", "date"),
            ColumnSpec("是否逾期"),
        ],
        rows=rows(),
        total=total,
        sheet_name="整改台账",
    )


def record_export(session: Session, actor: Actor, ledger: Ledger, file_name: str) -> None:
    """One audit entry per export: who took which ledger out, and with identities or not."""
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "ledger",
        "",
        f"导出《{ledger.title}》{ledger.total}行"
        + ("（含投诉人身份信息）" if ledger.with_identity else "")
        + f"：{file_name}",
        None,
        {"title": ledger.title, "rows": ledger.total, "identity": ledger.with_identity},
    )
