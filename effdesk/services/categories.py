"""Problem categories (问题类别): the defaults from DOMAIN.md, created on first run.

The office may rename, deactivate or add categories later; :func:`ensure_default_categories`
only adds a default whose code is missing, so it is safe to call at every start.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk import audit
from effdesk.auth import SYSTEM, Actor
from effdesk.db.base import now
from effdesk.db.models import ProblemCategory
from effdesk.enums import AuditAction

# Default categories get the same UUID in every office (derived from the code), so data moved
# between offices (field packages, ledgers) refers to "the same" category unambiguously.
_CATEGORY_NAMESPACE = uuid.UUID("6f1c2f7e-3b1a-4c55-9d0e-6b7a0c1e2d3f")


@dataclass(frozen=True)
class DefaultCategory:
    code: str
    name: str
    description: str


DEFAULT_CATEGORIES: tuple[DefaultCategory, ...] = (
    DefaultCategory("slow", "办事拖拉、效率低下", "超时限办理、久拖不办、多次往返仍未办结"),
    DefaultCategory(
        "attitude",
        "服务态度差",
        "门难进、脸难看、话难听、事难办；冷横硬推、态度生硬、刁难群众",
    ),
    DefaultCategory("extortion", "吃拿卡要", "索要财物、接受宴请、借办事之机谋取好处"),
    DefaultCategory(
        "arbitrary_charges", "乱收费、乱罚款、乱摊派", "“三乱”：无依据收费、罚款、摊派"
    ),
    DefaultCategory("inaction", "不作为、慢作为、乱作为", "该办不办、拖着不办、违规乱办"),
    DefaultCategory("buck_passing", "推诿扯皮", "部门之间、科室之间相互推脱，让群众来回跑"),
    DefaultCategory(
        "defiance", "有令不行、有禁不止", "对党委、政府决策部署变相执行、拒不执行（“中梗阻”）"
    ),
    DefaultCategory(
        "discipline",
        "违反工作纪律",
        "迟到早退、脱岗离岗、上班时间玩游戏炒股、串岗聊天、上班时间吃早餐",
    ),
    DefaultCategory("meeting_style", "会风文风", "开会迟到早退、会上玩手机；文山会海、文风不实"),
    DefaultCategory("other", "其他", ""),
)


def default_category_uuid(code: str) -> str:
    return str(uuid.uuid5(_CATEGORY_NAMESPACE, f"effdesk:category:{code}"))


def ensure_default_categories(
    session: Session, actor: Actor = SYSTEM, *, at: datetime | None = None, record: bool = True
) -> int:
    """Add each default category that is not in the table yet (by code, name or UUID).

    Returns how many were added. ``record`` writes one audit entry listing them (the demo
    generator passes False and audits its whole build once instead); ``at`` fixes the
    creation time (deterministic demo data).
    """
    existing = session.execute(
        select(ProblemCategory.code, ProblemCategory.name, ProblemCategory.uuid)
    ).all()
    codes = {row.code for row in existing}
    names = {row.name for row in existing}
    uuids = {row.uuid for row in existing}
    moment = at or now()
    added: list[ProblemCategory] = []
    for order, cat in enumerate(DEFAULT_CATEGORIES, start=1):
        # A default the admin renamed keeps its UUID: it is still there, do not add it again.
        if cat.code in codes or cat.name in names or default_category_uuid(cat.code) in uuids:
            continue
        row = ProblemCategory(
            uuid=default_category_uuid(cat.code),
            code=cat.code,
            name=cat.name,
            description=cat.description,
            sort_order=order * 10,
            active=True,
            created_at=moment,
            updated_at=moment,
        )
        session.add(row)
        added.append(row)
    if not added:
        return 0
    session.flush()
    if record:
        audit.record(
            session,
            actor,
            AuditAction.CREATE,
            "problem_category",
            "",
            f"建立默认问题类别 {len(added)} 个",
            None,
            {"categories": [f"{c.code}:{c.name}" for c in added]},
        )
    return len(added)
