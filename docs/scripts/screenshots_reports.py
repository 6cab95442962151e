"""Regenerate docs/screenshots/ pictures of the PDF reports (a circular and a form).

    .venv/bin/python docs/scripts/screenshots_reports.py

Renders sample documents with the bundled fonts only (system fonts ignored, so the pictures
are the same on every machine) and turns pages into PNG with poppler's pdftoppm
(Debian: apt-get install poppler-utils).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"


def _photo(path: Path, colour: tuple[int, int, int], portrait: bool) -> Path:
    w, h = (1200, 1600) if portrait else (1600, 1200)
    im = Image.new("RGB", (w, h), colour)
    draw = ImageDraw.Draw(im)
    for x in range(0, w, 80):
        draw.line([(x, 0), (w - x, h)], fill=(235, 235, 235), width=4)
    draw.rectangle([w // 8, h // 8, w // 3, h // 3], fill=(30, 30, 30))
    im.save(path, "JPEG", quality=85)
    return path


def _first_page_with_images(pdf: Path, default: int) -> int:
    import pdfplumber  # a test dependency, present in the development venv

    with pdfplumber.open(str(pdf)) as doc:
        for n, page in enumerate(doc.pages, 1):
            if page.images:
                return n
    return default


def _png(pdf: Path, page: int, name: str, dpi: int = 60) -> None:
    stem = OUT / name
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(stem),
        ],
        check=True,
    )
    print(f"wrote {stem.with_suffix('.png').relative_to(ROOT)}")


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    os.environ["EFFDESK_NO_SYSTEM_FONTS"] = "1"
    from effdesk.reports.forms import (
        FormFields,
        FormSpec,
        field_row,
        instruction_row,
        render_form,
        text_row,
    )
    from effdesk.reports.gbt9704 import (
        Attachment,
        AttachmentImage,
        OfficialDocumentSpec,
        render_official_document,
    )

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        photos = [
            _photo(tmp / "a.jpg", (70, 120, 190), False),
            _photo(tmp / "b.jpg", (150, 110, 190), True),
        ]
        spec = OfficialDocumentSpec(
            title="关于对县市场监管局等9个单位作风建设明察暗访发现问题的通报",
            authority_mark="××县机关效能建设领导小组办公室文件",
            number="X效办〔2026〕7号",
            main_recipients="各乡镇人民政府，县直各单位",
            body=[
                "为进一步加强机关效能建设，切实转变工作作风，县机关效能建设领导小组办公室于2026年"
                "2月下旬组织开展了作风建设明察暗访活动。现将有关情况通报如下：",
                "一、基本情况",
                "此次明察暗访采取不打招呼、随机抽查的方式，共检查县直单位32个、乡镇便民服务中心8个、"
                "窗口单位15个，发现问题17个，涉及单位9个。",
                "二、存在的问题",
                "（一）工作纪律松弛。个别单位工作人员上班时间玩手机游戏，群众排队等候时间较长。",
                "（二）服务态度生硬。部分窗口工作人员对群众咨询不耐烦，“门难进、脸难看、话难听、"
                "事难办”的现象仍未根除。",
                "三、处理意见",
                "经县机关效能建设领导小组研究，决定对上述9个单位予以通报批评。请各单位引以为戒，"
                "举一反三，于2026年3月20日前将整改情况书面报送县效能办。",
            ],
            attachments=[
                Attachment(
                    "明察暗访现场照片",
                    [
                        AttachmentImage(p, f"图{i} 窗口工作人员在岗情况")
                        for i, p in enumerate(photos, 1)
                    ],
                ),
            ],
            signature="××县机关效能建设领导小组办公室",
            date=dt.date(2026, 3, 5),
            copy_to=["县委办公室", "县政府办公室", "县纪委监委"],
            printing_office="××县机关效能建设领导小组办公室",
            print_date=dt.date(2026, 3, 5),
        )
        circular = tmp / "circular.pdf"
        info = render_official_document(spec, circular)
        _png(circular, 1, "circular-p1")
        _png(circular, _first_page_with_images(circular, info.pages), "circular-attachment")

        form = FormSpec(
            title="××县机关效能投诉受理登记表",
            header_left="编号：X效投〔2026〕15号",
            header_right="受理日期：2026年3月5日",
            columns=(1.1, 2, 1.1, 2),
            rows=[
                field_row(("投诉人", "张三"), ("联系电话", "138****1234")),
                field_row(("被投诉单位", "县不动产登记中心"), ("来源渠道", "电话")),
                text_row(
                    "投诉内容",
                    "投诉人反映：到县不动产登记中心办理抵押登记，窗口工作人员未一次性告知需补充"
                    "的材料，投诉人往返三次仍未办结。",
                    min_height_mm=30,
                ),
                instruction_row("拟办意见", "建议交县自然资源局调查处理。", height_mm=30),
                instruction_row("领导批示", "", height_mm=55),
            ],
            after=[FormFields(("受理人：李四", "审核人：", "录入时间：2026年3月5日"))],
        )
        form_pdf = tmp / "form.pdf"
        render_form(form, form_pdf)
        _png(form_pdf, 1, "form-register")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
