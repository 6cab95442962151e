"""GB/T 9704 rules checked on the PDF itself (rule numbers of shared/GBT9704.md).

Positions in mm from the page's top-left corner, tolerance ±1 mm unless said otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from effdesk.errors import ValidationErrors
from effdesk.reports._pdfutil import NO_LINE_END, NO_LINE_START
from effdesk.reports.fonts import FontRole, FontSet
from effdesk.reports.gbt9704 import (
    DATE_RE,
    NUMBER_RE,
    Attachment,
    AttachmentImage,
    OfficialDocumentSpec,
    RenderInfo,
    format_cn_date,
    heading_spans,
    render_official_document,
)

TOL = 1.0
CENTRE_X = 28 + 156 / 2  # the type area's centre (106 mm), not the page's
PITCH = 225.0 / 22  # mm
CHAR = 156.0 / 28  # body character pitch, mm (≈ 5.57)
CHAR_4HAO = 14.0 / (72.0 / 25.4)  # one 4号 character, mm

MARK = "××县机关效能建设领导小组办公室文件"
ISSUER = "××县机关效能建设领导小组办公室"

NO_PUNCTUATION = "各单位要高度重视机关效能建设工作切实加强组织领导明确工作责任细化工作措施"

LONG_PARAGRAPH = (
    "各单位要高度重视机关效能建设工作，切实加强组织领导，明确工作责任，细化工作措施，"
    "确保各项工作任务落到实处。要坚持问题导向，对照通报指出的问题逐条梳理，建立整改台账，"
    "明确整改时限，做到件件有着落、事事有回音。要强化日常监督，综合运用明察暗访、专项督查、"
    "跟踪问效等方式，持续整治庸懒散慢拖等突出问题，推动机关作风持续好转。"
)


def _one_page_spec() -> OfficialDocumentSpec:
    return OfficialDocumentSpec(
        title="关于2026年第一季度机关效能督查情况的通报",
        authority_mark=MARK,
        number="X效办〔2026〕7号",
        main_recipients=["各乡镇人民政府", "县直各单位"],
        body=[
            "一、基本情况",
            "（一）检查范围。本次共检查县直单位32个。",
            "1.上班纪律总体良好。",
            "（1）窗口服务规范。",
        ],
        signature=ISSUER,
        date=dt.date(2026, 3, 5),
        notes="联系人：张三，电话：1234567",
    )


def _multi_page_spec(photos: list[Path]) -> OfficialDocumentSpec:
    return OfficialDocumentSpec(
        title="关于对县市场监管局等9个单位作风建设明察暗访发现问题的通报",
        authority_mark=MARK,
        number="X效办〔2026〕12号",
        main_recipients="各乡镇人民政府，县直各单位",
        body=[
            "为进一步加强机关效能建设，县效能办于2026年2月下旬组织开展了明察暗访。现将有关情况通报如下：",
            "一、基本情况",
            LONG_PARAGRAPH,
            "二、存在的问题",
            "（一）工作纪律松弛。个别单位工作人员上班时间玩手机游戏，群众排队等候时间较长（最长达45分钟）。",
            LONG_PARAGRAPH,
            LONG_PARAGRAPH,
            "三、处理意见",
            LONG_PARAGRAPH,
            LONG_PARAGRAPH,
        ],
        attachments=[
            Attachment("明察暗访发现问题清单。", ["1.县某局：工作人员上班时间玩手机游戏。"]),
            Attachment(
                "明察暗访现场照片",
                [
                    AttachmentImage(p, f"图{i} 窗口工作人员在岗情况")
                    for i, p in enumerate(photos, 1)
                ],
                photos_per_page=2,
            ),
        ],
        signature=ISSUER,
        date=dt.date(2026, 3, 15),
        copy_to=["县委办公室", "县人大常委会办公室", "县政府办公室", "县政协办公室", "县纪委监委"],
        printing_office=ISSUER,
        print_date=dt.date(2026, 3, 15),
    )


@pytest.fixture(scope="module")
def one_page(tmp_path_factory: pytest.TempPathFactory, fonts: FontSet) -> tuple[Path, RenderInfo]:
    out = tmp_path_factory.mktemp("one") / "one.pdf"
    info = render_official_document(_one_page_spec(), out, fonts)
    return out, info


@pytest.fixture(scope="module")
def multi_page(
    tmp_path_factory: pytest.TempPathFactory, fonts: FontSet, pdfcheck: Any
) -> tuple[Path, RenderInfo, list[Path]]:
    folder = tmp_path_factory.mktemp("multi")
    sizes = [
        (2400, 1800, None),
        (1800, 2400, None),
        (2400, 1800, 6),
        (2000, 1500, None),
        (1200, 900, None),
    ]
    # photo 3 is stored landscape with EXIF orientation 6: shown portrait
    photos = [
        pdfcheck.make_photo(folder / f"p{i}.jpg", w, h, o) for i, (w, h, o) in enumerate(sizes, 1)
    ]
    out = folder / "multi.pdf"
    info = render_official_document(_multi_page_spec(photos), out, fonts)
    return out, info, photos


def _body_chars(page: Any, pdfcheck: Any) -> list[dict[str, Any]]:
    """3号 characters inside the type area (body, headings, signature, attachment note)."""
    return [
        c
        for c in page.chars
        if abs(c["size"] - 16) < 0.1 and 37 - TOL <= pdfcheck.to_mm(c["top"]) <= 262 + TOL
    ]


def _line_with(lines: list[Any], text: str) -> Any:
    for line in lines:
        if text in line.text:
            return line
    raise AssertionError(f"no line containing {text!r}: {[ln.text for ln in lines]}")


# --- rules 1-2 ---------------------------------------------------------------------------


def test_rule1_2_a4_and_type_area(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any
) -> None:
    path, info = one_page
    pdf = open_pdf(path)
    assert info.pages == len(pdf.pages) == 1
    for page in pdf.pages:
        assert pdfcheck.to_mm(page.width) == pytest.approx(210, abs=0.1)
        assert pdfcheck.to_mm(page.height) == pytest.approx(297, abs=0.1)
        for c in page.chars:
            top, bottom = pdfcheck.to_mm(c["top"]), pdfcheck.to_mm(c["bottom"])
            if top > 262:  # the page number, rule 15
                continue
            assert pdfcheck.to_mm(c["x0"]) >= 28 - 0.2 and pdfcheck.to_mm(c["x1"]) <= 184 + 0.2, c
            assert top >= 37 - 0.2 and bottom <= 262 + 0.2, c


# --- rule 3-4 -----------------------------------------------------------------------------


def test_rule3_body_grid_on_a_full_page(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, _info, _ = multi_page
    pdf = open_pdf(path)
    page = pdf.pages[1]  # page 2 is all body text
    lines = pdfcheck.text_lines(_body_chars(page, pdfcheck))
    assert len(lines) == 22
    tops = [ln.top for ln in lines]
    assert tops[0] == pytest.approx(37 + (PITCH - 16 / 72 * 25.4) / 2, abs=TOL)
    for a, b in itertools.pairwise(tops):
        assert b - a == pytest.approx(PITCH, abs=0.3)  # ≈ 29 pt
    for ln in lines:
        assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in ln.chars)
        for c in ln.chars:
            if c["text"] in "一二三四五六七八九、" and ln.x0 > 35:
                continue
            assert pdfcheck.role_of(fonts, c["fontname"]) in (
                FontRole.FANGSONG,
                FontRole.HEITI,
                FontRole.KAITI,
            )


def test_rule3_28_characters_a_line(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    # Without punctuation no line is pushed out by the 禁则: every full line has 28.
    spec = _one_page_spec()
    spec.body = [NO_PUNCTUATION * 40]
    out = tmp_path / "grid.pdf"
    render_official_document(spec, out, fonts)
    page = open_pdf(out).pages[1]
    lines = pdfcheck.text_lines(_body_chars(page, pdfcheck))
    assert len(lines) == 22
    for ln in lines:
        assert len(ln.text) == 28, ln.text
        assert ln.x0 == pytest.approx(28, abs=0.3)
        assert ln.x1 == pytest.approx(184, abs=0.3)
        steps = [
            pdfcheck.to_mm(b["x0"] - a["x0"]) for a, b in zip(ln.chars, ln.chars[1:], strict=False)
        ]
        for step in steps:
            assert step == pytest.approx(CHAR, abs=0.02)  # 5.57 mm


def test_rule3_paragraph_indent_and_justified_lines(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any
) -> None:
    path, _, _ = multi_page
    pdf = open_pdf(path)
    lines = pdfcheck.text_lines(_body_chars(pdf.pages[1], pdfcheck))
    starts = [ln for ln in lines if ln.text.startswith("各单位要高度重视")]
    assert starts
    for ln in starts:
        assert ln.x0 == pytest.approx(28 + 2 * CHAR, abs=0.3)  # two characters in
    # every line but a paragraph's last reaches the right edge of the type area
    for a, b in itertools.pairwise(lines):
        if b.x0 < 28.5:  # b continues a's paragraph
            assert a.x1 == pytest.approx(184, abs=0.3), a.text


def test_rule3_no_line_breaks_against_kinsoku(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any
) -> None:
    path, _, _ = multi_page
    pdf = open_pdf(path)
    checked = 0
    for page in pdf.pages:
        for ln in pdfcheck.text_lines(_body_chars(page, pdfcheck)):
            assert ln.text[0] not in NO_LINE_START, ln.text
            assert ln.text[-1] not in NO_LINE_END, ln.text
            checked += 1
    assert checked > 40


def test_rule4_heading_fonts(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, _ = one_page
    pdf = open_pdf(path)
    lines = pdfcheck.text_lines(_body_chars(pdf.pages[0], pdfcheck))

    def roles(line: Any, part: str) -> set[FontRole]:
        start = line.text.index(part)
        return {
            pdfcheck.role_of(fonts, c["fontname"]) for c in line.chars[start : start + len(part)]
        }

    assert roles(_line_with(lines, "一、基本情况"), "一、基本情况") == {FontRole.HEITI}
    second = _line_with(lines, "（一）检查范围。")
    assert roles(second, "（一）检查范围。") == {FontRole.KAITI}
    assert roles(second, "本次共检查县直单位") == {FontRole.FANGSONG}
    assert roles(_line_with(lines, "1.上班纪律"), "1.上班纪律总体良好。") == {FontRole.FANGSONG}
    assert roles(_line_with(lines, "（1）窗口"), "（1）窗口服务规范。") == {FontRole.FANGSONG}
    for ln in lines:
        assert ln.size == pytest.approx(16)
        if "基本情况" in ln.text or "检查范围" in ln.text:
            assert ln.x0 == pytest.approx(28 + 2 * CHAR, abs=0.3)


def test_heading_spans() -> None:
    assert [s.role for s in heading_spans("一、总体情况")] == [FontRole.HEITI]
    spans = heading_spans("（二）强化督查。各单位要……")
    assert [(s.text, s.role) for s in spans] == [
        ("（二）强化督查。", FontRole.KAITI),
        ("各单位要……", FontRole.FANGSONG),
    ]
    assert heading_spans("1.5万元已退还。")[0].role is FontRole.FANGSONG
    assert heading_spans("十二、其他")[0].role is FontRole.HEITI
    assert [s.role for s in heading_spans("正文一、二、三")] == [FontRole.FANGSONG]


# --- rules 5-9: the header and title -------------------------------------------------------


def _header(pdf: Any, pdfcheck: Any) -> dict[str, Any]:
    page = pdf.pages[0]
    mark = [c for c in page.chars if c["size"] > 30]
    number = [c for c in page.chars if abs(c["size"] - 16) < 0.1 and pdfcheck.to_mm(c["top"]) < 125]
    title = [c for c in page.chars if abs(c["size"] - 22) < 0.1]
    red_lines = [ln for ln in page.lines if pdfcheck.is_red(ln.get("stroking_color"))]
    return {"page": page, "mark": mark, "number": number, "title": title, "red": red_lines}


def test_rule5_authority_mark(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    h = _header(open_pdf(one_page[0]), pdfcheck)
    mark = h["mark"]
    assert "".join(c["text"] for c in mark) == MARK
    assert all(pdfcheck.is_red(c["non_stroking_color"]) for c in mark)
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in mark} == {FontRole.XIAOBIAOSONG}
    top = min(pdfcheck.to_mm(c["top"]) for c in mark)
    assert top == pytest.approx(37 + 35, abs=TOL)
    left, right = pdfcheck.to_mm(mark[0]["x0"]), pdfcheck.to_mm(mark[-1]["x1"])
    assert (left + right) / 2 == pytest.approx(CENTRE_X, abs=TOL)
    assert left >= 28 - 0.1 and right <= 184 + 0.1


def test_rule6_document_number(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any
) -> None:
    h = _header(open_pdf(one_page[0]), pdfcheck)
    number = h["number"]
    text = "".join(c["text"] for c in number)
    assert text == "X效办〔2026〕7号"
    assert NUMBER_RE.match(text)
    mark_bottom = max(pdfcheck.to_mm(c["bottom"]) for c in h["mark"])
    num_top = min(pdfcheck.to_mm(c["top"]) for c in number)
    # two blank lines below the mark: the number's line starts two line pitches lower
    assert num_top - mark_bottom == pytest.approx(2 * PITCH + (PITCH - 5.64) / 2, abs=TOL)
    centre = (pdfcheck.to_mm(number[0]["x0"]) + pdfcheck.to_mm(number[-1]["x1"])) / 2
    assert centre == pytest.approx(CENTRE_X, abs=TOL)
    assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in number)


@pytest.mark.parametrize(
    "bad",
    [
        "X效办[2026]7号",
        "X效办〔2026〕07号",
        "X效办〔2026〕第7号",
        "X效办（2026）7号",
        "〔2026〕7号",
    ],
)
def test_rule6_bad_numbers_are_refused(bad: str, tmp_path: Path) -> None:
    spec = _one_page_spec()
    spec.number = bad
    with pytest.raises(ValidationErrors) as err:
        render_official_document(spec, tmp_path / "x.pdf")
    assert "发文字号" in str(err.value)
    assert not (tmp_path / "x.pdf").exists()


def test_rule7_red_line(one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any) -> None:
    h = _header(open_pdf(one_page[0]), pdfcheck)
    assert len(h["red"]) == 1
    line = h["red"][0]
    assert pdfcheck.to_mm(line["x0"]) == pytest.approx(28, abs=0.2)
    assert pdfcheck.to_mm(line["x1"] - line["x0"]) == pytest.approx(156, abs=0.2)
    num_bottom = max(pdfcheck.to_mm(c["bottom"]) for c in h["number"])
    assert pdfcheck.to_mm(line["top"]) - num_bottom == pytest.approx(4, abs=TOL)


def test_rule8_title(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    h = _header(open_pdf(one_page[0]), pdfcheck)
    title = pdfcheck.text_lines(h["title"])
    assert "".join(t.text for t in title) == "关于2026年第一季度机关效能督查情况的通报"
    for ln in title:
        assert ln.size == pytest.approx(22)
        assert {pdfcheck.role_of(fonts, c["fontname"]) for c in ln.chars} == {FontRole.XIAOBIAOSONG}
        assert (ln.x0 + ln.x1) / 2 == pytest.approx(CENTRE_X, abs=TOL)
        assert all(pdfcheck.is_black(c["non_stroking_color"]) for c in ln.chars)
    red_y = pdfcheck.to_mm(h["red"][0]["top"])
    gap = title[0].top - red_y  # two blank lines of ≈10.2 mm, the title centred in the third
    assert 2 * PITCH - TOL <= gap <= 3 * PITCH


def test_rule8_multiline_title_keeps_words_and_shape(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.title = "关于印发《EffDesk机关效能监察平台2026版使用管理办法（试行）》的通知"
    out = tmp_path / "t.pdf"
    render_official_document(spec, out, fonts)
    lines = pdfcheck.text_lines(_header(open_pdf(out), pdfcheck)["title"])
    assert len(lines) >= 2
    joined = "|".join(ln.text for ln in lines)
    # never split inside a word or number, nor between a number and its counter
    for word in ("EffDesk", "2026版", "监察平台", "管理办法"):
        assert word in joined, joined
    for ln in lines:
        assert ln.text[0] not in NO_LINE_START and ln.text[-1] not in NO_LINE_END
        assert (ln.x0 + ln.x1) / 2 == pytest.approx(CENTRE_X, abs=TOL)
    widths = [ln.x1 - ln.x0 for ln in lines]
    assert abs(widths[0] - widths[1]) > 3  # a trapezoid, not a rectangle
    for a, b in itertools.pairwise(lines):
        assert b.top - a.top == pytest.approx(PITCH, abs=0.3)


def test_rule8_explicit_title_break(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.title = "关于开展作风建设\n专项督查的通知"
    out = tmp_path / "t.pdf"
    render_official_document(spec, out, fonts)
    lines = pdfcheck.text_lines(_header(open_pdf(out), pdfcheck)["title"])
    assert [ln.text for ln in lines] == ["关于开展作风建设", "专项督查的通知"]


def test_rule9_main_recipients(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any
) -> None:
    pdf = open_pdf(one_page[0])
    h = _header(pdf, pdfcheck)
    lines = pdfcheck.text_lines(_body_chars(pdf.pages[0], pdfcheck))
    rec = _line_with(lines, "各乡镇人民政府")
    assert rec.text == "各乡镇人民政府，县直各单位："
    assert rec.x0 == pytest.approx(28, abs=0.2)
    title_last = pdfcheck.text_lines(h["title"])[-1]
    # one blank line: the recipients' line is two pitches below the title's
    assert (rec.top + rec.bottom) / 2 - (title_last.top + title_last.bottom) / 2 == pytest.approx(
        2 * PITCH, abs=TOL
    )


# --- rules 10-12: closing -------------------------------------------------------------------


def _closing_lines(pdf: Any, pdfcheck: Any) -> list[Any]:
    for page in pdf.pages:
        lines = pdfcheck.text_lines(_body_chars(page, pdfcheck))
        if any(ln.text.startswith("附件：") for ln in lines):
            return lines
    raise AssertionError("no attachment note")


def test_rule10_attachment_note(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any
) -> None:
    pdf = open_pdf(multi_page[0])
    lines = _closing_lines(pdf, pdfcheck)
    i = next(k for k, ln in enumerate(lines) if ln.text.startswith("附件："))
    first, second = lines[i], lines[i + 1]
    assert first.text == "附件：1.明察暗访发现问题清单"  # trailing "。" dropped
    assert second.text == "2.明察暗访现场照片"
    assert first.x0 == pytest.approx(28 + 2 * CHAR, abs=0.3)
    num_x = pdfcheck.to_mm(first.chars[3]["x0"])  # the "1." under "附件："'s end
    assert second.x0 == pytest.approx(num_x, abs=0.3)
    # one blank line above it
    before = lines[i - 1]
    assert first.top - before.top == pytest.approx(2 * PITCH, abs=TOL)


def test_rule11_signature_and_date_without_seal(
    one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any
) -> None:
    pdf = open_pdf(one_page[0])
    lines = pdfcheck.text_lines(_body_chars(pdf.pages[0], pdfcheck))
    issuer = _line_with(lines, ISSUER)
    date = _line_with(lines, "2026年3月5日")
    assert DATE_RE.match(date.text)
    assert issuer.text == ISSUER
    # the date is longer than allowed under "issuer start + 2": the date keeps two
    # characters from the right edge and the issuer moves left to stay two characters ahead
    assert date.x1 <= 184 - 2 * CHAR + 0.3
    assert date.x0 - issuer.x0 == pytest.approx(2 * CHAR, abs=0.3)
    assert issuer.x1 <= 184 - 2 * CHAR + 0.3
    assert date.top - issuer.top == pytest.approx(PITCH, abs=0.3)
    body_last = _line_with(lines, "窗口服务规范")
    assert issuer.top - body_last.top == pytest.approx(2 * PITCH, abs=0.3)  # one blank line


def test_rule11_short_issuer_right_two_characters(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.signature = "县效能办办公室综合科"  # longer than the date by more than 2 characters
    spec.date = dt.date(2026, 1, 8)
    out = tmp_path / "s.pdf"
    render_official_document(spec, out, fonts)
    lines = pdfcheck.text_lines(_body_chars(open_pdf(out).pages[0], pdfcheck))
    issuer = _line_with(lines, "县效能办办公室综合科")
    date = _line_with(lines, "2026年1月8日")
    assert issuer.x1 == pytest.approx(184 - 2 * CHAR, abs=0.3)
    assert date.x0 - issuer.x0 == pytest.approx(2 * CHAR, abs=0.3)


def test_rule11_with_seal(tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any) -> None:
    spec = _one_page_spec()
    spec.with_seal = True
    spec.signature = "县效能办"  # short enough to be centred over the date
    spec.notes = ""
    out = tmp_path / "seal.pdf"
    info = render_official_document(spec, out, fonts)
    lines = pdfcheck.text_lines(_body_chars(open_pdf(out).pages[0], pdfcheck))
    issuer = _line_with(lines, "县效能办")
    date = _line_with(lines, "2026年3月5日")
    assert date.x1 == pytest.approx(184 - 4 * CHAR, abs=0.3)  # four characters from the right
    assert (issuer.x0 + issuer.x1) / 2 == pytest.approx((date.x0 + date.x1) / 2, abs=0.5)
    body_last = _line_with(lines, "窗口服务规范")
    assert issuer.top - body_last.top == pytest.approx(3 * PITCH, abs=0.3)  # room for the seal
    assert info.seal is not None
    assert info.seal.page == 1
    assert info.seal.center_x_mm == pytest.approx((date.x0 + date.x1) / 2, abs=0.5)
    # the seal's top lies within one line below the body, its centre just above the issuer
    seal_top = info.seal.center_y_mm - info.seal.diameter_mm / 2
    assert body_last.bottom - 1 <= seal_top <= body_last.bottom + PITCH
    assert info.seal.center_y_mm <= issuer.top


def test_rule11_with_seal_a_long_issuer_stays_in_the_type_area(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    # Centred over the date, a 15-character issuer ran to 187.5 mm (the type area ends at 184).
    spec = _one_page_spec()
    spec.with_seal = True
    spec.notes = ""
    out = tmp_path / "seal-long.pdf"
    info = render_official_document(spec, out, fonts)
    page = open_pdf(out).pages[0]
    chars = _body_chars(page, pdfcheck)
    assert max(pdfcheck.to_mm(c["x1"]) for c in chars) <= 184 + 0.3
    lines = pdfcheck.text_lines(chars)
    issuer = _line_with(lines, ISSUER)
    date = _line_with(lines, "2026年3月5日")
    assert date.x1 == pytest.approx(184 - 4 * CHAR, abs=0.3)  # the date keeps its place
    assert issuer.x1 == pytest.approx(184, abs=0.3)
    assert issuer.x0 <= date.x0 and issuer.x1 >= date.x1  # the issuer spans the date
    assert info.seal is not None  # the seal presses both lines, inside the type area
    assert issuer.x0 <= info.seal.center_x_mm <= issuer.x1
    assert info.seal.center_x_mm + info.seal.diameter_mm / 2 <= 184 + 21


def test_seal_marker_on_drafts_only(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.with_seal = True
    spec.notes = ""
    plain = tmp_path / "issued.pdf"
    render_official_document(spec, plain, fonts)
    spec.seal_marker = True
    marked = tmp_path / "draft.pdf"
    info = render_official_document(spec, marked, fonts)
    assert info.seal is not None
    curves = open_pdf(marked).pages[0].curves
    assert len(curves) == len(open_pdf(plain).pages[0].curves) + 1
    circle = curves[-1]
    width = pdfcheck.to_mm(circle["x1"]) - pdfcheck.to_mm(circle["x0"])
    assert width == pytest.approx(info.seal.diameter_mm, abs=0.5)
    assert (pdfcheck.to_mm(circle["x0"]) + pdfcheck.to_mm(circle["x1"])) / 2 == pytest.approx(
        info.seal.center_x_mm, abs=0.5
    )


def test_letter_format_of_section_10_1(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.red_header = False
    spec.letter_format = True
    spec.authority_mark = ISSUER  # the full name, without 文件
    spec.number = "X效函〔2026〕3号"
    out = tmp_path / "letter.pdf"
    info = render_official_document(spec, out, fonts)
    page = open_pdf(out).pages[0]
    mark = [c for c in page.chars if pdfcheck.is_red(c.get("non_stroking_color"))]
    assert "".join(c["text"] for c in mark) == ISSUER
    mark_top = min(pdfcheck.to_mm(c["top"]) for c in mark)
    mark_bottom = max(pdfcheck.to_mm(c["bottom"]) for c in mark)
    assert mark_top == pytest.approx(30, abs=TOL)  # 30 mm from the page's top
    centre = (min(c["x0"] for c in mark) + max(c["x1"] for c in mark)) / 2
    assert pdfcheck.to_mm(centre) == pytest.approx(105, abs=TOL)  # centred on the page
    red = sorted(
        (ln for ln in page.lines if pdfcheck.is_red(ln.get("stroking_color"))),
        key=lambda ln: ln["top"],
    )
    assert len(red) == 4
    for ln in red:  # 170 mm, centred
        assert pdfcheck.to_mm(ln["x0"]) == pytest.approx(20, abs=0.3)
        assert pdfcheck.to_mm(ln["x1"] - ln["x0"]) == pytest.approx(170, abs=0.3)
    upper, lower = red[:2], red[2:]
    assert pdfcheck.to_mm(upper[0]["top"]) - mark_bottom == pytest.approx(4, abs=TOL)
    assert upper[0]["linewidth"] > upper[1]["linewidth"]  # thick over thin
    assert lower[0]["linewidth"] < lower[1]["linewidth"]  # thin over thick
    assert pdfcheck.to_mm(lower[0]["top"]) == pytest.approx(277, abs=TOL)  # 20 mm from the bottom
    number = [c for c in page.chars if abs(c["size"] - 16) < 0.1 and pdfcheck.to_mm(c["top"]) < 80]
    assert "".join(c["text"] for c in number) == "X效函〔2026〕3号"
    assert pdfcheck.to_mm(max(c["x1"] for c in number)) == pytest.approx(184, abs=0.3)
    assert 1 not in info.numbered_pages  # no page number on the first page
    title = [c for c in page.chars if abs(c["size"] - 22) < 0.1]
    assert min(pdfcheck.to_mm(c["top"]) for c in title) > max(
        pdfcheck.to_mm(c["bottom"]) for c in number
    )


def test_rule12_notes(one_page: tuple[Path, RenderInfo], open_pdf: Any, pdfcheck: Any) -> None:
    pdf = open_pdf(one_page[0])
    lines = pdfcheck.text_lines(_body_chars(pdf.pages[0], pdfcheck))
    date = _line_with(lines, "2026年3月5日")
    note = _line_with(lines, "联系人")
    assert note.text == "（联系人：张三，电话：1234567）"
    assert note.x0 == pytest.approx(28 + 2 * CHAR, abs=0.3)
    assert note.top - date.top == pytest.approx(PITCH, abs=0.3)


def test_format_cn_date() -> None:
    assert format_cn_date(dt.date(2026, 3, 5)) == "2026年3月5日"
    assert format_cn_date(dt.date(2026, 12, 31)) == "2026年12月31日"
    assert DATE_RE.match(format_cn_date(dt.date(2026, 10, 1)))
    assert not DATE_RE.match("2026年03月05日")


# --- rule 13: attachments ----------------------------------------------------------------


def test_rule13_attachment_pages(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, info, _photos = multi_page
    pdf = open_pdf(path)
    found = {}
    for n, page in enumerate(pdf.pages, 1):
        lines = pdfcheck.text_lines([c for c in page.chars if pdfcheck.to_mm(c["top"]) < 262])
        if lines and lines[0].text in ("附件1", "附件2"):
            found[lines[0].text] = n
            label = lines[0]
            assert label.x0 == pytest.approx(28, abs=0.2)
            assert label.top == pytest.approx(37 + (PITCH - 5.64) / 2, abs=TOL)  # line 1
            assert label.size == pytest.approx(16)
            assert {pdfcheck.role_of(fonts, c["fontname"]) for c in label.chars} == {FontRole.HEITI}
            title = lines[1]
            assert title.size == pytest.approx(22)
            assert (title.top + title.bottom) / 2 == pytest.approx(
                37 + 2.5 * PITCH, abs=TOL
            )  # line 3
            assert (title.x0 + title.x1) / 2 == pytest.approx(CENTRE_X, abs=TOL)
    assert set(found) == {"附件1", "附件2"}
    assert found["附件2"] > found["附件1"] > 1
    # every attachment page is numbered: numbering continues from the body
    assert info.numbered_pages == list(range(1, info.pages + 1))


def test_rule13_photo_pages(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any
) -> None:
    path, _info, photos = multi_page
    pdf = open_pdf(path)
    images = [(n, im) for n, page in enumerate(pdf.pages, 1) for im in page.images]
    assert len(images) == len(photos)
    per_page: dict[int, int] = {}
    for n, im in images:
        per_page[n] = per_page.get(n, 0) + 1
        assert pdfcheck.to_mm(im["x0"]) >= 28 - 0.2 and pdfcheck.to_mm(im["x1"]) <= 184 + 0.2
        assert pdfcheck.to_mm(im["top"]) >= 37 - 0.2 and pdfcheck.to_mm(im["bottom"]) <= 262 + 0.2
        # downscaled to 150-200 dpi of the printed size
        dpi = im["srcsize"][0] / (pdfcheck.to_mm(im["x1"] - im["x0"]) / 25.4)
        assert 140 <= dpi <= 205
    assert set(per_page.values()) <= {1, 2}
    # photo 3 is stored landscape with EXIF orientation 6: it must appear portrait
    _, third = images[2]
    assert third["height"] > third["width"]
    _, first = images[0]
    assert first["width"] > first["height"]
    # captions under the photos
    texts = "".join(c["text"] for page in pdf.pages for c in page.chars)
    for i in range(1, len(photos) + 1):
        assert f"图{i} 窗口工作人员在岗情况" in texts


def test_photos_originals_untouched(tmp_path: Path, fonts: FontSet, photo_factory: Any) -> None:
    photos = [photo_factory(2400, 1800, orientation=8), photo_factory(800, 600)]
    before = [(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in photos]
    spec = _multi_page_spec(photos)
    render_official_document(spec, tmp_path / "m.pdf", fonts)
    after = [(hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in photos]
    assert before == after


def test_unreadable_photo_is_named(tmp_path: Path, fonts: FontSet) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    spec = _one_page_spec()
    spec.attachments = [Attachment("现场照片", [AttachmentImage(bad, "x")])]
    with pytest.raises(ValidationErrors.__mro__[1]) as err:  # EffDeskError
        render_official_document(spec, tmp_path / "x.pdf", fonts)
    assert "broken.jpg" in str(err.value)


# --- rule 14: colophon --------------------------------------------------------------------


def test_rule14_colophon_on_last_page(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, _info, _ = multi_page
    pdf = open_pdf(path)
    for page in pdf.pages[:-1]:
        assert not any("抄送" in ln.text for ln in pdfcheck.text_lines(page.chars))
        assert not page.lines or all(pdfcheck.is_red(ln.get("stroking_color")) for ln in page.lines)
    last = pdf.pages[-1]
    rules = sorted(last.lines, key=lambda ln: ln["top"])
    assert len(rules) == 3
    for ln in rules:
        assert pdfcheck.to_mm(ln["x0"]) == pytest.approx(28, abs=0.2)
        assert pdfcheck.to_mm(ln["x1"]) == pytest.approx(184, abs=0.2)
        assert pdfcheck.is_black(ln.get("stroking_color"))
    widths = [pdfcheck.to_mm(ln["linewidth"]) for ln in rules]
    assert widths[0] == pytest.approx(0.35, abs=0.05)
    assert widths[1] == pytest.approx(0.25, abs=0.05)
    assert widths[2] == pytest.approx(0.35, abs=0.05)
    assert pdfcheck.to_mm(rules[-1]["top"]) == pytest.approx(262, abs=TOL)

    small = [c for c in last.chars if abs(c["size"] - 14) < 0.1 and pdfcheck.to_mm(c["top"]) < 262]
    lines = pdfcheck.text_lines(small)
    cc = _line_with(lines, "抄送：")
    assert cc.x0 == pytest.approx(28 + CHAR_4HAO, abs=0.3)
    assert {pdfcheck.role_of(fonts, c["fontname"]) for c in cc.chars} == {FontRole.FANGSONG}
    cc_text = "".join(
        ln.text
        for ln in lines
        if pdfcheck.to_mm(rules[0]["top"]) < ln.top < pdfcheck.to_mm(rules[1]["top"])
    )
    assert (
        cc_text == "抄送：县委办公室，县人大常委会办公室，县政府办公室，县政协办公室，县纪委监委。"
    )
    printed = _line_with(lines, "印发")
    assert printed.chars[0]["x0"] == pytest.approx(
        pdfcheck.MM * (28 + CHAR_4HAO), abs=0.3 * pdfcheck.MM
    )
    assert printed.x1 == pytest.approx(184 - CHAR_4HAO, abs=0.3)
    assert printed.text.endswith("2026年3月15日印发")
    assert pdfcheck.to_mm(rules[1]["top"]) < printed.top < pdfcheck.to_mm(rules[2]["top"])


def test_rule14_colophon_on_even_page(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.copy_to = ["县纪委监委"]
    spec.printing_office = ISSUER
    spec.print_date = dt.date(2026, 3, 5)
    spec.colophon_on_even_page = True
    out = tmp_path / "even.pdf"
    info = render_official_document(spec, out, fonts)
    pdf = open_pdf(out)
    assert info.pages == 2  # body on page 1, colophon alone on the back
    assert "抄送" in "".join(c["text"] for c in pdf.pages[1].chars)
    assert info.numbered_pages == [1, 2]


# --- rule 15: page numbers -----------------------------------------------------------------


def test_rule15_page_numbers(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any, fonts: FontSet
) -> None:
    path, info, _ = multi_page
    pdf = open_pdf(path)
    assert info.pages >= 5
    for n, page in enumerate(pdf.pages, 1):
        chars = [c for c in page.chars if pdfcheck.to_mm(c["top"]) > 262]
        (line,) = pdfcheck.text_lines(chars)
        assert line.text == f"— {n} —"
        assert line.text[0] == "\u2014" and line.text[-1] == "\u2014"
        assert line.size == pytest.approx(14)
        assert {pdfcheck.role_of(fonts, c["fontname"]) for c in line.chars} == {FontRole.SONG}
        digits = [c for c in line.chars if c["text"].isdigit()]
        for d in digits:  # half-width
            assert pdfcheck.to_mm(d["x1"] - d["x0"]) < 0.6 * CHAR_4HAO
        middle = (line.top + line.bottom) / 2
        assert middle == pytest.approx(262 + 7, abs=TOL)
        if n % 2:
            assert line.x1 == pytest.approx(184 - CHAR_4HAO, abs=0.3)
        else:
            assert line.x0 == pytest.approx(28 + CHAR_4HAO, abs=0.3)


def test_rule15_blank_page_unnumbered(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    # Body ending low on page 2: the colophon must go on the next even page (4), leaving
    # page 3 blank; neither page 3 nor page 4 is numbered (GB/T 9704 §7.5).
    spec = _one_page_spec()
    spec.notes = ""
    spec.copy_to = ["县纪委监委"]
    spec.printing_office = ISSUER
    spec.print_date = dt.date(2026, 3, 5)
    spec.colophon_on_even_page = True
    for extra in range(0, 30):
        spec.body = [LONG_PARAGRAPH] * 2 + ["补充说明。"] * extra
        out = tmp_path / f"blank{extra}.pdf"
        info = render_official_document(spec, out, fonts)
        pdf = open_pdf(out)
        if info.pages == 4 and not pdf.pages[2].chars:
            break
    else:
        pytest.fail("no body length put the colophon after a blank page")
    assert info.numbered_pages == [1, 2]
    assert "抄送" in "".join(c["text"] for c in pdf.pages[3].chars)
    assert not any(pdfcheck.to_mm(c["top"]) > 262 for c in pdf.pages[3].chars)


# --- rule 16: colour and fonts --------------------------------------------------------------


def test_rule16_colours(
    multi_page: tuple[Path, RenderInfo, list[Path]], open_pdf: Any, pdfcheck: Any
) -> None:
    pdf = open_pdf(multi_page[0])
    for n, page in enumerate(pdf.pages):
        for c in page.chars:
            if n == 0 and c["size"] > 30:
                assert pdfcheck.is_red(c["non_stroking_color"])
            else:
                assert pdfcheck.is_black(c["non_stroking_color"]), c


@pytest.mark.parametrize("which", ["one", "multi"])
def test_rule16_fonts_embedded_and_no_missing_glyphs(
    which: str,
    one_page: tuple[Path, RenderInfo],
    multi_page: tuple[Path, RenderInfo, list[Path]],
    open_pdf: Any,
    pdfcheck: Any,
    fonts: FontSet,
) -> None:
    path, info = (one_page[0], one_page[1]) if which == "one" else (multi_page[0], multi_page[1])
    assert pdfcheck.embedded_font_problems(path) == []
    assert info.missing_chars == set()
    pdf = open_pdf(path)
    count = 0
    for page in pdf.pages:
        for c in page.chars:
            face = pdfcheck.face_of(fonts, c["fontname"])
            assert face.has_glyph(c["text"]), (c["text"], face)
            count += 1
    assert count > 100
    assert info.fonts == fonts.describe()
    assert all("内置" in f for f in info.fonts)


def test_rule17_fallback_for_rare_characters(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = _one_page_spec()
    spec.body = ["投诉人王喆、李堃反映窗口工作人员态度生硬。"]
    out = tmp_path / "rare.pdf"
    info = render_official_document(spec, out, fonts)
    assert set(info.fallback_chars) == {"喆", "堃"}
    assert all("文泉驿正黑" in v for v in info.fallback_chars.values())
    chars = {c["text"]: c for c in open_pdf(out).pages[0].chars}
    for ch in "喆堃":
        assert pdfcheck.face_of(fonts, chars[ch]["fontname"]).has_glyph(ch)
    assert info.missing_chars == set()


def test_unknown_character_reported(tmp_path: Path, fonts: FontSet) -> None:
    spec = _one_page_spec()
    spec.body = ["表情符号😀不在任何字体中。"]
    info = render_official_document(spec, tmp_path / "m.pdf", fonts)
    assert info.missing_chars == {"😀"}


# --- other variants ---------------------------------------------------------------------


def test_letter_without_red_header(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = OfficialDocumentSpec(
        title="关于王某某投诉事项的答复函",
        red_header=False,
        number="X效办函〔2026〕3号",
        main_recipients="王某某同志",
        body=["您于2026年2月10日反映的问题，经调查核实，现答复如下：", LONG_PARAGRAPH],
        signature=ISSUER,
        date=dt.date(2026, 2, 20),
    )
    out = tmp_path / "letter.pdf"
    info = render_official_document(spec, out, fonts)
    pdf = open_pdf(out)
    page = pdf.pages[0]
    assert info.pages == 1
    assert not page.lines
    assert not any(pdfcheck.is_red(c["non_stroking_color"]) for c in page.chars)
    lines = pdfcheck.text_lines([c for c in page.chars if pdfcheck.to_mm(c["top"]) < 262])
    assert lines[0].text == "X效办函〔2026〕3号"
    assert lines[0].x1 == pytest.approx(184 - CHAR, abs=0.5)
    assert lines[0].top == pytest.approx(37 + (PITCH - 5.64) / 2, abs=TOL)
    assert lines[1].text == "关于王某某投诉事项的答复函"
    assert lines[1].size == pytest.approx(22)
    assert _line_with(lines, "王某某同志：").x0 == pytest.approx(28, abs=0.2)


def test_letter_without_number(
    tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any
) -> None:
    spec = OfficialDocumentSpec(title="答复意见", red_header=False, body=["经核实，情况属实。"])
    out = tmp_path / "plain.pdf"
    render_official_document(spec, out, fonts)
    lines = pdfcheck.text_lines(open_pdf(out).pages[0].chars)
    assert lines[0].text == "答复意见"
    assert lines[0].top == pytest.approx(37 + (PITCH - 22 / 72 * 25.4) / 2, abs=TOL)


def test_spec_validation_lists_every_problem(tmp_path: Path) -> None:
    spec = OfficialDocumentSpec(
        title=" ", authority_mark="", number="7号", signature="某办", date=None
    )
    with pytest.raises(ValidationErrors) as err:
        spec.validate()
    fields = {p.field for p in err.value.problems}
    assert fields == {"title", "authority_mark", "number", "date"}


def test_render_to_binary_stream(fonts: FontSet) -> None:
    import io

    buf = io.BytesIO()
    info = render_official_document(_one_page_spec(), buf, fonts)
    assert buf.getvalue().startswith(b"%PDF")
    assert info.pages == 1


def test_render_is_deterministic(tmp_path: Path, fonts: FontSet) -> None:
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    render_official_document(_one_page_spec(), a, fonts)
    render_official_document(_one_page_spec(), b, fonts)
    assert a.read_bytes() == b.read_bytes()


def test_long_document_flows(tmp_path: Path, fonts: FontSet, open_pdf: Any, pdfcheck: Any) -> None:
    spec = _one_page_spec()
    spec.body = [LONG_PARAGRAPH] * 30
    out = tmp_path / "long.pdf"
    info = render_official_document(spec, out, fonts)
    assert info.pages >= 6
    pdf = open_pdf(out)
    text = "".join(c["text"] for page in pdf.pages for c in _body_chars(page, pdfcheck))
    assert text.count("推动机关作风持续好转。") == 30
    last = pdfcheck.text_lines(_body_chars(pdf.pages[-1], pdfcheck))
    assert any(ln.text == ISSUER for ln in last)
    # the signature never stands alone: body text precedes it on its page
    assert re.search("[\u4e00-\u9fff]", last[0].text) and last[0].text != ISSUER


# --- performance ----------------------------------------------------------------------------


@pytest.mark.slow
def test_forty_twelve_megapixel_photos(tmp_path: Path, fonts: FontSet) -> None:
    from effdesk.reports.gbt9704 import AttachmentImage as Img

    src = tmp_path / "big.jpg"
    from PIL import Image, ImageDraw, ImageFilter

    im = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    draw = ImageDraw.Draw(im)
    for k in range(0, 4000, 97):
        draw.line([(k, 0), (4000 - k, 3000)], fill=(200, (k * 7) % 255, 90), width=9)
    im = im.filter(ImageFilter.GaussianBlur(1))
    im.save(src, "JPEG", quality=92)
    photos = []
    for i in range(40):
        p = tmp_path / f"p{i:02d}.jpg"
        shutil.copyfile(src, p)
        photos.append(p)
    spec = _one_page_spec()
    spec.attachments = [
        Attachment("现场照片", [Img(p, f"照片{i + 1}") for i, p in enumerate(photos)], 2)
    ]
    render_official_document(spec, tmp_path / "warm.pdf", fonts)  # fonts parsed once
    out = tmp_path / "photos.pdf"
    load_before = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    info = render_official_document(spec, out, fonts)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    size_mb = out.stat().st_size / 1e6
    print(
        f"40 photos of 12 MP: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {size_mb:.1f} MB, {info.pages} pages"
    )
    assert size_mb <= 10.0
    assert cpu < 3.0
    # Wall time is only meaningful on a machine not busy with other work.
    if load_before < (os.cpu_count() or 1):
        assert elapsed < 3.0
