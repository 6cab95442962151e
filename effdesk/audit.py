"""The append-only audit trail, each entry chained to the previous one by SHA-256.

``hash = sha256(prev_hash || canonical_json(entry))``: editing, deleting or reordering any
entry breaks the chain from that entry on, which :func:`verify_chain` reports.

Appends never fork: :func:`record` takes the database's write lock (SQLite) or a
transaction-scoped advisory lock (PostgreSQL) *before* reading the chain head, so two PCs or
two windows appending at once are serialised, each linking to the other's entry.

Known limit: the chain proves the log was not changed *inside*; somebody who rewrites the
whole tail (recomputing every later hash) or cuts off the newest entries is not detected by
the chain alone. Each backup therefore leaves an authenticated anchor of the head beside its
archive (:func:`effdesk.security.backup.latest_anchor`), which :func:`check_anchor` compares
with the log (``effdesk verify`` does).
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, cast, select, text, update
from sqlalchemy.orm import Session

from effdesk.access import check_current
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction

GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock guarding the chain head ("EffA" in ASCII).
_PG_AUDIT_LOCK = 0x45666641


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_payload(
    seq: int,
    at: datetime,
    user_id: int | None,
    username: str,
    action: str,
    object_type: str,
    object_uuid: str,
    summary: str,
    before: Any,
    after: Any,
    host: str,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at.isoformat(timespec="seconds"),
        "user_id": user_id,
        "username": username,
        "action": action,
        "object_type": object_type,
        "object_uuid": object_uuid,
        "summary": summary,
        "before": before,
        "after": after,
        "host": host,
    }


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    object_type: str = "",
    object_uuid: str = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the change).

    Every write records an entry, so this is also where the actor's current access is checked
    (:func:`effdesk.access.check_current`): a deactivated or demoted user's write is refused.
    """
    check_current(session, actor, action, object_type, object_uuid)
    _lock_chain_head(session)
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    seq = (last.seq + 1) if last else 1
    at = now()
    host = socket.gethostname()[:100]
    before_j = json.loads(canonical_json(before)) if before is not None else None
    after_j = json.loads(canonical_json(after)) if after is not None else None
    payload = entry_payload(
        seq,
        at,
        actor.user_id,
        actor.username,
        action.value,
        object_type,
        object_uuid,
        summary,
        before_j,
        after_j,
        host,
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        object_type=object_type,
        object_uuid=object_uuid,
        summary=summary,
        before=before_j,
        after=after_j,
        host=host,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, payload),
    )
    session.add(entry)
    session.flush()
    return entry


def _lock_chain_head(session: Session) -> None:
    """Hold the lock that serialises appends until the caller's transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    elif dialect == "sqlite":
        # A write statement that changes nothing still opens the write transaction (RESERVED
        # lock; busy_timeout waits for another writer), so the head read below cannot be
        # overtaken by a concurrent append before this transaction commits.
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq < 0)
            .values(seq=AuditEntry.seq)
            .execution_options(synchronize_session=False)
        )
    # Other backends: the unique seq/hash columns still refuse a fork (the loser fails).


def chain_head(session: Session) -> tuple[int, str]:
    """``(seq, hash)`` of the newest entry, ``(0, GENESIS)`` for an empty log."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (int(last.seq), str(last.hash)) if last else (0, GENESIS)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str

    def __str__(self) -> str:
        return f"审计日志第{self.seq}条：{self.message}"


def verify_chain(session: Session, batch: int = 5000) -> list[ChainProblem]:
    """Walk the whole log; report every entry where the chain breaks (edit, removal, reorder).

    Reads plain column values (no ORM objects), so the caller's session is left untouched, and
    a value tampered into something the ORM types could not load is reported, not raised.
    """
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    for row in _iter_rows(session, batch):
        seq = int(row.seq)
        if seq != expected_seq:
            missing = (
                f"第{expected_seq}条"
                if seq == expected_seq + 1
                else f"第{expected_seq}至{seq - 1}条"
            )
            problems.append(ChainProblem(seq, f"序号不连续：{missing}缺失（被删除）"))
        if row.prev_hash != prev_hash:
            problems.append(
                ChainProblem(seq, "与前一条的链接不符（条目被删除、插入、改动或调换顺序）")
            )
        payload = _raw_payload(row)
        if payload is None:
            problems.append(ChainProblem(seq, "内容无法解读（条目被直接改动）"))
        elif chain_hash(str(row.prev_hash), payload) != row.hash:
            problems.append(ChainProblem(seq, "内容与其哈希不符（条目被修改）"))
        prev_hash = str(row.hash)
        expected_seq = seq + 1
    return problems


def check_anchor(session: Session, seq: int, hash_: str) -> list[ChainProblem]:
    """Compare the log with a head recorded earlier (a backup's anchor): the entry ``seq`` must
    still be there with the same hash. Catches a cut-off or rewritten tail, which the chain
    alone cannot."""
    if seq <= 0:
        return []
    row = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).first()
    if row is None:
        last, _ = chain_head(session)
        gone = f"第{seq}条" if last + 1 == seq else f"第{last + 1}至{seq}条"
        return [
            ChainProblem(seq, f"审计日志被截断：备份时已有{seq}条，现在只有{last}条（{gone}缺失）")
        ]
    if row.hash != hash_:
        return [ChainProblem(seq, "与备份时记录的哈希不符（该条及其后的日志被改写）")]
    return []


# An audit entry's columns as stored (times and JSON as text): the chain is checked on these.
RAW_COLUMNS = (
    AuditEntry.seq,
    cast(AuditEntry.at, String).label("at"),
    AuditEntry.user_id,
    AuditEntry.username,
    cast(AuditEntry.action, String).label("action"),
    AuditEntry.object_type,
    AuditEntry.object_uuid,
    AuditEntry.summary,
    cast(AuditEntry.before, Text).label("before"),
    cast(AuditEntry.after, Text).label("after"),
    AuditEntry.host,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def _iter_rows(session: Session, batch: int) -> Iterator[Any]:
    last = 0
    while True:
        rows = session.execute(
            select(*RAW_COLUMNS).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1].seq)


def _raw_payload(row: Any) -> dict[str, Any] | None:
    try:
        at = datetime.fromisoformat(str(row.at))
        before = json.loads(row.before) if row.before is not None else None
        after = json.loads(row.after) if row.after is not None else None
    except (TypeError, ValueError):
        return None
    return entry_payload(
        int(row.seq),
        at,
        row.user_id,
        row.username,
        row.action,
        row.object_type,
        row.object_uuid,
        row.summary,
        before,
        after,
        row.host,
    )


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """Plain-value picture of some attributes, for before/after in the log."""
    out: dict[str, Any] = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = v.value if hasattr(v, "value") and not isinstance(v, (int, float)) else v
    return out


# --------------------------------------------------------------------------- reading back


def parse_time(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        return None


def decode_json(raw: Any) -> Any:
    # Read as text and decode here: a row edited by hand into invalid JSON still displays.
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
