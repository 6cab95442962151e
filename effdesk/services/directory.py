"""The directory of supervised units (被监督单位) and their staff (干部职工)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.models import Person, Unit
from effdesk.enums import AssessmentCategory, AuditAction, UnitKind
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.permissions import Permission, require
from effdesk.security.concurrency import translate_stale
from effdesk.services.common import Page, check_version, fetch_page, get_or_404, like_escape
from effdesk.textutil import is_valid_phone, pinyin_key

UNIT_FIELDS = [
    "name",
    "short_name",
    "code",
    "kind",
    "category",
    "parent_id",
    "contact_person",
    "contact_phone",
    "address",
    "active",
    "sort_order",
    "notes",
]
PERSON_FIELDS = ["unit_id", "name", "description", "post", "phone", "active", "notes"]


@dataclass(frozen=True)
class UnitRow:
    id: int
    uuid: str
    name: str
    short_name: str
    kind: UnitKind
    category: AssessmentCategory
    parent_name: str
    contact_person: str
    contact_phone: str
    active: bool
    person_count: int
    version: int


@dataclass
class UnitInput:
    name: str
    kind: UnitKind
    category: AssessmentCategory
    short_name: str = ""
    code: str = ""
    parent_id: int | None = None
    contact_person: str = ""
    contact_phone: str = ""
    address: str = ""
    active: bool = True
    sort_order: int = 0
    notes: str = ""


@dataclass(frozen=True)
class PersonRow:
    id: int
    uuid: str
    unit_id: int
    unit_name: str
    name: str
    description: str
    post: str
    phone: str
    active: bool
    version: int

    @property
    def display_name(self) -> str:
        return self.name or self.description


@dataclass
class PersonInput:
    unit_id: int
    name: str = ""
    description: str = ""
    post: str = ""
    phone: str = ""
    active: bool = True
    notes: str = ""


def _text_filter(
    query: str, *columns: ColumnElement[str] | InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    pattern = f"%{like_escape(query.strip().lower())}%"
    return or_(*[func.lower(c).like(pattern, escape="\\") for c in columns])


def list_units(
    session: Session,
    actor: Actor,
    query: str = "",
    category: AssessmentCategory | None = None,
    include_inactive: bool = True,
    offset: int = 0,
    limit: int = 200,
) -> Page[UnitRow]:
    """Units matching ``query`` in name, short name or pinyin (initials too)."""
    require(actor, Permission.VIEW_DIRECTORY)
    parent = Unit.__table__.alias("parent")
    person_count = select(func.count(Person.id)).where(Person.unit_id == Unit.id).scalar_subquery()
    stmt = select(Unit, parent.c.name, person_count).outerjoin(
        parent, parent.c.id == Unit.parent_id
    )
    if query.strip():
        stmt = stmt.where(_text_filter(query, Unit.name, Unit.short_name, Unit.pinyin))
    if category is not None:
        stmt = stmt.where(Unit.category == category)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    rows, total = fetch_page(
        session, stmt, Unit.category, Unit.sort_order, Unit.name, offset=offset, limit=limit
    )
    return Page(
        rows=[
            UnitRow(
                id=u.id,
                uuid=u.uuid,
                name=u.name,
                short_name=u.short_name,
                kind=u.kind,
                category=u.category,
                parent_name=pname or "",
                contact_person=u.contact_person,
                contact_phone=u.contact_phone,
                active=u.active,
                person_count=count or 0,
                version=u.version,
            )
            for u, pname, count in rows
        ],
        total=total,
        offset=offset,
    )


def get_unit(session: Session, actor: Actor, unit_id: int) -> Unit:
    require(actor, Permission.VIEW_DIRECTORY)
    return get_or_404(session.get(Unit, unit_id), "该单位")


def _validate_unit(session: Session, data: UnitInput, unit_id: int | None) -> None:
    problems: list[FieldProblem] = []
    name = data.name.strip()
    if not name:
        problems.append(FieldProblem("name", "单位名称不能为空。"))
    elif len(name) > 100:
        problems.append(FieldProblem("name", "单位名称不能超过100个字。"))
    else:
        clash = session.scalar(select(Unit.id).where(Unit.name == name, Unit.id != (unit_id or -1)))
        if clash is not None:
            problems.append(FieldProblem("name", f"已有名为「{name}」的单位。"))
    if data.contact_phone.strip() and not is_valid_phone(data.contact_phone):
        problems.append(
            FieldProblem("contact_phone", "联系电话格式不正确（手机号或带区号的座机号）。")
        )
    if data.parent_id is not None:
        if unit_id is not None and data.parent_id == unit_id:
            problems.append(FieldProblem("parent_id", "上级单位不能是本单位。"))
        elif session.get(Unit, data.parent_id) is None:
            problems.append(FieldProblem("parent_id", "所选上级单位不存在。"))
        elif unit_id is not None and _is_descendant(session, data.parent_id, unit_id):
            problems.append(FieldProblem("parent_id", "上级单位不能是本单位的下级单位。"))
    if problems:
        raise ValidationErrors(problems)


def _is_descendant(session: Session, candidate_id: int, ancestor_id: int) -> bool:
    current: int | None = candidate_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return False


def create_unit(session: Session, actor: Actor, data: UnitInput) -> Unit:
    require(actor, Permission.EDIT_DIRECTORY)
    _validate_unit(session, data, None)
    unit = Unit()
    _apply_unit(unit, data)
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "unit",
        unit.uuid,
        f"新增单位 {unit.name}",
        None,
        audit.snapshot(unit, UNIT_FIELDS),
    )
    return unit


def update_unit(
    session: Session, actor: Actor, unit_id: int, data: UnitInput, expected_version: int | None
) -> Unit:
    require(actor, Permission.EDIT_DIRECTORY)
    unit = get_or_404(session.get(Unit, unit_id), "该单位")
    # A refused save names who changed the unit, and what, from the audit trail (a unit's or a
    # person's audit values hold no complainant identity: nothing to redact).
    with translate_stale(session, f"单位「{unit.name}」", obj=unit):
        check_version(unit, expected_version, f"单位「{unit.name}」")
        _validate_unit(session, data, unit_id)
        before = audit.snapshot(unit, UNIT_FIELDS)
        _apply_unit(unit, data)
        session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "unit",
        unit.uuid,
        f"修改单位 {unit.name}",
        before,
        audit.snapshot(unit, UNIT_FIELDS),
    )
    return unit


def _apply_unit(unit: Unit, data: UnitInput) -> None:
    unit.name = data.name.strip()
    unit.short_name = data.short_name.strip()
    unit.code = data.code.strip()
    unit.kind = data.kind
    unit.category = data.category
    unit.parent_id = data.parent_id
    unit.contact_person = data.contact_person.strip()
    unit.contact_phone = data.contact_phone.strip()
    unit.address = data.address.strip()
    unit.active = data.active
    unit.sort_order = data.sort_order
    unit.notes = data.notes
    unit.pinyin = f"{pinyin_key(unit.name)} {pinyin_key(unit.short_name)}".strip()


def list_persons(
    session: Session,
    actor: Actor,
    query: str = "",
    unit_id: int | None = None,
    include_inactive: bool = True,
    offset: int = 0,
    limit: int = 200,
) -> Page[PersonRow]:
    """Persons matching ``query`` in name, description, post or pinyin."""
    require(actor, Permission.VIEW_DIRECTORY)
    stmt = select(Person, Unit.name).join(Unit, Unit.id == Person.unit_id)
    if query.strip():
        stmt = stmt.where(
            _text_filter(query, Person.name, Person.description, Person.post, Person.pinyin)
        )
    if unit_id is not None:
        stmt = stmt.where(Person.unit_id == unit_id)
    if not include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    rows, total = fetch_page(
        session, stmt, Unit.name, Person.name, Person.id, offset=offset, limit=limit
    )
    return Page(
        rows=[
            PersonRow(
                id=p.id,
                uuid=p.uuid,
                unit_id=p.unit_id,
                unit_name=uname,
                name=p.name,
                description=p.description,
                post=p.post,
                phone=p.phone,
                active=p.active,
                version=p.version,
            )
            for p, uname in rows
        ],
        total=total,
        offset=offset,
    )


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    require(actor, Permission.VIEW_DIRECTORY)
    return get_or_404(session.get(Person, person_id), "该人员")


def _validate_person(session: Session, data: PersonInput) -> None:
    problems: list[FieldProblem] = []
    if not data.name.strip() and not data.description.strip():
        problems.append(
            FieldProblem("name", "请填写姓名；不知道姓名时，请在「特征描述」中描述此人。")
        )
    if len(data.name.strip()) > 40:
        problems.append(FieldProblem("name", "姓名不能超过40个字。"))
    if session.get(Unit, data.unit_id) is None:
        problems.append(FieldProblem("unit_id", "请选择所在单位。"))
    if data.phone.strip() and not is_valid_phone(data.phone):
        problems.append(FieldProblem("phone", "联系电话格式不正确（手机号或带区号的座机号）。"))
    if problems:
        raise ValidationErrors(problems)


def create_person(session: Session, actor: Actor, data: PersonInput) -> Person:
    require(actor, Permission.EDIT_DIRECTORY)
    _validate_person(session, data)
    person = Person()
    _apply_person(person, data)
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.CREATE,
        "person",
        person.uuid,
        f"新增人员 {person.display_name}",
        None,
        audit.snapshot(person, PERSON_FIELDS),
    )
    return person


def update_person(
    session: Session, actor: Actor, person_id: int, data: PersonInput, expected_version: int | None
) -> Person:
    require(actor, Permission.EDIT_DIRECTORY)
    person = get_or_404(session.get(Person, person_id), "该人员")
    what = f"人员「{person.display_name}」"
    with translate_stale(session, what, obj=person):
        check_version(person, expected_version, what)
        _validate_person(session, data)
        before = audit.snapshot(person, PERSON_FIELDS)
        _apply_person(person, data)
        session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "person",
        person.uuid,
        f"修改人员 {person.display_name}",
        before,
        audit.snapshot(person, PERSON_FIELDS),
    )
    return person


def _apply_person(person: Person, data: PersonInput) -> None:
    person.unit_id = data.unit_id
    person.name = data.name.strip()
    person.description = data.description.strip()
    person.post = data.post.strip()
    person.phone = data.phone.strip()
    person.active = data.active
    person.notes = data.notes
    person.pinyin = f"{pinyin_key(person.name)} {pinyin_key(person.post)}".strip()
