"""Hostile and broken findings packages: each is refused with a clear message, nothing written.

One office and one genuine package are built for the module; every test derives a bad package
from the genuine one, imports it, and checks the message, that every data table still has the
same number of rows and that no blob entered the evidence store.
"""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from inspection_helpers import (
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

from effdesk import settings
from effdesk.auth import SYSTEM, Actor
from effdesk.db.models import Unit
from effdesk.enums import Role
from effdesk.errors import PackageRejected
from effdesk.evidence.store import EvidenceStore
from effdesk.field.safezip import Limits
from effdesk.services import evidence, inspections
from effdesk.services.inspections import FindingInput
from effdesk.services.inspections.field_export import export_campaign, pack_findings
from effdesk.services.inspections.field_import import import_findings_package, open_campaign_package

MANIFEST = "manifest.json"


@dataclass
class World:
    office: Office
    package: Path
    entries: dict[str, bytes]
    manifest: dict  # type: ignore[type-arg]
    tmp: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("hostile")
    office = plan_office(tmp / "office.sqlite")
    with office.db.session() as s:
        export_campaign(s, office.inspector, office.campaign_id, tmp / "task.zip")
    laptop = open_db(tmp / "laptop" / "laptop.sqlite")
    store = EvidenceStore(laptop.files_dir)
    with laptop.session() as s:
        open_campaign_package(s, SYSTEM, tmp / "task.zip")
    with laptop.session() as s:
        insp = logged_in(s, "liduc")
        unit = s.scalar(select(Unit).where(Unit.name == "县自然资源局"))
        assert unit is not None
        campaign = inspections.find_campaign(s, insp, office.campaign_uuid)
        f = inspections.create_finding(
            s,
            insp,
            FindingInput(
                unit_id=unit.id,
                observed_at=at(3),
                description="窗口无人在岗",
                campaign_id=campaign.id,
            ),
        )
        photos = [
            make_jpeg(tmp / f"IMG_{i}.jpg", taken=at(3, 9, i), seed=i, size=(800, 600))
            for i in range(2)
        ]
        evidence.attach_files(s, insp, store, evidence.AttachmentOwner(finding_id=f.id), photos)
        pack_findings(s, insp, store, tmp / "good.zip")
    laptop.dispose()
    with zipfile.ZipFile(tmp / "good.zip") as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    yield World(office, tmp / "good.zip", entries, json.loads(entries[MANIFEST]), tmp)
    office.db.dispose()


def _blobs(store: EvidenceStore) -> set[str]:
    return set(store.iter_blobs())


def write_zip(
    path: Path,
    entries: dict[str, bytes],
    *,
    manifest: dict | None = None,  # type: ignore[type-arg]
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            if name == MANIFEST and manifest is not None:
                data = json.dumps(manifest, ensure_ascii=False).encode()
            zf.writestr(name, data)
    return path


def file_names(w: World) -> list[str]:
    return sorted(n for n in w.entries if n.startswith("files/"))


def refused(
    w: World, package: Path, match: str, *, actor: Actor | None = None, **kw: object
) -> PackageRejected:
    """Import ``package`` into the office, expect a refusal matching ``match``, nothing written."""
    before = table_counts(w.office.db)
    blobs = _blobs(w.office.store)
    with pytest.raises(PackageRejected) as err, w.office.db.session() as s:
        import_findings_package(
            s,
            actor or w.office.inspector,
            w.office.store,
            package,
            **kw,  # type: ignore[arg-type]
        )
    assert match in str(err.value), str(err.value)
    assert "未导入任何内容" in str(err.value)
    assert table_counts(w.office.db) == before
    assert _blobs(w.office.store) == blobs
    tmp_dir = w.office.store.tmp
    assert not tmp_dir.exists() or not any(tmp_dir.iterdir()), "temporary files left behind"
    return err.value


def test_genuine_package_is_accepted_in_a_copy(world: World, tmp_path: Path) -> None:
    # The control: the package the hostile ones derive from does import (into a fresh office
    # that shares the directory's UUIDs: the same file, copied).
    import shutil

    from effdesk.db.engine import copy_sqlite_file

    copy_sqlite_file(world.tmp / "office.sqlite", tmp_path / "copy.sqlite")
    db = open_db(tmp_path / "copy.sqlite")
    try:
        shutil.rmtree(db.files_dir, ignore_errors=True)
        with db.session() as s:
            result = import_findings_package(
                s, world.office.inspector, EvidenceStore(db.files_dir), world.package
            )
        assert result.findings_added == 1 and result.files_added == 2
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.txt", "可能借此跳出解压目录"),
        ("files/../../evil.txt", "可能借此跳出解压目录"),
        ("/etc/cron.d/evil", "绝对路径"),
        ("C:/Windows/System32/evil.dll", "盘符"),
        ("files\\..\\..\\evil.bat", "反斜杠"),
    ],
)
def test_entry_paths_escaping_the_folder(
    world: World, tmp_path: Path, name: str, message: str
) -> None:
    entries = dict(world.entries)
    entries[name] = b"gotcha"
    # zipfile normalises some names on writing; write the raw name through ZipInfo.
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            info = zipfile.ZipInfo(n)
            info.filename = n  # keep backslashes and drive letters as they are
            zf.writestr(info, data)
    refused(world, path, message)


def test_symlink_entry(world: World, tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in world.entries.items():
            zf.writestr(n, data)
        info = zipfile.ZipInfo("files/link")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    refused(world, path, "符号链接")


def test_duplicate_entry_names(world: World, tmp_path: Path) -> None:
    path = tmp_path / "dup.zip"
    first = file_names(world)[0]
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in world.entries.items():
            zf.writestr(n, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr(first, b"second copy")
    refused(world, path, "重复出现")


def test_file_not_in_manifest(world: World, tmp_path: Path) -> None:
    entries = dict(world.entries)
    entries["files/" + "0" * 64] = b"smuggled"
    refused(world, write_zip(tmp_path / "extra.zip", entries), "清单未列出的文件")
    entries = dict(world.entries)
    entries["autorun.inf"] = b"[autorun]"
    refused(world, write_zip(tmp_path / "extra2.zip", entries), "autorun.inf")


def test_manifest_entry_missing_from_zip(world: World, tmp_path: Path) -> None:
    entries = dict(world.entries)
    del entries[file_names(world)[0]]
    refused(world, write_zip(tmp_path / "missing.zip", entries), "在数据包中缺失：「IMG_")


def test_hash_mismatch(world: World, tmp_path: Path) -> None:
    entries = dict(world.entries)
    name = file_names(world)[0]
    data = bytearray(entries[name])
    data[len(data) // 2] ^= 0xFF  # one byte changed, size unchanged
    entries[name] = bytes(data)
    refused(world, write_zip(tmp_path / "tampered.zip", entries), "SHA-256 与清单不符")


def test_size_in_manifest_differs(world: World, tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["attachments"][0]["size"] += 1
    path = write_zip(tmp_path / "size.zip", world.entries, manifest=manifest)
    refused(world, path, "大小")


def test_not_evidence_although_hash_matches(world: World, tmp_path: Path) -> None:
    # A well-formed package whose "photo" is a Windows program: hashes match, content does not.
    payload = b"MZ\x90\x00" + b"\x00" * 400 + b"This program cannot be run in DOS mode"
    sha = hashlib.sha256(payload).hexdigest()
    manifest = json.loads(json.dumps(world.manifest))
    att = manifest["findings"][0]["attachments"][0]
    old = att["sha256"]
    att.update(sha256=sha, size=len(payload), path=f"files/{sha}", original_name="照片.jpg")
    entries = {n: d for n, d in world.entries.items() if n != f"files/{old}"}
    entries[f"files/{sha}"] = payload
    refused(
        world,
        write_zip(tmp_path / "exe.zip", entries, manifest=manifest),
        "「照片.jpg」不能作为证据接收",
    )


def test_another_campaign(world: World, tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(world.manifest))
    manifest["campaign_uuid"] = "0b6f2c1e-5d1a-4b8e-9c3f-2a7d9e4b1c00"
    path = write_zip(tmp_path / "other.zip", world.entries, manifest=manifest)
    refused(world, path, "不是本办公室的活动")


def test_package_for_another_campaign_than_chosen(world: World, tmp_path: Path) -> None:
    with world.office.db.session() as s:
        view = inspections.get_campaign(s, world.office.inspector, world.office.campaign_id)
        data = view.to_input()
        data.name = "2026年4月窗口服务明察"
        other = inspections.create_campaign(s, world.office.inspector, data).id
    refused(
        world, world.package, "不是当前选择的「2026年4月窗口服务明察」", expected_campaign_id=other
    )


def test_malformed_json(world: World, tmp_path: Path) -> None:
    entries = dict(world.entries)
    entries[MANIFEST] = b'{"format": "effdesk-field-findings", "format_version": 1, '
    refused(world, write_zip(tmp_path / "json.zip", entries), "不是有效的 JSON")


def test_wrong_format_version(world: World, tmp_path: Path) -> None:
    manifest = dict(world.manifest, format_version=2)
    refused(
        world, write_zip(tmp_path / "v2.zip", world.entries, manifest=manifest), "请升级 EffDesk"
    )
    manifest = dict(world.manifest, format_version="1")
    refused(world, write_zip(tmp_path / "vs.zip", world.entries, manifest=manifest), "格式版本")


def test_campaign_package_given_instead(world: World) -> None:
    refused(world, world.tmp / "task.zip", "这是督查任务包，不是现场数据包")


def test_manifest_field_of_wrong_type(world: World, tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["observed_at"] = "昨天上午"
    path = write_zip(tmp_path / "type.zip", world.entries, manifest=manifest)
    refused(world, path, "findings[0].observed_at 不是有效的时间")
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["attachments"][0]["sha256"] = "../../etc/passwd"
    path = write_zip(tmp_path / "sha.zip", world.entries, manifest=manifest)
    refused(world, path, "不是有效的 SHA-256")


def test_unknown_unit(world: World, tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["unit_uuid"] = "6a1f0a8e-0c59-4b5c-8f0e-6f3d3c0d9a11"
    path = write_zip(tmp_path / "unit.zip", world.entries, manifest=manifest)
    refused(world, path, "在本办公室单位名录中不存在")


def test_not_a_zip(world: World, tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    refused(world, path, "不是有效的 zip 文件")


def test_entry_larger_than_configured_limit(world: World) -> None:
    # Per-entry limit from the settings: the photos are ~20-60 KB, the limit 0.01 MB.
    with world.office.db.session() as s:
        admin = add_user(s, "admin1", "管理员", Role.ADMIN)
        settings.put(s, admin, "field.max_entry_mb", 0.01)
    try:
        refused(world, world.package, "超过单个文件上限")
    finally:
        with world.office.db.session() as s:
            settings.put(s, admin, "field.max_entry_mb", 500)


def test_package_larger_than_configured_limit(world: World) -> None:
    with world.office.db.session() as s:
        admin = add_user(s, "admin2", "管理员", Role.ADMIN)
        settings.put(s, admin, "field.max_package_mb", 0.01)
    try:
        refused(world, world.package, "field.max_package_mb")
    finally:
        with world.office.db.session() as s:
            settings.put(s, admin, "field.max_package_mb", 4096)


def test_zip_bomb_with_honest_header(world: World, tmp_path: Path) -> None:
    # 64 MB of zeros deflates to ~64 KB; the header says 64 MB: refused before reading.
    bomb = b"\0" * (64 * 1024 * 1024)
    sha = hashlib.sha256(bomb).hexdigest()
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["attachments"].append(
        {"sha256": sha, "size": len(bomb), "path": f"files/{sha}", "original_name": "bomb.jpg"}
    )
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in world.entries.items():
            zf.writestr(n, json.dumps(manifest).encode() if n == MANIFEST else data)
        zf.writestr(f"files/{sha}", bomb)
    assert path.stat().st_size < 2 * 1024 * 1024
    refused(world, path, "超过单个文件上限", limits=Limits.from_mb(100, 10))


def test_zip_bomb_with_lying_header(world: World, tmp_path: Path) -> None:
    # The header claims 1000 bytes, the deflated data holds 8 MB: reading stops at what was
    # declared and the entry is refused as damaged, never inflated in full.
    bomb = b"\0" * (8 * 1024 * 1024)
    sha = hashlib.sha256(bomb[:1000]).hexdigest()
    manifest = json.loads(json.dumps(world.manifest))
    manifest["findings"][0]["attachments"].append(
        {"sha256": sha, "size": 1000, "path": f"files/{sha}", "original_name": "bomb.jpg"}
    )
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in world.entries.items():
            zf.writestr(n, json.dumps(manifest).encode() if n == MANIFEST else data)
        zf.writestr(f"files/{sha}", bomb)
    _patch_uncompressed_size(path, f"files/{sha}", 1000)
    refused(world, path, "已损坏")


def test_total_declared_size_over_limit(world: World, tmp_path: Path) -> None:
    entries = dict(world.entries)
    for i in range(6):
        entries[f"files/{i:064x}"] = b"\0" * 300_000
    refused(
        world,
        write_zip(tmp_path / "many.zip", entries, compression=zipfile.ZIP_DEFLATED),
        "zip 炸弹",
        limits=Limits(max_package_bytes=1_000_000, max_entry_bytes=500_000),
    )


def _patch_uncompressed_size(path: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size of ``name`` in its local header and central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    # Local file header: uncompressed size at offset 22.
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    raw = name.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        assert pos >= 0
        name_len = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if bytes(data[pos + 46 : pos + 46 + name_len]) == raw:
            data[pos + 24 : pos + 28] = size.to_bytes(4, "little")
            break
        pos += 4
    path.write_bytes(bytes(data))


def test_campaign_package_tampered_on_the_way(world: World, tmp_path: Path) -> None:
    with zipfile.ZipFile(world.tmp / "task.zip") as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    manifest = json.loads(entries[MANIFEST])
    manifest["campaign"]["name"] = "伪造的活动"
    entries[MANIFEST] = json.dumps(manifest).encode()
    path = write_zip(tmp_path / "task-bad.zip", entries)
    laptop = open_db(tmp_path / "l.sqlite")
    try:
        with pytest.raises(PackageRejected, match="SHA-256 与校验值不符"), laptop.session() as s:
            open_campaign_package(s, SYSTEM, path)
        assert table_counts(laptop)["campaigns"] == 0
    finally:
        laptop.dispose()


def test_cancelled_import_writes_nothing(world: World) -> None:
    from effdesk.field.common import OperationCancelled

    before = table_counts(world.office.db)
    calls = []

    def cancel_after_first() -> bool:
        calls.append(1)
        return len(calls) > 1

    with (
        pytest.raises(OperationCancelled, match="已取消，未导入任何内容"),
        world.office.db.session() as s,
    ):
        import_findings_package(
            s,
            world.office.inspector,
            world.office.store,
            world.package,
            cancelled=cancel_after_first,
        )
    assert table_counts(world.office.db) == before
