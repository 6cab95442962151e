"""The one count + offset/limit helper behind every lazy list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import Person, Unit
from effdesk.enums import AssessmentCategory, UnitKind
from effdesk.services import directory
from effdesk.services.common import fetch_page


def _units(session: Session, n: int) -> None:
    for i in range(n):
        session.add(
            Unit(
                name=f"测试单位{i:02d}",
                kind=UnitKind.DEPARTMENT,
                category=AssessmentCategory.FIRST,
                sort_order=i,
            )
        )
    session.flush()


def test_pages_cover_every_row_once_in_order(session: Session) -> None:
    _units(session, 7)
    stmt = select(Unit.name, Unit.sort_order).where(Unit.name.like("测试单位%"))
    seen: list[str] = []
    for offset in (0, 3, 6):
        rows, total = fetch_page(session, stmt, Unit.sort_order.desc(), offset=offset, limit=3)
        assert total == 7
        seen += [name for name, _ in rows]
    assert seen == [f"测试单位{i:02d}" for i in range(6, -1, -1)]
    rows, total = fetch_page(session, stmt, Unit.sort_order, offset=10, limit=3)
    assert (list(rows), total) == ([], 7)


def test_count_by_one_column_counts_the_same(session: Session) -> None:
    _units(session, 4)
    person_count = select(func.count(Person.id)).where(Person.unit_id == Unit.id)
    stmt = select(Unit, person_count.scalar_subquery()).where(Unit.name.like("测试单位%"))
    whole = fetch_page(session, stmt, Unit.id, offset=1, limit=2)
    by_id = fetch_page(session, stmt, Unit.id, offset=1, limit=2, count_by=Unit.id)
    assert whole[1] == by_id[1] == 4
    assert [u.id for u, _ in whole[0]] == [u.id for u, _ in by_id[0]]


def test_directory_lists_page_through_it(session: Session, actors: dict[str, Actor]) -> None:
    _units(session, 5)
    page = directory.list_units(session, actors["admin"], query="测试单位", offset=2, limit=2)
    assert page.total == 5 and page.offset == 2
    assert [r.name for r in page.rows] == ["测试单位02", "测试单位03"]
