"""Copying a whole EffDesk database, row for row, to another backend (``effdesk db copy``).

Every table of the models is copied verbatim — ids, the audit hash chain, version counters —
in foreign-key order and in batches, from a consistent snapshot of the source (SQLite: an
online-backup copy of the file; PostgreSQL: one REPEATABLE READ, READ ONLY transaction), into
a migrated target that holds no rows at all (anything else is refused). Rows that point at a
row of their own table (units, merged complaints, superseding documents) are inserted with
that column empty and filled in at the end of the table, so the order of ids never matters.

All or nothing:

- PostgreSQL target: one transaction — rows, sequences reset past the copied ids (``setval``)
  and the check (row counts per table, audit chain head) all happen before the commit; any
  error or a cancel rolls everything back.
- SQLite target: the rows go into a staging file beside the target (a copy of the empty
  migrated target), which is checked, made self-contained (no WAL) and only then moved over
  the target under the exclusive hold (:mod:`effdesk.db.presence`).
- Evidence: every blob of the source's store is put into the target's store (content
  addressed: the name is checked against the SHA-256 of the bytes copied). Blobs that were
  new to the target are removed again if the copy fails or is cancelled.

Backups of a PostgreSQL database use :func:`snapshot_to_sqlite` (the archive then holds a
SQLite file, the same format as a SQLite office's), and restoring one uses
:func:`replace_rows` (the target's rows are replaced in one transaction).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from effdesk.db import presence
from effdesk.db.base import Base
from effdesk.db.engine import (
    Database,
    make_engine,
    open_database,
    sqlite_file,
    upgrade_to_head,
)
from effdesk.db.models import AuditEntry
from effdesk.errors import EffDeskError
from effdesk.paths import evidence_dir_for
from effdesk.progress import NoProgress, Progress

if TYPE_CHECKING:
    from effdesk.evidence.store import EvidenceStore

DEFAULT_BATCH = 2000


class TargetNotEmpty(EffDeskError):
    pass


class CopyCheckFailed(EffDeskError):
    pass


@dataclass(frozen=True)
class TableCheck:
    name: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    files: int = 0  # evidence blobs in the source, each checked in the target
    file_bytes: int = 0
    new_files: int = 0  # of them not yet in the target's store
    audit_head: tuple[int, str] = (0, "")
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)

    def summary(self) -> str:
        """The check, as printed by ``effdesk db copy``."""
        width = max((len(t.name) for t in self.tables), default=10)
        lines = [
            f"已复制：{self.source} → {self.target}",
            f"{'表'.ljust(width)}  {'源':>8}  {'目标':>8}",
        ]
        for t in self.tables:
            if t.source or t.target:
                mark = "" if t.ok else "  ✗ 不一致"
                lines.append(f"{t.name.ljust(width)}  {t.source:>8}  {t.target:>8}{mark}")
        empty = sum(1 for t in self.tables if not t.source and not t.target)
        lines.append(
            f"共 {len(self.tables)} 张表（其中 {empty} 张为空），{self.rows} 行，逐表行数一致；"
            f"审计日志链首第{self.audit_head[0]}条一致。"
        )
        mb = self.file_bytes / 1024 / 1024
        lines.append(
            f"证据文件 {self.files} 个（{mb:.1f} MB，其中新复制 {self.new_files} 个），"
            "目标中逐个按 SHA-256 校验一致。"
        )
        lines.append(f"用时 {self.seconds:.1f} 秒。")
        return "\n".join(lines)


def tables() -> list[Table]:
    """Every table of the models, parents before children."""
    return list(Base.metadata.sorted_tables)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def row_counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in tables()
    }


def _chain_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def ensure_empty(conn: Connection, label: str) -> None:
    """Refuse a target that holds any row (naming the tables)."""
    full = {k: v for k, v in row_counts(conn).items() if v}
    if full:
        shown = "、".join(f"{k}（{v}行）" for k, v in list(full.items())[:6])
        raise TargetNotEmpty(
            f"目标数据库 {label} 不是空库：{shown}{'等' if len(full) > 6 else ''}已有数据。"
            "为免覆盖，复制只写入刚建立的空库；请换一个空数据库（PostgreSQL：新建数据库；"
            "SQLite：一个不存在的文件），目标未做任何改动。"
        )


def _check_revisions(src: Connection, dst: Connection, source: str, target: str) -> None:
    a = src.execute(text("SELECT version_num FROM alembic_version")).scalar()
    b = dst.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if a != b:
        raise EffDeskError(
            f"源数据库（{source}，架构版本 {a}）与目标数据库（{target}，架构版本 {b}）"
            "的架构版本不同，无法逐行复制。请先用同一版本的 EffDesk 把两者升级到最新。"
        )


def transfer_rows(
    src: Connection,
    dst: Connection,
    *,
    progress: Progress | None = None,
    batch: int = DEFAULT_BATCH,
) -> dict[str, int]:
    """Insert every row of ``src`` into ``dst`` (both at the same schema revision; ``dst``
    empty), verbatim, in FK order and batches. Returns the source's row counts."""
    prog = progress or NoProgress()
    totals = row_counts(src)
    total = sum(totals.values())
    done = 0
    prog.report(0, total, "正在复制数据…")
    for table in tables():
        if not totals[table.name]:
            continue
        keys = [c.key for c in table.c]
        selfref = [fk.parent.key for fk in table.foreign_keys if fk.column.table is table]
        later: dict[str, list[dict[str, object]]] = {k: [] for k in selfref}
        # JSON columns travel as their text, so that SQL NULL and JSON null stay apart.
        json_keys = [c.key for c in table.c if isinstance(c.type, JSON)]
        stmt = select(
            *(cast(c, Text).label(c.key) if c.key in json_keys else c for c in table.c)
        ).order_by(*table.primary_key.columns)
        insert = table.insert().values(
            {k: bindparam(k, type_=JSON(none_as_null=True)) for k in json_keys}
        )
        result = src.execution_options(stream_results=True, yield_per=batch).execute(stmt)
        for part in result.partitions(batch):
            prog.check()
            rows = [dict(zip(keys, r, strict=True)) for r in part]
            for key in json_keys:
                for row in rows:
                    row[key] = _json_value(row[key])
            for key in selfref:
                for row in rows:
                    if row[key] is not None:
                        later[key].append({"b_id": row["id"], "b_value": row[key]})
                        row[key] = None
            dst.execute(insert, rows)
            done += len(rows)
            prog.report(done, total, f"正在复制数据（{table.name}）…")
        for key, values in later.items():
            for i in range(0, len(values), batch):
                prog.check()
                dst.execute(
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values({key: bindparam("b_value")}),
                    values[i : i + batch],
                )
    return totals


def _json_value(raw: object) -> object:
    if raw is None:
        return None  # SQL NULL
    parsed = json.loads(str(raw))
    return JSON.NULL if parsed is None else parsed


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move every id sequence past the copied ids (no-op on SQLite)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        if "id" not in table.c or len(table.primary_key.columns) != 1:
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar()
        if seq:
            conn.execute(
                text(
                    f"SELECT setval(:seq, COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                    f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                ),
                {"seq": seq},
            )


def _verify_rows(
    src_counts: dict[str, int], src_head: tuple[int, str], dst: Connection, target: str
) -> list[TableCheck]:
    got = row_counts(dst)
    checks = [TableCheck(name, src_counts[name], got.get(name, 0)) for name in src_counts]
    bad = [c for c in checks if not c.ok]
    if bad:
        raise CopyCheckFailed(
            f"复制后核对不一致（{target}）："
            + "、".join(f"{c.name} 源{c.source}行/目标{c.target}行" for c in bad[:5])
            + "。目标已撤销，未做任何改动。"
        )
    head = _chain_head(dst)
    if head != src_head:
        raise CopyCheckFailed(
            f"复制后审计日志链首不一致（源第{src_head[0]}条，目标第{head[0]}条）。"
            "目标已撤销，未做任何改动。"
        )
    return checks


# --------------------------------------------------------------------------- reading


@contextmanager
def snapshot_reader(db: Database, work_dir: Path | None = None) -> Iterator[Connection]:
    """A connection that sees one consistent state of ``db`` for as long as it is open.

    SQLite: an online-backup copy of the file in a private temporary folder (``work_dir``,
    default beside the database), read and removed afterwards. PostgreSQL: a REPEATABLE READ,
    READ ONLY transaction.
    """
    path = sqlite_file(db.url)
    if path is None:
        conn = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
        try:
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                yield conn
        finally:
            conn.close()
        return
    with tempfile.TemporaryDirectory(prefix=".effdesk-copy-", dir=work_dir or path.parent) as tmp:
        snap = Path(tmp) / "snapshot.sqlite"
        with (
            contextlib.closing(sqlite3.connect(str(path), timeout=30)) as source,
            contextlib.closing(sqlite3.connect(str(snap))) as target,
        ):
            source.backup(target)
        engine = create_engine(f"sqlite:///{snap}")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()


# --------------------------------------------------------------------------- evidence


@dataclass
class EvidenceCopy:
    files: int = 0
    bytes: int = 0
    added: list[str] = field(default_factory=list)


def copy_evidence(
    source: EvidenceStore,
    target: EvidenceStore,
    *,
    progress: Progress | None = None,
    only: set[str] | None = None,
) -> EvidenceCopy:
    """Put every blob of ``source`` (or those in ``only``) into ``target``, checking each
    one's SHA-256 against its name; ``added`` lists the blobs that were new to ``target``
    (for :func:`remove_added` when the copy is abandoned)."""
    prog = progress or NoProgress()
    shas = [s for s in source.iter_blobs() if only is None or s in only]
    out = EvidenceCopy()
    try:
        for i, sha in enumerate(shas):
            prog.check()
            src = source.path_of(sha)
            if target.exists(sha) and target.verify_blob(sha) is None:
                out.files += 1
                out.bytes += src.stat().st_size
                continue
            stored = target.put(src)
            if stored.sha256 != sha:
                if stored.created:
                    target.remove(stored.sha256)
                raise CopyCheckFailed(
                    f"源证据文件 {src} 的内容与其名称（SHA-256）不符（文件已损坏）。"
                    "请先运行 effdesk verify 查明；目标未做任何改动。"
                )
            if stored.created:
                out.added.append(sha)
            out.files += 1
            out.bytes += stored.size
            prog.report(i + 1, len(shas), "正在复制证据文件…")
    except BaseException:
        remove_added(target, out.added)
        raise
    return out


def remove_added(store: EvidenceStore, added: list[str]) -> None:
    for sha in added:
        with contextlib.suppress(OSError):
            store.remove(sha)


def check_evidence(source: EvidenceStore, target: EvidenceStore) -> None:
    """Every blob of ``source`` present in ``target`` with bytes that hash to its name."""
    bad = [
        f"{sha[:12]}…（{problem}）"
        for sha in source.iter_blobs()
        if (problem := target.verify_blob(sha)) is not None
    ]
    if bad:
        raise CopyCheckFailed(
            f"复制后证据文件核对不一致（{len(bad)}个）：" + "、".join(bad[:5]) + "。"
        )


# --------------------------------------------------------------------------- the whole copy


def copy_database(
    source_url: str,
    target_url: str,
    *,
    progress: Progress | None = None,
    batch: int = DEFAULT_BATCH,
) -> CopyReport:
    """Copy the EffDesk database at ``source_url`` with its evidence into the empty one at
    ``target_url`` (a SQLite file that does not exist yet, or a migrated empty database —
    a PostgreSQL database without tables is migrated first). Refuses a non-empty target."""
    prog = progress or NoProgress()
    started = time.monotonic()
    src_label, dst_label = _safe(source_url), _safe(target_url)
    if _same_database(source_url, target_url):
        raise EffDeskError("源数据库和目标数据库是同一个，无法复制。")
    source = open_database(source_url)
    target_path = sqlite_file(target_url)
    # A SQLite target is made here; if the copy does not complete it is removed again.
    made = target_path is not None and not target_path.exists()
    made_files = made and not evidence_dir_for(target_url).exists()
    try:
        target = open_database(target_url, create=target_path is not None)
        try:
            report = CopyReport(source=src_label, target=dst_label)
            with target.engine.connect() as probe:
                ensure_empty(probe, dst_label)
            evidence = copy_evidence(source.evidence, target.evidence, progress=prog)
            try:
                if target_path is None:
                    report.tables, report.audit_head = _copy_into_server(
                        source, target, src_label, dst_label, prog, batch
                    )
                else:
                    report.tables, report.audit_head = _copy_into_sqlite(
                        source, target, target_path, src_label, dst_label, prog, batch
                    )
                check_evidence(source.evidence, target.evidence)
            except BaseException:
                remove_added(target.evidence, evidence.added)
                raise
        finally:
            target.dispose()
    except BaseException:
        if made and target_path is not None:
            _wipe(target_path)
            if made_files:
                shutil.rmtree(evidence_dir_for(target_url), ignore_errors=True)
        raise
    finally:
        source.dispose()
    report.files, report.file_bytes = evidence.files, evidence.bytes
    report.new_files = len(evidence.added)
    report.seconds = time.monotonic() - started
    return report


def _same_database(a: str, b: str) -> bool:
    pa, pb = sqlite_file(a), sqlite_file(b)
    if pa is not None and pb is not None:
        return pa.resolve() == pb.resolve()
    return _safe(a) == _safe(b)


def _copy_into_server(
    source: Database,
    target: Database,
    src_label: str,
    dst_label: str,
    prog: Progress,
    batch: int,
) -> tuple[list[TableCheck], tuple[int, str]]:
    with snapshot_reader(source) as src, target.engine.connect() as dst, dst.begin():
        dst.execute(text("SET LOCAL lock_timeout = '10s'"))
        _check_revisions(src, dst, src_label, dst_label)
        ensure_empty(dst, dst_label)
        counts = transfer_rows(src, dst, progress=prog, batch=batch)
        reset_sequences(dst)
        prog.report(0, 0, "正在核对…")
        head = _chain_head(src)
        checks = _verify_rows(counts, head, dst, dst_label)
        prog.check()  # the last chance to cancel: after this the commit makes it final
    return checks, head


def _copy_into_sqlite(
    source: Database,
    target: Database,
    target_path: Path,
    src_label: str,
    dst_label: str,
    prog: Progress,
    batch: int,
) -> tuple[list[TableCheck], tuple[int, str]]:
    staging = target_path.with_name(f".{target_path.name}.copy-{os.getpid()}")
    _wipe(staging)
    try:
        # The staging file starts as a copy of the empty, migrated target.
        with (
            contextlib.closing(sqlite3.connect(str(target_path), timeout=30)) as t,
            contextlib.closing(sqlite3.connect(str(staging))) as s,
        ):
            t.backup(s)
        engine = make_engine(f"sqlite:///{staging}")
        try:
            with snapshot_reader(source, target_path.parent) as src, engine.begin() as dst:
                _check_revisions(src, dst, src_label, dst_label)
                counts = transfer_rows(src, dst, progress=prog, batch=batch)
                prog.report(0, 0, "正在核对…")
                head = _chain_head(src)
                checks = _verify_rows(counts, head, dst, dst_label)
                problems = [r[0] for r in dst.exec_driver_sql("PRAGMA foreign_key_check")]
                if problems:
                    raise CopyCheckFailed(
                        f"复制后外键核对不一致（{len(problems)}处，表 {problems[0]}）。"
                        "目标未做任何改动。"
                    )
        finally:
            engine.dispose()
        with contextlib.closing(sqlite3.connect(str(staging))) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.execute("PRAGMA journal_mode=DELETE")
        prog.check()
        target.dispose()  # our own hold, so that the exclusive hold can be taken
        with presence.exclusive(target_path, "写入复制的数据库"):
            engine = create_engine(f"sqlite:///{target_path}")
            try:
                with engine.connect() as probe:
                    ensure_empty(probe, dst_label)  # nobody wrote into it meanwhile
            finally:
                engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{target_path}{suffix}").unlink(missing_ok=True)
            with open(staging, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(staging, target_path)
    finally:
        _wipe(staging)
    return checks, head


def _wipe(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --------------------------------------------------------------------------- backup / restore


def snapshot_to_sqlite(
    source: Database,
    dest: Path,
    *,
    progress: Progress | None = None,
    batch: int = DEFAULT_BATCH,
) -> dict[str, int]:
    """Write one consistent state of ``source`` (rows only) into a new SQLite file ``dest``,
    migrated to the same schema, self-contained (no WAL). Returns the row counts."""
    _wipe(dest)
    engine = make_engine(f"sqlite:///{dest}")
    try:
        upgrade_to_head(engine)
        with snapshot_reader(source) as src, engine.begin() as dst:
            _check_revisions(src, dst, _safe(source.url), str(dest))
            counts = transfer_rows(src, dst, progress=progress, batch=batch)
            _verify_rows(counts, _chain_head(src), dst, str(dest))
    finally:
        engine.dispose()
    with contextlib.closing(sqlite3.connect(str(dest))) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    return counts


def replace_rows(
    source: Path,
    target: Database,
    *,
    progress: Progress | None = None,
    batch: int = DEFAULT_BATCH,
    before_commit: Callable[[Connection], None] | None = None,
) -> dict[str, int]:
    """Replace every row of the server database ``target`` by the rows of the SQLite file
    ``source`` (at the same schema revision), in ONE transaction: empty every table, copy,
    reset the sequences, check the counts and the audit chain head; ``before_commit`` runs
    last inside it (it may raise to abandon everything)."""
    engine = create_engine(f"sqlite:///{source}")
    try:
        with engine.connect() as src, target.engine.connect() as dst, dst.begin():
            dst.execute(text("SET LOCAL lock_timeout = '10s'"))
            label = _safe(target.url)
            _check_revisions(src, dst, str(source), label)
            names = ", ".join(t.name for t in tables())
            dst.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
            counts = transfer_rows(src, dst, progress=progress, batch=batch)
            reset_sequences(dst)
            _verify_rows(counts, _chain_head(src), dst, label)
            if before_commit is not None:
                before_commit(dst)
    finally:
        engine.dispose()
    return counts
