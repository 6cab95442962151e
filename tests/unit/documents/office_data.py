"""A small county office built through the services: units, a campaign, verified findings with
photos, measures, a concluded complaint whose complainant is named in its own text.

Shared by tests/unit/documents, tests/reports/test_document_layout.py and
tests/ui/test_documents.py (imported as ``unit.documents.office_data``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import AccountabilityMeasure, Complaint, ProblemCategory
from effdesk.enums import (
    AssessmentCategory,
    CampaignKind,
    Channel,
    ComplaintState,
    FindingStatus,
    MeasureType,
    SubjectKind,
    UnitKind,
    Verification,
)
from effdesk.evidence.store import EvidenceStore
from effdesk.services import directory, evidence, inspections

COMPLAINANT_NAME = "欧阳春花"
COMPLAINANT_PHONE = "13912345678"
COMPLAINANT_COMPANY = "春花农资有限公司"
TODAY = date(2025, 3, 14)


@dataclass
class Office:
    unit_ids: list[int]
    campaign_id: int
    finding_ids: list[int]
    photo_attachment_ids: list[int]
    complaint_id: int
    person_ids: list[int] = field(default_factory=list)


def make_photo(path: Path, size: tuple[int, int], seed: int, quality: int = 85) -> Path:
    """A JPEG that compresses like a real photo (gradients and shapes, some noise)."""
    rng = random.Random(seed)
    w, h = size
    small = Image.new("RGB", (64, 48))
    px = small.load()
    assert px is not None
    base = [rng.randrange(60, 200) for _ in range(3)]
    for y in range(48):
        for x in range(64):
            px[x, y] = tuple(  # type: ignore[index]
                max(
                    0,
                    min(
                        255,
                        base[c] + (x - 32) * rng.choice((1, 2)) + (y - 24) + rng.randrange(-12, 12),
                    ),
                )
                for c in range(3)
            )
    img = small.resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(w // 8, w // 3), y0 + rng.randrange(h // 8, h // 3)
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((w, h), 18).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=quality)
    return path


UNITS = [
    ("县人力资源和社会保障局", "县人社局", UnitKind.WINDOW),
    ("县市场监督管理局", "县市场监管局", UnitKind.WINDOW),
    ("县自然资源局", "县自然资源局", UnitKind.DEPARTMENT),
    ("城关镇人民政府", "城关镇", UnitKind.TOWN),
]

FINDINGS = [
    # unit index, day, hour, minute, place, description, person index or description
    (0, 4, 9, 10, "政务服务中心社保窗口", "上班时间使用手机玩游戏，群众等候办事无人理会", 0),
    (
        0,
        4,
        9,
        40,
        "政务服务中心医保窗口",
        "1号窗口女工作人员脱岗，未放置暂离牌",
        "1号窗口女工作人员",
    ),
    (1, 5, 8, 50, "登记注册窗口", "上班时间在窗口吃早餐", 1),
    (2, 5, 15, 20, "局机关办公室", "上班时间在办公室浏览购物网站", 2),
    (3, 6, 8, 45, "便民服务大厅", "迟到，8时45分仍未到岗", "值班人员"),
]

PERSONS = [
    (0, "王建军", "社保窗口工作人员"),
    (1, "李晓燕", "登记注册窗口工作人员"),
    (2, "赵志刚", "办公室科员"),
]


def build_office(
    session: Session,
    actor: Actor,
    files_dir: Path,
    tmp: Path,
    *,
    photos_per_finding: int = 1,
    photo_size: tuple[int, int] = (800, 600),
) -> Office:
    """Build the office; ``actor`` must be a leader (records, verifies and decides)."""
    cats = {}
    for i, (code, name) in enumerate(
        [("discipline", "违反工作纪律"), ("attitude", "服务态度差"), ("slow", "办事拖拉/效率低下")]
    ):
        c = ProblemCategory(code=code, name=name, sort_order=i)
        session.add(c)
        cats[code] = c
    session.flush()

    unit_ids = []
    for n, (name, short, kind) in enumerate(UNITS):
        u = directory.create_unit(
            session,
            actor,
            directory.UnitInput(
                name=name,
                short_name=short,
                kind=kind,
                category=AssessmentCategory.FIRST,
                sort_order=n,
            ),
        )
        unit_ids.append(u.id)
    person_ids = []
    for unit_idx, name, post in PERSONS:
        p = directory.create_person(
            session,
            actor,
            directory.PersonInput(unit_id=unit_ids[unit_idx], name=name, post=post),
        )
        person_ids.append(p.id)

    campaign = inspections.create_campaign(
        session,
        actor,
        inspections.CampaignInput(
            name="2025年3月机关作风明察暗访",
            kind=CampaignKind.UNDERCOVER,
            start_date=date(2025, 3, 3),
            end_date=date(2025, 3, 7),
            theme="工作纪律和窗口服务",
            target_unit_ids=[*unit_ids],
        ),
    )
    store = EvidenceStore(files_dir)
    finding_ids: list[int] = []
    photo_ids: list[int] = []
    for k, (ui, day, hh, mm, place, desc, who) in enumerate(FINDINGS):
        persons = (
            [inspections.FindingPersonInput(person_id=person_ids[who])]
            if isinstance(who, int)
            else [inspections.FindingPersonInput(description=who)]
        )
        f = inspections.create_finding(
            session,
            actor,
            inspections.FindingInput(
                unit_id=unit_ids[ui],
                observed_at=datetime(2025, 3, day, hh, mm),
                description=desc,
                campaign_id=campaign.id,
                place=place,
                category_id=cats["discipline"].id,
                persons=persons,
                proposed_measure=MeasureType.EFFICIENCY_WARNING if k != 3 else None,
                rectification_required=k in (0, 2),
            ),
        )
        inspections.change_finding_status(session, actor, f.id, FindingStatus.VERIFIED)
        paths = [
            make_photo(tmp / f"f{k}_{j}.jpg", photo_size, seed=k * 100 + j)
            for j in range(photos_per_finding)
        ]
        report = evidence.attach_files(
            session, actor, store, evidence.AttachmentOwner(finding_id=f.id), paths
        )
        assert not report.problems, report.problems
        finding_ids.append(f.id)
        photo_ids += [a.id for a in report.added]

    # Decided measures for the third finding (a person) and a unit-level one for the fourth.
    session.add(
        AccountabilityMeasure(
            subject_kind=SubjectKind.PERSON,
            person_id=person_ids[1],
            unit_id=unit_ids[1],
            measure=MeasureType.PAY_DEDUCTION,
            amount=Decimal("500"),
            decided_date=date(2025, 3, 10),
            finding_id=finding_ids[2],
        )
    )
    session.add(
        AccountabilityMeasure(
            subject_kind=SubjectKind.UNIT,
            unit_id=unit_ids[2],
            measure=MeasureType.CIRCULATED_CRITICISM,
            decided_date=date(2025, 3, 10),
            finding_id=finding_ids[3],
        )
    )

    complaint = Complaint(
        number="效投20250007",
        received_at=datetime(2025, 2, 20, 10, 0),
        received_date=date(2025, 2, 20),
        channel=Channel.PHONE,
        complainant_name=COMPLAINANT_NAME,
        complainant_phone=COMPLAINANT_PHONE,
        complainant_company=COMPLAINANT_COMPANY,
        unit_id=unit_ids[1],
        category_id=cats["slow"].id,
        summary=f"{COMPLAINANT_COMPANY}办理食品经营许可证变更，窗口以材料不全为由三次退回",
        content=(
            f"我叫{COMPLAINANT_NAME}，电话{COMPLAINANT_PHONE}，是{COMPLAINANT_COMPANY}负责人。"
            "2月10日起办理变更，窗口每次只说一个问题，跑了三趟还没办成。"
        ),
        state=ComplaintState.CONCLUDED,
        verification=Verification.SUBSTANTIATED,
        handling_result=(
            f"经核查，{COMPLAINANT_NAME}反映情况属实，窗口未落实一次性告知制度。"
            "已责令该局作出书面检查，对窗口负责人进行批评教育。"
        ),
        concluded_date=date(2025, 3, 3),
    )
    session.add(complaint)
    session.flush()
    session.add(
        AccountabilityMeasure(
            subject_kind=SubjectKind.UNIT,
            unit_id=unit_ids[1],
            measure=MeasureType.WRITTEN_SELF_CRITICISM,
            decided_date=date(2025, 3, 3),
            complaint_id=complaint.id,
        )
    )
    session.flush()
    return Office(
        unit_ids=unit_ids,
        campaign_id=campaign.id,
        finding_ids=finding_ids,
        photo_attachment_ids=photo_ids,
        complaint_id=complaint.id,
        person_ids=person_ids,
    )
