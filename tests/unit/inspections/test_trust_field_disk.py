"""Issue 18, defect 8: a field import that runs out of disk space is a clear error, exit 2,
nothing imported and nothing left behind after the next start (real full disk: a small tmpfs
in a private mount namespace)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from inspection_helpers import at, make_jpeg, open_db, plan_office
from sqlalchemy import select

from effdesk.cli import main
from effdesk.db.models import Unit, User
from effdesk.evidence.store import EvidenceStore
from effdesk.services import evidence, inspections, users
from effdesk.services.inspections import FindingInput

PY = f"{sys.executable} -m effdesk"


def _package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    office = plan_office(tmp_path / "office" / "office.sqlite")
    task, found = tmp_path / "task.zip", tmp_path / "found.zip"
    laptop_url = f"sqlite:///{tmp_path / 'laptop' / 'laptop.sqlite'}"
    cmd = ["field", "export", "--campaign", office.campaign_uuid, "--out", str(task)]
    assert main(["--db", office.db.url, *cmd]) == 0
    assert main(["--db", laptop_url, "field", "open", str(task)]) == 0
    laptop = open_db(tmp_path / "laptop" / "laptop.sqlite")
    try:
        with laptop.session() as s:
            inspector = s.scalar(select(User).where(User.username == "liduc"))
            assert inspector is not None
            inspector.must_change_password = False  # as after the first login on the laptop
            s.flush()
            insp = users.actor_of(inspector)
            unit = s.scalar(select(Unit).where(Unit.name == "县政务服务中心"))
            assert unit is not None
            campaign = inspections.find_campaign(s, insp, office.campaign_uuid)
            f = inspections.create_finding(
                s,
                insp,
                FindingInput(
                    unit_id=unit.id,
                    observed_at=at(4, 10, 0),
                    description="综合窗口无人",
                    campaign_id=campaign.id,
                ),
            )
            photos = [
                make_jpeg(tmp_path / f"IMG_{i}.jpg", size=(2400, 1800), taken=at(4, 10, i), seed=i)
                for i in range(8)
            ]
            evidence.attach_files(
                s,
                insp,
                EvidenceStore(laptop.files_dir),
                evidence.AttachmentOwner(finding_id=f.id),
                photos,
            )
    finally:
        laptop.dispose()
    assert main(["--db", laptop_url, "field", "pack", "--out", str(found)]) == 0
    office.db.dispose()
    capsys.readouterr()
    return tmp_path / "office", found


def test_field_import_on_a_full_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not shutil.which("unshare") or os.name != "posix":
        pytest.skip("needs unshare")
    office_dir, found = _package(tmp_path, capsys)
    assert found.stat().st_size > 1_000_000
    mnt = tmp_path / "disk"
    mnt.mkdir()
    db = mnt / "office" / "office.sqlite"
    url = f"sqlite:///{db}"
    count = (
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
        "print('findings', c.execute('select count(*) from findings').fetchone()[0])"
    )
    script = f"""
    mount -t tmpfs -o size=24m tmpfs {mnt} || exit 9
    cp -r {office_dir} {mnt}/office
    avail=$(df --output=avail -k {mnt} | tail -1)
    dd if=/dev/zero of={mnt}/filler bs=1k count=$((avail - 1400)) 2>/dev/null
    {PY} --db '{url}' field import {found}; echo rc=$?
    rm {mnt}/filler
    {sys.executable} -c "{count}" {db}
    {PY} --db '{url}' verify; echo verify=$?
    ls -A {mnt}/office/office-files/tmp 2>/dev/null | wc -l | sed 's/^/tmp=/'
    """
    r = subprocess.run(
        ["unshare", "-rm", "sh", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if "rc=" not in r.stdout and r.returncode == 9:
        pytest.skip(f"no mount namespaces here: {r.stderr}")
    assert "rc=2" in r.stdout, (r.stdout, r.stderr)
    assert "磁盘空间不足" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert "findings 0" in r.stdout  # nothing half-imported
    assert "verify=0" in r.stdout and "tmp=0" in r.stdout, (r.stdout, r.stderr)
