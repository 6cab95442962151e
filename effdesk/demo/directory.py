"""The demo office itself: settings, users, problem categories, units and their staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from effdesk.db.models import (
    Person,
    ProblemCategory,
    Setting,
    Unit,
    User,
    UserRole,
)
from effdesk.demo import vocab
from effdesk.demo._common import Inserter, Rand, record_columns, table
from effdesk.enums import AssessmentCategory, Role, UnitKind
from effdesk.security.passwords import hash_password
from effdesk.services.categories import ensure_default_categories
from effdesk.textutil import pinyin_key

DEMO_PASSWORD = "effdesk123"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    title: str
    roles: tuple[Role, ...]


DEMO_USERS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "周建国", "系统管理员", (Role.ADMIN,)),
    DemoLogin("clerk1", "王丽", "效能投诉中心受理员", (Role.CLERK,)),
    DemoLogin("clerk2", "陈晓燕", "效能投诉中心受理员", (Role.CLERK,)),
    DemoLogin("inspector1", "李明", "效能督查员", (Role.INSPECTOR,)),
    DemoLogin("inspector2", "赵刚", "效能督查员", (Role.INSPECTOR,)),
    DemoLogin("leader1", "刘振华", "效能办主任", (Role.LEADER,)),
    DemoLogin("leader2", "孙卫东", "纪委分管领导", (Role.LEADER,)),
)


@dataclass
class PersonInfo:
    id: int
    name: str
    description: str
    post: str

    @property
    def display(self) -> str:
        return self.name or self.description

    @property
    def label(self) -> str:
        """How a complainant or inspector refers to the person: post and name."""
        if not self.name:
            return self.description
        return f"{self.post}{self.name}"


@dataclass
class UnitInfo:
    id: int
    name: str
    short: str
    kind: UnitKind
    category: AssessmentCategory
    matters: tuple[str, ...]
    weight: float
    parent_id: int | None
    persons: list[PersonInfo] = field(default_factory=list)
    frontline: list[PersonInfo] = field(default_factory=list)
    heads: list[PersonInfo] = field(default_factory=list)


@dataclass
class Directory:
    units: list[UnitInfo]
    users: dict[str, int]
    categories: dict[str, tuple[int, str]]

    def user_ids(self, role: Role) -> list[int]:
        return [self.users[u.username] for u in DEMO_USERS if role in u.roles]


def _person_name(rng: Rand) -> str:
    # Low surname indexes are the common ones: draw them more often.
    surname = vocab.SURNAMES[int(len(vocab.SURNAMES) * rng.random() ** 2)]
    chars = vocab.GIVEN_CHARS_FEMALE if rng.random() < 0.45 else vocab.GIVEN_CHARS_MALE
    given = rng.pick(chars)
    if rng.random() < 0.7:
        given += rng.pick(chars)
    return surname + given


def _mobile(rng: Rand) -> str:
    head = rng.pick(("13", "15", "18", "17", "19"))
    return f"{head}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def _landline(rng: Rand) -> str:
    return f"{vocab.AREA_CODE}-72{rng.randint(0, 99999):05d}"


def build_settings(ins: Inserter, rng: Rand, at: datetime) -> None:
    values = {
        "office.county": vocab.COUNTY,
        "office.name": vocab.OFFICE_NAME,
        "office.short_name": vocab.OFFICE_SHORT,
        "office.authority_mark": vocab.AUTHORITY_MARK,
        "office.phone": vocab.OFFICE_PHONE,
        "office.address": vocab.OFFICE_ADDRESS,
        "complaint.number_prefix": vocab.COMPLAINT_PREFIX,
        "document.prefixes": dict(vocab.DOCUMENT_PREFIXES),
    }
    settings_table = table(Setting)
    for i, (key, value) in enumerate(values.items(), start=1):
        ins.add(settings_table, {**record_columns(rng, i, at), "key": key, "value": value})


def build_users(ins: Inserter, rng: Rand, at: datetime) -> dict[str, int]:
    users: dict[str, int] = {}
    for i, login in enumerate(DEMO_USERS, start=1):
        users[login.username] = i
        ins.add(
            table(User),
            {
                **record_columns(rng, i, at),
                "username": login.username,
                "display_name": login.display_name,
                # A hash of its own per user (fresh salt), as if set through the app.
                "password_hash": hash_password(DEMO_PASSWORD),
                "must_change_password": False,
                "failed_logins": 0,
                "active": True,
                "phone": _mobile(rng),
            },
        )
        for role in login.roles:
            ins.add(table(UserRole), {"user_id": i, "role": role})
    return users


def build_categories(conn: Connection, at: datetime) -> dict[str, tuple[int, str]]:
    with Session(bind=conn) as session:
        ensure_default_categories(session, at=at, record=False)
        session.flush()
        rows = session.execute(
            select(ProblemCategory.code, ProblemCategory.id, ProblemCategory.name)
        ).all()
    return {code: (cid, name) for code, cid, name in rows}


def build_units(ins: Inserter, rng: Rand, at: datetime) -> list[UnitInfo]:
    """Units (parents first) and 6–15 persons in each."""
    units: list[UnitInfo] = []
    by_name: dict[str, int] = {}
    person_id = 0
    unit_table, person_table = table(Unit), table(Person)
    codes = {AssessmentCategory.FIRST: "A", AssessmentCategory.SECOND: "B"}
    for index, spec in enumerate(vocab.unit_specs(), start=1):
        parent_id = by_name[spec.parent] if spec.parent else None
        info = UnitInfo(
            id=index,
            name=spec.name,
            short=spec.short,
            kind=spec.kind,
            category=spec.category,
            matters=vocab.MATTERS[spec.matters],
            weight=spec.weight,
            parent_id=parent_id,
        )
        by_name[spec.name] = index
        posts = _staff_posts(rng, spec.staff, spec.kind)
        for post, described in posts:
            person_id += 1
            if described:
                name = ""
                description = rng.pick(vocab.DESCRIPTIONS).format(n=rng.randint(1, 9))
            else:
                name, description = _person_name(rng), ""
            person = PersonInfo(person_id, name, description, post)
            info.persons.append(person)
            if post in vocab.FRONTLINE or described:
                info.frontline.append(person)
            if post in vocab.LEADING_POSTS or post.startswith(("镇长", "乡长", "办事处主任")):
                info.heads.append(person)
            ins.add(
                person_table,
                {
                    **record_columns(rng, person_id, at),
                    "unit_id": index,
                    "name": name,
                    "description": description,
                    "post": post,
                    "phone": _mobile(rng) if name and rng.chance(0.6) else "",
                    "pinyin": f"{pinyin_key(name)} {pinyin_key(post)}".strip(),
                    "active": True,
                    "notes": "",
                },
            )
        if not info.frontline:
            info.frontline = info.persons[-3:]
        if not info.heads:
            info.heads = info.persons[:1]
        contact = next(
            (p for p in info.persons if ("办公室" in p.post or "党政办" in p.post) and p.name),
            info.persons[1] if len(info.persons) > 1 else info.persons[0],
        )
        street = rng.pick(vocab.STREETS)
        address = (
            f"{vocab.COUNTY}{spec.name}人民路{rng.randint(1, 60)}号"
            if spec.kind is UnitKind.TOWN
            else f"{vocab.COUNTY}城关镇{street}{rng.randint(1, 300)}号"
        )
        ins.add(
            unit_table,
            {
                **record_columns(rng, index, at),
                "name": spec.name,
                "short_name": spec.short,
                "code": f"{codes.get(spec.category, 'C')}{index:03d}",
                "kind": spec.kind,
                "category": spec.category,
                "parent_id": parent_id,
                "contact_person": contact.name or contact.description,
                "contact_phone": _landline(rng),
                "address": address,
                "pinyin": f"{pinyin_key(spec.name)} {pinyin_key(spec.short)}".strip(),
                "active": True,
                "sort_order": index * 10,
                "notes": "",
            },
        )
        units.append(info)
    return units


def _staff_posts(rng: Rand, profile: str, kind: UnitKind) -> list[tuple[str, bool]]:
    """(post, described-only) for one unit: 6–15 persons, leaders first."""
    posts: list[tuple[str, bool]] = []
    for post, (low, high) in vocab.POSTS[profile]:
        posts += [(post, False)] * rng.randint(low, high)
    frontline = next(
        (p for p, _ in reversed(vocab.POSTS[profile]) if p in vocab.FRONTLINE), "工作人员"
    )
    while len(posts) < 6:
        posts.append((frontline, False))
    if kind in (UnitKind.WINDOW, UnitKind.ENTERPRISE) and rng.chance(0.6):
        # Window staff a complainant could only describe ("3号窗口女工作人员").
        posts += [(frontline, True)] * rng.randint(1, 2)
    return posts[:15]


def build_directory(conn: Connection, rng: Rand, at: datetime) -> tuple[Directory, dict[str, int]]:
    """Settings, users, categories, units and persons; returns the lookup the later stages use
    and the row counts."""
    ins = Inserter(conn)
    build_settings(ins, rng, at)
    users = build_users(ins, rng, at)
    units = build_units(ins, rng, at)
    ins.flush([table(Setting), table(User), table(UserRole), table(Unit)])
    categories = build_categories(conn, at)
    ins.counts[ProblemCategory.__tablename__] = len(categories)
    return Directory(units=units, users=users, categories=categories), ins.counts
