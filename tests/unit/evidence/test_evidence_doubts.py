"""Photos whose facts cannot be right are flagged (never refused) and the flag reaches the
inspector and the report: a position outside China or impossible, damaged EXIF, a capture
time in the future — which is then not used as if it were true."""

from __future__ import annotations

import struct
from datetime import datetime
from pathlib import Path

import pytest
from evidence_helpers import NEAR_A, make_jpeg
from PIL import Image
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Finding
from effdesk.enums import EvidenceFlag
from effdesk.evidence import media
from effdesk.evidence.media import inspect_file
from effdesk.evidence.store import EvidenceStore
from effdesk.services.evidence import AttachmentOwner, attach_files, list_attachments

WINDOW = (datetime(2026, 3, 2), datetime(2026, 3, 6, 23, 59, 59))
IN_CAMPAIGN = datetime(2026, 3, 3, 10, 0)
PARIS = (48.8566, 2.3522)


def _broken_exif_jpeg(path: Path) -> Path:
    # IFD0 pointing its GPS and Exif sub-IFDs far beyond the end of the data.
    tiff = b"II*\x00" + struct.pack("<IH", 8, 2)
    tiff += struct.pack("<HHII", 0x8825, 4, 1, 0xFFFF00)
    tiff += struct.pack("<HHII", 0x8769, 4, 1, 0xFFFF00) + struct.pack("<I", 0)
    Image.new("RGB", (64, 48), "red").save(path, exif=b"Exif\x00\x00" + tiff)
    return path


def _impossible_gps_jpeg(path: Path) -> Path:
    im = Image.effect_noise((320, 240), 40).convert("RGB")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = IN_CAMPAIGN.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "E"
    gps[2] = (95.0, 0.0, 0.0)  # a latitude beyond the pole
    gps[4] = (120.0, 75.0, 0.0)  # 75 minutes
    im.save(path, "JPEG", exif=exif)
    return path


def test_media_reads_the_doubts(tmp_path: Path) -> None:
    assert inspect_file(make_jpeg(tmp_path / "ok.jpg", when=IN_CAMPAIGN, gps=NEAR_A)).doubts == ()
    paris = inspect_file(make_jpeg(tmp_path / "paris.jpg", seed=2, gps=PARIS))
    assert paris.doubts == (media.GPS_OUTSIDE_CHINA,)
    assert paris.gps_lat == pytest.approx(PARIS[0], abs=1e-4)  # kept, only flagged
    impossible = inspect_file(_impossible_gps_jpeg(tmp_path / "impossible.jpg"))
    assert impossible.doubts == (media.GPS_IMPOSSIBLE,) and impossible.gps_lat is None
    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        broken = inspect_file(_broken_exif_jpeg(tmp_path / "broken.jpg"))
    assert media.EXIF_MALFORMED in broken.doubts


def test_doubtful_photos_are_flagged_and_a_future_time_is_not_trusted(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
) -> None:
    owner = AttachmentOwner(finding_id=finding.id)
    files = [
        make_jpeg(tmp_path / "paris.jpg", seed=2, when=IN_CAMPAIGN, gps=PARIS),
        _impossible_gps_jpeg(tmp_path / "impossible.jpg"),
        make_jpeg(tmp_path / "future.jpg", seed=3, when=datetime(2099, 1, 1, 9, 0)),
        make_jpeg(tmp_path / "good.jpg", seed=4, when=IN_CAMPAIGN),
    ]
    broken = _broken_exif_jpeg(tmp_path / "broken.jpg")
    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        report = attach_files(
            session, actors["inspector"], store, owner, [*files, broken], window=WINDOW, workers=1
        )
    assert not report.problems  # flagged, never refused
    rows = {r.original_name: r for r in list_attachments(session, actors["leader"], owner)}
    assert EvidenceFlag.GPS_OUTSIDE_CHINA in rows["paris.jpg"].flags
    assert EvidenceFlag.GPS_IMPOSSIBLE in rows["impossible.jpg"].flags
    assert EvidenceFlag.EXIF_MALFORMED in rows["broken.jpg"].flags
    assert rows["future.jpg"].flags == (EvidenceFlag.FUTURE_CAPTURE_TIME,)
    assert rows["good.jpg"].flags == ()
    # The 2099 time is not kept as the capture time: no ordering or window check uses it.
    assert rows["future.jpg"].captured_at is None
    assert "拍摄时间晚于导入时间" in rows["future.jpg"].flag_labels[0]


def test_the_inspection_report_shows_the_doubts(
    session: Session,
    actors: dict[str, Actor],
    store: EvidenceStore,
    finding: Finding,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pdfplumber

    from effdesk.reports.inspection_report import render_inspection_report

    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")
    owner = AttachmentOwner(finding_id=finding.id)
    files = [
        make_jpeg(tmp_path / "paris.jpg", seed=2, when=IN_CAMPAIGN, gps=PARIS),
        make_jpeg(tmp_path / "future.jpg", seed=3, when=datetime(2099, 1, 1, 9, 0)),
    ]
    attach_files(session, actors["inspector"], store, owner, files, window=WINDOW, workers=1)
    out = tmp_path / "report.pdf"
    render_inspection_report(session, actors["leader"], store, finding.campaign_id, out)
    with pdfplumber.open(out) as pdf:
        text = "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "")
    assert "拍摄位置在中国境外" in text
    assert "拍摄时间晚于导入时间" in text
    assert "2099" not in text  # the claimed time is not printed as the photo's time
