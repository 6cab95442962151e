"""Build the Chinese user manual: docs/manual/*.md → offline HTML and a printable PDF.

    .venv/bin/python docs/scripts/manual.py                 # → effdesk/manual/ (shipped)
    .venv/bin/python docs/scripts/manual.py --screenshots   # regenerate the pictures first
    .venv/bin/python docs/scripts/manual.py --out /tmp/m    # elsewhere (CI builds it so)

HTML: python-markdown (``attr_list`` gives the ``{#anchor}`` ids F1 jumps to, ``tables``),
one file ``manual.html`` with its pictures in ``img/`` (copied from docs/screenshots).
PDF: the same HTML laid out by Qt's QTextDocument and printed by QPrinter to A4 with the UI's
CJK font (Qt embeds the subset it uses). ``--screenshots`` first runs docs/scripts/screenshots.py
(the demo office, under Xvfb or offscreen) and docs/scripts/screenshots_setup.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "docs" / "manual"
SCREENSHOTS = ROOT / "docs" / "screenshots"
DEFAULT_OUT = ROOT / "effdesk" / "manual"
HTML_IMAGE_WIDTH = 820  # QTextBrowser shows images at their pixel size unless told
PDF_IMAGE_WIDTH = 520

CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei",
       sans-serif; line-height: 1.6; max-width: 900px; margin: 1em auto; padding: 0 1em; }
h1 { color: #0d47a1; border-bottom: 2px solid #1565c0; margin-top: 1.6em; }
h2 { color: #1565c0; margin-top: 1.2em; }
img { max-width: 100%; border: 1px solid #ccd; }
table { border-collapse: collapse; }
td, th { border: 1px solid #bbb; padding: 3px 8px; }
code { background: #f3f3f3; }
"""


def sources() -> list[Path]:
    return sorted(SOURCES.glob("*.md"))


def markdown_text() -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sources())


def images_in(text: str) -> list[str]:
    return sorted(set(re.findall(r"\(img/([^)]+\.png)\)", text)))


def to_html(text: str, image_width: int) -> str:
    import markdown

    body = markdown.markdown(text, extensions=["attr_list", "tables", "toc"])
    body = body.replace("<img ", f'<img width="{image_width}" ')
    contents = "".join(
        f'<li><a href="#{anchor}">{title}</a></li>'
        for anchor, title in re.findall(r'<h1 id="([^"]+)">([^<]+)</h1>', body)
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>EffDesk 用户手册</title><style>{CSS}</style></head><body>\n"
        f'<p><b>目录</b></p><ul class="contents">{contents}</ul>\n{body}\n</body></html>\n'
    )


def build_html(out: Path, shots: Path | None = None) -> Path:
    """The HTML and its pictures; ``shots`` (fresh screenshots) first, then docs/screenshots."""
    text = markdown_text()
    (out / "img").mkdir(parents=True, exist_ok=True)
    for name in images_in(text):
        src = shots / name if shots is not None and (shots / name).is_file() else SCREENSHOTS / name
        if not src.is_file():
            raise SystemExit(f"手册引用的截图不存在：{src}（先运行 --screenshots）")
        shutil.copyfile(src, out / "img" / name)
    path = out / "manual.html"
    path.write_text(to_html(text, HTML_IMAGE_WIDTH), encoding="utf-8")
    return path


def build_pdf(out: Path) -> Path:
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QMarginsF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
    from PySide6.QtPrintSupport import QPrinter

    from effdesk.ui.app import create_application

    app = create_application(["effdesk-manual"])
    path = out / "manual.pdf"
    doc = QTextDocument()
    font = app.font()
    font.setPointSizeF(11)
    doc.setDefaultFont(font)
    doc.setMetaInformation(
        QTextDocument.MetaInformation.DocumentUrl, QUrl.fromLocalFile(f"{out}/").toString()
    )
    doc.setBaseUrl(QUrl.fromLocalFile(f"{out}/"))
    doc.setDefaultStyleSheet(CSS)
    doc.setHtml(to_html(markdown_text(), PDF_IMAGE_WIDTH))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(20, 20, 20, 20),
            QPageLayout.Unit.Millimeter,
        )
    )
    printer.setDocName("EffDesk 用户手册")
    doc.print_(printer)
    return path


def regenerate_screenshots() -> None:
    python = sys.executable
    for script in ("screenshots.py", "screenshots_setup.py"):
        subprocess.run([python, str(ROOT / "docs" / "scripts" / script)], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--screenshots", action="store_true", help="先重新生成截图")
    parser.add_argument("--shots", type=Path, help="优先使用此文件夹中的截图")
    args = parser.parse_args(argv)
    if args.screenshots:
        regenerate_screenshots()
    args.out.mkdir(parents=True, exist_ok=True)
    print(build_html(args.out, args.shots))
    print(build_pdf(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
