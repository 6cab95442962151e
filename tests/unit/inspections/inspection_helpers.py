"""Helpers for spot-check tests: a small directory, default categories, JPEGs with EXIF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import SYSTEM, Actor
from effdesk.db.engine import Database, open_database
from effdesk.db.models import Person, ProblemCategory, Unit, User
from effdesk.enums import AssessmentCategory, CampaignKind, Role, UnitKind
from effdesk.evidence.store import EvidenceStore
from effdesk.services import directory, inspections, users
from effdesk.services.directory import PersonInput, UnitInput

DEFAULT_CATEGORIES = [
    ("slow", "办事拖拉/效率低下"),
    ("attitude", "服务态度差"),
    ("bribery", "吃拿卡要"),
    ("fees", "乱收费/乱罚款/乱摊派"),
    ("inaction", "不作为/慢作为/乱作为"),
    ("buck_passing", "推诿扯皮"),
    ("obstruction", "有令不行/有禁不止"),
    ("discipline", "违反工作纪律"),
    ("meetings", "会风文风"),
    ("other", "其他"),
]

UNITS = [
    ("县自然资源局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
    ("县市场监督管理局", UnitKind.DEPARTMENT, AssessmentCategory.FIRST),
    ("县政务服务中心", UnitKind.WINDOW, AssessmentCategory.SECOND),
    ("城关镇人民政府", UnitKind.TOWN, AssessmentCategory.THIRD),
]


@dataclass
class Directory:
    units: dict[str, Unit]
    persons: dict[str, Person]
    categories: dict[str, ProblemCategory]


def seed_categories(session: Session) -> dict[str, ProblemCategory]:
    # No category service exists yet; the table is configuration data seeded at setup.
    out = {}
    for i, (code, name) in enumerate(DEFAULT_CATEGORIES):
        cat = ProblemCategory(code=code, name=name, sort_order=i)
        session.add(cat)
        out[code] = cat
    session.flush()
    return out


def seed_directory(session: Session, actor: Actor) -> Directory:
    units = {
        name: directory.create_unit(session, actor, UnitInput(name=name, kind=kind, category=cat))
        for name, kind, cat in UNITS
    }
    persons = {}
    for uname, pname, post in [
        ("县自然资源局", "张三", "窗口科员"),
        ("县自然资源局", "李四", "副局长"),
        ("县政务服务中心", "王五", "综合窗口工作人员"),
    ]:
        persons[pname] = directory.create_person(
            session, actor, PersonInput(unit_id=units[uname].id, name=pname, post=post)
        )
    persons["3号窗口"] = directory.create_person(
        session,
        actor,
        PersonInput(unit_id=units["县政务服务中心"].id, description="3号窗口女工作人员"),
    )
    return Directory(units=units, persons=persons, categories=seed_categories(session))


CAMPAIGN_START = date(2026, 3, 2)
CAMPAIGN_END = date(2026, 3, 6)


def campaign_input(d: Directory, team: list[int], **kw: object) -> inspections.CampaignInput:
    data = inspections.CampaignInput(
        name="2026年3月上班纪律暗访",
        kind=CampaignKind.UNDERCOVER,
        start_date=CAMPAIGN_START,
        end_date=CAMPAIGN_END,
        theme="上下班纪律",
        member_ids=team,
        target_unit_ids=[
            d.units["县自然资源局"].id,
            d.units["县市场监督管理局"].id,
            d.units["县政务服务中心"].id,
        ],
    )
    for k, v in kw.items():
        setattr(data, k, v)
    return data


def at(day: int, hour: int = 9, minute: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute)


def make_jpeg(
    path: Path,
    *,
    size: tuple[int, int] = (640, 480),
    taken: datetime | None = None,
    gps: tuple[float, float] | None = None,
    model: str = "HUAWEI P40",
    color: tuple[int, int, int] = (120, 160, 200),
    seed: int = 0,
) -> Path:
    """A real JPEG with EXIF capture time, GPS and camera model (as a phone writes them)."""
    img = Image.new("RGB", size, color)
    # A little texture so files differ and compress like photos, not flat colour.
    for i in range(0, size[0], 16):
        img.paste((color[0], (i * 7 + seed * 31) % 256, color[2]), (i, 0, i + 8, size[1]))
    exif = Image.Exif()
    exif[0x0110] = model  # Model
    exif[0x010F] = "HUAWEI"  # Make
    if taken is not None:
        ifd = exif.get_ifd(0x8769)
        ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    if gps is not None:
        lat, lon = gps

        def dms(v: float) -> tuple[float, float, float]:
            d = int(v)
            m = int((v - d) * 60)
            s = round(((v - d) * 60 - m) * 60, 2)
            return (float(d), float(m), s)

        g = exif.get_ifd(0x8825)
        g[1] = "N"
        g[2] = dms(lat)
        g[3] = "E"
        g[4] = dms(lon)
    buf = BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif)
    path.write_bytes(buf.getvalue())
    return path


def add_user(session: Session, username: str, display: str, *roles: Role) -> Actor:
    """A real user created through the users service (as the admin would)."""
    user, _password = users.create_user(
        session, SYSTEM, users.UserInput(username=username, display_name=display, roles=set(roles))
    )
    user.must_change_password = False  # as after their first login (effdesk.access)
    return users.actor_of(user)


def logged_in(session: Session, username: str) -> Actor:
    """The actor of ``username`` after their first login, one-time password changed (a
    must-change-password user may not write: effdesk.access)."""
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    user.must_change_password = False
    session.flush()
    return users.actor_of(user)


@dataclass
class Office:
    """An office database with a directory, two users and a planned campaign."""

    db: Database
    store: EvidenceStore
    leader: Actor
    inspector: Actor
    campaign_id: int
    campaign_uuid: str


def open_db(path: Path) -> Database:
    return open_database(f"sqlite:///{path}", create=True)


def plan_office(where: Path | str) -> Office:
    """The office database: a SQLite file at a path, or any database URL (``db_url``)."""
    db = open_db(where) if isinstance(where, Path) else open_database(where, create=True)
    with db.session() as s:
        leader = add_user(s, "zhangzr", "张主任", Role.LEADER)
        insp = add_user(s, "liduc", "李督查", Role.INSPECTOR)
        d = seed_directory(s, leader)
        c = inspections.create_campaign(
            s, insp, campaign_input(d, [insp.user_id or 0, leader.user_id or 0])
        )
        campaign_id, campaign_uuid = c.id, c.uuid
    return Office(db, db.evidence, leader, insp, campaign_id, campaign_uuid)


def table_counts(db: Database) -> dict[str, int]:
    """Rows of every data table (the audit log apart), to prove nothing was written."""
    from effdesk.db.models import Base

    out = {}
    with db.session() as s:
        for name, table in Base.metadata.tables.items():
            if name == "audit_log":
                continue
            out[name] = s.scalar(select(func.count()).select_from(table)) or 0
    return out


def make_mp4(path: Path) -> Path:
    """A tiny file that is an MP4 by its content (ftyp box), enough for the evidence store."""
    path.write_bytes(
        b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
        + b"\x00\x00\x00\x08free"
        + b"\x00\x00\x10\x08mdat"
        + bytes(4096)
    )
    return path


def add_findings_with_evidence(office: Office, folder: Path) -> list[int]:
    """Three findings in two units: five photos (one portrait, one without EXIF time), a video."""
    from effdesk.services import evidence

    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    with office.db.session() as s:
        units = {u.name: u for u in s.scalars(select(Unit))}
        zhang = s.scalar(select(Person).where(Person.name == "张三"))
        assert zhang is not None
        cats = {c.code: c.id for c in inspections.list_categories(s, office.inspector)}
        specs = [
            (
                "县自然资源局",
                at(3, 9, 10),
                "不动产登记窗口9:10仍无人在岗，群众排队等候十余分钟。",
                "一楼不动产登记窗口",
                [inspections.FindingPersonInput(person_id=zhang.id)],
                [
                    make_jpeg(folder / "IMG_0001.jpg", taken=at(3, 9, 10), seed=1),
                    make_jpeg(folder / "IMG_0002.jpg", size=(480, 640), taken=at(3, 9, 11), seed=2),
                    make_jpeg(folder / "IMG_0003.jpg", taken=at(3, 9, 12), seed=3),
                ],
            ),
            (
                "县自然资源局",
                at(3, 9, 40),
                "规划股两名工作人员上班时间在办公桌前吃早餐。",
                "三楼规划股",
                [inspections.FindingPersonInput(description="穿灰色夹克的男子")],
                [make_jpeg(folder / "截图.jpg", seed=4), make_mp4(folder / "VID_0001.mp4")],
            ),
            (
                "县政务服务中心",
                at(4, 10, 20),
                "3号窗口工作人员上班时间玩手机游戏。",
                "二楼综合窗口",
                [],
                [make_jpeg(folder / "IMG_0005.jpg", taken=at(4, 10, 20), seed=5)],
            ),
        ]
        for unit, when, desc, place, persons, files in specs:
            f = inspections.create_finding(
                s,
                office.inspector,
                inspections.FindingInput(
                    unit_id=units[unit].id,
                    observed_at=when,
                    description=desc,
                    campaign_id=office.campaign_id,
                    place=place,
                    category_id=cats["discipline"],
                    persons=persons,
                ),
            )
            report = evidence.attach_files(
                s,
                office.inspector,
                office.store,
                evidence.AttachmentOwner(finding_id=f.id),
                files,
                window=evidence.window_for_dates(CAMPAIGN_START, CAMPAIGN_END),
            )
            assert not report.problems, report.summary()
            ids.append(f.id)
    return ids
