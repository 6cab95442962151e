"""Restore into a server database (PostgreSQL), with the same archive and the same checks.

The archive of a server database holds a SQLite snapshot of its rows (made by
:func:`effdesk.db.copy.snapshot_to_sqlite`), so it is unpacked and checked exactly as a
SQLite office's (every chunk, every manifest hash, the database's integrity) and its restore
is recorded in the staged file's audit trail first. Then:

1. Nobody else may be connected: the server's ``pg_stat_activity`` for this database must
   show no other session (each EffDesk names itself in ``application_name`` with its computer
   and process; other programs are named by user and address). Refused otherwise, naming them.
2. The current data is kept: its rows are copied into ``<evidence folder>-postgresql-<id>
   .before-restore-<time>.sqlite`` beside the evidence folder (a SQLite EffDesk database that
   ``effdesk db copy`` can bring back), and the evidence files the archive does not hold are
   moved aside into ``<evidence folder>.before-restore-<time>/`` after the commit.
3. The archive's evidence files are put into the store (content addressed: each checked
   against its SHA-256); the rows are replaced in ONE transaction (every table emptied, the
   snapshot's rows copied, sequences reset, counts and the audit chain head checked, and the
   sessions checked once more) — any failure rolls back to the data as it was, and the blobs
   that were new are removed again.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from sqlalchemy import Connection, text

from effdesk.auth import SYSTEM, Actor
from effdesk.db.base import now
from effdesk.db.copy import copy_evidence, remove_added, replace_rows, snapshot_to_sqlite
from effdesk.db.engine import open_database
from effdesk.db.presence import DatabaseInUse
from effdesk.evidence.store import EvidenceStore
from effdesk.permissions import Permission, require
from effdesk.progress import NoProgress, Progress
from effdesk.security import anchors
from effdesk.security.backup.archive import (
    DB_MEMBER,
)
from effdesk.security.backup.identity import mark_base
from effdesk.security.backup.unpack import (
    RestoreResult,
    check_revision,
    stage_restore_record,
    unpack_archive,
)

# effdesk.db.engine.application_name(): "EffDesk <host> pid <pid>"
_EFFDESK_APP = re.compile(r"^EffDesk (.+) pid (\d+)$")


def other_sessions(conn: Connection) -> list[str]:
    """The other sessions connected to this server database, described in Chinese."""
    rows = conn.execute(
        text(
            "SELECT pid, usename, application_name, client_addr::text, backend_start "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    ).all()
    found = []
    for pid, user, app, addr, started in rows:
        where = addr or "本机套接字"
        since = f"，{started:%m-%d %H:%M} 起" if started is not None else ""
        m = _EFFDESK_APP.match(str(app or ""))
        if m:
            found.append(
                f"电脑「{m.group(1)}」上的 EffDesk（进程号 {m.group(2)}，数据库用户 {user}，"
                f"地址 {where}{since}）"
            )
        else:
            found.append(
                f"其他程序「{app or '未命名'}」（数据库用户 {user}，地址 {where}，进程 {pid}{since}）"
            )
    return found


def refuse_if_shared(conn: Connection, what: str = "从备份恢复") -> None:
    found = other_sessions(conn)
    if found:
        raise DatabaseInUse(
            f"无法{what}：还有 {len(found)} 个连接正在使用这个服务器数据库——"
            + "；".join(found[:6])
            + ("等" if len(found) > 6 else "")
            + f"。请先关闭其他电脑上的 EffDesk（及其他连接此数据库的程序），再{what}。"
            "当前数据未做任何改动。"
        )


def restore_to_server(
    archive: Path,
    key: bytes,
    db_url: str,
    *,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
) -> RestoreResult:
    """:func:`effdesk.security.backup.restore_backup` for a server database (module doc)."""
    require(actor, Permission.RESTORE)
    prog = progress or NoProgress()
    database = open_database(db_url)
    try:
        with database.engine.connect() as conn:
            refuse_if_shared(conn)
        base = mark_base(database)
        from effdesk.security.housekeeping import private_temp_dir

        stamp = now().strftime("%Y%m%d-%H%M%S")
        staging = private_temp_dir(base) / f"restore-{stamp}-{os.getpid()}"
        kept_db = base.with_name(f"{base.name}.before-restore-{stamp}.sqlite")
        files_dir = database.files_dir
        try:
            staging.mkdir(mode=0o700)
            manifest = unpack_archive(archive, key, staging, prog)
            check_revision(manifest)
            (staging / "files").mkdir(exist_ok=True)
            prog.report(0, 0, "正在保留当前数据…")
            snapshot_to_sqlite(database, kept_db, progress=prog)
            os.chmod(kept_db, 0o600)
            stage_restore_record(staging / DB_MEMBER, actor, archive, manifest, kept_db)
            staged_store = EvidenceStore(staging / "files")
            wanted = set(staged_store.iter_blobs())

            def last_check(conn: Connection) -> None:
                prog.check()  # the last chance to cancel: the commit makes it final
                refuse_if_shared(conn)  # nobody connected meanwhile

            added = copy_evidence(staged_store, database.evidence, progress=prog).added
            try:
                prog.report(0, 0, "正在写入恢复的数据…")
                replace_rows(
                    staging / DB_MEMBER,
                    database,
                    progress=prog,
                    before_commit=last_check,
                )
            except BaseException:
                remove_added(database.evidence, added)
                raise
        except OSError as exc:
            from effdesk.security.backup.create import io_error

            kept_db.unlink(missing_ok=True)
            raise io_error("恢复", exc, staging) from exc
        except BaseException:
            kept_db.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        kept_files = _move_aside_extra(database.evidence, wanted, files_dir, stamp)
        with database.session() as s:
            anchors.mark_after_restore(s, key, manifest.database_id, mark_base(database))
    finally:
        database.dispose()
    return RestoreResult(
        archive=archive,
        manifest=manifest,
        database=_label(db_url),
        files_dir=files_dir,
        kept_database=kept_db,
        kept_files=kept_files,
    )


def _move_aside_extra(
    store: EvidenceStore, wanted: set[str], files_dir: Path, stamp: str
) -> Path | None:
    """Blobs the restored database does not know go aside (never deleted), as on SQLite."""
    extra = [sha for sha in store.iter_blobs() if sha not in wanted]
    if not extra:
        return None
    aside = files_dir.with_name(f"{files_dir.name}.before-restore-{stamp}")
    for sha in extra:
        src = store.path_of(sha)
        dest = aside / "objects" / sha[:2] / sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.move(str(src), str(dest))
        store.remove(sha)  # its thumbnails
    return aside


def _label(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
