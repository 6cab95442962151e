"""Finding units of the directory by the names ledgers use, and creating missing ones."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Unit
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.services import directory

# Units created because a ledger names them get this category until somebody sets it.
NEW_UNIT_CATEGORY = AssessmentCategory.THIRD


def unit_key(name: str) -> str:
    return re.sub(r"[\s\u3000]+", "", name).replace("（", "(").replace("）", ")")


def unit_index(session: Session) -> dict[str, int]:
    """Unit id by normalised full name and by short name (full names win)."""
    index: dict[str, int] = {}
    rows = session.execute(select(Unit.id, Unit.name, Unit.short_name)).all()
    for uid, _name, short in rows:
        if short:
            index.setdefault(unit_key(short), uid)
    for uid, name, _short in rows:
        index[unit_key(name)] = uid
    return index


def guess_kind(name: str) -> UnitKind:
    if re.search(r"(乡|镇|街道|办事处)$", name) or re.search(r"(乡|镇)人民政府$", name):
        return UnitKind.TOWN
    if re.search(r"(窗口|大厅|服务中心|政务中心|营业厅|中心)", name):
        return UnitKind.WINDOW
    if re.search(r"(公司|集团|银行|医院|学校)", name):
        return UnitKind.ENTERPRISE
    return UnitKind.DEPARTMENT


def create_named_units(session: Session, actor: Actor, names: list[str]) -> dict[str, int]:
    """Create each unit with a kind guessed from its name and :data:`NEW_UNIT_CATEGORY`."""
    made: dict[str, int] = {}
    for name in names:
        unit = directory.create_unit(
            session,
            actor,
            directory.UnitInput(
                name=name,
                kind=guess_kind(name),
                category=NEW_UNIT_CATEGORY,
                notes="由台账导入时新建，请核对单位类型和考评类别。",
            ),
        )
        made[unit_key(name)] = unit.id
    return made
