"""Build a realistic demo county efficiency office into an empty database.

Public API::

    build_demo(db, seed=2026, complaints=500, today=None, progress=None) -> DemoSummary

Same ``seed`` and ``today`` give identical rows, UUIDs included (every UUID comes from a seeded
``random.Random``; every timestamp from ``today``). Exceptions: password hashes (fresh salt per
user) and the one audit entry recording the build. Rows are written with SQLAlchemy Core in
batches, so ``complaints=1_000_000`` takes minutes, not hours.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, func, inspect, select, text

from effdesk import audit
from effdesk.auth import SYSTEM
from effdesk.db.base import Base
from effdesk.db.engine import Database
from effdesk.db.models import (
    Campaign,
    Complaint,
    Document,
    Setting,
    Unit,
    User,
)
from effdesk.db.restore_journal import crash_point
from effdesk.demo._common import WorkDays, section_rng, table
from effdesk.demo.accountability import build_accountability
from effdesk.demo.complaints import FULL_HISTORY_RECENT, build_complaints
from effdesk.demo.directory import DEMO_PASSWORD, DEMO_USERS, DemoLogin, build_directory
from effdesk.demo.inspections import build_inspections
from effdesk.enums import AuditAction, ComplaintState
from effdesk.errors import EffDeskError
from effdesk.office_calendar import load_calendar

DEFAULT_SEED = 2026
DEFAULT_COMPLAINTS = 500
# Above this many complaints the FTS and other indexes are built once at the end (SQLite).
BULK_THRESHOLD = 5_000
_FTS_INSERT_TRIGGER = "complaints_fts_ai"


class DemoRefused(EffDeskError):
    """The target database is not empty: the demo never mixes with real data."""


@dataclass
class DemoSummary:
    """What was built: rows per table, complaints per state, the demo logins."""

    seed: int
    today: date
    complaints: int
    table_counts: dict[str, int]
    complaint_states: dict[ComplaintState, int]
    overdue_open: int
    ever_overdue: int
    evidence_files: int
    logins: tuple[DemoLogin, ...] = DEMO_USERS
    password: str = DEMO_PASSWORD
    elapsed_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary in Chinese, for the command line and the GUI."""
        c = self.table_counts
        states = "，".join(f"{s.label}{self.complaint_states.get(s, 0)}" for s in ComplaintState)
        return [
            f"演示数据已生成（随机种子 {self.seed}，基准日期 {self.today:%Y-%m-%d}，"
            f"用时 {self.elapsed_seconds:.1f} 秒）：",
            f"  单位 {c.get('units', 0)} 个，干部职工 {c.get('persons', 0)} 人，"
            f"问题类别 {c.get('problem_categories', 0)} 个，用户 {c.get('users', 0)} 个；",
            f"  投诉件 {self.complaints} 件（{states}）；",
            f"  其中仍在办理且已超期 {self.overdue_open} 件，曾超期 {self.ever_overdue} 件；"
            f"办理记录 {c.get('complaint_events', 0)} 条；",
            f"  督查活动 {c.get('campaigns', 0)} 次，督查发现问题 {c.get('findings', 0)} 个，"
            f"证据照片 {self.evidence_files} 张；",
            f"  问责 {c.get('accountability_measures', 0)} 人次（单位），"
            f"整改 {c.get('rectifications', 0)} 件，公文 {c.get('documents', 0)} 份。",
        ]


# Tables whose rows mean "this database is in use".
_DATA_TABLES = (User, Unit, Complaint, Campaign, Document, Setting)


def existing_data(db: Database) -> list[str]:
    """Names (Chinese) of the kinds of data the database already holds; empty: safe to fill."""
    labels = {
        "users": "用户",
        "units": "单位",
        "complaints": "投诉件",
        "campaigns": "督查活动",
        "documents": "公文",
        "settings": "系统设置",
    }
    found: list[str] = []
    with db.engine.connect() as conn:
        for model in _DATA_TABLES:
            t = table(model)
            if conn.execute(select(func.count()).select_from(t)).scalar_one():
                found.append(labels[t.name])
    return found


def build_demo(
    db: Database,
    seed: int = DEFAULT_SEED,
    complaints: int = DEFAULT_COMPLAINTS,
    today: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DemoSummary:
    """Fill the empty database ``db`` with a demo county efficiency office.

    ``today``: the demo's "now" (cases are received in the 12 months before it); defaults to
    the real date. ``progress(done, total, what)`` is called as stages advance (``done`` of
    ``total`` within the stage named ``what``). Raises :class:`DemoRefused` if ``db`` holds
    data.
    """
    if complaints < 0:
        raise EffDeskError("投诉件数量不能为负数。")
    found = existing_data(db)
    if found:
        raise DemoRefused(
            f"目标数据库已有数据（{'、'.join(found)}），演示数据只能生成到空数据库中。"
        )
    today = today or date.today()
    started = _time.perf_counter()
    timings: dict[str, float] = {}
    base_at = datetime.combine(today - timedelta(days=420), time(9, 0))
    report = progress or (lambda _d, _t, _w: None)

    with db.session() as session:
        calendar = load_calendar(session)
    workdays = WorkDays(calendar)

    with db.engine.connect() as conn:
        _tune(conn)
        report(0, 1, "生成单位、人员和用户")
        t0 = _time.perf_counter()
        directory, _counts = build_directory(conn, section_rng(seed, "directory"), base_at)
        conn.commit()
        timings["directory"] = _time.perf_counter() - t0

        t0 = _time.perf_counter()
        with _bulk_load(conn, complaints > BULK_THRESHOLD) as loader:
            stats = build_complaints(
                conn,
                directory,
                workdays,
                seed,
                today,
                complaints,
                report,
                after_chunk=loader.after_chunk if loader else None,
            )
        timings["complaints"] = _time.perf_counter() - t0

        t0 = _time.perf_counter()
        report(0, 1, "生成督查活动和证据照片")
        inspections = build_inspections(
            conn, db.files_dir, directory, workdays, section_rng(seed, "inspections"), today
        )
        conn.commit()
        timings["inspections"] = _time.perf_counter() - t0

        t0 = _time.perf_counter()
        report(0, 1, "生成问责、整改和公文")
        build_accountability(
            conn,
            directory,
            workdays,
            section_rng(seed, "accountability"),
            today,
            stats,
            inspections,
            scale=max(1.0, complaints / DEFAULT_COMPLAINTS),
        )
        conn.commit()
        timings["accountability"] = _time.perf_counter() - t0
        _fix_sequences(conn)
        conn.commit()
        _untune(conn)
        table_counts = _count_rows(conn)

    summary = DemoSummary(
        seed=seed,
        today=today,
        complaints=stats.total,
        table_counts=table_counts,
        complaint_states=dict(stats.states),
        overdue_open=stats.overdue_open,
        ever_overdue=stats.ever_overdue,
        evidence_files=inspections.photos,
        timings=timings,
    )
    summary.elapsed_seconds = _time.perf_counter() - started
    with db.session() as session:
        audit.record(
            session,
            SYSTEM,
            AuditAction.IMPORT,
            "demo",
            "",
            f"生成演示数据：{summary.lines()[1].strip()} 投诉件{stats.total}件",
            None,
            {
                "seed": seed,
                "today": today.isoformat(),
                "complaints": stats.total,
                "tables": table_counts,
                "full_history_recent": FULL_HISTORY_RECENT,
            },
        )
    report(1, 1, "完成")
    return summary


def _tune(conn: Connection) -> None:
    # SQLite only: a larger page cache for this connection speeds up the bulk inserts.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-200000")


def _untune(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-2000")


# Tables filled in bulk: their secondary indexes are built once at the end.
_BULK_TABLES = ("complaints", "complaint_events", "complaint_persons")


class _BulkLoad:
    """What :func:`_bulk_load` does per chunk: index it for full-text search (SQLite)."""

    def __init__(self, fts: bool) -> None:
        self.fts = fts

    def after_chunk(self, conn: Connection, first_id: int, last_id: int) -> None:
        # Crash tests: killed with the indexes and the FTS trigger dropped (see commands/demo).
        crash_point("demo-bulk")
        if self.fts:
            conn.exec_driver_sql(
                "INSERT INTO complaints_fts(rowid, search_text, search_identity) "
                "SELECT id, search_text, search_identity FROM complaints WHERE id BETWEEN ? AND ?",
                (first_id, last_id),
            )


@contextmanager
def _bulk_load(conn: Connection, bulk: bool) -> Iterator[_BulkLoad | None]:
    """SQLite only, large builds only: fill the complaint tables without the per-row FTS
    trigger and secondary indexes; index each chunk for full-text search in one statement;
    at the end put the trigger and the indexes back exactly as they were (their SQL is read
    from the schema, not repeated here). If the build fails, the FTS index is rebuilt whole.

    FTS5 flushes its in-memory index at every statement savepoint, so a trigger-fed bulk load
    writes a tiny segment per row; one statement per chunk is an order of magnitude faster.
    Likewise one CREATE INDEX over the finished table beats a million B-tree inserts.
    """
    if not bulk or conn.dialect.name != "sqlite":
        yield None
        return
    marks = ", ".join("?" for _ in _BULK_TABLES)
    objects = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        f"(type = 'index' AND tbl_name IN ({marks})) OR (type = 'trigger' AND name = ?))",
        (*_BULK_TABLES, _FTS_INSERT_TRIGGER),
    ).all()
    loader = _BulkLoad(fts=any(kind == "trigger" for kind, _n, _s in objects))
    for kind, name, _sql in objects:
        conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    if loader.fts:
        # No incremental merging while loading; one "optimize" at the end is cheaper.
        _fts_config(conn, automerge=0, crisismerge=1000)
    # Fewer, larger checkpoints: pages rewritten by consecutive chunks are copied once.
    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=20000")
    conn.commit()
    ok = False
    try:
        yield loader
        ok = True
    finally:
        conn.rollback()
        if loader.fts:
            command = "optimize" if ok else "rebuild"
            conn.exec_driver_sql(f"INSERT INTO complaints_fts(complaints_fts) VALUES ('{command}')")
            _fts_config(conn, automerge=_FTS_AUTOMERGE, crisismerge=_FTS_CRISISMERGE)
        for _kind, _name, sql in objects:
            conn.exec_driver_sql(str(sql))
        conn.commit()
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")


# FTS5's defaults, restored after a bulk load (the settings are stored in the index itself).
_FTS_AUTOMERGE = 4
_FTS_CRISISMERGE = 16


def _fts_config(conn: Connection, *, automerge: int, crisismerge: int) -> None:
    for name, value in (("automerge", automerge), ("crisismerge", crisismerge)):
        conn.exec_driver_sql(
            "INSERT INTO complaints_fts(complaints_fts, rank) VALUES (?, ?)", (name, value)
        )


def _fix_sequences(conn: Connection) -> None:
    """PostgreSQL only: rows were inserted with explicit ids, so move each id sequence past
    the largest id (SQLite's rowid needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for t in Base.metadata.sorted_tables:
        if "id" not in t.c or not t.c.id.primary_key:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {t.name}), 0) + 1, false)"
            )
        )


def _count_rows(conn: Connection) -> dict[str, int]:
    names = set(inspect(conn).get_table_names())
    counts: dict[str, int] = {}
    for t in Base.metadata.sorted_tables:
        if t.name in names:
            counts[t.name] = conn.execute(select(func.count()).select_from(t)).scalar_one()
    return counts
