"""Monthly runs of the unit assessment: compute, close (定稿), recompute with a reason, read.

A month is computed with the office's current rules, which are frozen into its
``AssessmentRun.rules``; closing makes it final. A final month never changes by itself — not
when the rules change, not when somebody computes again. Recomputing a closed month is an
explicit act of a leader or admin with a reason, recorded in the audit trail with the scores
before and after; it re-counts the records with the month's own frozen rules unless the caller
asks for the current ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from effdesk import audit
from effdesk.auth import Actor
from effdesk.db.base import now
from effdesk.db.models import AssessmentRun, AssessmentScore, Unit, User
from effdesk.enums import AssessmentCategory, AuditAction
from effdesk.errors import NotFound, TransitionNotAllowed, ValidationError
from effdesk.permissions import Permission, require
from effdesk.services.assessment.counting import COUNTERS, Item, month_bounds
from effdesk.services.assessment.rules import current_rules, normalized
from effdesk.services.assessment.scoring import Deduction, UnitRef, UnitScore, score_units

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    period = period.strip()
    if not _PERIOD.match(period):
        raise ValidationError("period", f"月份「{period}」格式不对，应如 2026-10。")
    return period


def period_label(period: str) -> str:
    y, m = period.split("-")
    return f"{y}年{int(m)}月"


# --------------------------------------------------------------------------- plain results


@dataclass(frozen=True)
class ScoreRow:
    unit_id: int
    unit_uuid: str
    unit_name: str
    category: AssessmentCategory
    base: Decimal
    deduction: Decimal
    score: Decimal
    rank: int
    flagged: bool
    details: tuple[Deduction, ...]


@dataclass(frozen=True)
class MonthResult:
    period: str
    saved: bool  # False: a preview, nothing stored
    final: bool
    computed_at: datetime | None
    computed_by: str
    rules: dict[str, Any]
    rows: tuple[ScoreRow, ...]  # by category, then rank

    def by_category(self) -> dict[AssessmentCategory, list[ScoreRow]]:
        out: dict[AssessmentCategory, list[ScoreRow]] = {c: [] for c in AssessmentCategory}
        for r in self.rows:
            out[r.category].append(r)
        return out

    @property
    def flagged(self) -> list[ScoreRow]:
        return [r for r in self.rows if r.flagged]

    @property
    def state_label(self) -> str:
        if not self.saved:
            return "未计算（预览）"
        return "已定稿" if self.final else "已计算·未定稿"


@dataclass(frozen=True)
class RunInfo:
    period: str
    final: bool
    computed_at: datetime
    units: int


def _row(s: UnitScore) -> ScoreRow:
    return ScoreRow(
        s.unit.id,
        s.unit.uuid,
        s.unit.name,
        s.category,
        s.base,
        s.deduction,
        s.score,
        s.rank,
        s.flagged,
        tuple(s.details),
    )


# --------------------------------------------------------------------------- computing


def _units(session: Session) -> list[UnitRef]:
    return [
        UnitRef(u.id, u.uuid, u.name, u.category, u.sort_order)
        for u in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
    ]


def count_items(
    session: Session, period: str, rules: dict[str, Any], today: date | None = None
) -> list[Item]:
    """Everything that counts in ``period`` for the enabled kinds of ``rules``."""
    first, last = month_bounds(check_period(period))
    today = today or date.today()
    enabled = {code for code, raw in normalized(rules)["kinds"].items() if raw.get("enabled", True)}
    # A kind disabled office-wide may still be enabled for one category: count it then too.
    for part in (normalized(rules).get("categories") or {}).values():
        for code, raw in (part.get("kinds") or {}).items():
            if raw.get("enabled"):
                enabled.add(code)
    items: list[Item] = []
    for code, counter in COUNTERS.items():
        if code in enabled:
            items.extend(counter(session, first, last, today))
    return items


def score_month(
    session: Session, period: str, rules: dict[str, Any], today: date | None = None
) -> list[UnitScore]:
    return score_units(_units(session), count_items(session, period, rules, today), rules)


def preview_month(
    session: Session, actor: Actor, period: str, today: date | None = None
) -> MonthResult:
    """The month scored now with the current rules, nothing stored (for a month not computed)."""
    require(actor, Permission.VIEW_STATISTICS)
    rules = current_rules(session)
    scores = score_month(session, period, rules, today)
    return MonthResult(period, False, False, None, "", rules, tuple(_row(s) for s in scores))


def _run(session: Session, period: str) -> AssessmentRun | None:
    return session.scalar(
        select(AssessmentRun)
        .where(AssessmentRun.period == period)
        .options(selectinload(AssessmentRun.scores).selectinload(AssessmentScore.unit))
    )


def _store(session: Session, run: AssessmentRun, scores: list[UnitScore]) -> None:
    run.scores.clear()
    session.flush()
    for s in scores:
        run.scores.append(
            AssessmentScore(
                unit_id=s.unit.id,
                category=s.category,
                base_score=s.base,
                deduction=s.deduction,
                score=s.score,
                rank_in_category=s.rank,
                flagged=s.flagged,
                details=[d.to_json() for d in s.details],
            )
        )
    session.flush()


def _summary(run: AssessmentRun) -> dict[str, Any]:
    """The scores of a run for the audit trail: unit → [score, rank, flagged]."""
    return {
        "final": run.final,
        "scores": {
            s.unit.name: [str(s.score), s.rank_in_category, s.flagged]
            for s in sorted(run.scores, key=lambda x: x.unit_id)
        },
    }


def compute_month(
    session: Session, actor: Actor, period: str, today: date | None = None
) -> MonthResult:
    """Compute (or compute again) a month not yet closed, freezing the current rules into it."""
    require(actor, Permission.COMPUTE_ASSESSMENT)
    period = check_period(period)
    today = today or date.today()
    first, _ = month_bounds(period)
    if first > today:
        raise ValidationError("period", f"{period_label(period)}尚未开始，不能计算考评结果。")
    run = _run(session, period)
    if run is not None and run.final:
        raise TransitionNotAllowed(
            f"{period_label(period)}的考评结果已定稿，不能直接重新计算；"
            "如确需更正，请由领导或系统管理员填写理由后「重算已定稿月份」。"
        )
    rules = current_rules(session)
    scores = score_month(session, period, rules, today)
    before = _summary(run) if run is not None else None
    if run is None:
        run = AssessmentRun(period=period, rules=rules)
        session.add(run)
    run.rules = rules
    run.computed_at = now()
    run.computed_by_id = actor.user_id
    _store(session, run, scores)
    session.refresh(run)
    audit.record(
        session,
        actor,
        AuditAction.CREATE if before is None else AuditAction.UPDATE,
        "assessment_run",
        run.uuid,
        f"计算{period_label(period)}作风监测指数（{len(scores)}个单位）",
        before,
        {**_summary(run), "rules": rules},
    )
    return get_month(session, actor, period) or _missing(period)


def close_month(
    session: Session, actor: Actor, period: str, today: date | None = None
) -> MonthResult:
    """定稿: make a computed month final (leader or admin). The month must be over."""
    require(actor, Permission.CLOSE_ASSESSMENT)
    period = check_period(period)
    today = today or date.today()
    run = _run(session, period)
    if run is None:
        raise TransitionNotAllowed(f"{period_label(period)}尚未计算考评结果，请先计算。")
    if run.final:
        raise TransitionNotAllowed(f"{period_label(period)}的考评结果已经定稿。")
    _, last = month_bounds(period)
    if last >= today:
        raise TransitionNotAllowed(
            f"{period_label(period)}尚未结束（{last:%Y-%m-%d}），月末之后才能定稿。"
        )
    run.final = True
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "assessment_run",
        run.uuid,
        f"{period_label(period)}作风监测指数定稿",
        {"final": False},
        {"final": True},
    )
    return get_month(session, actor, period) or _missing(period)


def recompute_month(
    session: Session,
    actor: Actor,
    period: str,
    reason: str,
    *,
    use_current_rules: bool = False,
    today: date | None = None,
) -> MonthResult:
    """Recompute a closed month (leader or admin, with a reason); it stays final. Audited with
    the scores before and after. By default the month's own frozen rules are used again."""
    require(actor, Permission.CLOSE_ASSESSMENT)
    period = check_period(period)
    reason = reason.strip()
    if len(reason) < 4:
        raise ValidationError("reason", "重算已定稿的考评结果须填写理由（至少4个字）。")
    run = _run(session, period)
    if run is None or not run.final:
        raise TransitionNotAllowed(
            f"{period_label(period)}的考评结果尚未定稿，直接「计算」即可，不需要重算。"
        )
    old_rules = run.rules
    rules = current_rules(session) if use_current_rules else normalized(old_rules)
    before = _summary(run)
    scores = score_month(session, period, rules, today)
    run.rules = rules
    run.computed_at = now()
    run.computed_by_id = actor.user_id
    _store(session, run, scores)
    session.refresh(run)
    after = _summary(run)
    if use_current_rules:
        before["rules"] = old_rules
        after["rules"] = rules
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "assessment_run",
        run.uuid,
        f"重算已定稿的{period_label(period)}作风监测指数"
        f"（{'按现行规则' if use_current_rules else '按原规则'}）：{reason}",
        before,
        {**after, "reason": reason},
    )
    return get_month(session, actor, period) or _missing(period)


def _missing(period: str) -> MonthResult:  # pragma: no cover - the run was just stored
    raise NotFound(f"找不到{period_label(period)}的考评结果。")


# --------------------------------------------------------------------------- reading


def get_month(session: Session, actor: Actor, period: str) -> MonthResult | None:
    """The stored result of a month (None if never computed)."""
    require(actor, Permission.VIEW_STATISTICS)
    run = _run(session, check_period(period))
    if run is None:
        return None
    order = {cat: i for i, cat in enumerate(AssessmentCategory)}
    scores = sorted(
        run.scores,
        key=lambda s: (order[s.category], s.rank_in_category, s.unit.sort_order, s.unit.name),
    )
    who = ""
    if run.computed_by_id is not None:
        who = session.scalar(select(User.display_name).where(User.id == run.computed_by_id)) or ""
    rows = tuple(
        ScoreRow(
            s.unit_id,
            s.unit.uuid,
            s.unit.name,
            s.category,
            s.base_score,
            s.deduction,
            s.score,
            s.rank_in_category,
            s.flagged,
            tuple(Deduction.from_json(d) for d in s.details or []),
        )
        for s in scores
    )
    return MonthResult(period, True, run.final, run.computed_at, who, run.rules, rows)


def month_result(
    session: Session, actor: Actor, period: str, today: date | None = None
) -> MonthResult:
    """The stored result, or a preview when the month was never computed."""
    return get_month(session, actor, period) or preview_month(session, actor, period, today)


def list_runs(session: Session, actor: Actor) -> list[RunInfo]:
    require(actor, Permission.VIEW_STATISTICS)
    out = []
    for run in session.scalars(
        select(AssessmentRun)
        .options(selectinload(AssessmentRun.scores))
        .order_by(AssessmentRun.period.desc())
    ):
        out.append(RunInfo(run.period, run.final, run.computed_at, len(run.scores)))
    return out


# --------------------------------------------------------------------------- the year


@dataclass(frozen=True)
class YearRow:
    unit_id: int
    unit_name: str
    category: AssessmentCategory
    months: tuple[Decimal | None, ...]  # 12 scores, None where the month has no result
    average: Decimal | None
    total_deduction: Decimal
    flagged_months: int
    rank: int  # by average within the category (competition ranking), 0 without results
    flagged: bool  # among the last three by average


@dataclass(frozen=True)
class YearView:
    year: int
    computed: tuple[bool, ...]  # per month: a result exists
    final: tuple[bool, ...]  # per month: that result is final
    rows: tuple[YearRow, ...]  # by category, then rank


def year_view(session: Session, actor: Actor, year: int) -> YearView:
    """12 months × units with the year's average and total deduction, ranked by average within
    each category (the year-end ranking). Months without a stored result are left out of the
    average, not counted as full marks."""
    require(actor, Permission.VIEW_STATISTICS)
    runs = {
        r.period: r
        for r in session.scalars(
            select(AssessmentRun)
            .where(AssessmentRun.period.like(f"{year:04d}-%"))
            .options(selectinload(AssessmentRun.scores).selectinload(AssessmentScore.unit))
        )
    }
    periods = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    data: dict[int, dict[str, Any]] = {}
    for i, p in enumerate(periods):
        run = runs.get(p)
        if run is None:
            continue
        for s in run.scores:
            d = data.setdefault(
                s.unit_id,
                {
                    "name": s.unit.name,
                    "category": s.category,
                    "sort": s.unit.sort_order,
                    "months": [None] * 12,
                    "deduction": Decimal("0.00"),
                    "flags": 0,
                },
            )
            d["months"][i] = s.score
            d["deduction"] += s.deduction
            d["flags"] += int(s.flagged)
            d["category"] = s.category  # the latest month's category
    rows: list[dict[str, Any]] = []
    for unit_id, d in data.items():
        scores = [m for m in d["months"] if m is not None]
        avg = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01")) if scores else None
        rows.append({**d, "unit_id": unit_id, "average": avg})
    out: list[YearRow] = []
    order = {cat: i for i, cat in enumerate(AssessmentCategory)}
    for cat in AssessmentCategory:
        group = [r for r in rows if r["category"] is cat]
        values = [r["average"] for r in group if r["average"] is not None]
        for r in group:
            a = r["average"]
            rank = 1 + sum(1 for v in values if v > a) if a is not None else 0
            lower = sum(1 for v in values if a is not None and v < a)
            out.append(
                YearRow(
                    r["unit_id"],
                    r["name"],
                    cat,
                    tuple(r["months"]),
                    a,
                    r["deduction"],
                    r["flags"],
                    rank,
                    bool(a is not None and r["deduction"] > 0 and lower < 3),
                )
            )
    out.sort(key=lambda r: (order[r.category], r.rank or 10**6, r.unit_name))
    return YearView(
        year,
        tuple(p in runs for p in periods),
        tuple(bool(runs[p].final) if p in runs else False for p in periods),
        tuple(out),
    )
