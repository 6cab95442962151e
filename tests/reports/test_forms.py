"""A4 forms read back from the PDF: cells, wrapping, page breaks, fonts, page numbers."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from effdesk.errors import ValidationErrors
from effdesk.reports.fonts import FontRole, FontSet
from effdesk.reports.forms import (
    Align,
    Cell,
    FormCutLine,
    FormFields,
    FormParagraph,
    FormRow,
    FormSignature,
    FormSpec,
    FormTable,
    field_row,
    instruction_row,
    label,
    render_form,
    text_row,
    value,
)

CONTENT = (
    "投诉人反映：2026年3月2日上午到县不动产登记中心办理抵押登记，窗口工作人员以材料不全为由"
    "拒绝受理，但未一次性告知需补充的材料，投诉人往返三次仍未办结。"
)


def _register(content: str = CONTENT) -> FormSpec:
    return FormSpec(
        title="××县机关效能投诉受理登记表",
        header_left="编号：X效投〔2026〕15号",
        header_right="受理日期：2026年3月5日",
        columns=(1.1, 2, 1.1, 2),
        rows=[
            field_row(("投诉人", "张三"), ("联系电话", "13800001234")),
            field_row(
                ("被投诉单位", "县自然资源局不动产登记中心"), ("被投诉人", "3号窗口工作人员")
            ),
            text_row("投诉内容", content, min_height_mm=30),
            instruction_row("领导批示", "", height_mm=50),
        ],
        after=[FormFields(("受理人：李四", "审核人：", "录入时间：2026年3月5日"))],
        footer="注：本表一式两份。",
    )


def _chars(pdf: Any) -> list[dict[str, Any]]:
    return [c for page in pdf.pages for c in page.chars]


def _text(page: Any, pdfcheck: Any) -> list[str]:
    return [ln.text for ln in pdfcheck.text_lines(page.chars)]


def test_register_form_one_page(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    out = tmp_path / "reg.pdf"
    info = render_form(_register(), out, fonts)
    pdf = open_pdf(out)
    assert info.pages == len(pdf.pages) == 1
    page = pdf.pages[0]
    lines = pdfcheck.text_lines(page.chars)
    title = lines[0]
    assert title.text == "××县机关效能投诉受理登记表"
    assert title.size == pytest.approx(22)
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in title.chars} == {FontRole.XIAOBIAOSONG}
    assert (title.x0 + title.x1) / 2 == pytest.approx(106, abs=1)
    header = lines[1]
    assert header.text.startswith("编号：X效投〔2026〕15号")
    assert header.text.endswith("受理日期：2026年3月5日")
    assert header.x0 == pytest.approx(28, abs=0.3)
    assert header.x1 == pytest.approx(184, abs=0.3)
    # a single-page form carries no page number
    assert not any("—" in t for t in _text(page, pdfcheck))
    # labels in 黑体, values in 仿宋
    label_line = next(ln for ln in lines if ln.text.startswith("投诉人"))
    roles = [pdfcheck.role_of(fonts, c["fontname"]) for c in label_line.chars]
    assert roles[: len("投诉人")] == [FontRole.HEITI] * 3
    assert FontRole.FANGSONG in roles
    # everything inside the type area
    for c in page.chars:
        assert pdfcheck.to_mm(c["x0"]) >= 28 - 0.2 and pdfcheck.to_mm(c["x1"]) <= 184 + 0.2
        assert pdfcheck.to_mm(c["top"]) >= 37 - 0.5 and pdfcheck.to_mm(c["bottom"]) <= 262 + 0.5
    assert pdfcheck.embedded_font_problems(out) == []
    assert info.missing_chars == set()


def test_cells_are_a_grid(tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any) -> None:
    out = tmp_path / "reg.pdf"
    render_form(_register(), out, fonts)
    page = open_pdf(out).pages[0]
    verticals = sorted(
        {round(pdfcheck.to_mm(ln["x0"]), 1) for ln in page.lines if ln["x0"] == ln["x1"]}
    )
    total = 1.1 + 2 + 1.1 + 2
    expected = [28.0]
    for w in (1.1, 2, 1.1, 2):
        expected.append(expected[-1] + 156 * w / total)
    for x in expected:
        assert any(abs(v - x) < 0.3 for v in verticals), (x, verticals)
    horizontals = [ln for ln in page.lines if ln["top"] == ln["bottom"]]
    assert all(pdfcheck.to_mm(ln["x0"]) == pytest.approx(28, abs=0.2) for ln in horizontals)
    assert all(pdfcheck.to_mm(ln["x1"]) == pytest.approx(184, abs=0.2) for ln in horizontals)
    assert len(horizontals) == 5  # top + one under each of the 4 rows
    # each value sits inside its cell
    lines = pdfcheck.text_lines(page.chars)
    phone = next(ln for ln in lines if "13800001234" in ln.text)
    digits = [c for c in phone.chars if c["text"].isdigit()]
    assert pdfcheck.to_mm(digits[0]["x0"]) > expected[3]


def test_multiline_cell_wraps_and_justifies(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    out = tmp_path / "reg.pdf"
    render_form(_register(), out, fonts)
    page = open_pdf(out).pages[0]
    total = 1.1 + 2 + 1.1 + 2
    value_x0 = 28 + 156 * 1.1 / total
    content_chars = [
        c
        for c in page.chars
        if pdfcheck.to_mm(c["x0"]) > value_x0 and c["size"] == pytest.approx(14)
    ]
    lines = [
        ln for ln in pdfcheck.text_lines(content_chars) if ln.text and ln.text[0] in "投拒理数"
    ]
    joined = "".join(ln.text for ln in pdfcheck.text_lines(content_chars))
    assert CONTENT in joined
    wrapped = [
        ln for ln in pdfcheck.text_lines(content_chars) if len(ln.text) > 12 and ln.text in CONTENT
    ]
    assert len(wrapped) >= 3
    for ln in wrapped[:-1]:  # justified to the cell's right padding
        assert ln.x1 == pytest.approx(184 - 1.8, abs=0.3)
    for ln in wrapped:
        assert ln.text[0] not in "，。、；：？！）"
    assert lines


def test_label_shrinks_instead_of_orphan(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    out = tmp_path / "reg.pdf"
    render_form(_register(), out, fonts)
    lines = _text(open_pdf(out).pages[0], pdfcheck)
    assert any(t.startswith("被投诉单位") for t in lines), lines


def test_instruction_box_and_fields(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    out = tmp_path / "reg.pdf"
    render_form(_register(), out, fonts)
    page = open_pdf(out).pages[0]
    lines = pdfcheck.text_lines(page.chars)
    sign = next(ln for ln in lines if ln.text.startswith("签名"))
    assert sign.text.replace("\u3000", "").endswith("年月日")
    assert sign.x1 == pytest.approx(184 - 1.8, abs=0.3)
    box_label = next(ln for ln in lines if ln.text == "领导批示")
    assert sign.top - box_label.top > 10  # a big box: the sign line sits well below the label
    fields = next(ln for ln in lines if ln.text.startswith("受理人"))
    assert "审核人：" in fields.text and fields.text.endswith("2026年3月5日")
    assert fields.x1 <= 184 + 0.2
    note = next(ln for ln in lines if ln.text.startswith("注："))
    assert note.size == pytest.approx(12)


def test_flexible_box_shrinks_to_stay_on_one_page(tmp_path: Path, fonts: FontSet) -> None:
    long = CONTENT * 4
    spec = _register(long)
    spec.rows = [*spec.rows[:3], instruction_row("领导批示", "", height_mm=85)]
    info = render_form(spec, tmp_path / "a.pdf", fonts)
    assert info.pages == 1
    spec.rows = [*spec.rows[:3], FormRow(list(spec.rows[3].cells), 85)]  # not flexible
    info = render_form(spec, tmp_path / "b.pdf", fonts)
    assert info.pages == 2


def test_tall_row_splits_across_pages(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = FormSpec(
        title="领导呈批单",
        columns=(1, 4),
        rows=[
            FormRow([label("事由"), value(CONTENT * 20)]),
            instruction_row("领导批示", "", columns=2, height_mm=50),
        ],
    )
    out = tmp_path / "long.pdf"
    info = render_form(spec, out, fonts)
    pdf = open_pdf(out)
    assert info.pages >= 2
    text = "".join(c["text"] for c in _chars(pdf) if c["size"] == pytest.approx(14))
    assert text.count("往返三次仍未办结") == 20  # no line lost or repeated at the page break
    second = "".join(c["text"] for c in pdf.pages[1].chars)
    assert "（续）" in second
    # several pages: numbered "— N —" like official documents
    for n, page in enumerate(pdf.pages, 1):
        numbers = [ln for ln in pdfcheck.text_lines(page.chars) if ln.text == f"— {n} —"]
        assert numbers, _text(page, pdfcheck)
        assert (numbers[0].top + numbers[0].bottom) / 2 == pytest.approx(269, abs=1)
    for page in pdf.pages:
        for c in page.chars:
            if pdfcheck.to_mm(c["top"]) < 262:
                assert pdfcheck.to_mm(c["bottom"]) <= 262 + 0.5


def test_notice_with_paragraphs_signature_and_receipt(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = FormSpec(
        title="××县机关效能建设领导小组办公室\n督办通知书",
        subtitle="X效督〔2026〕3号",
        before=[
            FormParagraph("县自然资源局：", indent=False),
            FormParagraph(
                "我办交办的投诉件已超过办理时限，请于2026年3月20日前书面报送调查处理情况。"
            ),
            FormSignature("××县机关效能建设领导小组办公室", dt.date(2026, 3, 12)),
            FormCutLine(),
            FormParagraph("回　执", indent=False, align=Align.CENTER, role=FontRole.HEITI),
        ],
        rows=[field_row(("签收单位", ""), ("签收人", ""))],
        page_numbers=True,
    )
    out = tmp_path / "notice.pdf"
    render_form(spec, out, fonts)
    page = open_pdf(out).pages[0]
    lines = pdfcheck.text_lines(page.chars)
    texts = [ln.text for ln in lines]
    assert texts[:3] == ["××县机关效能建设领导小组办公室", "督办通知书", "X效督〔2026〕3号"]
    rec = lines[3]
    assert rec.text == "县自然资源局：" and rec.x0 == pytest.approx(28, abs=0.2)
    para = lines[4]
    assert para.x0 == pytest.approx(28 + 2 * 16 / 72 * 25.4, abs=0.3)  # two characters in
    issuer = next(
        ln
        for ln in lines
        if ln.text == "××县机关效能建设领导小组办公室" and ln.size == pytest.approx(16)
    )
    date = next(ln for ln in lines if ln.text == "2026年3月12日")
    assert issuer.x1 <= 184 - 2 * 5.6 + 0.3
    assert date.x0 - issuer.x0 == pytest.approx(2 * 16 / 72 * 25.4, abs=0.3)
    cut = next(ln for ln in lines if "沿此线剪开" in ln.text)
    dashed = [
        ln
        for ln in page.lines
        if abs(ln["top"] - (cut.top + cut.bottom) / 2 * pdfcheck.MM) < 3 * pdfcheck.MM
    ]
    assert len(dashed) == 2
    receipt = next(ln for ln in lines if ln.text == "回　执")
    assert {
        pdfcheck.role_of(fonts, c["fontname"]) for c in receipt.chars if c["text"] != "\u3000"
    } == {FontRole.HEITI}
    assert (receipt.x0 + receipt.x1) / 2 == pytest.approx(106, abs=1)
    assert "— 1 —" in texts  # page_numbers=True numbers even a single page


def test_extra_tables_and_bytes_output(fonts: FontSet) -> None:
    spec = FormSpec(
        title="交办单",
        before=[FormTable([FormRow([label("承办单位"), Cell("县市场监管局", 3)])], (1, 1, 1, 1))],
        rows=[text_row("交办事项", "请核查处理。")],
    )
    buf = io.BytesIO()
    info = render_form(spec, buf, fonts)
    assert buf.getvalue().startswith(b"%PDF")
    assert info.pages == 1


def test_rare_characters_fall_back(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _register()
    spec.rows = [field_row(("投诉人", "王喆"), ("联系电话", "13800001234"))]
    out = tmp_path / "rare.pdf"
    info = render_form(spec, out, fonts)
    assert set(info.fallback_chars) == {"喆"}
    for c in open_pdf(out).pages[0].chars:
        assert pdfcheck.face_of(fonts, c["fontname"]).has_glyph(c["text"])


def test_bad_spans_refused(tmp_path: Path) -> None:
    spec = FormSpec(title="表", rows=[FormRow([label("a"), value("b")])], columns=(1, 1, 1))
    with pytest.raises(ValidationErrors) as err:
        render_form(spec, tmp_path / "x.pdf")
    assert "第1行" in str(err.value)
    with pytest.raises(ValidationErrors):
        render_form(FormSpec(title=" "), tmp_path / "y.pdf")
