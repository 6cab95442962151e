"""Scores and ranks from counted items and a rule set (pure: no database).

Score = base − deductions. Items are applied kind by kind in the order of :data:`rules.KINDS`
and, within a kind, by date; an item past its kind's cap, or past the monthly cap, is kept in
the details with the points it did not cost (``capped``), so the sheet explains itself.

Ranking within a category is competition ranking ("1224"): equal scores share a rank and the
next rank skips. A unit is flagged (扣分预警) when it lost points and fewer than
``flag_bottom`` (3) units of its category scored lower — so a tie at the boundary flags every
unit of the tie, and a unit without deductions is never flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from effdesk.enums import AssessmentCategory
from effdesk.services.assessment.counting import Item
from effdesk.services.assessment.rules import KIND_LABELS, KINDS, CategoryRules, for_category

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class UnitRef:
    id: int
    uuid: str
    name: str
    category: AssessmentCategory
    sort_order: int = 0


@dataclass(frozen=True)
class Deduction:
    """One line of a unit's sheet: what, when, on which record, how many points."""

    kind: str
    points: Decimal  # what it cost after caps
    nominal: Decimal  # what the rule says an item costs
    basis: str  # "<type>:<uuid>" of the record
    ref_type: str
    ref_id: int
    day: str  # ISO date
    text: str
    capped: str = ""  # "" | "kind" (the kind's cap) | "month" (the monthly cap)

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def note(self) -> str:
        if self.capped == "kind":
            return "已达该项扣分上限" if self.points == 0 else "部分计入（达该项上限）"
        if self.capped == "month":
            return "已达每月扣分上限" if self.points == 0 else "部分计入（达每月上限）"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.kind,
            "points": float(self.points),
            "nominal": float(self.nominal),
            "basis": self.basis,
            "ref_type": self.ref_type,
            "ref_id": self.ref_id,
            "date": self.day,
            "text": self.text,
            "capped": self.capped,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Deduction:
        return cls(
            kind=str(raw.get("rule", "")),
            points=Decimal(str(raw.get("points", 0))).quantize(Decimal("0.01")),
            nominal=Decimal(str(raw.get("nominal", raw.get("points", 0)))).quantize(
                Decimal("0.01")
            ),
            basis=str(raw.get("basis", "")),
            ref_type=str(raw.get("ref_type", "")),
            ref_id=int(raw.get("ref_id", 0)),
            day=str(raw.get("date", "")),
            text=str(raw.get("text", "")),
            capped=str(raw.get("capped", "")),
        )


@dataclass
class UnitScore:
    unit: UnitRef
    category: AssessmentCategory
    base: Decimal
    deduction: Decimal
    score: Decimal
    rank: int = 0
    flagged: bool = False
    details: list[Deduction] = field(default_factory=list)


def _sheet(unit: UnitRef, items: Sequence[Item], rules: CategoryRules) -> UnitScore:
    by_kind: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_kind[it.kind].append(it)
    details: list[Deduction] = []
    total = ZERO
    for info in KINDS:
        rule = rules.kinds[info.code]
        if not rule.enabled:
            continue
        kind_total = ZERO
        for it in sorted(by_kind.get(info.code, []), key=lambda i: (i.day, i.ref_id)):
            nominal = rule.partly_points if it.partly else rule.points
            points, capped = nominal, ""
            if rule.cap is not None and kind_total + points > rule.cap:
                points, capped = max(ZERO, rule.cap - kind_total), "kind"
            if rules.monthly_cap is not None and total + points > rules.monthly_cap:
                points, capped = max(ZERO, rules.monthly_cap - total), "month"
            kind_total += points
            total += points
            details.append(
                Deduction(
                    kind=it.kind,
                    points=points,
                    nominal=nominal,
                    basis=it.basis,
                    ref_type=it.ref_type,
                    ref_id=it.ref_id,
                    day=it.day.isoformat(),
                    text=it.text
                    + ("（部分属实）" if it.partly and "部分属实" not in it.text else ""),
                    capped=capped,
                )
            )
    score = max(ZERO, rules.base - total)
    return UnitScore(unit, unit.category, rules.base, total, score, details=details)


def rank(scores: list[UnitScore], flag_bottom: dict[AssessmentCategory, int]) -> None:
    """Set ``rank`` and ``flagged`` within each category (see the module docstring)."""
    by_cat: dict[AssessmentCategory, list[UnitScore]] = defaultdict(list)
    for s in scores:
        by_cat[s.category].append(s)
    for cat, group in by_cat.items():
        values = [s.score for s in group]
        bottom = flag_bottom.get(cat, 3)
        for s in group:
            s.rank = 1 + sum(1 for v in values if v > s.score)
            lower = sum(1 for v in values if v < s.score)
            s.flagged = s.deduction > 0 and lower < bottom


def score_units(
    units: Iterable[UnitRef], items: Iterable[Item], rules: dict[str, Any]
) -> list[UnitScore]:
    """Every unit's sheet, ranked; sorted by category, rank, then the directory's order."""
    per_unit: dict[int, list[Item]] = defaultdict(list)
    for it in items:
        per_unit[it.unit_id].append(it)
    cat_rules = {cat: for_category(rules, cat) for cat in AssessmentCategory}
    scores = [_sheet(u, per_unit.get(u.id, []), cat_rules[u.category]) for u in units]
    rank(scores, {cat: r.flag_bottom for cat, r in cat_rules.items()})
    order = {cat: i for i, cat in enumerate(AssessmentCategory)}
    scores.sort(key=lambda s: (order[s.category], s.rank, s.unit.sort_order, s.unit.name))
    return scores
