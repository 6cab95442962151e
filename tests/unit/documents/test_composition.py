"""Composing circulars from findings and complaints."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from unit.documents.office_data import (
    COMPLAINANT_COMPANY,
    COMPLAINANT_NAME,
    COMPLAINANT_PHONE,
    TODAY,
    Office,
)

from effdesk.auth import Actor
from effdesk.db.models import Document, DocumentSource
from effdesk.enums import DocumentType, FindingStatus
from effdesk.errors import PermissionDenied, ValidationError
from effdesk.services import composition, inspections


def test_circular_from_findings_has_the_usual_structure(
    session: Session, actors: dict[str, Actor], office: Office
) -> None:
    comp = composition.compose_from_findings(
        session, actors["leader"], office.finding_ids, today=TODAY
    )
    d = comp.data
    assert d.doc_type is DocumentType.CIRCULAR
    assert d.title == "关于2025年3月机关作风明察暗访情况的通报"
    paras = d.body.split("\n")
    assert paras[0].startswith("为进一步加强机关作风建设")
    assert "2025年3月3日至7日" in paras[0]
    assert "暗访" in paras[0] and "共4个单位" in paras[0]
    assert paras[0].endswith("现将有关情况通报如下：")
    headings = [p for p in paras if re.match(r"^[一二三四五六七八九十]+、", p)]
    assert headings == ["一、基本情况", "二、发现的问题", "三、处理意见", "四、工作要求"]
    # Grouped by unit, in directory order, one （N） per unit with findings.
    unit_heads = [p for p in paras if re.match(r"^（[一二三四五六七八九十]+）", p)]
    assert unit_heads[:4] == [
        "（一）县人力资源和社会保障局",
        "（二）县市场监督管理局",
        "（三）县自然资源局",
        "（四）城关镇人民政府",
    ]
    i = paras.index("（一）县人力资源和社会保障局")
    assert paras[i + 1].startswith("1.政务服务中心社保窗口：3月4日上午9:10，社保窗口工作人员王建军")
    assert paras[i + 2].startswith("2.政务服务中心医保窗口：3月4日上午9:40，")
    assert "1号窗口女工作人员" in paras[i + 2]
    # A unit with one finding gets no "1." numbering.
    j = paras.index("（二）县市场监督管理局")
    assert paras[j + 1].startswith("3月5日上午8:50")
    basic = paras[paras.index("一、基本情况") + 1]
    assert "发现问题5个，涉及4个单位、5人次" in basic
    assert "违反工作纪律" in basic
    # Measures: decided ones (heaviest first), then proposed ones; rectification demanded.
    handling = paras[paras.index("三、处理意见") + 1 : paras.index("四、工作要求")]
    text = "\n".join(handling)
    assert "对县市场监督管理局登记注册窗口工作人员李晓燕扣发绩效奖金500元" in text
    assert "对县自然资源局予以通报批评" in text
    assert "对县人力资源和社会保障局社保窗口工作人员王建军给予效能告诫" in text
    assert "对城关镇人民政府值班人员给予效能告诫" in text
    assert "责令县人力资源和社会保障局、县市场监督管理局立即整改" in text
    assert text.index("扣发") < text.index("通报批评") < text.index("效能告诫")
    requirements = paras[paras.index("四、工作要求") + 1 :]
    assert [p[:3] for p in requirements] == ["（一）", "（二）", "（三）", "（四）"]
    assert any("前将整改落实情况书面报送县效能办" in p for p in requirements)
    # Recipients, copy-to, signature, date; photo attachment of every selected finding.
    assert d.main_recipients == "各乡镇人民政府，县直各部门："
    assert d.copy_to.endswith("。")
    assert d.issuer == "××县机关效能建设领导小组办公室"
    assert d.doc_date == TODAY
    assert len(d.attachments) == 1
    assert d.attachments[0].title == "明察暗访发现问题照片"
    assert d.attachments[0].attachment_ids == office.photo_attachment_ids
    assert comp.sources[0].campaign_id == office.campaign_id
    assert [s.finding_id for s in comp.sources[1:]] == office.finding_ids


def test_only_selected_findings_and_chosen_photos(
    session: Session, actors: dict[str, Actor], office: Office
) -> None:
    picked = [office.finding_ids[0], office.finding_ids[3]]
    doc = composition.start_circular_from_findings(
        session, actors["leader"], picked, photo_finding_ids=[picked[1]], today=TODAY
    )
    assert "县市场监督管理局" not in doc.body
    assert "发现问题2个，涉及2个单位" in doc.body
    assert doc.attachments_spec[0]["attachment_ids"] == [office.photo_attachment_ids[3]]
    sources = session.scalars(
        select(DocumentSource).where(DocumentSource.document_id == doc.id)
    ).all()
    assert {s.finding_id for s in sources if s.finding_id} == set(picked)
    assert doc.state.value == "draft" and doc.number is None


def test_unverified_findings_are_refused(
    session: Session, actors: dict[str, Actor], office: Office
) -> None:
    inspections.change_finding_status(
        session, actors["leader"], office.finding_ids[1], FindingStatus.PENDING
    )
    with pytest.raises(ValidationError, match="待核实"):
        composition.compose_from_findings(session, actors["leader"], office.finding_ids)


def test_admin_cannot_compose(session: Session, actors: dict[str, Actor], office: Office) -> None:
    with pytest.raises(PermissionDenied):
        composition.compose_from_findings(session, actors["admin"], office.finding_ids)


def test_choices_for_the_picker(session: Session, actors: dict[str, Actor], office: Office) -> None:
    camps = composition.campaign_choices(session, actors["clerk"])
    assert [(c.id, c.finding_count, c.usable_count) for c in camps] == [(office.campaign_id, 5, 5)]
    rows = composition.finding_choices(session, actors["clerk"], office.campaign_id)
    assert [r.id for r in rows] == office.finding_ids
    assert rows[2].measures == "扣发绩效/津贴"
    assert rows[0].measures == "拟效能告诫"
    assert all(r.photo_count == 1 for r in rows)
    assert composition.campaign_with_most_findings(session) == office.campaign_id


def _all_text(doc: Document) -> str:
    parts = [doc.title, doc.main_recipients, doc.body, doc.copy_to, doc.notes]
    for a in doc.attachments_spec:
        parts += [str(a.get("title", "")), str(a.get("text", ""))]
    return "\n".join(parts)


def test_typical_case_circular_never_names_the_complainant(
    session: Session, actors: dict[str, Actor], office: Office
) -> None:
    choices = composition.complaint_choices(session, actors["leader"])
    assert [c.id for c in choices] == [office.complaint_id]
    assert COMPLAINANT_COMPANY not in choices[0].summary
    doc = composition.start_circular_from_complaints(
        session, actors["leader"], [office.complaint_id], today=TODAY
    )
    text = _all_text(doc)
    for secret in (COMPLAINANT_NAME, COMPLAINANT_PHONE, COMPLAINANT_COMPANY, "欧阳"):
        assert secret not in text
    assert doc.title == "关于一起机关效能问题典型案例的通报"
    assert "一、基本情况" in doc.body and "二、典型案例" in doc.body
    assert "（一）县市场监督管理局办事拖拉/效率低下问题" in doc.body
    assert "2月20日，有群众反映：办理食品经营许可证变更" in doc.body
    assert "经调查核实，反映问题属实。" in doc.body
    assert "未落实一次性告知制度" in doc.body
    assert doc.attachments_spec == []
    sources = session.scalars(
        select(DocumentSource).where(DocumentSource.document_id == doc.id)
    ).all()
    assert [s.complaint_id for s in sources] == [office.complaint_id]


def test_cn_helpers() -> None:
    assert [composition.cn_number(n) for n in (1, 9, 10, 11, 20, 21)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
    ]
    from datetime import date

    assert composition.cn_date_range(date(2025, 3, 3), date(2025, 3, 7)) == "2025年3月3日至7日"
    assert composition.cn_date_range(date(2025, 3, 30), date(2025, 4, 2)) == "2025年3月30日至4月2日"
    assert composition.cn_date_range(date(2025, 3, 3), date(2025, 3, 3)) == "2025年3月3日"


def test_time_of_day_words() -> None:
    from datetime import datetime

    t = composition._time_of_day
    assert t(datetime(2026, 1, 1, 5, 30)) == "1月1日凌晨5:30"
    assert t(datetime(2026, 1, 1, 9, 5)) == "1月1日上午9:05"
    assert t(datetime(2026, 1, 1, 12, 5)) == "1月1日中午12:05"
    assert t(datetime(2026, 1, 1, 15, 20)) == "1月1日下午3:20"
    assert t(datetime(2026, 1, 1, 19, 0)) == "1月1日晚上7:00"


def test_numbered_items_never_start_with_a_digit(
    session: Session, actors: dict[str, Actor], office: Office
) -> None:
    """ "1.10月9日" or "2.1楼" would read as decimal numbers (and not as 1. headings)."""
    from effdesk.db.models import Finding

    for fid in office.finding_ids[:2]:
        f = session.get(Finding, fid)
        assert f is not None
        f.place = "3楼服务窗口" if fid == office.finding_ids[0] else ""
    session.flush()
    body = composition.compose_from_findings(
        session, actors["leader"], office.finding_ids, today=TODAY
    ).data.body
    items = [p for p in body.split("\n") if re.match(r"^\d+\.", p)]
    assert items
    assert all(not re.match(r"^\d+\.\d", p) for p in items)
    assert "1.县人社局3楼服务窗口：3月4日上午9:10" in body
    assert "2.督查发现：3月4日上午9:40" in body
