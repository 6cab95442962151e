"""The composed circular reads as a 办公室 secretary would sign it, on every combination the demo
office produces: no word said twice in a row ("窗口窗口工作人员"), no time or person repeated
within one finding, "其他" never listed as a problem, never "等等"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from effdesk.auth import Actor
from effdesk.db.engine import Database
from effdesk.db.models import Campaign, User, UserRole
from effdesk.demo.generator import build_demo
from effdesk.enums import Role
from effdesk.services import composition
from effdesk.services.composition import _problem_kinds, unit_and_person

DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,})\1")
TODAY = date(2026, 11, 20)


def leader_of(session: Session) -> Actor:
    """The demo office's first leader, as the composer's actor."""
    user = session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.LEADER).order_by(User.id)
    ).first()
    assert user is not None
    return Actor(user.id, user.username, frozenset(user.role_set), user.display_name)


def _check(text: str, where: str) -> None:
    assert "等等" not in text, where
    for line in text.splitlines():
        doubled = DOUBLED.search(line)
        assert doubled is None, f"{where}: {doubled.group(0) if doubled else ''} in {line}"
        for listing in re.findall(r"主要表现为([^。]*)", line):
            assert "其他" not in listing, f"{where}: {line}"


@pytest.mark.slow
def test_every_demo_campaign_composes_clean_text(db: Database) -> None:
    build_demo(db, complaints=120, today=TODAY)
    with db.session() as s:
        leader = leader_of(s)
        campaigns = list(s.scalars(select(Campaign.id)))
        assert campaigns
        checked = 0
        for campaign_id in campaigns:
            ids = composition.usable_finding_ids(s, campaign_id)
            if not ids:
                continue
            whole = composition.compose_from_findings(s, leader, ids, today=TODAY)
            _check(whole.data.body, f"campaign {campaign_id}")
            for fid in ids:  # each finding alone: the single-finding sentence form
                one = composition.compose_from_findings(s, leader, [fid], today=TODAY)
                _check(one.data.body, f"finding {fid}")
                checked += 1
        assert checked >= 5


def test_unit_and_person_say_a_shared_word_once() -> None:
    assert unit_and_person("青石镇便民服务中心窗口", "窗口工作人员王某") == (
        "青石镇便民服务中心窗口工作人员王某"
    )
    assert unit_and_person("县公安局", "户籍窗口民警李四") == "县公安局户籍窗口民警李四"
    assert (
        unit_and_person("县政务服务中心", "3号窗口女工作人员") == "县政务服务中心3号窗口女工作人员"
    )


def test_problem_kinds_end_in_one_deng() -> None:
    assert _problem_kinds(["服务态度差", "推诿扯皮"]) == "服务态度差、推诿扯皮等问题"
    assert _problem_kinds(
        ["办事拖拉、效率低下", "服务态度差", "吃拿卡要", "推诿扯皮", "会风文风"]
    ) == ("办事拖拉、效率低下，服务态度差，吃拿卡要，推诿扯皮等问题")
