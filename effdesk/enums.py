"""Every enumeration of the domain, with its Chinese label, in one place.

Values (stored in the database) are stable English codes; labels are what the user reads.
Order of declaration is meaningful where the domain has an order (measures: lightest first).
"""

from __future__ import annotations

from enum import Enum
from typing import Self


class LabeledEnum(str, Enum):
    """A str enum whose members carry a Chinese label: ``Member = ("code", "标签")``."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def from_label(cls, label: str) -> Self:
        """Find a member by its Chinese label (for imports); raise ValueError if unknown."""
        for member in cls:
            if member.label == label:
                return member
        raise ValueError(f"{cls.__name__}: 未知的取值「{label}」")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Role(LabeledEnum):
    CLERK = ("clerk", "受理员")
    INSPECTOR = ("inspector", "督查员")
    LEADER = ("leader", "领导")
    ADMIN = ("admin", "系统管理员")


class UnitKind(LabeledEnum):
    DEPARTMENT = ("department", "县直部门")
    TOWN = ("town", "乡镇(街道)")
    WINDOW = ("window", "窗口单位")
    ENTERPRISE = ("enterprise", "国有企业及其他")


class AssessmentCategory(LabeledEnum):
    FIRST = ("first", "一类考评单位")
    SECOND = ("second", "二类考评单位")
    THIRD = ("third", "三类考评单位")


class Channel(LabeledEnum):
    PHONE = ("phone", "电话")
    LETTER = ("letter", "来信")
    VISIT = ("visit", "来访")
    WEB = ("web", "网络")
    HOTLINE_12345 = ("hotline_12345", "12345转办")
    LEADER_ASSIGNED = ("leader_assigned", "领导交办")
    SUPERVISOR = ("supervisor", "监督员反映")
    MEDIA = ("media", "媒体")
    OTHER = ("other", "其他")


class ComplainantKind(LabeledEnum):
    CITIZEN = ("citizen", "群众")
    ENTERPRISE = ("enterprise", "企业")
    OTHER = ("other", "其他")


class ComplaintState(LabeledEnum):
    REGISTERED = ("registered", "登记")
    AWAITING_INSTRUCTION = ("awaiting_instruction", "待批示")
    # The leader has given an instruction; the clerk routes (交办/转办) or rejects next.
    INSTRUCTED = ("instructed", "已批示待交办")
    ROUTED = ("routed", "已交办")
    REJECTED = ("rejected", "不予受理")
    INVESTIGATING = ("investigating", "调查中")
    AWAITING_REVIEW = ("awaiting_review", "待审核")
    CONCLUDED = ("concluded", "已办结")
    ANSWERED = ("answered", "已反馈")
    ARCHIVED = ("archived", "归档")
    MERGED = ("merged", "已合并")


class HandlingMode(LabeledEnum):
    SELF = ("self", "自办")
    ASSIGNED = ("assigned", "交办")
    FORWARDED = ("forwarded", "转办")


class Complexity(LabeledEnum):
    SIMPLE = ("simple", "简易")
    NORMAL = ("normal", "一般")
    COMPLEX = ("complex", "复杂")


class Verification(LabeledEnum):
    """核查结论."""

    SUBSTANTIATED = ("substantiated", "属实")
    PARTLY = ("partly", "部分属实")
    UNFOUNDED = ("unfounded", "不属实")
    UNVERIFIABLE = ("unverifiable", "无法核实")


class ReplyMethod(LabeledEnum):
    PHONE = ("phone", "电话")
    LETTER = ("letter", "书面")
    IN_PERSON = ("in_person", "当面")
    SMS = ("sms", "短信")
    WEB = ("web", "网络")
    NONE = ("none", "无法反馈")


class Satisfaction(LabeledEnum):
    SATISFIED = ("satisfied", "满意")
    BASICALLY = ("basically", "基本满意")
    UNSATISFIED = ("unsatisfied", "不满意")


class DueStatus(LabeledEnum):
    """Computed, never stored: how a running deadline stands today."""

    NORMAL = ("normal", "正常")
    NEAR = ("near", "临期")
    OVERDUE = ("overdue", "超期")


class DeadlineKind(LabeledEnum):
    ACCEPTANCE = ("acceptance", "受理决定时限")
    CONCLUSION = ("conclusion", "办理时限")
    REPLY = ("reply", "反馈时限")
    RECTIFICATION = ("rectification", "整改时限")


class ComplaintEventKind(LabeledEnum):
    REGISTERED = ("registered", "登记")
    EDITED = ("edited", "修改")
    SUBMITTED = ("submitted", "呈批")
    INSTRUCTED = ("instructed", "领导批示")
    ROUTED = ("routed", "交办/转办")
    REJECTED = ("rejected", "不予受理")
    STARTED = ("started", "开始调查")
    NOTE = ("note", "办理记录")
    REMINDER = ("reminder", "催办")
    SUPERVISION = ("supervision", "督办")
    EXTENSION_REQUESTED = ("extension_requested", "申请延期")
    EXTENSION_APPROVED = ("extension_approved", "批准延期")
    EXTENSION_DENIED = ("extension_denied", "不同意延期")
    CONCLUSION_DRAFTED = ("conclusion_drafted", "拟办结")
    SENT_BACK = ("sent_back", "退回重办")
    CONCLUDED = ("concluded", "办结")
    REPLIED = ("replied", "答复反馈")
    RETURN_VISIT = ("return_visit", "回访")
    REOPENED = ("reopened", "重办")
    MERGED = ("merged", "合并")
    ARCHIVED = ("archived", "归档")
    OVERDUE = ("overdue", "超期")
    DEADLINE_RECOMPUTED = ("deadline_recomputed", "时限重算")
    ATTACHMENT_ADDED = ("attachment_added", "添加附件")
    DOCUMENT_LINKED = ("document_linked", "关联公文")
    IMPORTED = ("imported", "台账导入")


class CampaignKind(LabeledEnum):
    OPEN = ("open", "明察")
    UNDERCOVER = ("undercover", "暗访")
    SPECIAL = ("special", "专项督查")
    SURPRISE = ("surprise", "突击检查")
    CONDUCT_PATROL = ("conduct_patrol", "作风巡查")
    MOCK_SERVICE = ("mock_service", "模拟办事")
    FOLLOW_SERVICE = ("follow_service", "跟踪办事")


class CampaignStatus(LabeledEnum):
    PLANNED = ("planned", "计划中")
    IN_PROGRESS = ("in_progress", "进行中")
    COMPLETED = ("completed", "已完成")
    CANCELLED = ("cancelled", "已取消")


class TargetStatus(LabeledEnum):
    PENDING = ("pending", "未检查")
    NO_ISSUE = ("no_issue", "已检查·未发现问题")
    ISSUES = ("issues", "已检查·发现问题")


class FindingStatus(LabeledEnum):
    PENDING = ("pending", "待核实")
    VERIFIED = ("verified", "已核实")
    HANDLED = ("handled", "已处理")
    DISMISSED = ("dismissed", "不予认定")


class FindingOrigin(LabeledEnum):
    OFFICE = ("office", "办公室录入")
    FIELD = ("field", "现场笔记本导入")


class MeasureType(LabeledEnum):
    """Accountability measures, lightest first (declaration order is severity order)."""

    CRITICISM_EDUCATION = ("criticism_education", "批评教育")
    WRITTEN_SELF_CRITICISM = ("written_self_criticism", "责令书面检查")
    EFFICIENCY_WARNING = ("efficiency_warning", "效能告诫")
    CIRCULATED_CRITICISM = ("circulated_criticism", "通报批评")
    ADMONITION_TALK = ("admonition_talk", "诫勉谈话")
    ORDERED_RECTIFICATION = ("ordered_rectification", "责令整改")
    POST_ADJUSTMENT = ("post_adjustment", "岗位调整")
    PAY_DEDUCTION = ("pay_deduction", "扣发绩效/津贴")
    PUBLIC_EXPOSURE = ("public_exposure", "公开曝光")
    YELLOW_CARD = ("yellow_card", "黄牌警告")
    SUSPENSION = ("suspension", "停职检查")
    DISMISSAL_FROM_POST = ("dismissal_from_post", "免职")
    DISCHARGE = ("discharge", "辞退")
    REFERRAL = ("referral", "移送纪检监察机关")

    @property
    def severity(self) -> int:
        return list(type(self)).index(self)


class SubjectKind(LabeledEnum):
    PERSON = ("person", "个人")
    UNIT = ("unit", "单位")


class RectificationNoticeKind(LabeledEnum):
    RECTIFICATION = ("rectification", "整改通知书")
    SUPERVISION = ("supervision", "督办通知书")


class RectificationState(LabeledEnum):
    PENDING = ("pending", "待整改")
    IN_PROGRESS = ("in_progress", "整改中")
    DONE = ("done", "已整改")
    OVERDUE = ("overdue", "逾期未整改")


class DocumentType(LabeledEnum):
    CIRCULAR = ("circular", "通报")
    NOTICE = ("notice", "通知")
    WARNING_NOTICE = ("warning_notice", "效能告诫通知书")
    RECTIFICATION_NOTICE = ("rectification_notice", "整改通知书")
    SUPERVISION_NOTICE = ("supervision_notice", "督办通知书")
    REPLY_LETTER = ("reply_letter", "答复函")
    BULLETIN = ("bulletin", "简报")


class CircularTone(LabeledEnum):
    CRITICISM = ("criticism", "批评")
    COMMENDATION = ("commendation", "表扬")
    INFORMATION = ("information", "情况")


class DocumentState(LabeledEnum):
    DRAFT = ("draft", "草稿")
    ISSUED = ("issued", "已印发")
    VOIDED = ("voided", "已作废")


class AttachmentRole(LabeledEnum):
    EVIDENCE = ("evidence", "证据")
    REPORT = ("report", "整改报告")
    LETTER = ("letter", "来信原件")
    OTHER = ("other", "其他")


class EvidenceFlag(LabeledEnum):
    NO_CAPTURE_TIME = ("no_capture_time", "无拍摄时间")
    OUTSIDE_CAMPAIGN = ("outside_campaign", "拍摄时间不在活动期间")
    GPS_OUTLIER = ("gps_outlier", "拍摄位置与同组照片相距过远")
    GPS_OUTSIDE_CHINA = ("gps_outside_china", "拍摄位置在中国境外")
    GPS_IMPOSSIBLE = ("gps_impossible", "拍摄位置数据不可能（已忽略）")
    EXIF_MALFORMED = ("exif_malformed", "照片EXIF信息损坏")
    FUTURE_CAPTURE_TIME = ("future_capture_time", "拍摄时间晚于导入时间（不可信，未采用）")


class MediaKind(LabeledEnum):
    PHOTO = ("photo", "照片")
    VIDEO = ("video", "视频")
    AUDIO = ("audio", "录音")
    DOCUMENT = ("document", "文档/扫描件")


class AuditAction(LabeledEnum):
    CREATE = ("create", "新增")
    UPDATE = ("update", "修改")
    DELETE = ("delete", "删除")
    READ_IDENTITY = ("read_identity", "查看投诉人身份")
    EXPORT = ("export", "导出")
    LOGIN = ("login", "登录")
    LOGIN_FAILED = ("login_failed", "登录失败")
    LOGOUT = ("logout", "退出")
    ISSUE = ("issue", "印发")
    VOID = ("void", "作废")
    BACKUP = ("backup", "备份")
    RESTORE = ("restore", "恢复")
    IMPORT = ("import", "导入")
    SETTINGS = ("settings", "修改设置")
