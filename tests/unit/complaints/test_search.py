"""The list: FTS5 trigram search for three characters or more, LIKE below that, filters,
sorting, paging without a count, and the exact count on demand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from complaint_helpers import T0, World, case_in, instructed, to_awaiting, to_routed
from sqlalchemy import text

from effdesk.enums import Channel, ComplaintState, DueStatus
from effdesk.services import complaints as svc

F = svc.ComplaintFilter


def ids(w: World, filters: svc.ComplaintFilter, **kw: object) -> list[int]:
    page = svc.search_complaints(w.session, w.clerk, filters, **kw)  # type: ignore[arg-type]
    return [r.id for r in page.rows]


@pytest.fixture
def cases(world: World) -> dict[str, int]:
    made = {
        "window": world.register(
            at=datetime(2026, 3, 2, 9, 0), summary="不动产登记窗口推诿扯皮", content="来回跑了三趟"
        ).id,
        "meal": world.register(
            at=datetime(2026, 3, 3, 9, 0),
            summary="上班时间吃早餐",
            content="8点半窗口无人，工作人员在吃早餐",
            category_id=world.discipline,
            unit_id=world.market,
            channel=Channel.WEB,
            complainant_name="李小龙",
            complainant_phone="13900001111",
            complainant_company="",
        ).id,
        "fee": world.register(
            at=datetime(2026, 3, 4, 9, 0),
            summary="乱收费 100%_加急费",
            content="收取所谓“加急费”",
            category_id=world.slow,
            unit_id=world.town,
            complainant_name="王五",
            complainant_phone="0571-8888 1234",
            complainant_company="",
        ).id,
    }
    return made


def test_fts_matches_a_three_character_chinese_phrase(world: World, cases: dict[str, int]) -> None:
    assert ids(world, F(text="吃早餐")) == [cases["meal"]]
    assert ids(world, F(text="推诿扯皮")) == [cases["window"]]
    assert ids(world, F(text="加急费")) == [cases["fee"]]
    if world.session.get_bind().dialect.name != "sqlite":
        return
    # The query really goes through the FTS index: the table answers on its own.
    hits = (
        world.session.execute(
            text(
                "SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH 'search_text : \"吃早餐\"'"
            )
        )
        .scalars()
        .all()
    )
    assert hits == [cases["meal"]]


def test_short_terms_fall_back_to_like(world: World, cases: dict[str, int]) -> None:
    assert ids(world, F(text="早餐")) == [cases["meal"]]
    assert ids(world, F(text="窗")) == [cases["meal"], cases["window"]]
    assert ids(world, F(text="100%_")) == [cases["fee"]]  # LIKE wildcards are literal
    assert ids(world, F(text="%")) == [cases["fee"]]


def test_several_terms_must_all_match(world: World, cases: dict[str, int]) -> None:
    assert ids(world, F(text="窗口 吃早餐")) == [cases["meal"]]
    assert ids(world, F(text="窗口 加急费")) == []
    assert ids(world, F(text='"加急费"')) == []  # quotes are text, not FTS syntax errors


def test_number_phone_and_names(world: World, cases: dict[str, int]) -> None:
    assert ids(world, F(text="效投2026-0002")) == [cases["meal"]]
    assert ids(world, F(text="李小龙")) == [cases["meal"]]
    assert ids(world, F(text="88881234")) == [cases["fee"]]
    assert ids(world, F(text="城关镇")) == [cases["fee"]]  # the unit's name


def test_filters(world: World, cases: dict[str, int]) -> None:
    assert ids(world, F(unit_id=world.market)) == [cases["meal"]]
    assert ids(world, F(category_id=world.slow)) == [cases["fee"]]
    assert ids(world, F(channels=frozenset({Channel.WEB}))) == [cases["meal"]]
    assert ids(world, F(received_from=date(2026, 3, 3))) == [cases["fee"], cases["meal"]]
    assert ids(world, F(received_to=date(2026, 3, 2))) == [cases["window"]]
    assert ids(world, F(received_from=date(2026, 3, 4), received_to=date(2026, 3, 2))) == []
    assert ids(world, F(handler_user_id=world.clerk.user_id)) == [
        cases["fee"],
        cases["meal"],
        cases["window"],
    ]
    assert ids(world, F(handler_user_id=world.leader.user_id)) == []


def test_state_and_due_status_filters(world: World, cases: dict[str, int]) -> None:
    routed = world.register(at=datetime(2026, 3, 5, 9, 0))
    for drive in (to_awaiting, instructed, to_routed):
        drive(world, routed, datetime(2026, 3, 5, 10, 0))
    assert ids(world, F(states=frozenset({ComplaintState.ROUTED}))) == [routed.id]
    assert ids(world, F(handler_unit_id=world.police)) == [routed.id]
    # On 03-06: acceptance limits 03-05 (window), 03-06 (meal), 03-09 (fee); routed: 03-26.
    today = date(2026, 3, 6)
    assert ids(world, F(due_statuses=frozenset({DueStatus.OVERDUE})), today=today) == [
        cases["window"]
    ]
    assert ids(world, F(due_statuses=frozenset({DueStatus.NEAR})), today=today) == [
        cases["fee"],
        cases["meal"],
    ]
    assert ids(world, F(due_statuses=frozenset({DueStatus.NORMAL})), today=today) == [routed.id]
    both = F(due_statuses=frozenset({DueStatus.NORMAL, DueStatus.OVERDUE}))
    assert ids(world, both, today=today) == [routed.id, cases["window"]]
    rows = svc.search_complaints(world.session, world.clerk, F(), today=today).rows
    assert {r.id: r.due_status for r in rows} == {
        routed.id: DueStatus.NORMAL,
        cases["fee"]: DueStatus.NEAR,
        cases["meal"]: DueStatus.NEAR,
        cases["window"]: DueStatus.OVERDUE,
    }


def test_sorting(world: World, cases: dict[str, int]) -> None:
    newest = [cases["fee"], cases["meal"], cases["window"]]
    assert ids(world, F()) == newest
    assert ids(world, F(), sort=svc.ComplaintSort.RECEIVED_ASC) == newest[::-1]
    assert ids(world, F(), sort=svc.ComplaintSort.NUMBER_DESC) == newest
    closed = case_in(world, ComplaintState.ARCHIVED)
    due_first = ids(world, F(), sort=svc.ComplaintSort.DUE_ASC)
    assert due_first == [cases["window"], cases["meal"], cases["fee"], closed.id]


def test_paging_without_counting_and_exact_count(world: World) -> None:
    made = [world.register(at=T0 + timedelta(minutes=i)).id for i in range(7)]
    first = svc.search_complaints(world.session, world.clerk, F(), offset=0, limit=3)
    assert [r.id for r in first.rows] == made[::-1][:3]
    assert first.has_more and not first.total_exact and first.total == 4
    last = svc.search_complaints(world.session, world.clerk, F(), offset=6, limit=3)
    assert [r.id for r in last.rows] == [made[0]]
    assert not last.has_more and last.total == 7
    exact = svc.search_complaints(world.session, world.clerk, F(), limit=3, with_total=True)
    assert exact.total == 7 and exact.total_exact
    assert svc.count_complaints(world.session, world.clerk, F(text="推诿")) == 7
    assert svc.count_complaints(world.session, world.inspector, F(text="张三丰")) == 0


def test_row_carries_names_for_display(world: World) -> None:
    case = world.register(person_ids=[world.person], subject_description="户籍窗口")
    row = svc.search_complaints(world.session, world.clerk).rows[0]
    assert row.id == case.id
    assert row.unit_name == "县公安局" and row.category_name == "服务态度差"
    assert row.subject == "县公安局（户籍窗口）"
    assert row.handler_user_name == "clerk"
    assert row.version == case.version


def test_find_by_number(world: World) -> None:
    case = world.register()
    assert svc.find_by_number(world.session, world.inspector, " 效投2026-0001 ") == case.id
