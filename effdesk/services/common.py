"""Shared service plumbing: paging, optimistic-lock checks, field validation helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from effdesk.db.base import Record
from effdesk.errors import ConcurrentEditError, NotFound

T = TypeVar("T")
R = TypeVar("R", bound=Record)
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the total count (for lazy Qt models)."""

    rows: Sequence[T]
    total: int
    offset: int


def fetch_page(
    session: Session,
    stmt: Select[*Ts],
    *order_by: ColumnElement[Any] | InstrumentedAttribute[Any],
    offset: int,
    limit: int,
    count_by: InstrumentedAttribute[Any] | None = None,
) -> tuple[Sequence[Row[*Ts]], int]:
    """How many rows ``stmt`` selects in all, and the ``offset``/``limit`` page of them in
    ``order_by`` order — the count + page pair every lazy list asks for.

    ``count_by`` counts over that one column instead of the whole select list, for selects
    whose columns are costly to compute (subqueries per row).
    """
    counted = stmt.order_by(None)
    if count_by is not None:
        counted = counted.with_only_columns(count_by)
    total = session.scalar(select(func.count()).select_from(counted.subquery()))
    rows = session.execute(stmt.order_by(*order_by).offset(offset).limit(limit)).all()
    return rows, int(total or 0)


def check_version(obj: Record, expected: int | None, what: str) -> None:
    """Refuse a save based on a stale copy, telling the user who changed it and when."""
    if expected is not None and obj.version != expected:
        raise ConcurrentEditError(
            f"{what}已被其他人修改（{obj.updated_at:%Y-%m-%d %H:%M:%S}，版本 {obj.version}），"
            "您的修改未保存。请刷新后重新修改。",
            other_change=f"当前版本 {obj.version}，您编辑的是版本 {expected}",
        )


def get_or_404(obj: R | None, what: str) -> R:
    if obj is None:
        raise NotFound(f"找不到{what}，它可能已被删除。")
    return obj


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
