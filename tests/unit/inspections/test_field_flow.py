"""End to end with two separate databases: plan in the office, record on the laptop, bring back.

office.sqlite and laptop/laptop.sqlite never share anything but the two zip files carried
between them, exactly as on a USB stick.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from inspection_helpers import (
    CAMPAIGN_START,
    Office,
    add_user,
    at,
    logged_in,
    make_jpeg,
    open_db,
    plan_office,
    table_counts,
)
from sqlalchemy import select

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database
from effdesk.db.models import Attachment, Finding, Person, Unit, User
from effdesk.enums import (
    EvidenceFlag,
    FindingOrigin,
    FindingStatus,
    MeasureType,
    Role,
    TargetStatus,
)
from effdesk.errors import PackageRejected
from effdesk.evidence.store import EvidenceStore
from effdesk.services import evidence, inspections, users
from effdesk.services.inspections import FindingInput, FindingPersonInput
from effdesk.services.inspections.field_export import export_campaign, pack_findings
from effdesk.services.inspections.field_import import import_findings_package, open_campaign_package

GPS = (26.0745, 119.2965)


@dataclass
class Laptop:
    db: Database
    store: EvidenceStore
    inspector: Actor
    campaign_id: int


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def take_to_laptop(office: Office, tmp: Path) -> Laptop:
    """Export the campaign in the office and open it in a fresh laptop database."""
    pkg = tmp / "任务包.zip"
    with office.db.session() as s:
        exported = export_campaign(s, office.inspector, office.campaign_id, pkg)
    assert exported.units == 4 and exported.persons == 4 and exported.members == 2
    laptop_db = open_db(tmp / "laptop" / "laptop.sqlite")
    with laptop_db.session() as s:
        one_time = users.bootstrap_admin(s)
        assert one_time is not None
        admin = users.authenticate(s, "admin", one_time)
        # Writes need the one-time password changed first (effdesk.access).
        users.change_password(s, admin, one_time, "laptop-admin-pw1")
        opened = open_campaign_package(s, admin, pkg)
    assert opened.created and set(opened.new_users) == {"liduc", "zhangzr"}
    assert "现场模式" in opened.summary() and "一次性密码" in opened.summary()
    with laptop_db.session() as s:
        user = s.scalar(select(User).where(User.username == "liduc"))
        assert user is not None and user.role_set == {Role.INSPECTOR}
        assert inspections.field_mode(s) is not None
        inspector = logged_in(s, "liduc")
        campaign_id = inspections.find_campaign(s, inspector, office.campaign_uuid).id
    return Laptop(laptop_db, EvidenceStore(laptop_db.files_dir), inspector, campaign_id)


def record_in_field(laptop: Laptop, photos: Path) -> dict[str, list[str]]:
    """Two findings with photos and one visit with nothing found; returns uuid → photo hashes."""
    photos.mkdir(exist_ok=True)
    out: dict[str, list[str]] = {}
    with laptop.db.session() as s:
        insp = laptop.inspector
        ziran = s.scalar(select(Unit).where(Unit.name == "县自然资源局"))
        center = s.scalar(select(Unit).where(Unit.name == "县政务服务中心"))
        market = s.scalar(select(Unit).where(Unit.name == "县市场监督管理局"))
        zhang = s.scalar(select(Person).where(Person.name == "张三"))
        assert ziran and center and market and zhang
        cats = {c.code: c.id for c in inspections.list_categories(s, insp)}
        f1 = inspections.create_finding(
            s,
            insp,
            FindingInput(
                unit_id=ziran.id,
                observed_at=at(3, 9, 10),
                description="9:10 不动产登记窗口无人，群众排队等候十余分钟",
                campaign_id=laptop.campaign_id,
                place="一楼不动产登记窗口",
                category_id=cats["discipline"],
                persons=[
                    FindingPersonInput(person_id=zhang.id),
                    FindingPersonInput(description="穿蓝色外套的男子"),
                ],
                proposed_measure=MeasureType.CRITICISM_EDUCATION,
                rectification_required=True,
            ),
        )
        f2 = inspections.create_finding(
            s,
            insp,
            FindingInput(
                unit_id=center.id,
                observed_at=at(4, 10, 20),
                description="3号窗口工作人员上班时间玩手机游戏",
                campaign_id=laptop.campaign_id,
                place="二楼综合窗口",
                category_id=cats["discipline"],
            ),
        )
        assert f1.origin is FindingOrigin.FIELD
        p1 = [
            make_jpeg(photos / "IMG_0001.jpg", taken=at(3, 9, 10), gps=GPS, seed=1),
            make_jpeg(photos / "IMG_0002.jpg", taken=at(3, 9, 12), gps=GPS, seed=2),
            # No EXIF time: flagged, not refused.
            make_jpeg(photos / "截图.jpg", seed=3),
        ]
        p2 = [make_jpeg(photos / "IMG_0003.jpg", taken=at(4, 10, 20), gps=GPS, seed=4)]
        for f, paths in ((f1, p1), (f2, p2)):
            report = evidence.attach_files(
                s,
                insp,
                laptop.store,
                evidence.AttachmentOwner(finding_id=f.id),
                paths,
                window=evidence.window_for_dates(CAMPAIGN_START, datetime(2026, 3, 6).date()),
            )
            assert not report.problems, report.summary()
            out[f.uuid] = [_sha(p) for p in paths]
        inspections.record_visit(s, insp, laptop.campaign_id, market.id, at(5, 8, 40), "秩序良好")
    return out


def pack(laptop: Laptop, out: Path) -> Path:
    with laptop.db.session() as s:
        result = pack_findings(s, laptop.inspector, laptop.store, out)
    assert out.is_file() and result.findings >= 2
    return out


def do_import(office: Office, package: Path, actor: Actor | None = None):  # type: ignore[no-untyped-def]
    with office.db.session() as s:
        return import_findings_package(s, actor or office.inspector, office.store, package)


@pytest.fixture
def office(db_url: str) -> Office:
    o = plan_office(db_url)
    yield o  # type: ignore[misc]
    o.db.dispose()


def test_plan_take_record_bring_back(office: Office, tmp_path: Path) -> None:
    laptop = take_to_laptop(office, tmp_path)
    recorded = record_in_field(laptop, tmp_path / "photos")
    package = pack(laptop, tmp_path / "现场数据.zip")

    before = table_counts(office.db)
    result = do_import(office, package)
    assert (result.findings_added, result.files_added, result.findings_skipped) == (2, 4, 0)
    assert result.targets_updated >= 1
    assert "新增问题 2 条" in result.summary()

    with office.db.session() as s:
        findings = {
            f.uuid: f
            for f in s.scalars(select(Finding).where(Finding.campaign_id == office.campaign_id))
        }
        assert set(findings) == set(recorded)
        for uuid, hashes in recorded.items():
            f = findings[uuid]
            assert f.origin is FindingOrigin.FIELD and f.package_uuid
            assert f.status is FindingStatus.PENDING
            assert f.recorded_by_id == office.inspector.user_id
            rows = evidence.list_attachments(
                s, office.inspector, evidence.AttachmentOwner(finding_id=f.id)
            )
            assert [r.sha256 for r in rows] == hashes
            for r in rows:
                blob = office.store.path_of(r.sha256)
                assert blob.is_file() and _sha(blob) == r.sha256
        first = findings[next(iter(recorded))]
        view = inspections.get_finding(s, office.inspector, first.id)
        assert view.row.unit_name == "县自然资源局" and view.row.place == "一楼不动产登记窗口"
        assert view.row.persons_text == "张三（窗口科员）、穿蓝色外套的男子"
        assert view.row.proposed_measure is MeasureType.CRITICISM_EDUCATION
        assert view.row.rectification_required
        rows = evidence.list_attachments(
            s, office.inspector, evidence.AttachmentOwner(finding_id=first.id)
        )
        by_name = {r.original_name: r for r in rows}
        assert by_name["IMG_0001.jpg"].captured_at == at(3, 9, 10)
        assert by_name["IMG_0001.jpg"].camera.endswith("HUAWEI P40")
        assert by_name["IMG_0001.jpg"].gps is not None
        assert EvidenceFlag.NO_CAPTURE_TIME in by_name["截图.jpg"].flags
        campaign = inspections.get_campaign(s, office.inspector, office.campaign_id)
        status = {t.unit_name: t.status for t in campaign.targets}
        assert status == {
            "县自然资源局": TargetStatus.ISSUES,
            "县政务服务中心": TargetStatus.ISSUES,
            "县市场监督管理局": TargetStatus.NO_ISSUE,
        }
    after = table_counts(office.db)
    assert after["findings"] - before["findings"] == 2
    assert after["attachments"] - before["attachments"] == 4
    assert after["stored_files"] - before["stored_files"] == 4

    # Importing the same package again changes nothing.
    versions = _versions(office.db)
    again = do_import(office, package)
    assert not again.changed and again.findings_skipped == 2
    assert "本次未做任何更改" in again.summary()
    assert table_counts(office.db) == after
    assert _versions(office.db) == versions


def _versions(db: Database) -> dict[str, int]:
    from effdesk.db.models import CampaignTarget

    with db.session() as s:
        out = {f.uuid: f.version for f in s.scalars(select(Finding))}
        out.update({t.uuid: t.version for t in s.scalars(select(CampaignTarget))})
        out.update({a.uuid: a.version for a in s.scalars(select(Attachment))})
    return out


def test_second_package_brings_only_what_is_new(office: Office, tmp_path: Path) -> None:
    laptop = take_to_laptop(office, tmp_path)
    recorded = record_in_field(laptop, tmp_path / "photos")
    do_import(office, pack(laptop, tmp_path / "p1.zip"))
    # Back in the field: one more photo for the first finding, and a new finding.
    first_uuid = next(iter(recorded))
    with laptop.db.session() as s:
        f = s.scalar(select(Finding).where(Finding.uuid == first_uuid))
        assert f is not None
        extra = make_jpeg(tmp_path / "photos" / "IMG_0009.jpg", taken=at(3, 9, 30), seed=9)
        evidence.attach_files(
            s, laptop.inspector, laptop.store, evidence.AttachmentOwner(finding_id=f.id), [extra]
        )
        town = s.scalar(select(Unit).where(Unit.name == "城关镇人民政府"))
        assert town is not None
        inspections.create_finding(
            s,
            laptop.inspector,
            FindingInput(
                unit_id=town.id,
                observed_at=at(5, 15, 0),
                description="便民服务大厅下午3点仅1人在岗",
                campaign_id=laptop.campaign_id,
            ),
        )
    result = do_import(office, pack(laptop, tmp_path / "p2.zip"))
    assert (result.findings_added, result.findings_skipped, result.files_added) == (1, 2, 1)
    with office.db.session() as s:
        f = s.scalar(select(Finding).where(Finding.uuid == first_uuid))
        assert f is not None and len(f.attachments) == 4
        campaign = inspections.get_campaign(s, office.inspector, office.campaign_id)
        town_target = next(t for t in campaign.targets if t.unit_name == "城关镇人民政府")
        assert town_target.status is TargetStatus.ISSUES


def test_admin_may_import_for_the_team(office: Office, tmp_path: Path) -> None:
    laptop = take_to_laptop(office, tmp_path)
    record_in_field(laptop, tmp_path / "photos")
    package = pack(laptop, tmp_path / "p.zip")
    with office.db.session() as s:
        admin = add_user(s, "guanli", "管理员", Role.ADMIN)
    result = do_import(office, package, admin)
    assert result.findings_added == 2 and result.files_added == 4


def test_clerk_may_not_import(office: Office, tmp_path: Path) -> None:
    laptop = take_to_laptop(office, tmp_path)
    record_in_field(laptop, tmp_path / "photos")
    package = pack(laptop, tmp_path / "p.zip")
    with office.db.session() as s:
        clerk = add_user(s, "shouli", "受理员", Role.CLERK)
    before = table_counts(office.db)
    with pytest.raises(Exception, match="导入现场数据包"):
        do_import(office, package, clerk)
    assert table_counts(office.db) == before


def test_office_database_refuses_field_mode(office: Office, tmp_path: Path) -> None:
    pkg = tmp_path / "任务包.zip"
    with office.db.session() as s:
        export_campaign(s, office.inspector, office.campaign_id, pkg)
    before = table_counts(office.db)
    with pytest.raises(PackageRejected, match="这是办公室数据库"), office.db.session() as s:
        open_campaign_package(s, office.leader, pkg)
    assert table_counts(office.db) == before


def test_reopening_updated_campaign_keeps_field_work(office: Office, tmp_path: Path) -> None:
    laptop = take_to_laptop(office, tmp_path)
    record_in_field(laptop, tmp_path / "photos")
    with office.db.session() as s:
        view = inspections.get_campaign(s, office.inspector, office.campaign_id)
        data = view.to_input()
        data.theme = "窗口服务与上下班纪律"
        inspections.update_campaign(s, office.inspector, view.id, data, view.version)
        export_campaign(s, office.inspector, office.campaign_id, tmp_path / "v2.zip")
    with laptop.db.session() as s:
        opened = open_campaign_package(s, SYSTEM, tmp_path / "v2.zip")
        assert not opened.created and not opened.new_users
        view = inspections.get_campaign(s, laptop.inspector, laptop.campaign_id)
        assert view.theme == "窗口服务与上下班纪律"
        assert view.finding_count == 2
        assert {t.unit_name: t.status for t in view.targets}["县市场监督管理局"] is (
            TargetStatus.NO_ISSUE
        )
