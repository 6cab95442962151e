"""The inspection report PDF, read back with pdfplumber and pypdf."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pdfplumber
import pytest
from inspection_helpers import Office, add_findings_with_evidence, plan_office
from pypdf import PdfReader

from effdesk.cli import main
from effdesk.enums import FindingStatus
from effdesk.reports.inspection_report import PRINT_PX, cn_ordinal
from effdesk.services import inspections


@pytest.fixture
def office(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Office:
    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")
    o = plan_office(db_url)
    yield o  # type: ignore[misc]
    o.db.dispose()


def _originals(office: Office) -> dict[str, str]:
    return {
        sha: hashlib.sha256(office.store.path_of(sha).read_bytes()).hexdigest()
        for sha in office.store.iter_blobs()
    }


def test_report_via_cli(office: Office, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = add_findings_with_evidence(office, tmp_path / "photos")
    with office.db.session() as s:
        # A dismissed finding is left out unless asked for.
        inspections.change_finding_status(
            s, office.inspector, ids[2], FindingStatus.DISMISSED, "系正常休息时间"
        )
    before = _originals(office)
    out = tmp_path / "report.pdf"
    code = main(
        [
            "--db",
            office.db.url,
            "render",
            "inspection-report",
            "--campaign",
            str(office.campaign_id),
            "--out",
            str(out),
            "--no-system-fonts",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "已生成督查情况报告" in printed and "问题 2 条" in printed and "照片 4 张" in printed
    assert _originals(office) == before  # originals only read, never changed
    assert all(sha == h for sha, h in before.items())

    with pdfplumber.open(out) as pdf:
        pages = len(pdf.pages)
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        images = [im for p in pdf.pages for im in p.images]
        assert pdf.pages[0].width == pytest.approx(595.28, abs=0.5)  # A4
        assert pdf.pages[0].height == pytest.approx(841.89, abs=0.5)
    flat = text.replace(" ", "").replace("\n", "")
    assert "2026年3月上班纪律暗访" in flat and "督查情况报告" in flat
    assert "（一）县自然资源局（2个问题）" in flat
    assert "县政务服务中心" in flat  # a target in the progress table
    assert "3号窗口工作人员上班时间玩手机游戏" not in flat  # dismissed
    assert "张三（窗口科员）" in flat
    assert "拍摄时间：2026-03-0309:10" in flat
    assert "无拍摄时间" in flat and "疑点" in flat  # the screenshot without EXIF time
    assert "视频「VID_0001.mp4」" in flat
    assert f"第1页共{pages}页" in flat and f"第{pages}页共{pages}页" in flat
    assert len(images) == 4
    for im in images:
        # Downscaled to about 150 dpi at print size, never the original pixels (portraits,
        # whose box is limited by its height, keep the same preview: about 200 dpi).
        assert max(im["srcsize"]) <= PRINT_PX
        dpi = im["srcsize"][0] / (im["width"] / 72)
        assert 140 <= dpi <= 210

    reader = PdfReader(out)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} not embedded"


def test_report_include_dismissed_and_empty_campaign(office: Office, tmp_path: Path) -> None:
    from effdesk.evidence.store import EvidenceStore
    from effdesk.reports.inspection_report import render_inspection_report

    out = tmp_path / "empty.pdf"
    with office.db.session() as s:
        info = render_inspection_report(
            s, office.inspector, EvidenceStore(office.db.files_dir), office.campaign_id, out
        )
    assert info.findings == 0 and info.photos == 0 and info.pages == 1
    with pdfplumber.open(out) as pdf:
        assert "本次督查未发现问题" in (pdf.pages[0].extract_text() or "").replace(" ", "")


def test_missing_original_is_named_not_fatal(office: Office, tmp_path: Path) -> None:
    import os
    import shutil

    from effdesk.reports.inspection_report import render_inspection_report

    add_findings_with_evidence(office, tmp_path / "photos")
    shutil.rmtree(office.store.thumbs, ignore_errors=True)
    victim = next(iter(office.store.iter_blobs()))
    path = office.store.path_of(victim)
    os.chmod(path, 0o600)
    path.unlink()
    with office.db.session() as s:
        info = render_inspection_report(
            s, office.inspector, office.store, office.campaign_id, tmp_path / "r.pdf"
        )
    assert len(info.unreadable) == 1
    assert "无法读取" in info.summary(tmp_path / "r.pdf")


def test_cn_ordinal() -> None:
    assert [cn_ordinal(n) for n in (1, 9, 10, 11, 20, 23)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
