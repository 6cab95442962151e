"""The permission matrix, enforced in services (the GUI only reflects it).

One table: permission → roles that hold it. ``require`` is the single check.
"""

from __future__ import annotations

from enum import Enum

from effdesk.auth import Actor
from effdesk.enums import Role
from effdesk.errors import PermissionDenied

C, INSP, L, A = Role.CLERK, Role.INSPECTOR, Role.LEADER, Role.ADMIN


class Permission(Enum):
    # directory
    VIEW_DIRECTORY = ("查看单位人员", {C, INSP, L, A})
    EDIT_DIRECTORY = ("维护单位人员", {C, L, A})
    # complaints
    VIEW_COMPLAINTS = ("查看投诉件", {C, INSP, L, A})
    VIEW_COMPLAINANT_IDENTITY = ("查看投诉人身份信息", {C, L, A})
    REGISTER_COMPLAINT = ("登记投诉", {C, L})
    HANDLE_COMPLAINT = ("办理投诉", {C, L})
    INSTRUCT_COMPLAINT = ("领导批示", {L})
    APPROVE_EXTENSION = ("批准延期", {L})
    SIGN_OFF_CONCLUSION = ("审核办结", {L})
    # spot checks
    VIEW_INSPECTIONS = ("查看督查", {C, INSP, L, A})
    MANAGE_CAMPAIGNS = ("管理督查活动", {INSP, L})
    RECORD_FINDINGS = ("录入督查发现问题", {INSP, L})
    VERIFY_FINDINGS = ("核实认定问题", {INSP, L})
    IMPORT_FIELD_PACKAGE = ("导入现场数据包", {INSP, L, A})
    # accountability and rectification
    VIEW_ACCOUNTABILITY = ("查看问责整改", {C, INSP, L, A})
    DECIDE_MEASURES = ("决定问责措施", {L})
    MANAGE_RECTIFICATION = ("管理整改", {C, INSP, L})
    VOID_MEASURES = ("作废问责整改记录", {L})
    # documents
    VIEW_DOCUMENTS = ("查看公文", {C, INSP, L, A})
    DRAFT_DOCUMENTS = ("起草公文", {C, INSP, L})
    ISSUE_DOCUMENTS = ("签发公文", {L})
    VOID_DOCUMENTS = ("作废公文", {L})
    # statistics and ledgers
    VIEW_STATISTICS = ("查看统计", {C, INSP, L, A})
    EXPORT_LEDGERS = ("导出台账", {C, INSP, L, A})
    EXPORT_WITH_IDENTITY = ("导出含投诉人身份的台账", {C, L, A})
    IMPORT_LEDGERS = ("导入台账", {C, A})
    # unit assessment (作风监测指数)
    COMPUTE_ASSESSMENT = ("计算考评排名", {C, L, A})
    CLOSE_ASSESSMENT = ("确定与重算考评结果", {L, A})
    EDIT_ASSESSMENT_RULES = ("修改考评扣分规则", {L, A})
    # administration
    MANAGE_USERS = ("管理用户", {A})
    MANAGE_SETTINGS = ("修改系统设置", {A})
    MANAGE_CALENDAR = ("维护节假日", {A})
    VIEW_AUDIT = ("查看审计日志", {L, A})
    BACKUP = ("备份", {A})
    RESTORE = ("恢复", {A})

    def __init__(self, label: str, roles: set[Role]) -> None:
        self.label = label
        self.roles = frozenset(roles)


def allowed(actor: Actor, permission: Permission) -> bool:
    return bool(actor.roles & permission.roles)


def require(actor: Actor, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless the actor holds the permission."""
    if not allowed(actor, permission):
        roles = "、".join(r.label for r in Role if r in permission.roles)
        raise PermissionDenied(f"没有「{permission.label}」的权限（需要：{roles}）。")
