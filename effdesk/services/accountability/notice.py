"""The rectification notice (整改通知书 / 督办通知书) as an official document.

Its body is written from the rectification's items and deadline; the draft then lives in the
document register like any other 公文: previewed, numbered and locked when issued (GB/T 9704),
voided with a reason. A failed check may send a new notice (the restarted cycle's deadline).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from effdesk import audit, settings
from effdesk.auth import Actor
from effdesk.chinese_dates import cn_date
from effdesk.db.models import Complaint, Document, Finding, Rectification, Unit
from effdesk.enums import AuditAction, DocumentState, DocumentType, RectificationNoticeKind
from effdesk.errors import TransitionNotAllowed
from effdesk.permissions import Permission, require
from effdesk.services import documents as docs
from effdesk.services.accountability._common import check_fresh
from effdesk.services.common import get_or_404

DOC_TYPES = {
    RectificationNoticeKind.RECTIFICATION: DocumentType.RECTIFICATION_NOTICE,
    RectificationNoticeKind.SUPERVISION: DocumentType.SUPERVISION_NOTICE,
}


def _basis_sentence(session: Session, r: Rectification, short: str) -> str:
    if r.complaint_id is not None:
        c = session.get(Complaint, r.complaint_id)
        if c is not None:
            return f"{short}在办理效能投诉件（{c.number}）时，经调查核实，"
    if r.finding_id is not None:
        f = session.get(Finding, r.finding_id)
        if f is not None:
            return f"{cn_date(f.observed_at.date())}，{short}在明察暗访中发现，"
    return f"{short}在效能监督检查中发现，"


def compose_notice(
    session: Session, actor: Actor, rect_id: int, today: date | None = None
) -> docs.DocumentInput:
    """The notice's draft content: title, recipient, the items and the deadline."""
    require(actor, Permission.VIEW_ACCOUNTABILITY)
    r = get_or_404(session.get(Rectification, rect_id), "该整改记录")
    unit = session.get(Unit, r.unit_id)
    assert unit is not None
    office = settings.get(session, settings.OFFICE_NAME)
    short = settings.get(session, settings.OFFICE_SHORT_NAME) or office
    supervision = r.notice_kind is RectificationNoticeKind.SUPERVISION
    late = bool(r.checks) and not r.checks[-1].passed
    if supervision:
        title = f"关于督促{unit.name}限期整改有关问题的督办通知"
    else:
        title = f"关于{unit.name}限期整改有关问题的通知"
    paras = [
        _basis_sentence(session, r, short)
        + ("你单位存在以下问题：" if not late else "你单位以下问题经验收仍未整改到位："),
    ]
    for n, item in enumerate(r.items, 1):
        text = item.text.strip().rstrip("。；;") + "。"
        paras.append(f"{n}.{text}" if len(r.items) > 1 else text)
    if late:
        reasons = r.checks[-1].reasons.strip().rstrip("。")
        paras.append(f"{short}验收认为：{reasons}。")
    provisional = "（暂定）" if r.deadline_provisional else ""
    paras.append(
        ("现督促你单位" if supervision else "现责令你单位")
        + "高度重视，认真剖析原因，明确整改措施、责任人和完成时限，"
        + f"于{cn_date(r.deadline)}{provisional}前完成整改，并将整改落实情况书面报送{short}。"
    )
    if r.requirements.strip():
        paras.append(r.requirements.strip())
    paras.append(
        f"{short}将对整改情况进行验收。逾期未整改或整改不到位的，将依规依纪追究相关单位和人员的责任。"
    )
    return docs.DocumentInput(
        doc_type=DOC_TYPES[r.notice_kind],
        title=title,
        red_header=True,
        main_recipients=unit.name,
        body="\n".join(paras),
        issuer=office,
        doc_date=today or r.issued_date,
        copy_to="县纪委监委。",
    )


def create_notice_draft(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int | None,
    today: date | None = None,
) -> Document:
    """Draft the notice in the document register and link it to the rectification.

    Refused while the current notice is an unissued draft, or issued and still current (no
    failed check since): a new notice follows a restarted cycle."""
    require(actor, Permission.MANAGE_RECTIFICATION)
    r = get_or_404(session.get(Rectification, rect_id), "该整改记录")
    check_fresh(session, r, expected_version, "该整改记录", "rectification")
    if r.voided:
        raise TransitionNotAllowed("该整改记录已作废。")
    if r.notice_document_id is not None:
        old = session.get(Document, r.notice_document_id)
        if old is not None and old.state is DocumentState.DRAFT:
            raise TransitionNotAllowed(
                f"已有通知书草稿「{old.title}」，请在「公文通报」中修改后印发。"
            )
        if old is not None and old.state is DocumentState.ISSUED:
            restarted = any(
                not c.passed and old.issued_at is not None and c.created_at >= old.issued_at
                for c in r.checks
            )
            if not restarted:
                raise TransitionNotAllowed(f"通知书 {old.number} 已印发，整改周期未重新开始。")
    data = compose_notice(session, actor, rect_id, today)
    doc = docs.create_draft(
        session,
        actor,
        data,
        [
            docs.SourceRef(
                rectification_id=r.id, complaint_id=r.complaint_id, finding_id=r.finding_id
            )
        ],
    )
    before = r.notice_document_id
    r.notice_document_id = doc.id
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "rectification",
        r.uuid,
        f"生成{doc.doc_type.label}草稿「{doc.title}」",
        {"notice_document_id": before},
        {"notice_document_id": doc.id},
    )
    return doc


def issue_notice(
    session: Session,
    actor: Actor,
    rect_id: int,
    files_dir: Path,
    expected_document_version: int | None = None,
    *,
    renderer: docs.Renderer,
) -> Document:
    """Issue the rectification's notice draft (number, PDF, lock) through the documents
    service; ``renderer`` as for :func:`effdesk.services.documents.issue_document`."""
    r = get_or_404(session.get(Rectification, rect_id), "该整改记录")
    if r.notice_document_id is None:
        raise TransitionNotAllowed("该整改还没有通知书草稿。")
    return docs.issue_document(
        session,
        actor,
        r.notice_document_id,
        expected_document_version,
        files_dir,
        renderer=renderer,
    )
