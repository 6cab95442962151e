"""The 整改通知书 / 督办通知书 issued through the rectification and documents services, read back
from the evidence store and checked against GBT9704.md with the checks test_document_layout.py
makes on circulars (its helpers reused)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reports.test_document_layout import (
    CENTRE_X,
    DATE_RE,
    NUMBER_RE,
    PITCH,
    TOL,
    _check_fonts_bundled_and_embedded,
    _check_page_numbers,
    _header,
)
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.enums import AssessmentCategory, RectificationNoticeKind, UnitKind
from effdesk.reports.documents import render_document_bytes
from effdesk.reports.fonts import FontRole, FontSet
from effdesk.services import directory
from effdesk.services import documents as docs
from effdesk.services.accountability import notice
from effdesk.services.accountability import rectification as rs

ITEMS = [
    "政务服务中心社保窗口工作人员上班时间使用手机玩游戏，群众等候办事无人理会",
    "医保窗口工作人员脱岗，未放置暂离牌",
    "窗口首问负责、一次性告知等制度落实不到位，群众反映办事需来回跑",
]


def issue_notice(
    session: Session, actors: dict[str, Actor], db: Database, kind: RectificationNoticeKind
) -> tuple[Path, str]:
    unit = directory.create_unit(
        session,
        actors["admin"],
        directory.UnitInput(
            name="县人力资源和社会保障局",
            short_name="县人社局",
            kind=UnitKind.WINDOW,
            category=AssessmentCategory.FIRST,
        ),
    )
    rect = rs.create_rectification(
        session,
        actors["clerk"],
        rs.RectificationInput(
            unit_id=unit.id,
            items=ITEMS,
            issued_date=date(2025, 3, 14),
            deadline_days=15,
            notice_kind=kind,
        ),
    )
    doc = notice.create_notice_draft(session, actors["clerk"], rect.id, rect.version)
    issued = notice.issue_notice(
        session,
        actors["leader"],
        rect.id,
        db.files_dir,
        doc.version,
        renderer=render_document_bytes,
    )
    assert issued.number is not None
    return docs.stored_pdf(session, actors["leader"], doc.id, db.files_dir).path, issued.number


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        (RectificationNoticeKind.RECTIFICATION, "X效改〔2025〕1号"),
        (RectificationNoticeKind.SUPERVISION, "X效督〔2025〕1号"),
    ],
)
def test_notice_follows_gbt9704(
    session: Session,
    actors: dict[str, Actor],
    db: Database,
    open_pdf: Any,
    pdfcheck: Any,
    fonts: FontSet,
    kind: RectificationNoticeKind,
    number: str,
) -> None:
    path, issued_number = issue_notice(session, actors, db, kind)
    assert issued_number == number
    pdf = open_pdf(path)
    page = pdf.pages[0]
    assert (pdfcheck.to_mm(page.width), pdfcheck.to_mm(page.height)) == (
        pytest.approx(210, abs=0.5),
        pytest.approx(297, abs=0.5),
    )
    h = _header(page, pdfcheck)
    # Rule 5: the red authority mark, its top 35 mm below the type area's top.
    assert "".join(c["text"] for c in h["mark"]) == "××县机关效能建设领导小组办公室文件"
    assert all(pdfcheck.is_red(c["non_stroking_color"]) for c in h["mark"])
    assert min(pdfcheck.to_mm(c["top"]) for c in h["mark"]) == pytest.approx(72, abs=TOL)
    # Rule 6: the notice's own series, 〔〕, unpadded, centred, black.
    text = "".join(c["text"] for c in h["number"])
    assert text == number and NUMBER_RE.match(text)
    centre = (pdfcheck.to_mm(h["number"][0]["x0"]) + pdfcheck.to_mm(h["number"][-1]["x1"])) / 2
    assert centre == pytest.approx(CENTRE_X, abs=TOL)
    # Rule 7: one red line, 156 mm wide, 4 mm below the number.
    (red,) = h["red"]
    assert pdfcheck.to_mm(red["x1"] - red["x0"]) == pytest.approx(156, abs=0.2)
    num_bottom = max(pdfcheck.to_mm(c["bottom"]) for c in h["number"])
    assert pdfcheck.to_mm(red["top"]) - num_bottom == pytest.approx(4, abs=TOL)
    # Rule 9: the unit as main recipient, flush left; the items numbered 1. 2. 3. in 仿宋.
    lines = [
        ln
        for p in pdf.pages
        for ln in pdfcheck.text_lines([c for c in p.chars if abs(c["size"] - 16) < 0.1])
    ]
    texts = [ln.text for ln in lines]
    rec = lines[texts.index("县人力资源和社会保障局：")]
    assert rec.x0 == pytest.approx(28, abs=0.3)
    body = "".join(texts)
    for n, item in enumerate(ITEMS, 1):
        assert f"{n}.{item}。" in body
    first = next(ln for ln in lines if ln.text.startswith("1.政务服务中心"))
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in first.chars} == {FontRole.FANGSONG}
    # The deadline in words: 15 working days after Friday 14 March 2025, 清明 (4 April) skipped.
    assert "于2025年4月7日前完成整改" in body
    # Rule 11: issuer, then the date one line below (Arabic numerals, unpadded).
    issuer = lines[texts.index("××县机关效能建设领导小组办公室")]
    date_line = lines[texts.index("2025年3月14日")]
    assert DATE_RE.match(date_line.text)
    assert date_line.top - issuer.top == pytest.approx(PITCH, abs=0.3)
    # Rule 16: all body text black; colophon with 抄送 and 印发 date (rule 14).
    body_chars = [c for p in pdf.pages for c in p.chars if c["size"] < 30]
    assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in body_chars)
    small = "".join(c["text"] for p in pdf.pages for c in p.chars if abs(c["size"] - 14) < 0.1)
    assert "抄送：县纪委监委。" in small
    assert re.search(r"2025年3月14日印发", small)
    _check_page_numbers(pdf, pdfcheck)
    _check_fonts_bundled_and_embedded(path, pdf, pdfcheck, fonts)
