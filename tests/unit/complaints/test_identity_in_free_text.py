"""The complainant's identity typed into free text stays hidden from roles without the
identity right: list, search, case view, timeline, printed forms; intake warns the clerk."""

from __future__ import annotations

import io

import pdfplumber
from complaint_helpers import World
from sqlalchemy.orm import Session

from effdesk.services import complaints as svc
from effdesk.services.complaints.privacy import (
    TEXT_MASK,
    identity_masker,
    identity_maskers,
    masker_from_values,
)

SUMMARY = "张三丰（138-1234-5678）来电反映户籍窗口推诿"
CONTENT = "来电人张三丰称其在三丰商贸有限公司工作，电话13812345678，办理迁移时被推诿。"


def _leaky(world: World) -> int:
    case = world.register(summary=SUMMARY, content=CONTENT)
    svc.add_note(
        world.session,
        world.clerk,
        case.id,
        "已回电张三丰，13812345678 无人接听",
        expected_version=case.version,
    )
    return case.id


def _no_identity(text: str) -> None:
    for value in ("张三丰", "13812345678", "1234-5678", "5678", "三丰商贸有限公司"):
        assert value not in text, (value, text)


def test_list_and_search_of_an_inspector_hold_no_identity(world: World) -> None:
    cid = _leaky(world)
    row = svc.search_complaints(world.session, world.inspector).rows[0]
    assert row.id == cid
    _no_identity(row.summary)
    assert TEXT_MASK in row.summary and "户籍窗口推诿" in row.summary
    for term in ("张三丰", "13812345678", "1234-5678", "三丰商贸有限公司", "张三丰来电"):
        page = svc.search_complaints(world.session, world.inspector, svc.ComplaintFilter(text=term))
        assert page.rows == [], term
        assert (
            svc.count_complaints(world.session, world.inspector, svc.ComplaintFilter(text=term))
            == 0
        )
    # Ordinary words still find it, and the clerk still finds it by name and phone.
    hit = svc.search_complaints(
        world.session, world.inspector, svc.ComplaintFilter(text="户籍窗口")
    )
    assert [r.id for r in hit.rows] == [cid]
    for term in ("张三丰", "13812345678"):
        clerk = svc.search_complaints(world.session, world.clerk, svc.ComplaintFilter(text=term))
        assert [r.id for r in clerk.rows] == [cid]
    assert svc.search_complaints(world.session, world.clerk).rows[0].summary == SUMMARY


def test_case_view_and_timeline_of_an_inspector_hold_no_identity(world: World) -> None:
    cid = _leaky(world)
    detail = svc.get_complaint_detail(world.session, world.inspector, cid)
    _no_identity(detail.summary)
    _no_identity(detail.content)
    for e in detail.events:
        _no_identity(e.text)
        _no_identity(repr(e.changes) + repr(e.facts))
    case = world.session.get(svc_complaint(), cid)
    assert case is not None
    for e in svc.event_rows(world.session, world.inspector, case):
        _no_identity(e.text)
    clerk = svc.get_complaint_detail(world.session, world.clerk, cid)
    assert clerk.summary == SUMMARY and clerk.content == CONTENT


def svc_complaint() -> type:
    from effdesk.db.models import Complaint

    return Complaint


def test_printed_forms_of_an_inspector_hold_no_identity(world: World, session: Session) -> None:
    from effdesk.reports.complaint_forms import render_complaint_form
    from effdesk.services.complaints import ComplaintForm

    cid = _leaky(world)
    for form in (ComplaintForm.REGISTRATION, ComplaintForm.INSTRUCTION):
        buf = io.BytesIO()
        render_complaint_form(session, world.inspector, cid, form, buf)
        with pdfplumber.open(io.BytesIO(buf.getvalue())) as pdf:
            text = "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "")
        assert "户籍窗口推诿" in text
        _no_identity(text)


def test_masker_api() -> None:
    mask = masker_from_values("张三丰", "13812345678", "三丰商贸有限公司", "")
    assert mask("张三丰的电话是138 1234 5678，单位三丰商贸有限公司") == "×××的电话是×××，单位×××"
    assert mask("") == ""
    assert mask("电话１３８１２３４５６７８，或138-1234-5678") == "电话×××，或×××"  # full-width too
    assert mask("1381234号楼5678室") == "1381234号楼5678室"  # digits apart are not the phone
    assert masker_from_values("张", "123")("张先生 123") == "张先生 123"  # too short to mask


def test_bulk_maskers_and_edited_identity(world: World) -> None:
    case = world.register(summary="王大锤来电反映窗口推诿")
    svc.update_complaint(
        world.session,
        world.clerk,
        case.id,
        world.input(summary="王大锤来电反映窗口推诿", complainant_name="王大锤"),
        expected_version=case.version,
    )
    world.session.refresh(case)
    # The name before the edit (张三丰) is still masked; so is the new one.
    mask = identity_masker(case)
    assert mask("张三丰 王大锤") == "××× ×××"
    assert identity_maskers(world.session, [case.id])[case.id]("张三丰 王大锤") == "××× ×××"


def test_intake_warns_when_the_summary_repeats_the_identity(world: World) -> None:
    warnings = svc.identity_warnings(world.input(summary=SUMMARY, content="无"))
    assert len(warnings) == 1
    assert "内容摘要" in warnings[0] and "姓名" in warnings[0] and "联系电话" in warnings[0]
    assert svc.identity_warnings(world.input()) == []
    # A warning, not a refusal: the case registers.
    assert world.register(summary=SUMMARY).number
