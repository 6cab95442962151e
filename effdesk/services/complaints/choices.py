"""What the complaint screens offer to choose from: categories, handlers, and names for ids.

The list filters and the routing dialog need the problem categories and the users who handle
complaints; the case history records ids (``unit_id``, ``handler_user_id`` …) that the
timeline shows as names. All of it is plain values, read under ``VIEW_COMPLAINTS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.models import ProblemCategory, Unit, User
from effdesk.permissions import Permission, require


@dataclass(frozen=True)
class NamedId:
    id: int
    name: str


@dataclass(frozen=True)
class IdNames:
    """Names of the units, categories and users a case history mentions by id."""

    units: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


def category_choices(
    session: Session, actor: Actor, *, include_inactive: bool = False
) -> list[NamedId]:
    """Problem categories (问题类别) in their configured order."""
    require(actor, Permission.VIEW_COMPLAINTS)
    stmt = select(ProblemCategory.id, ProblemCategory.name).order_by(
        ProblemCategory.sort_order, ProblemCategory.id
    )
    if not include_inactive:
        stmt = stmt.where(ProblemCategory.active.is_(True))
    return [NamedId(i, n) for i, n in session.execute(stmt)]


def handler_choices(session: Session, actor: Actor) -> list[NamedId]:
    """Active users who may handle complaints (承办人), by display name."""
    require(actor, Permission.VIEW_COMPLAINTS)
    users = session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    )
    return [
        NamedId(u.id, u.display_name or u.username)
        for u in users
        if u.role_set & Permission.HANDLE_COMPLAINT.roles
    ]


def names_for(
    session: Session,
    actor: Actor,
    *,
    unit_ids: Iterable[int] = (),
    category_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
) -> IdNames:
    """Display names for ids (unknown ids are left out)."""
    require(actor, Permission.VIEW_COMPLAINTS)
    units, categories, users = set(unit_ids), set(category_ids), set(user_ids)
    out = IdNames()
    if units:
        stmt = select(Unit.id, Unit.name).where(Unit.id.in_(units))
        out.units.update({i: n for i, n in session.execute(stmt)})
    if categories:
        stmt = select(ProblemCategory.id, ProblemCategory.name).where(
            ProblemCategory.id.in_(categories)
        )
        out.categories.update({i: n for i, n in session.execute(stmt)})
    if users:
        stmt = select(User.id, User.display_name).where(User.id.in_(users))
        out.users.update({i: n for i, n in session.execute(stmt)})
    return out


# Words that point at a default category when a clerk writes them in the summary. Offices that
# rename or add categories still get suggestions from each category's own name and description.
_SUGGESTION_WORDS: dict[str, tuple[str, ...]] = {
    "slow": ("拖拉", "效率低", "久拖", "拖着", "迟迟", "多次往返", "等了", "超时", "慢"),
    "attitude": (
        "态度",
        "生硬",
        "冷漠",
        "脸色",
        "刁难",
        "不耐烦",
        "训斥",
        "辱骂",
        "爱理不理",
        "门难进",
        "话难听",
    ),
    "extortion": ("索要", "红包", "好处费", "吃请", "宴请", "卡要", "送礼"),
    "arbitrary_charges": ("收费", "罚款", "摊派", "乱收"),
    "inaction": ("不作为", "慢作为", "乱作为", "不管", "不处理", "没人管"),
    "buck_passing": ("推诿", "扯皮", "踢皮球", "来回跑", "推脱", "互相推"),
    "defiance": ("有令不行", "有禁不止", "拒不执行", "中梗阻"),
    "discipline": (
        "迟到",
        "早退",
        "脱岗",
        "离岗",
        "不在岗",
        "玩手机",
        "玩游戏",
        "炒股",
        "串岗",
        "聊天",
        "吃早餐",
        "上班时间",
    ),
    "meeting_style": ("会风", "文风", "开会", "会议"),
}
_SPLIT = re.compile(r"[、，,；;：:“”\"（）()\s]+")


@dataclass(frozen=True)
class CategoryWords:
    """A category and the words that suggest it (see :func:`suggest_category`)."""

    id: int
    name: str
    words: tuple[str, ...]


def category_words(session: Session, actor: Actor) -> list[CategoryWords]:
    """Active categories with their suggestion words, loaded once per intake form."""
    require(actor, Permission.VIEW_COMPLAINTS)
    rows = session.execute(
        select(
            ProblemCategory.id,
            ProblemCategory.code,
            ProblemCategory.name,
            ProblemCategory.description,
        )
        .where(ProblemCategory.active.is_(True))
        .order_by(ProblemCategory.sort_order, ProblemCategory.id)
    )
    out = []
    for cid, code, name, description in rows:
        own = [w for w in _SPLIT.split(f"{name}、{description}") if len(w) >= 2]
        out.append(CategoryWords(cid, name, (*_SUGGESTION_WORDS.get(code, ()), *own)))
    return out


def suggest_category(categories: list[CategoryWords], text: str) -> int | None:
    """The category whose words the text mentions most (longer words weigh more), or None.

    "窗口工作人员态度生硬" → 服务态度差. Ties go to the category listed first; 其他 is never
    suggested (it is what a clerk chooses, not what a word implies).
    """
    best: tuple[int, int] | None = None
    for cat in categories:
        score = sum(len(w) for w in set(cat.words) if w in text)
        if score and (best is None or score > best[0]):
            best = (score, cat.id)
    return best[1] if best else None
