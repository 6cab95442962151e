"""The monthly bulletin (简报): its figures, the PDF read back (figures, bottom three in red,
vector charts, no complainant identity), issuing it as a numbered document, the CLI."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pdfplumber
from assessment_helpers import COMPLAINANT, COMPLAINANT_COMPANY, COMPLAINANT_PHONE, Office
from test_assessment import AFTER, OCT, build_october

from effdesk import cli
from effdesk.db.engine import Database
from effdesk.enums import DocumentState, DocumentType, MeasureType
from effdesk.reports.documents import render_document, render_document_bytes
from effdesk.services import assessment, bulletin
from effdesk.services import documents as docs


def build(o: Office, db: Database) -> None:
    build_october(o, db)
    # A case whose text names the complainant, his company and phone (as clerks write them),
    # with a heavy measure: the bulletin picks it first as a typical case.
    c = o.complaint(
        "丁局",
        datetime(2026, 10, 27, 15),
        content=f"{COMPLAINANT_COMPANY}负责人{COMPLAINANT}来电（{COMPLAINANT_PHONE[:3]} "
        f"{COMPLAINANT_PHONE[3:7]} {COMPLAINANT_PHONE[7:]}）反映丁局审批窗口索要好处费。",
    )
    m = o.measure("丁局", date(2026, 10, 29), MeasureType.ADMONITION_TALK)
    m.complaint_id = c.id
    o.session.flush()


def test_figures_of_a_hand_built_month(office: Office, db: Database) -> None:
    build(office, db)
    f = bulletin.bulletin_figures(office.session, office.leader, OCT)
    # October: 甲 1, 乙 1, 戊 6, 丁 1 不属实 + 1 属实 = 10 received; 丁's November case is not.
    assert (f.received, f.concluded, f.overdue) == (10, 10, 0)
    assert f.conclusion_rate == 1.0 and f.on_time_rate == 1.0
    assert f.substantiated == 9 and f.substantiated_rate == 0.9
    assert f.feedback_rate == 0.0 and f.satisfaction_rate is None
    # Measures: 丙 通报批评 (unit), 丁 批评教育 (unit), 丁 诫勉谈话 (unit): 0 人次, 2 units.
    assert (f.measures_persons, f.measures_units) == (0, 2)
    # 督查发现问题 as everywhere (statistics, the campaign header): every finding not dismissed
    # (不予认定) — 乙, 己 and the pending one.
    assert f.findings == 3


def _pdf(office: Office, db: Database) -> tuple[bytes, list[str]]:
    assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    doc = bulletin.compose_bulletin(office.session, office.leader, OCT, today=AFTER)
    assert doc.doc_type is DocumentType.BULLETIN and bulletin.bulletin_period(doc) == OCT
    rendered = render_document(office.session, doc, db.files_dir, today=AFTER)
    with pdfplumber.open(io.BytesIO(rendered.pdf)) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    return rendered.pdf, pages


def test_bulletin_pdf_figures_ranking_and_cases(office: Office, db: Database) -> None:
    build(office, db)
    pdf, pages = _pdf(office, db)
    text = "\n".join(pages)
    assert "效能建设工作简报" in text and "2026年10月全县机关效能建设情况通报" in text
    for label, value in (("受理投诉", "10件"), ("属实率", "90.0%"), ("督查发现问题", "3个")):
        line = next(ln for ln in text.splitlines() if label in ln)
        assert value in line, line
    assert "四、典型案例" in text and "丁局" in text
    # The bottom three of each category are marked, in red, and only they.
    flagged = {"甲局", "乙局", "丙局", "戊局", "丁局", "庚镇人民政府"}
    rows: dict[str, bool] = {}
    red: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for line in (page.extract_text() or "").splitlines():
                name = next((u for u in office.units if line.split(" ")[1:2] == [u]), None)
                if name is not None:
                    rows[name] = "扣分预警" in line
            words = page.extract_words(extra_attrs=["non_stroking_color"])
            marks = [w["top"] for w in words if w["text"] == "扣分预警"]
            for word in words:
                # The marks, and the unit names in the rows they mark (not the charts' labels).
                if word["text"] == "扣分预警" or any(abs(word["top"] - t) < 3 for t in marks):
                    colour = word["non_stroking_color"]
                    assert colour is not None and colour[0] > 0.6 and colour[1] < 0.2, word
                    red.append(word["text"])
    assert rows == {u: u in flagged for u in office.units}
    assert red.count("扣分预警") == len(flagged) and "戊局" in red


def test_bulletin_pdf_has_no_complainant_identity(office: Office, db: Database) -> None:
    build(office, db)
    _, pages = _pdf(office, db)
    text = "".join("".join(p.split()) for p in pages)
    for secret in (COMPLAINANT, COMPLAINANT_COMPANY, COMPLAINANT_PHONE, "王小", "明达建材"):
        assert secret not in text
    assert "审批窗口索要好处费" in text  # the case itself is told, with ××× for the identity
    assert "×××" in text


def test_bulletin_charts_are_vectors(office: Office, db: Database) -> None:
    build(office, db)
    pdf, pages = _pdf(office, db)
    chart_pages = [i for i, t in enumerate(pages) if "图1" in t or "图3" in t]
    assert chart_pages
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for i in chart_pages:
            page = doc.pages[i]
            assert page.images == []
            # Bars are filled rectangles, pie slices are curves.
            assert len([r for r in page.rects if r["fill"]]) >= 3 or len(page.curves) >= 2
        assert all(p.images == [] for p in doc.pages)


def test_bulletin_issued_like_any_document(office: Office, db: Database) -> None:
    build(office, db)
    s = office.session
    assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    doc = bulletin.compose_bulletin(s, office.clerk, OCT, today=AFTER)
    issued = docs.issue_document(
        s, office.leader, doc.id, doc.version, db.files_dir, renderer=render_document_bytes
    )
    assert issued.state is DocumentState.ISSUED
    assert issued.number is not None and "效简〔" in issued.number
    stored = docs.stored_pdf(s, office.leader, issued.id, db.files_dir)
    assert stored.ok
    with pdfplumber.open(stored.path) as pdf:
        first = pdf.pages[0].extract_text() or ""
    assert f"第{issued.serial}期" in first and issued.number in first


def test_cli_render_bulletin(office: Office, db: Database, tmp_path: Path) -> None:
    build(office, db)
    office.session.commit()
    url = db.url  # str(engine.url) would hide a server password as ***
    out = tmp_path / "b.pdf"
    assert cli.main(["--db", url, "render", "bulletin", "--month", OCT, "--out", str(out)]) == 0
    with pdfplumber.open(out) as pdf:
        assert "作风监测指数排名" in "".join(p.extract_text() or "" for p in pdf.pages)
    bad = ["--db", url, "render", "bulletin", "--month", "2026-13", "--out", str(out)]
    assert cli.main(bad) == 2


def test_other_documents_are_not_bulletins() -> None:
    title = "关于2026年10月窗口单位明察暗访情况的通报"
    doc = docs.transient_document(docs.DocumentInput(doc_type=DocumentType.CIRCULAR, title=title))
    assert bulletin.bulletin_period(doc) is None
