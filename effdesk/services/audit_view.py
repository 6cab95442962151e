"""Reading the audit trail (admin and leaders), page by page, with filters.

Rows are plain values built from columns (no ORM entries are loaded). The before/after values
of complaint changes can hold the complainant's identity; a reader without the identity right
sees those keys masked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from effdesk.audit import RAW_COLUMNS, decode_json, parse_time
from effdesk.auth import Actor
from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction, LabeledEnum
from effdesk.permissions import Permission, require
from effdesk.services.common import Page, fetch_page, like_escape
from effdesk.services.complaints.policy import (
    AUDIT_MASK as MASK,
)
from effdesk.services.complaints.policy import (
    mask_identity,
    may_see_identity,
    redaction_for,
)

__all__ = ["MASK", "mask_identity", "redaction_for"]


@dataclass
class AuditFilter:
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    username: str = ""
    actions: set[AuditAction] = field(default_factory=set)
    object_type: str = ""
    object_uuid: str = ""
    text: str = ""  # in summary, username or object id


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime | None  # None when the stored time is unreadable (a tampered row)
    username: str
    action: AuditAction | None  # None when the stored code is unknown (a tampered row)
    action_code: str
    object_type: str
    object_uuid: str
    summary: str
    before: Any
    after: Any
    host: str

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """``(key, before, after)`` for every key that differs (for the detail pane)."""
        b = self.before if isinstance(self.before, dict) else {}
        a = self.after if isinstance(self.after, dict) else {}
        keys = sorted(set(b) | set(a))
        return [(k, b.get(k), a.get(k)) for k in keys if b.get(k) != a.get(k)]

    @property
    def action_label(self) -> str:
        return self.action.label if self.action is not None else self.action_code


_ACTIONS = {a.value: a for a in AuditAction}


def _conditions(f: AuditFilter) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if f.date_from is not None:
        cond.append(AuditEntry.at >= datetime.combine(f.date_from, time.min))
    if f.date_to is not None:
        cond.append(AuditEntry.at < datetime.combine(f.date_to + timedelta(days=1), time.min))
    if f.username.strip():
        cond.append(AuditEntry.username == f.username.strip())
    if f.actions:
        cond.append(AuditEntry.action.in_(sorted(f.actions, key=lambda a: a.value)))
    if f.object_type.strip():
        cond.append(AuditEntry.object_type == f.object_type.strip())
    if f.object_uuid.strip():
        cond.append(AuditEntry.object_uuid == f.object_uuid.strip())
    if f.text.strip():
        pattern = f"%{like_escape(f.text.strip().lower())}%"
        cond.append(
            or_(
                func.lower(AuditEntry.summary).like(pattern, escape="\\"),
                func.lower(AuditEntry.username).like(pattern, escape="\\"),
                AuditEntry.object_uuid.like(pattern, escape="\\"),
            )
        )
    return cond


def list_entries(
    session: Session,
    actor: Actor,
    filters: AuditFilter | None = None,
    offset: int = 0,
    limit: int = 200,
) -> Page[AuditRow]:
    """Newest first. Needs VIEW_AUDIT; identity keys are masked without the identity right."""
    require(actor, Permission.VIEW_AUDIT)
    f = filters or AuditFilter()
    where = and_(*_conditions(f)) if _conditions(f) else None
    stmt = select(*RAW_COLUMNS)
    if where is not None:
        stmt = stmt.where(where)
    rows, total = fetch_page(
        session,
        stmt,
        AuditEntry.seq.desc(),
        offset=max(0, offset),
        limit=max(1, limit),
        count_by=AuditEntry.seq,
    )
    see_identity = may_see_identity(actor)
    # Without the identity right, the identity is also masked in free text (a summary or
    # content that repeats it, in before/after): the complaints privacy rule.
    maskers: dict[str, Callable[[str], str]] = {}
    if not see_identity:
        from effdesk.services.complaints.privacy import identity_maskers_by_uuid

        maskers = identity_maskers_by_uuid(
            session, {r.object_uuid for r in rows if r.object_type == "complaint"}
        )

    def shown(r: Any, value: Any) -> Any:
        if see_identity:
            return value
        value = mask_identity(value)
        mask = maskers.get(r.object_uuid) if r.object_type == "complaint" else None
        return _mask_strings(value, mask) if mask is not None else value

    return Page(
        rows=[
            AuditRow(
                seq=r.seq,
                at=parse_time(r.at),
                username=r.username,
                action=_ACTIONS.get(r.action),
                action_code=str(r.action),
                object_type=r.object_type,
                object_uuid=r.object_uuid,
                summary=shown(r, r.summary),
                before=shown(r, decode_json(r.before)),
                after=shown(r, decode_json(r.after)),
                host=r.host,
            )
            for r in rows
        ],
        total=total,
        offset=offset,
    )


def _mask_strings(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_strings(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v, mask) for v in value]
    return value


def usernames(session: Session, actor: Actor) -> list[str]:
    """Every name that appears in the log (for the filter drop-down)."""
    require(actor, Permission.VIEW_AUDIT)
    return [u for u in session.scalars(select(AuditEntry.username).distinct()) if u]


def object_types(session: Session, actor: Actor) -> list[str]:
    require(actor, Permission.VIEW_AUDIT)
    return sorted(t for t in session.scalars(select(AuditEntry.object_type).distinct()) if t)


OBJECT_TYPE_LABELS: dict[str, str] = {
    "user": "用户",
    "unit": "单位",
    "person": "人员",
    "setting": "系统设置",
    "complaint": "投诉件",
    "campaign": "督查活动",
    "finding": "督查发现问题",
    "measure": "问责措施",
    "rectification": "整改",
    "document": "公文",
    "calendar": "节假日",
    "backup": "备份",
    "evidence": "证据附件",
    "database": "数据库",
}


def object_type_label(code: str) -> str:
    return OBJECT_TYPE_LABELS.get(code, code)


OBJECT_TYPE_LABELS.update(
    {
        "campaign_target": "检查对象",
        "attachment": "证据附件",
        "accountability_measure": "问责措施",
        "assessment_run": "月度考评",
        "problem_category": "问题类别",
        "calendar_year": "节假日",
        "ledger": "台账",
        "demo": "演示数据",
    }
)

# What the keys of a change mean, in the words of the screens they come from.
FIELD_LABELS: dict[str, str] = {
    "added": "新增",
    "removed": "移除",
    "flags": "疑点",
    "files": "文件数",
    "status": "状态",
    "state": "状态",
    "name": "名称",
    "short_name": "简称",
    "title": "标题",
    "number": "编号",
    "kind": "类型",
    "category": "类别",
    "category_id": "问题类别",
    "unit_id": "单位",
    "person_id": "人员",
    "persons": "涉及人员",
    "campaign_id": "督查活动",
    "finding_id": "督查发现问题",
    "complaint_id": "投诉件",
    "document_id": "公文",
    "description": "描述",
    "place": "地点",
    "observed_at": "发现时间",
    "visited_at": "检查时间",
    "notes": "备注",
    "remarks": "备注",
    "summary": "内容摘要",
    "content": "详细内容",
    "channel": "来源渠道",
    "received_at": "受理时间",
    "due_date": "办理时限",
    "handling_mode": "承办方式",
    "handler_unit_id": "承办单位",
    "handler_user_id": "承办人",
    "leader_instruction": "领导批示",
    "verification": "核查结论",
    "verification_note": "核实说明",
    "handling_result": "处理结果",
    "reply_method": "反馈方式",
    "reply_date": "反馈日期",
    "satisfaction": "满意度",
    "proposed_measure": "建议处理",
    "measure": "问责措施",
    "rectification_required": "需要整改",
    "deadline": "整改期限",
    "amount": "金额",
    "reason": "理由",
    "void_reason": "作废理由",
    "roles": "角色",
    "active": "在用",
    "must_change_password": "须修改密码",
    "username": "用户名",
    "display_name": "姓名",
    "post": "职务",
    "phone": "电话",
    "parent_id": "上级单位",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "theme": "主题",
    "members": "督查组成员",
    "leader_id": "组长",
    "value": "取值",
    "key": "设置项",
    "form": "表单",
    "identity_printed": "含投诉人身份",
    "problems": "问题",
    "duplicates": "重复件",
    "complaints": "投诉件数",
    "tables": "数据表",
    "seed": "随机种子",
    "today": "演示日期",
    "full_history_recent": "完整办理记录的近期件数",
    "reasons": "理由",
    "passed": "通过",
    "rules": "扣分规则",
    "period": "月份",
    "final": "已定稿",
}


def field_label(key: str) -> str:
    """The Chinese name of a change's key (the key itself when there is none)."""
    return FIELD_LABELS.get(key, key)


@functools.cache
def _enum_labels() -> dict[str, str]:
    # Codes that mean one thing in every enumeration, with their label ("verified" → 已核实).
    from effdesk import enums

    seen: dict[str, set[str]] = {}
    for obj in vars(enums).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, enums.LabeledEnum)
            and obj is not enums.LabeledEnum
        ):
            for member in obj:
                seen.setdefault(member.value, set()).add(member.label)
    return {code: next(iter(labels)) for code, labels in seen.items() if len(labels) == 1}


def _type_enums(object_type: str) -> tuple[type[LabeledEnum], ...]:
    # A code such as "pending" means 待核实 on a finding and 待整改 on a rectification.
    from effdesk import enums as e

    return {
        "complaint": (e.ComplaintState, e.Channel, e.Verification, e.Satisfaction),
        "finding": (e.FindingStatus, e.MeasureType),
        "campaign": (e.CampaignStatus, e.CampaignKind),
        "campaign_target": (e.TargetStatus,),
        "rectification": (e.RectificationState, e.RectificationNoticeKind),
        "accountability_measure": (e.MeasureType, e.SubjectKind),
        "document": (e.DocumentState, e.DocumentType),
    }.get(object_type, ())


def readable(value: Any, object_type: str = "") -> str:
    """A stored value as a person reads it: labels for codes (those of ``object_type``'s own
    enumerations first), 是/否, lists joined, （空）."""
    if value is None or value == "" or value == [] or value == {}:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(readable(v, object_type) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(str(k))}：{readable(v, object_type)}" for k, v in value.items()
        )
    if isinstance(value, str):
        for enum in _type_enums(object_type):
            for member in enum:
                if member.value == value:
                    return member.label
        return _enum_labels().get(value, value)
    return str(value)
