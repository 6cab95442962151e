"""``effdesk field export|open|pack|import`` and ``render inspection-report`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspection_helpers import at, logged_in, make_jpeg, open_db, plan_office
from sqlalchemy import func, select

from effdesk.cli import main
from effdesk.db.models import Attachment, Finding, Unit
from effdesk.evidence.store import EvidenceStore
from effdesk.services import evidence, inspections
from effdesk.services.inspections import FindingInput


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_round_trip_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EFFDESK_NO_SYSTEM_FONTS", "1")
    office = plan_office(tmp_path / "office.sqlite")
    office_url = office.db.url
    task, found = tmp_path / "task.zip", tmp_path / "found.zip"
    laptop_url = f"sqlite:///{tmp_path / 'laptop' / 'laptop.sqlite'}"

    code, out, _ = run(
        capsys, "--db", office_url, "field", "export", "--campaign", office.campaign_uuid,
        "--out", str(task),
    )  # fmt: skip
    assert code == 0 and "已导出督查任务包" in out and task.is_file()

    code, out, _ = run(capsys, "--db", laptop_url, "field", "open", str(task))
    assert code == 0 and "本数据库现为现场模式" in out and "liduc 一次性密码" in out

    laptop = open_db(tmp_path / "laptop" / "laptop.sqlite")
    try:
        with laptop.session() as s:
            insp = logged_in(s, "liduc")
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
            evidence.attach_files(
                s,
                insp,
                EvidenceStore(laptop.files_dir),
                evidence.AttachmentOwner(finding_id=f.id),
                [make_jpeg(tmp_path / "IMG_1.jpg", taken=at(4, 10, 0))],
            )
    finally:
        laptop.dispose()

    code, out, _ = run(capsys, "--db", laptop_url, "field", "pack", "--out", str(found))
    assert code == 0 and "问题 1 条，证据文件 1 个" in out

    code, out, _ = run(capsys, "--db", office_url, "field", "import", str(found))
    assert code == 0 and "新增问题 1 条，证据文件 1 个" in out
    code, out, _ = run(capsys, "--db", office_url, "field", "import", str(found))
    assert code == 0 and "本次未做任何更改" in out
    with office.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == 1
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1

    pdf = tmp_path / "r.pdf"
    code, out, _ = run(
        capsys, "--db", office_url, "render", "inspection-report", "--campaign",
        str(office.campaign_id), "--out", str(pdf),
    )  # fmt: skip
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF") and "照片 1 张" in out
    office.db.dispose()


def test_hostile_package_exits_with_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import zipfile

    office = plan_office(tmp_path / "office.sqlite")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("/etc/passwd", "root:x:0:0")
    code, _, err = run(capsys, "--db", office.db.url, "field", "import", str(bad))
    assert code == 2
    assert "现场数据包「bad.zip」被拒绝，未导入任何内容" in err and "绝对路径" in err
    code, _, err = run(capsys, "--db", office.db.url, "field", "pack", "--out", str(bad))
    assert code == 2 and "不是现场数据库" in err
    office.db.dispose()
