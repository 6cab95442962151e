"""The append-only audit trail, each entry chained to the previous one by SHA-256.

``hash = sha256(prev_hash || canonical_json(entry))``: editing, deleting or reordering any
entry breaks the chain from that entry on, which :func:`verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import AuditEntry
from effdesk.enums import AuditAction

GENESIS = "0" * 64


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


def _payload_of(e: AuditEntry) -> dict[str, Any]:
    return entry_payload(
        e.seq,
        e.at,
        e.user_id,
        e.username,
        e.action.value,
        e.object_type,
        e.object_uuid,
        e.summary,
        e.before,
        e.after,
        e.host,
    )


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
    """Append one entry in the caller's transaction (it commits or rolls back with the change)."""
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


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str

    def __str__(self) -> str:
        return f"审计日志第{self.seq}条：{self.message}"


def verify_chain(session: Session, batch: int = 5000) -> list[ChainProblem]:
    """Walk the whole log; report the first entry of every break (edit, removal, reorder)."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    for e in _iter_entries(session, batch):
        if e.seq != expected_seq:
            problems.append(
                ChainProblem(e.seq, f"序号不连续：应为第{expected_seq}条，缺失或被删除")
            )
        if e.prev_hash != prev_hash:
            problems.append(ChainProblem(e.seq, "与前一条的链接不符（条目被删除、插入或调换顺序）"))
        if chain_hash(e.prev_hash, _payload_of(e)) != e.hash:
            problems.append(ChainProblem(e.seq, "内容与其哈希不符（条目被修改）"))
        prev_hash = e.hash
        expected_seq = e.seq + 1
    return problems


def _iter_entries(session: Session, batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """Plain-value picture of some attributes, for before/after in the log."""
    out: dict[str, Any] = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = v.value if hasattr(v, "value") and not isinstance(v, (int, float)) else v
    return out
