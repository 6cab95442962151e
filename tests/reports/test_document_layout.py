"""What the document service issues, checked on the stored PDF against GBT9704.md's rules.

The engine's own tests (test_gbt9704.py) cover every rule on hand-made specs; these cover the
register's output: a circular composed and issued through the services, read back from the
evidence store, with system fonts ignored (tests/reports/conftest.py).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from unit.documents.office_data import TODAY, Office, build_office

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.enums import CircularTone, DocumentType
from effdesk.reports.documents import render_document, render_document_bytes
from effdesk.reports.fonts import FontRole, FontSet
from effdesk.services import composition
from effdesk.services import documents as docs

TOL = 1.0
PITCH = 225.0 / 22
CENTRE_X = 28 + 156 / 2
CHAR_4HAO = 14.0 / (72.0 / 25.4)
NUMBER_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
DATE_RE = re.compile(r"^\d{4}年[1-9]\d?月[1-9]\d?日$")


def _issue_short_circular(session: Session, leader: Actor, db: Database, title: str) -> Path:
    doc = docs.create_draft(
        session,
        leader,
        docs.DocumentInput(
            doc_type=DocumentType.CIRCULAR,
            tone=CircularTone.COMMENDATION,
            title=title,
            main_recipients="各乡镇人民政府，县直各部门",
            body=("一、基本情况\n县政务服务中心各窗口工作人员按时到岗，服务热情，群众满意。"),
            issuer="××县机关效能建设领导小组办公室",
            doc_date=date(2025, 3, 9),
            copy_to="县委办，县政府办，县纪委监委。",
        ),
    )
    docs.issue_document(
        session, leader, doc.id, doc.version, db.files_dir, renderer=render_document_bytes
    )
    return docs.stored_pdf(session, leader, doc.id, db.files_dir).path


@pytest.fixture
def leader(actors: dict[str, Actor]) -> Actor:
    return actors["leader"]


@pytest.fixture
def one_page(session: Session, leader: Actor, db: Database) -> Path:
    _issue_short_circular(session, leader, db, "关于表扬县政务服务中心窗口的通报")
    return _issue_short_circular(session, leader, db, "关于表扬城关镇便民服务大厅的通报")


@pytest.fixture
def office(session: Session, leader: Actor, db: Database, tmp_path: Path) -> Office:
    # 12 MP-shaped photos would only slow the test; the aspect ratio is what matters here.
    return build_office(
        session,
        leader,
        db.files_dir,
        tmp_path / "photos",
        photos_per_finding=2,
        photo_size=(1200, 900),
    )


@pytest.fixture
def multi_page(session: Session, leader: Actor, db: Database, office: Office) -> tuple[Path, int]:
    doc = composition.start_circular_from_findings(session, leader, office.finding_ids, today=TODAY)
    docs.issue_document(
        session, leader, doc.id, doc.version, db.files_dir, renderer=render_document_bytes
    )
    return docs.stored_pdf(session, leader, doc.id, db.files_dir).path, len(
        office.photo_attachment_ids
    )


def _header(page: Any, pdfcheck: Any) -> dict[str, Any]:
    mark = [c for c in page.chars if c["size"] > 30]
    number = [c for c in page.chars if abs(c["size"] - 16) < 0.1 and pdfcheck.to_mm(c["top"]) < 125]
    red = [ln for ln in page.lines if pdfcheck.is_red(ln.get("stroking_color"))]
    return {"mark": mark, "number": number, "red": red}


def _check_fonts_bundled_and_embedded(path: Path, pdf: Any, pdfcheck: Any, fonts: FontSet) -> None:
    assert pdfcheck.embedded_font_problems(path) == []
    names = {c["fontname"] for page in pdf.pages for c in page.chars}
    assert names
    for name in names:
        assert name.split("+", 1)[0].isupper()  # a subset tag: embedded as a subset
        assert pdfcheck.face_of(fonts, name).bundled, name


def _check_page_numbers(pdf: Any, pdfcheck: Any) -> None:
    for n, page in enumerate(pdf.pages, 1):
        chars = [c for c in page.chars if pdfcheck.to_mm(c["top"]) > 262]
        (line,) = pdfcheck.text_lines(chars)
        assert line.text == f"\u2014 {n} \u2014"
        assert line.size == pytest.approx(14)
        assert (line.top + line.bottom) / 2 == pytest.approx(269, abs=TOL)
        if n % 2:
            assert line.x1 == pytest.approx(184 - CHAR_4HAO, abs=0.3)
        else:
            assert line.x0 == pytest.approx(28 + CHAR_4HAO, abs=0.3)


def test_one_page_circular_follows_the_rules(
    one_page: Path, open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    pdf = open_pdf(one_page)
    assert len(pdf.pages) == 1
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
    # Rule 6: the second document of the year, 〔〕 brackets, no padding, centred, black.
    number = "".join(c["text"] for c in h["number"])
    assert number == "X效办〔2025〕2号"
    assert NUMBER_RE.match(number)
    centre = (pdfcheck.to_mm(h["number"][0]["x0"]) + pdfcheck.to_mm(h["number"][-1]["x1"])) / 2
    assert centre == pytest.approx(CENTRE_X, abs=TOL)
    assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in h["number"])
    # Rule 7: one red line, 156 mm wide, 4 mm below the number.
    (red,) = h["red"]
    assert pdfcheck.to_mm(red["x1"] - red["x0"]) == pytest.approx(156, abs=0.2)
    num_bottom = max(pdfcheck.to_mm(c["bottom"]) for c in h["number"])
    assert pdfcheck.to_mm(red["top"]) - num_bottom == pytest.approx(4, abs=TOL)
    # Rule 9 and 11: recipients flush left; issuer then date (Arabic, unpadded) below the body.
    lines = pdfcheck.text_lines([c for c in page.chars if abs(c["size"] - 16) < 0.1])
    texts = [ln.text for ln in lines]
    rec = lines[texts.index("各乡镇人民政府，县直各部门：")]
    assert rec.x0 == pytest.approx(28, abs=0.3)
    issuer = lines[texts.index("××县机关效能建设领导小组办公室")]
    date_line = lines[texts.index("2025年3月9日")]
    assert DATE_RE.match(date_line.text)
    assert date_line.top - issuer.top == pytest.approx(PITCH, abs=0.3)
    assert issuer.x1 == pytest.approx(184 - 2 * 156 / 28, abs=TOL)
    # Rule 4: 一、 headings in 黑体; body in 仿宋; all text black (rule 16).
    head = lines[texts.index("一、基本情况")]
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in head.chars} == {FontRole.HEITI}
    body = [c for c in page.chars if c["size"] < 30 and pdfcheck.to_mm(c["top"]) < 262]
    assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in body)
    # Rule 14: the colophon at the type area's bottom.
    rules = sorted(
        (ln for ln in page.lines if not pdfcheck.is_red(ln.get("stroking_color"))),
        key=lambda ln: ln["top"],
    )
    assert len(rules) == 3
    assert pdfcheck.to_mm(rules[-1]["top"]) == pytest.approx(262, abs=TOL)
    small = "".join(c["text"] for c in page.chars if abs(c["size"] - 14) < 0.1)
    assert "抄送：县委办，县政府办，县纪委监委。" in small
    assert "2025年3月9日印发" in small
    _check_page_numbers(pdf, pdfcheck)
    _check_fonts_bundled_and_embedded(one_page, pdf, pdfcheck, fonts)


def test_multi_page_circular_with_photo_pages(
    multi_page: tuple[Path, int], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, photo_count = multi_page
    pdf = open_pdf(path)
    assert len(pdf.pages) >= 4
    h = _header(pdf.pages[0], pdfcheck)
    assert "".join(c["text"] for c in h["number"]) == "X效办〔2025〕1号"
    # Body headings: 一、 in 黑体, （一） unit headings in 楷体.
    all_lines = [
        (n, ln)
        for n, page in enumerate(pdf.pages, 1)
        for ln in pdfcheck.text_lines(
            [c for c in page.chars if abs(c["size"] - 16) < 0.1 and pdfcheck.to_mm(c["top"]) < 262]
        )
    ]
    by_text = {ln.text: (n, ln) for n, ln in all_lines}
    for heading in ("一、基本情况", "二、发现的问题", "三、处理意见", "四、工作要求"):
        _, ln = by_text[heading]
        assert {pdfcheck.role_of(fonts, c["fontname"]) for c in ln.chars} == {FontRole.HEITI}
    _, unit = by_text["（一）县人力资源和社会保障局"]
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in unit.chars} == {FontRole.KAITI}
    # Rule 10: the attachment note after the body, two characters in, no trailing punctuation.
    note_page, note = by_text["附件：明察暗访发现问题照片"]
    assert note.x0 == pytest.approx(28 + 2 * 156 / 28, abs=0.5)
    # Rule 11: the date of the signature.
    date_page, date_line = by_text["2025年3月14日"]
    assert DATE_RE.match(date_line.text) and date_page == note_page
    # Rule 13: the attachment starts a new page: 附件 in 黑体 on line 1, title on line 3.
    att_pages = [
        n
        for n, page in enumerate(pdf.pages, 1)
        if (lines := pdfcheck.text_lines(page.chars)) and lines[0].text == "附件"
    ]
    assert len(att_pages) == 1 and att_pages[0] > date_page
    first = pdf.pages[att_pages[0] - 1]
    lines = pdfcheck.text_lines([c for c in first.chars if pdfcheck.to_mm(c["top"]) < 262])
    label, title = lines[0], lines[1]
    assert label.x0 == pytest.approx(28, abs=0.2)
    assert label.top == pytest.approx(37 + (PITCH - 5.64) / 2, abs=TOL)
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in label.chars} == {FontRole.HEITI}
    assert title.text == "明察暗访发现问题照片" and title.size == pytest.approx(22)
    assert (title.top + title.bottom) / 2 == pytest.approx(37 + 2.5 * PITCH, abs=TOL)
    # Every selected photo printed once, inside the type area, after the body.
    images = [(n, im) for n, page in enumerate(pdf.pages, 1) for im in page.images]
    assert len(images) == photo_count
    for n, im in images:
        assert n >= att_pages[0]
        assert pdfcheck.to_mm(im["x0"]) >= 28 - 0.2 and pdfcheck.to_mm(im["x1"]) <= 184 + 0.2
        assert pdfcheck.to_mm(im["top"]) >= 37 - 0.2 and pdfcheck.to_mm(im["bottom"]) <= 262 + 0.2
    captions = "".join(c["text"] for page in pdf.pages for c in page.chars)
    assert "图1 县人力资源和社会保障局 2025年3月4日9:10 政务服务中心社保窗口" in captions
    # Rule 5/7 colours, rule 15 numbering continues through the photo pages, rule 16 fonts.
    assert all(pdfcheck.is_red(c["non_stroking_color"]) for c in h["mark"])
    assert len(h["red"]) == 1
    _check_page_numbers(pdf, pdfcheck)
    _check_fonts_bundled_and_embedded(path, pdf, pdfcheck, fonts)
    last = pdf.pages[-1]
    assert "印发" in "".join(c["text"] for c in last.chars)


def test_draft_preview_leaves_the_number_blank(
    session: Session,
    leader: Actor,
    db: Database,
    office: Office,
    open_pdf: Any,
    pdfcheck: Any,
    tmp_path: Path,
) -> None:
    doc = composition.start_circular_from_findings(
        session, leader, office.finding_ids[:1], photo_finding_ids=[], today=TODAY
    )
    rendered = render_document(session, doc, db.files_dir)
    assert rendered.draft
    assert all("(内置)" in line for line in rendered.info.fonts)
    out = tmp_path / "draft.pdf"
    out.write_bytes(rendered.pdf)
    pdf = open_pdf(out)
    h = _header(pdf.pages[0], pdfcheck)
    assert h["number"] == []  # nothing printed where the number will go
    assert len(h["red"]) == 1
    text = "".join(c["text"] for page in pdf.pages for c in page.chars)
    assert "〔" not in text and "附件" not in text
