"""Inspection report benchmark: 20 findings with 40 photos of 12 MP → one A4 PDF.

    .venv/bin/python benchmarks/bench_inspection_report.py [--photos DIR] [--out FILE.pdf]

Uses the 12 MP test photos of bench_evidence_ingest.py (4000×3000 JPEG with EXIF, ≈3–5 MB
each, generated once and cached). Builds a temporary office database with a campaign of six
target units and 20 findings, two photos each, attached through the evidence service (not
timed). Then times the report:

* first render in this process: parses the CJK fonts; the print-size previews were made at
  ingest from the same decode as the thumbnails (what ``effdesk render inspection-report``
  pays the first time);
* without previews: the preview cache deleted (photos stored by a version before previews were
  made at ingest, or a rebuilt cache), so every original is decoded once (draft mode);
* second render: fonts loaded, previews cached (a report rendered again, or from the GUI).

Wall time depends on free cores (photo decoding runs on up to four threads); CPU time is
printed beside it so runs on a busy machine can still be compared.

Targets (issue 4): < 3 s and a file ≤ 10 MB. The originals' hashes are checked afterwards: the
report only reads them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_evidence_ingest import generate_photos, warm
from campaign_office import build_campaign_office

from effdesk.auth import SYSTEM
from effdesk.db.engine import Database
from effdesk.enums import UnitKind
from effdesk.reports.fonts import FontSet
from effdesk.reports.inspection_report import render_inspection_report

TARGET_SECONDS = 3.0
TARGET_MB = 10.0
UNITS = [
    "县自然资源局",
    "县市场监督管理局",
    "县政务服务中心",
    "县人社局",
    "县住建局",
    "城关镇人民政府",
]
DESCRIPTIONS = [
    "9:10 窗口无人在岗，群众排队等候十余分钟，到岗后未作解释。",
    "工作人员上班时间玩手机游戏，群众询问时态度冷淡。",
    "办公室两名工作人员上班时间在办公桌前吃早餐。",
    "服务大厅叫号系统故障，现场无人引导，秩序混乱。",
    "窗口工作人员未佩戴工作牌，离岗未放置暂离牌。",
]


def build_office(folder: Path, photos: list[Path]) -> tuple[Database, int]:
    units = [(n, UnitKind.DEPARTMENT) for n in UNITS]
    db, campaign_id, _findings = build_campaign_office(
        folder, photos, units, DESCRIPTIONS, theme="上下班纪律、窗口服务"
    )
    return db, campaign_id


def _load() -> str:
    if not hasattr(os, "getloadavg"):
        return "n/a"
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--photos", type=Path, default=Path(tempfile.gettempdir()) / "effdesk-bench-photos"
    )
    ap.add_argument("--out", type=Path, help="keep the PDF here")
    args = ap.parse_args()
    photos = generate_photos(args.photos, 40)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in photos}
    mb = sum(p.stat().st_size for p in photos) / 1024 / 1024
    print(f"photos: {len(photos)} × 4000×3000 JPEG, {mb:.0f} MB in all; load {_load()}")
    with tempfile.TemporaryDirectory(prefix="effdesk-report-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        db, campaign_id = build_office(folder, photos)
        print(f"setup (20 findings, 40 photos attached): {time.perf_counter() - t0:.1f} s")
        store = db.evidence
        warm([store.path_of(h) for h in set(before.values())])
        out = args.out or folder / "report.pdf"
        timings = []
        # A fresh FontSet: the first render parses the font files, as a new process would.
        fonts = FontSet()
        labels = (
            "first render (fonts parsed)",
            "without previews (originals decoded)",
            "second render (fonts loaded)",
        )
        for label in labels:
            if label.startswith("without"):
                shutil.rmtree(store.thumbs)
            t0, c0 = time.perf_counter(), time.process_time()
            with db.session() as s:  # type: ignore[attr-defined]
                info = render_inspection_report(s, SYSTEM, store, campaign_id, out, fonts=fonts)
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            timings.append(took)
            print(
                f"{label}: {took:.2f} s wall, {cpu:.2f} s CPU (all threads) — {info.pages} pages, "
                f"{info.photos} photos, {info.size / 1024 / 1024:.2f} MB"
            )
        db.dispose()  # type: ignore[attr-defined]
        size_mb = out.stat().st_size / 1024 / 1024
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in photos}
    untouched = after == before
    print(f"originals untouched: {'yes' if untouched else 'NO'}; load at the end {_load()}")
    ok = max(timings) < TARGET_SECONDS and size_mb <= TARGET_MB and untouched
    print(
        f"target: < {TARGET_SECONDS:.0f} s and ≤ {TARGET_MB:.0f} MB → "
        f"{'PASS' if ok else 'FAIL'} ({timings[0]:.2f} s first, {timings[1]:.2f} s without "
        f"previews, {timings[2]:.2f} s warm, {size_mb:.2f} MB)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
