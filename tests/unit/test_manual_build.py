"""The user manual builds (HTML + PDF with embedded CJK fonts) and the shipped copy is current."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pdfplumber
import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "effdesk" / "manual"
ROLE_CHAPTERS = ("受理员", "督查员", "领导", "管理员", "信息技术人员")


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("manual_build", ROOT / "docs/scripts/manual.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh_shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The setup wizard's pictures made from the current code in this run (offscreen)."""
    out = tmp_path_factory.mktemp("shots")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    script = ROOT / "docs" / "scripts" / "screenshots_setup.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(out)], env=env, check=True, timeout=300
    )
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, fresh_shots: Path) -> Path:
    pytest.importorskip("markdown")
    out = tmp_path_factory.mktemp("manual")
    builder = load_builder()
    builder.build_html(out, fresh_shots)
    builder.build_pdf(out)
    return out


def test_manual_uses_the_pictures_made_in_this_run(built: Path, fresh_shots: Path) -> None:
    used = [p for p in (built / "img").iterdir() if p.name.startswith("setup-")]
    assert used
    for picture in used:
        assert picture.read_bytes() == (fresh_shots / picture.name).read_bytes()


def test_html_has_every_role_chapter_and_its_pictures(built: Path) -> None:
    html = (built / "manual.html").read_text(encoding="utf-8")
    for title in ROLE_CHAPTERS:
        assert f">{title}</h1>" in html
    images = load_builder().images_in(load_builder().markdown_text())
    assert images  # screenshots of the demo office and the wizard
    for name in images:
        assert (built / "img" / name).is_file()
        assert f'src="img/{name}"' in html


def test_shipped_manual_is_built_from_the_current_sources(built: Path) -> None:
    # Run `python docs/scripts/manual.py` after editing docs/manual/*.md.
    assert (SHIPPED / "manual.html").read_text(encoding="utf-8") == (
        built / "manual.html"
    ).read_text(encoding="utf-8")
    # Pictures: the same set (their pixels change whenever screenshots are regenerated).
    assert {p.name for p in (SHIPPED / "img").iterdir()} == {
        p.name for p in (built / "img").iterdir()
    }
    assert (SHIPPED / "manual.pdf").is_file()


def test_pdf_is_printable_chinese_with_embedded_fonts(built: Path) -> None:
    pdf_path = built / "manual.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) >= 8
        width_mm = pdf.pages[0].width / 72 * 25.4
        assert abs(width_mm - 210) < 1  # A4
        text = "".join((page.extract_text() or "").replace("\n", "") for page in pdf.pages)
    for title in ROLE_CHAPTERS:
        assert title in text
    assert "例如星期五受理、受理时限3个工作日" in text
    reader = PdfReader(pdf_path)
    fonts = {}
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
