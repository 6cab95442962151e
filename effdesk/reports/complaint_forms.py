"""Printed forms of a complaint case (A4, fonts embedded).

- 投诉受理登记表 (registration), 领导呈批单 (instruction): internal forms; the complainant's
  identity is printed only for roles that may see it, an anonymous complainant never.
- 交办单 (assignment), 转办函 (forwarding), 催办通知书 (reminder), 督办通知书 (supervision): sent to
  units, so they NEVER carry the complainant's identity — the case is read with
  ``for_units=True``, which also blots the identity out of free text (a clerk may have typed the
  caller's name into the content).
- 答复函 (reply): an official letter in GB/T 9704 §10.1 信函格式 to the complainant;
  addressed by name only when the actor may see it and the complainant is not anonymous.

Which form a case can have, and who sees the identity, is the complaint policy's
(:mod:`effdesk.services.complaints.policy`); the complaints service
(:mod:`effdesk.services.complaints.printing`) reads the case accordingly, checks the actor's
right and records the print. Tabular forms are drawn by :mod:`effdesk.reports.forms`, letters
by :mod:`effdesk.reports.gbt9704`; this module only decides what goes where on the paper.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.enums import (
    ComplainantKind,
    ComplaintEventKind,
    ComplaintState,
    HandlingMode,
)
from effdesk.reports.fonts import FontRole, FontSet
from effdesk.reports.forms import (
    Align,
    FormCutLine,
    FormFields,
    FormParagraph,
    FormRow,
    FormSignature,
    FormSpec,
    FormTable,
    field_row,
    instruction_row,
    render_form,
    text_row,
)
from effdesk.reports.gbt9704 import OfficialDocumentSpec, format_cn_date, render_official_document
from effdesk.services.complaints import (
    ANONYMOUS,
    MASK,
    ComplaintDetail,
    ComplaintForm,
    EventRow,
)
from effdesk.services.complaints.printing import (
    ComplaintFormResult,
    DrawnForm,
    FormCase,
    OfficeInfo,
    print_complaint_form,
)

EMPTY = "—"


# --------------------------------------------------------------------------- helpers


def _d(value: date | datetime | None) -> str:
    if value is None:
        return EMPTY
    return format_cn_date(value.date() if isinstance(value, datetime) else value)


def _due(detail: ComplaintDetail) -> str:
    if detail.due_date is None:
        return EMPTY
    provisional = detail.deadline_provisional and (
        detail.deadline is None or detail.deadline.provisional
    )
    return _d(detail.due_date) + ("（暂定）" if provisional else "")


def _subject(detail: ComplaintDetail) -> str:
    if detail.unit_name and detail.subject_description:
        return f"{detail.unit_name}（{detail.subject_description}）"
    return detail.unit_name or detail.subject_description or EMPTY


def _persons(detail: ComplaintDetail) -> str:
    names = []
    for p in detail.persons:
        text = p.display
        if p.post and p.name:
            text = f"{p.name}（{p.post}）"
        names.append(text)
    return "、".join(names) or EMPTY


def _or_empty(text: str | None) -> str:
    return text.strip() if text and text.strip() else EMPTY


def _identity_cells(detail: ComplaintDetail) -> tuple[str, str, str, str]:
    """Name, phone, company, address as this form may print them."""
    if detail.anonymous:
        phone = _or_empty(detail.complainant_phone) if detail.identity_visible else MASK
        return ANONYMOUS, phone, EMPTY, EMPTY
    if not detail.identity_visible:
        return MASK, MASK, MASK, MASK
    return (
        _or_empty(detail.complainant_name),
        _or_empty(detail.complainant_phone),
        _or_empty(detail.complainant_company),
        _or_empty(detail.complainant_address),
    )


def _latest(detail: ComplaintDetail, kind: ComplaintEventKind) -> EventRow | None:
    found = [e for e in detail.events if e.kind == kind]
    return found[-1] if found else None


def _handler(detail: ComplaintDetail) -> str:
    if detail.handling_mode == HandlingMode.ASSIGNED:
        return detail.handler_unit_name
    if detail.handling_mode == HandlingMode.FORWARDED:
        return detail.forwarded_to
    return detail.handler_user_name


def _progress(detail: ComplaintDetail, today: date) -> str:
    if detail.due_date is None:
        return EMPTY
    if detail.due_date < today:
        return f"已超过办理时限（{_d(detail.due_date)}）"
    if detail.due_date == today:
        return "今日到期"
    return f"办理时限为{_due(detail)}"


# --------------------------------------------------------------------------- the forms


def _registration(detail: ComplaintDetail, office: OfficeInfo) -> FormSpec:
    name, phone, company, address = _identity_cells(detail)
    kind = EMPTY if detail.anonymous else detail.complainant_kind.label
    return FormSpec(
        title="效能投诉受理登记表",
        subtitle=f"（{office.name}）" if office.name else "",
        header_left=f"编号：{detail.number}",
        header_right=f"受理日期：{_d(detail.received_date)}",
        columns=(1.15, 2, 1.15, 2),
        rows=[
            field_row(
                ("来源渠道", detail.channel.label),
                ("受理时间", f"{detail.received_at:%Y-%m-%d %H:%M}"),
            ),
            field_row(("投诉人", name), ("联系电话", phone)),
            field_row(("工作单位", company), ("投诉人类别", kind)),
            text_row("联系地址", address),
            field_row(("被投诉单位", _subject(detail)), ("被投诉人员", _persons(detail))),
            field_row(("问题类别", _or_empty(detail.category_name)), ("办理时限", _due(detail))),
            text_row("内容摘要", detail.summary),
            text_row("投诉内容", _or_empty(detail.content), min_height_mm=45),
            text_row("备注", _or_empty(detail.remarks)),
        ],
        after=[
            FormFields(
                (
                    f"受理人：{detail.registered_by or '　　　　'}",
                    f"登记时间：{detail.received_at:%Y-%m-%d %H:%M}",
                )
            )
        ],
        footer="注：投诉人身份信息保密，不得向被投诉单位及无关人员透露；匿名投诉人不记录姓名。",
    )


def _instruction(detail: ComplaintDetail, office: OfficeInfo, today: date) -> FormSpec:
    name, phone, _company, _address = _identity_cells(detail)
    submitted = _latest(detail, ComplaintEventKind.SUBMITTED)
    proposal = submitted.text if submitted and submitted.text != "呈领导批示" else ""
    sign = "签名：　　　　　　　年　　月　　日"
    if detail.leader_instruction and detail.instructed_at is not None:
        sign = f"签名：{detail.instructed_by}　　{_d(detail.instructed_at)}"
    return FormSpec(
        title="效能投诉件呈批单",
        subtitle=f"（{office.name}）" if office.name else "",
        header_left=f"编号：{detail.number}",
        header_right=f"呈批日期：{_d(submitted.at if submitted else today)}",
        columns=(1.15, 2, 1.15, 2),
        rows=[
            field_row(("来源渠道", detail.channel.label), ("受理日期", _d(detail.received_date))),
            field_row(("投诉人", name), ("联系电话", phone)),
            field_row(
                ("被投诉单位", _subject(detail)), ("问题类别", _or_empty(detail.category_name))
            ),
            text_row("被投诉人员", _persons(detail)),
            text_row("内容摘要", detail.summary),
            text_row("投诉内容", _or_empty(detail.content), min_height_mm=35),
            text_row("拟办意见", proposal, min_height_mm=20),
            instruction_row("领导批示", detail.leader_instruction, height_mm=60, sign_line=sign),
        ],
        after=[FormFields((f"承办人：{detail.registered_by or '　　　　'}", "审核："))],
    )


def _assignment(detail: ComplaintDetail, office: OfficeInfo) -> FormSpec:
    handler = detail.handler_unit_name or EMPTY
    issued = detail.routed_at or now()
    requirement = (
        f"请于{_due(detail)}前调查核实，依规依纪处理，并将办理情况书面报送{office.short_name}。"
        "对投诉人信息严格保密，严禁打击报复。"
    )
    return FormSpec(
        title="效能投诉交办单",
        subtitle=f"（{office.name}）" if office.name else "",
        header_left=f"编号：{detail.number}",
        header_right=f"交办日期：{_d(issued)}",
        columns=(1.15, 2, 1.15, 2),
        rows=[
            field_row(("承办单位", handler), ("办理时限", _due(detail))),
            field_row(
                ("被投诉单位", _subject(detail)), ("问题类别", _or_empty(detail.category_name))
            ),
            text_row("被投诉人员", _persons(detail)),
            text_row("反映问题", _or_empty(detail.content or detail.summary), min_height_mm=30),
            text_row("领导批示", _or_empty(detail.leader_instruction), min_height_mm=15),
            text_row("办理要求", requirement),
        ],
        after=[
            FormSignature(office.name, issued.date()),
            FormCutLine(),
            FormParagraph("签收回执", indent=False, align=Align.CENTER, role=FontRole.HEITI),
            FormTable(
                [
                    field_row(("交办单编号", detail.number), ("签收单位", handler)),
                    FormRow(
                        field_row(("签收人", ""), ("签收日期", "　　年　　月　　日")).cells, 12
                    ),
                ]
            ),
        ],
    )


def _forwarding(detail: ComplaintDetail, office: OfficeInfo) -> OfficialDocumentSpec:
    routed = _latest(detail, ComplaintEventKind.ROUTED)
    letter = str(routed.facts.get("letter", "")) if routed else ""
    issued = detail.routed_at or now()
    if letter:
        body = letter.split("\n")
    else:
        body = [
            f"{_d(detail.received_date)}，我办受理群众反映{_subject(detail)}“{detail.summary}”"
            f"的问题（投诉件编号：{detail.number}）。经审查，该问题不属于我办受理范围。根据有关规定，现将有关情况转你单位，"
            "请依法依规处理，并将处理结果告知反映人。",
            f"反映的主要内容：{detail.content or detail.summary}",
        ]
    body.append("为保护反映人合法权益，请对反映人信息严格保密。")
    if office.phone:
        body.append(f"联系电话：{office.phone}")
    return OfficialDocumentSpec(
        title="关于转办群众反映问题的函",
        body=body,
        red_header=False,
        main_recipients=detail.forwarded_to,
        signature=office.name,
        date=issued.date(),
    )


def _chase(
    detail: ComplaintDetail, office: OfficeInfo, form: ComplaintForm, event: EventRow, today: date
) -> FormSpec:
    handler = str(event.facts.get("to") or _handler(detail) or EMPTY)
    issued = event.at.date()
    routed = _d(detail.routed_at) if detail.routed_at else "此前"
    what = "催办" if form == ComplaintForm.REMINDER else "督办"
    opening = (
        f"{routed}交由你单位办理的效能投诉件（编号：{detail.number}，反映{_subject(detail)}"
        f"“{detail.summary}”的问题），{_progress(detail, issued)}。现予{what}，请按以下要求办理。"
    )
    rows = [
        field_row(("投诉件编号", detail.number), ("交办日期", routed)),
        field_row(("办理时限", _due(detail)), ("问题类别", _or_empty(detail.category_name))),
        text_row(f"{what}事项", event.text, min_height_mm=30),
    ]
    if form == ComplaintForm.SUPERVISION:
        report_by = event.facts.get("report_by")
        rows.append(
            text_row(
                "报告期限",
                f"请于{_d(date.fromisoformat(str(report_by)))}前书面报告办理情况。"
                if report_by
                else "请在办理时限内书面报告办理情况。",
            )
        )
    return FormSpec(
        title=f"效能投诉{form.label}",
        header_left=f"编号：{detail.number}",
        header_right=f"{what}日期：{_d(issued)}",
        before=[FormParagraph(f"{handler}：", indent=False), FormParagraph(opening)],
        columns=(1.15, 2, 1.15, 2),
        rows=rows,
        after=[
            FormParagraph("逾期未办结又无正当理由的，将按照有关规定追究责任。"),
            FormSignature(office.name, issued),
        ],
    )


def _reply(detail: ComplaintDetail, office: OfficeInfo, today: date) -> OfficialDocumentSpec:
    if detail.anonymous or not detail.identity_visible:
        recipient = "投诉人"
    elif detail.complainant_kind == ComplainantKind.ENTERPRISE and detail.complainant_company:
        recipient = detail.complainant_company
    else:
        recipient = detail.complainant_name or detail.complainant_company or "投诉人"
    opening = (
        f"您于{_d(detail.received_date)}通过{detail.channel.label}渠道反映的"
        f"{_subject(detail)}“{detail.summary}”的问题（投诉件编号：{detail.number}）收悉。"
    )
    body: list[str]
    if detail.state == ComplaintState.REJECTED:
        body = [
            opening + "经审查，现答复如下：",
            f"您反映的问题{detail.rejection_reason.rstrip('。')}，我办不予受理。",
        ]
        if detail.reply_text:
            body += detail.reply_text.split("\n")
    elif detail.reply_text:
        body = [opening + "我办高度重视，及时进行了调查核实。现将办理情况答复如下："]
        body += detail.reply_text.split("\n")
    else:
        verification = detail.verification.label if detail.verification else "已核查"
        body = [
            opening + "我办高度重视，及时进行了调查核实。现将办理情况答复如下：",
            "一、核查情况",
            f"经调查核实，您反映的问题{verification}。",
            "二、处理结果",
            detail.handling_result or EMPTY,
        ]
    closing = "感谢您对机关效能建设工作的关心和支持。"
    if office.phone:
        closing += f"如对办理结果有异议，请与我办联系（联系电话：{office.phone}）。"
    body.append(closing)
    return OfficialDocumentSpec(
        title="关于您反映问题办理情况的答复",
        body=body,
        red_header=False,
        # A letter to a citizen or a company: GB/T 9704 §10.1 信函格式, the office's full name
        # as the mark between the red double lines.
        letter_format=True,
        authority_mark=office.name,
        main_recipients=recipient,
        signature=office.name,
        date=detail.reply_date or today,
    )


def build_complaint_form(case: FormCase) -> FormSpec | OfficialDocumentSpec:
    """The layout spec of the form for a case read as this form may show it.

    ``case`` comes from :func:`effdesk.services.complaints.printing.print_complaint_form`,
    which read the case with the form's identity rules and checked (the complaint policy's form
    rules) that the case has such a form.
    """
    detail, form, office, today = case.detail, case.form, case.office, case.today
    if form.for_units and detail.identity_visible:
        raise ValueError("unit forms must be built from a case read with for_units=True")
    if form == ComplaintForm.REGISTRATION:
        return _registration(detail, office)
    if form == ComplaintForm.INSTRUCTION:
        return _instruction(detail, office, today)
    if form == ComplaintForm.ASSIGNMENT:
        return _assignment(detail, office)
    if form == ComplaintForm.FORWARDING:
        return _forwarding(detail, office)
    if form in (ComplaintForm.REMINDER, ComplaintForm.SUPERVISION):
        kind = (
            ComplaintEventKind.REMINDER
            if form == ComplaintForm.REMINDER
            else ComplaintEventKind.SUPERVISION
        )
        event = _latest(detail, kind)
        if event is None:
            raise ValueError(f"{form.value}: the case has no {kind.value} event")
        return _chase(detail, office, form, event, today)
    return _reply(detail, office, today)


def draw_complaint_form(
    case: FormCase, out: Path | BinaryIO, fonts: FontSet | None = None
) -> DrawnForm:
    """Draw the form of ``case`` as an A4 PDF to ``out`` (path or binary file)."""
    spec = build_complaint_form(case)
    if isinstance(spec, FormSpec):
        info = render_form(spec, out, fonts)
        return DrawnForm(info.pages, info.fonts_used)
    doc = render_official_document(spec, out, fonts)
    return DrawnForm(doc.pages, doc.fonts_used)


def render_complaint_form(
    session: Session,
    actor: Actor,
    complaint_id: int,
    form: ComplaintForm,
    out: Path | BinaryIO,
    *,
    today: date | None = None,
    fonts: FontSet | None = None,
) -> ComplaintFormResult:
    """Print ``form`` of the case to ``out``: the complaints service decides (the actor's
    right, the identity rules, whether the case has such a form) and records the print;
    this module draws what it hands over."""
    return print_complaint_form(
        session,
        actor,
        complaint_id,
        form,
        lambda case: draw_complaint_form(case, out, fonts),
        today=today,
    )
