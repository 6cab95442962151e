"""Is this a whole office database? Checks for ``effdesk verify`` beyond the integrity check.

* An office database has users and an audit trail: one with neither (a mistyped path that
  became an empty file, a half-made database) is "not an office database", never "verified".
* Every index and trigger the migrations define is present (a bulk load that was killed
  drops them; the full-text search trigger missing means new cases are not found).
* Number series are not behind the numbers already given (else the next registration or
  issue collides with an existing number).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select

from effdesk.db.engine import Database, open_database
from effdesk.db.models import AuditEntry, Complaint, Document, NumberSeries, User

_COMPLAINT_NUMBER = re.compile(r"(\d{4})-(\d+)$")
COMPLAINT_SERIES_KEY = "complaint"


def office_problems(db: Database) -> list[str]:
    """Why ``db`` is not (yet) an office database; empty when it has users and audit entries."""
    with db.session() as s:
        users = s.scalar(select(func.count()).select_from(User)) or 0
        entries = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    problems = []
    if not users:
        problems.append("没有任何用户")
    if not entries:
        problems.append("没有任何审计日志")
    return problems


@lru_cache(maxsize=1)
def expected_sqlite_objects() -> frozenset[tuple[str, str]]:
    """(type, name) of every index and trigger a database migrated to head has (SQLite)."""
    with tempfile.TemporaryDirectory(prefix="effdesk-schema-") as tmp:
        path = Path(tmp) / "schema.sqlite"
        db = open_database(f"sqlite:///{path}", create=True)
        db.dispose()
        return _sqlite_objects(path)


def _sqlite_objects(path: Path) -> frozenset[tuple[str, str]]:
    con = sqlite3.connect(str(path))
    try:
        rows = con.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND name NOT LIKE 'sqlite_autoindex_%'"
        ).fetchall()
    finally:
        con.close()
    return frozenset((str(t), str(n)) for t, n in rows)


def missing_objects(db: Database) -> list[str]:
    """Indexes and triggers defined by the migrations but absent from ``db`` (SQLite)."""
    if db.backend != "sqlite":
        return []
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger')"
        ).all()
    present = {(str(t), str(n)) for t, n in rows}
    label = {"index": "索引", "trigger": "触发器"}
    return [
        f"缺少{label[kind]}「{name}」" for kind, name in sorted(expected_sqlite_objects() - present)
    ]


def series_problems(db: Database) -> list[str]:
    """Number series behind the numbers already given (complaints per year, documents)."""
    problems: list[str] = []
    with db.session() as s:
        last = {
            (r.key, r.year): r.last_number
            for r in s.execute(
                select(NumberSeries.key, NumberSeries.year, NumberSeries.last_number)
            )
        }
        given: dict[int, int] = defaultdict(int)
        for number in s.scalars(select(Complaint.number)):
            m = _COMPLAINT_NUMBER.search(number or "")
            if m:
                year, serial = int(m.group(1)), int(m.group(2))
                given[year] = max(given[year], serial)
        for year, top in sorted(given.items()):
            have = last.get((COMPLAINT_SERIES_KEY, year))
            if have is None or have < top:
                problems.append(
                    f"{year}年投诉件编号序列停在 {have or 0}，但已有编号到 {top} 的投诉件"
                    "（下一件登记会与已有编号冲突）"
                )
        docs = s.execute(
            select(
                NumberSeries.key,
                NumberSeries.year,
                NumberSeries.last_number,
                func.max(Document.serial),
            )
            .join(Document, Document.series_id == NumberSeries.id)
            .group_by(NumberSeries.id)
        ).all()
        for key, year, last_doc, top_doc in docs:
            if top_doc is not None and last_doc < top_doc:
                problems.append(
                    f"公文编号序列「{key}」{year}年停在 {last_doc}，但已有文号到 {top_doc}"
                )
    return problems
