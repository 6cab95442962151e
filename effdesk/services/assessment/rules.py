"""The deduction rules of the unit assessment (作风监测指数), stored as an office-wide setting.

A rule set is plain JSON (the setting ``assessment.rules``; a month's result keeps a copy in
``AssessmentRun.rules``)::

    {"base": 100, "monthly_cap": 30, "flag_bottom": 3,
     "kinds": {"complaint_substantiated": {"enabled": true, "points": 2, "partly_points": 1,
                                           "cap": 10}, ...},
     "categories": {"third": {"base": 100, "kinds": {"finding": {"points": 0.5}}}}}

``kinds`` holds one entry per counted kind (:data:`KINDS`): points per item and a cap per kind
and month (``null``: no cap). ``monthly_cap`` caps a unit's whole deduction in a month.
``categories`` optionally overrides any of this for the units of one assessment category
(一类/二类/三类考评单位); what it does not name comes from the top level.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from effdesk import settings
from effdesk.auth import Actor
from effdesk.enums import AssessmentCategory
from effdesk.errors import FieldProblem, ValidationErrors
from effdesk.permissions import Permission, require

SETTING_KEY = settings.ASSESSMENT_RULES.key


@dataclass(frozen=True)
class KindInfo:
    code: str
    label: str
    what: str  # what counts, for the rules dialog and the report


# The counted kinds, in the order deductions are applied (and listed). A later kind, such as
# overdue approval items of the 电子监察 system, is one more entry here and one counter in
# :mod:`effdesk.services.assessment.counting`.
KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        "complaint_substantiated",
        "属实投诉",
        "投诉件核查结论为属实或部分属实，按办结日期计入当月",
    ),
    KindInfo(
        "circular",
        "通报批评",
        "决定给予通报批评的问责措施，或点名该单位的已印发批评通报，按决定/成文日期计入",
    ),
    KindInfo(
        "finding",
        "督查发现问题",
        "明察暗访发现并已核实（已处理）的问题，按发现时间计入当月",
    ),
    KindInfo(
        "rectification_overdue",
        "逾期未整改",
        "整改期限在当月、逾期完成或到期未完成的整改",
    ),
    KindInfo(
        "complaint_overdue",
        "投诉超期办理",
        "交办该单位的投诉件，办理时限在当月、超期办结或到期未办结",
    ),
)
KIND_LABELS: dict[str, str] = {k.code: k.label for k in KINDS}

DEFAULT_RULES: dict[str, Any] = {
    "base": 100,
    "monthly_cap": 30,
    "flag_bottom": 3,
    "kinds": {
        "complaint_substantiated": {"enabled": True, "points": 2, "partly_points": 1, "cap": 10},
        "circular": {"enabled": True, "points": 3, "cap": 9},
        "finding": {"enabled": True, "points": 1, "cap": 10},
        "rectification_overdue": {"enabled": True, "points": 2, "cap": 6},
        "complaint_overdue": {"enabled": True, "points": 1, "cap": 5},
    },
    "categories": {},
}


@dataclass(frozen=True)
class KindRule:
    code: str
    enabled: bool
    points: Decimal
    cap: Decimal | None
    partly_points: Decimal  # only the substantiated-complaint kind uses it


@dataclass(frozen=True)
class CategoryRules:
    """The rules as they apply to the units of one category."""

    base: Decimal
    monthly_cap: Decimal | None
    flag_bottom: int
    kinds: dict[str, KindRule]


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def normalized(rules: dict[str, Any] | None) -> dict[str, Any]:
    """``rules`` completed from the defaults (a rule set saved before a kind existed)."""
    return _merge(DEFAULT_RULES, rules or {})


def for_category(rules: dict[str, Any], category: AssessmentCategory) -> CategoryRules:
    """The effective rules for one category (its overrides over the office-wide values)."""
    full = normalized(rules)
    over = (full.get("categories") or {}).get(category.value) or {}
    eff = _merge({k: v for k, v in full.items() if k != "categories"}, over)
    kinds: dict[str, KindRule] = {}
    for info in KINDS:
        raw = eff["kinds"].get(info.code) or {}
        cap = raw.get("cap")
        kinds[info.code] = KindRule(
            code=info.code,
            enabled=bool(raw.get("enabled", True)),
            points=_dec(raw.get("points", 0)),
            cap=None if cap is None else _dec(cap),
            partly_points=_dec(raw.get("partly_points", raw.get("points", 0))),
        )
    cap = eff.get("monthly_cap")
    return CategoryRules(
        base=_dec(eff.get("base", 100)),
        monthly_cap=None if cap is None else _dec(cap),
        flag_bottom=int(eff.get("flag_bottom", 3)),
        kinds=kinds,
    )


def _number(
    problems: list[FieldProblem],
    where: str,
    value: Any,
    low: float,
    high: float,
    *,
    nullable: bool = False,
) -> None:
    if value is None and nullable:
        return
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(FieldProblem("rules", f"{where}应为数字（现为「{value}」）。"))
        return
    if isinstance(value, bool) or not number.is_finite() or not low <= number <= high:
        problems.append(FieldProblem("rules", f"{where}应在{low:g}至{high:g}之间（现为{value}）。"))


def _check_part(problems: list[FieldProblem], part: dict[str, Any], where: str) -> None:
    if "base" in part:
        _number(problems, f"{where}基础分", part["base"], 1, 1000)
    if "monthly_cap" in part:
        _number(problems, f"{where}每月扣分上限", part["monthly_cap"], 0, 1000, nullable=True)
    if "flag_bottom" in part:
        fb = part["flag_bottom"]
        if not isinstance(fb, int) or isinstance(fb, bool) or not 0 <= fb <= 20:
            problems.append(FieldProblem("rules", f"{where}预警名次数应为0至20的整数。"))
    kinds = part.get("kinds") or {}
    if not isinstance(kinds, dict):
        problems.append(FieldProblem("rules", f"{where}扣分项目格式不正确。"))
        return
    for code, raw in kinds.items():
        label = KIND_LABELS.get(code)
        if label is None:
            problems.append(FieldProblem("rules", f"{where}有未知的扣分项目「{code}」。"))
            continue
        if not isinstance(raw, dict):
            problems.append(FieldProblem("rules", f"{where}「{label}」的设置格式不正确。"))
            continue
        if "points" in raw:
            _number(problems, f"{where}「{label}」每项扣分", raw["points"], 0, 100)
        if "partly_points" in raw:
            _number(problems, f"{where}「{label}」部分属实扣分", raw["partly_points"], 0, 100)
        if "cap" in raw:
            _number(problems, f"{where}「{label}」扣分上限", raw["cap"], 0, 1000, nullable=True)


def validate(rules: dict[str, Any]) -> None:
    """Raise ``ValidationErrors`` naming every wrong value (Chinese, by kind and category)."""
    problems: list[FieldProblem] = []
    _check_part(problems, rules, "")
    cats = rules.get("categories") or {}
    if not isinstance(cats, dict):
        problems.append(FieldProblem("rules", "分类设置格式不正确。"))
        cats = {}
    for code, part in cats.items():
        labels = {c.value: c.label for c in AssessmentCategory}
        if code not in labels:
            problems.append(FieldProblem("rules", f"未知的考评单位类别「{code}」。"))
            continue
        label = labels[code]
        if not isinstance(part, dict):
            problems.append(FieldProblem("rules", f"「{label}」的设置格式不正确。"))
            continue
        _check_part(problems, part, f"「{label}」")
    if problems:
        raise ValidationErrors(problems)


def current_rules(session: Session) -> dict[str, Any]:
    """The office's rules now (the defaults until somebody saves a rule set)."""
    return normalized(settings.stored(session, settings.ASSESSMENT_RULES))


def save_rules(session: Session, actor: Actor, rules: dict[str, Any]) -> dict[str, Any]:
    """Replace the office's rules (leader or admin); audited. Closed months keep their own."""
    require(actor, Permission.EDIT_ASSESSMENT_RULES)
    validate(rules)
    full = normalized(rules)
    # The settings module's writer records the audit entry; the permission is checked above
    # (the rules are the leaders' to set, not only the admin's like other settings).
    settings.store(session, actor, SETTING_KEY, full)
    return full


def describe(rules: dict[str, Any], category: AssessmentCategory | None = None) -> list[str]:
    """The rules as sentences, for the ranking screen and the bulletin."""
    cats: list[AssessmentCategory | None]
    if category is not None:
        cats = [category]
    elif not (normalized(rules).get("categories") or {}):
        cats = [None]  # one rule set for every category: say it once
    else:
        cats = list(AssessmentCategory)
    lines: list[str] = []
    for cat in cats:
        eff = for_category(rules, cat or AssessmentCategory.FIRST)
        parts = []
        for info in KINDS:
            k = eff.kinds[info.code]
            if not k.enabled:
                continue
            text = f"{info.label}每项扣{k.points.normalize():f}分"
            if info.code == "complaint_substantiated" and k.partly_points != k.points:
                text += f"（部分属实{k.partly_points.normalize():f}分）"
            if k.cap is not None:
                text += f"，最多扣{k.cap.normalize():f}分"
            parts.append(text)
        cap = (
            f"；每月最多扣{eff.monthly_cap.normalize():f}分" if eff.monthly_cap is not None else ""
        )
        who = cat.label if cat is not None else "各类考评单位"
        lines.append(f"{who}：基础分{eff.base.normalize():f}分；" + "；".join(parts) + cap + "。")
    return lines
