"""The unit assessment (作风监测指数): a hand-built month ranked, ties, the bottom three per
category, caps, frozen rules, closing and the audited recompute of a closed month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from assessment_helpers import FIRST, SECOND, Office
from sqlalchemy import select

from effdesk.db.engine import Database
from effdesk.db.models import AuditEntry, Rectification
from effdesk.enums import FindingStatus, MeasureType, RectificationNoticeKind, Verification
from effdesk.errors import PermissionDenied, TransitionNotAllowed, ValidationError, ValidationErrors
from effdesk.services import assessment

OCT = "2026-10"
AFTER = date(2026, 11, 5)  # the day the office computes October


def build_october(o: Office, db: Database) -> None:
    """一类: 甲 98 (one 属实), 乙 98 (部分属实 + finding), 丙 97 (通报批评 measure),
    丁 100, 戊 90 (six 属实, capped at 10), 己 99 (one finding).
    二类: 庚 97 (named by an issued critical circular), 辛 100.
    Plus what must not count: a complaint concluded in November, 不属实, a pending and a
    dismissed finding, a voided-out month boundary."""
    for name in ("甲局", "乙局", "丙局", "丁局", "戊局", "己局"):
        o.unit(name, FIRST)
    o.unit("庚镇人民政府", SECOND)
    o.unit("辛镇人民政府", SECOND)
    o.complaint("甲局", datetime(2026, 10, 12, 15))
    o.complaint("乙局", datetime(2026, 10, 13, 15), Verification.PARTLY)
    o.finding("乙局", datetime(2026, 10, 14, 9, 5))
    o.measure("丙局", date(2026, 10, 20), MeasureType.CIRCULATED_CRITICISM)
    for day in (12, 13, 14, 15, 16, 19):
        o.complaint("戊局", datetime(2026, 10, day, 15))
    o.finding("己局", datetime(2026, 10, 21, 10))
    o.critical_circular("庚镇人民政府", date(2026, 10, 23), db.files_dir)
    # Not counted in October:
    o.complaint("丁局", datetime(2026, 11, 2, 15))  # concluded in November
    o.complaint("丁局", datetime(2026, 10, 15, 15), Verification.UNFOUNDED)
    o.finding("丁局", datetime(2026, 10, 22, 9), FindingStatus.PENDING)
    o.finding("辛镇人民政府", datetime(2026, 10, 22, 9), FindingStatus.DISMISSED)
    o.measure("丁局", date(2026, 10, 9), MeasureType.CRITICISM_EDUCATION)  # not 通报批评


def table(result: assessment.MonthResult) -> dict[str, tuple[str, int, bool]]:
    return {r.unit_name: (f"{r.score:.2f}", r.rank, r.flagged) for r in result.rows}


def test_hand_built_month_ranked_within_categories(office: Office, db: Database) -> None:
    build_october(office, db)
    result = assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    assert table(result) == {
        "丁局": ("100.00", 1, False),
        "己局": ("99.00", 2, False),
        # A tie shares the rank; the next rank skips (competition ranking).
        "甲局": ("98.00", 3, True),
        "乙局": ("98.00", 3, True),
        "丙局": ("97.00", 5, True),
        "戊局": ("90.00", 6, True),
        "辛镇人民政府": ("100.00", 1, False),
        "庚镇人民政府": ("97.00", 2, True),
    }
    # Listed by category, then rank.
    assert [r.category for r in result.rows] == [FIRST] * 6 + [SECOND] * 2
    by_cat = result.by_category()
    assert [r.unit_name for r in by_cat[FIRST]][:2] == ["丁局", "己局"]
    # Every deducted point names its record.
    rows = {r.unit_name: r for r in result.rows}
    b = rows["乙局"]
    assert [(d.kind, d.points) for d in b.details] == [
        ("complaint_substantiated", Decimal("1.00")),
        ("finding", Decimal("1.00")),
    ]
    assert all(d.basis.split(":")[0] in {"complaint", "finding"} for d in b.details)
    assert "部分属实" in b.details[0].text
    g = rows["庚镇人民政府"].details
    assert len(g) == 1 and g[0].kind == "circular" and g[0].ref_type == "document"


def test_kind_cap_keeps_the_capped_items_in_the_details(office: Office, db: Database) -> None:
    build_october(office, db)
    result = assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    e = next(r for r in result.rows if r.unit_name == "戊局")
    assert e.deduction == Decimal("10.00")
    assert [d.points for d in e.details] == [Decimal("2.00")] * 5 + [Decimal("0.00")]
    assert e.details[-1].capped == "kind" and e.details[-1].note == "已达该项扣分上限"


def test_bottom_three_flags_need_a_deduction(office: Office) -> None:
    # Four units, nobody lost a point: nobody is warned, all share rank 1.
    for name in ("子局", "丑局", "寅局", "卯局"):
        office.unit(name)
    result = assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    assert {(r.rank, r.flagged) for r in result.rows} == {(1, False)}


def test_monthly_cap_and_per_category_rules(office: Office, db: Database) -> None:
    build_october(office, db)
    rules = assessment.current_rules(office.session)
    rules["monthly_cap"] = 5
    rules["categories"] = {"second": {"kinds": {"circular": {"points": 5}}}}
    assessment.save_rules(office.session, office.leader, rules)
    result = assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    rows = {r.unit_name: r for r in result.rows}
    assert rows["戊局"].deduction == Decimal("5.00")
    assert [d.capped for d in rows["戊局"].details] == ["", "", "month", "month", "month", "month"]
    assert rows["庚镇人民政府"].score == Decimal("95.00")  # 二类: 5 points a circular
    assert rows["丙局"].score == Decimal("97.00")  # 一类 keeps 3


def test_overdue_rectification_and_overdue_complaint_count(office: Office) -> None:
    office.unit("甲局")
    office.session.add_all(
        [
            Rectification(
                unit_id=office.units["甲局"],
                notice_kind=RectificationNoticeKind.RECTIFICATION,
                issued_date=date(2026, 10, 8),
                deadline=date(2026, 10, 28),
            ),
            Rectification(  # done on time: not counted
                unit_id=office.units["甲局"],
                notice_kind=RectificationNoticeKind.RECTIFICATION,
                issued_date=date(2026, 10, 8),
                deadline=date(2026, 10, 28),
                completed_date=date(2026, 10, 27),
            ),
        ]
    )
    office.session.flush()
    result = assessment.compute_month(office.session, office.clerk, OCT, today=AFTER)
    kinds = [d.kind for d in result.rows[0].details]
    assert kinds == ["rectification_overdue"]


def test_old_month_unchanged_after_rule_change(office: Office, db: Database) -> None:
    build_october(office, db)
    s = office.session
    assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    assessment.close_month(s, office.leader, OCT, today=AFTER)
    before = table(assessment.get_month(s, office.clerk, OCT))  # type: ignore[arg-type]
    frozen = assessment.get_month(s, office.clerk, OCT).rules  # type: ignore[union-attr]

    rules = assessment.current_rules(s)
    rules["kinds"]["finding"]["points"] = 5
    rules["kinds"]["complaint_substantiated"]["points"] = 4
    assessment.save_rules(s, office.leader, rules)
    s.expire_all()

    stored = assessment.get_month(s, office.clerk, OCT)
    assert stored is not None and stored.final
    assert table(stored) == before
    assert stored.rules == frozen and stored.rules["kinds"]["finding"]["points"] == 1
    # The new rules rank differently: the preview says so, the closed month does not follow.
    assert table(assessment.preview_month(s, office.clerk, OCT, today=AFTER)) != before
    with pytest.raises(TransitionNotAllowed, match="已定稿"):
        assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    assert table(assessment.get_month(s, office.clerk, OCT)) == before  # type: ignore[arg-type]


def test_recompute_closed_month_needs_permission_and_reason_and_is_audited(
    office: Office, db: Database
) -> None:
    build_october(office, db)
    s = office.session
    assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    assessment.close_month(s, office.leader, OCT, today=AFTER)
    with pytest.raises(PermissionDenied):
        assessment.close_month(s, office.clerk, OCT, today=AFTER)
    with pytest.raises(PermissionDenied):
        assessment.recompute_month(s, office.clerk, OCT, "投诉结论更正", today=AFTER)
    with pytest.raises(PermissionDenied):
        assessment.recompute_month(s, office.inspector, OCT, "投诉结论更正", today=AFTER)
    with pytest.raises(ValidationError, match="理由"):
        assessment.recompute_month(s, office.leader, OCT, "  ", today=AFTER)

    # A finding of October verified after the month was closed (filed late from the field).
    office.finding("己局", datetime(2026, 10, 30, 16))
    rules = assessment.current_rules(s)
    rules["kinds"]["complaint_substantiated"]["points"] = 4
    assessment.save_rules(s, office.admin, rules)

    result = assessment.recompute_month(
        s, office.leader, OCT, "补录己局10月30日督查问题", today=AFTER
    )
    assert result.final
    rows = table(result)
    assert rows["己局"] == ("98.00", 2, True)
    assert rows["甲局"] == (
        "98.00",
        2,
        True,
    )  # three-way tie; the month's own rules (2 points), not the new 4
    entry = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "assessment_run")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None and entry.username == "leader"
    assert "重算已定稿" in entry.summary and "补录己局10月30日督查问题" in entry.summary
    assert entry.before is not None and entry.before["scores"]["己局"][0] == "99.00"
    assert entry.after is not None and entry.after["scores"]["己局"][0] == "98.00"

    # Asked explicitly, the current rules apply (and the audit shows both rule sets).
    result = assessment.recompute_month(
        s, office.admin, OCT, "按新规则重新考评", use_current_rules=True, today=AFTER
    )
    assert table(result)["甲局"][0] == "96.00"
    assert result.rules["kinds"]["complaint_substantiated"]["points"] == 4


def test_closing_needs_a_finished_month(office: Office) -> None:
    office.unit("甲局")
    s = office.session
    with pytest.raises(TransitionNotAllowed, match="尚未计算"):
        assessment.close_month(s, office.leader, OCT, today=AFTER)
    assessment.compute_month(s, office.clerk, "2026-11", today=AFTER)
    with pytest.raises(TransitionNotAllowed, match="尚未结束"):
        assessment.close_month(s, office.leader, "2026-11", today=AFTER)
    with pytest.raises(ValidationError, match="尚未开始"):
        assessment.compute_month(s, office.clerk, "2026-12", today=AFTER)
    with pytest.raises(ValidationError, match="格式"):
        assessment.compute_month(s, office.clerk, "2026-13", today=AFTER)


def test_rules_validated_with_chinese_messages(office: Office) -> None:
    rules = assessment.current_rules(office.session)
    rules["kinds"]["finding"]["points"] = -1
    rules["categories"] = {"fourth": {}}
    with pytest.raises(ValidationErrors) as err:
        assessment.save_rules(office.session, office.leader, rules)
    text = str(err.value)
    assert "「督查发现问题」每项扣分" in text and "fourth" in text
    with pytest.raises(PermissionDenied):
        assessment.save_rules(office.session, office.clerk, assessment.DEFAULT_RULES)


def test_year_view_averages_and_ranks(office: Office, db: Database) -> None:
    build_october(office, db)
    s = office.session
    assessment.compute_month(s, office.clerk, "2026-09", today=AFTER)
    assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    year = assessment.year_view(s, office.clerk, 2026)
    assert year.computed[8] and year.computed[9] and not year.computed[10]
    rows = {r.unit_name: r for r in year.rows}
    e = rows["戊局"]
    assert e.months[8] == Decimal("100.00") and e.months[9] == Decimal("90.00")
    assert e.average == Decimal("95.00") and e.total_deduction == Decimal("10.00")
    assert e.flagged_months == 1 and e.rank == 6 and e.flagged
    assert rows["丁局"].rank == 1 and rows["甲局"].rank == rows["乙局"].rank == 3


def test_compute_and_close_are_audited_and_rules_described(office: Office) -> None:
    office.unit("甲局")
    s = office.session
    assessment.compute_month(s, office.clerk, OCT, today=AFTER)
    assessment.close_month(s, office.admin, OCT, today=AFTER)
    entries = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "assessment_run")
        .order_by(AuditEntry.seq)
    ).all()
    assert [(e.username, e.summary) for e in entries] == [
        ("clerk", "计算2026年10月作风监测指数（1个单位）"),
        ("admin", "2026年10月作风监测指数定稿"),
    ]
    assert entries[0].after is not None and entries[0].after["rules"]["base"] == 100
    rules = assessment.current_rules(s)
    assert assessment.describe_rules(rules) == [
        "各类考评单位：基础分100分；属实投诉每项扣2分（部分属实1分），最多扣10分；"
        "通报批评每项扣3分，最多扣9分；督查发现问题每项扣1分，最多扣10分；"
        "逾期未整改每项扣2分，最多扣6分；投诉超期办理每项扣1分，最多扣5分；每月最多扣30分。"
    ]
    rules["categories"] = {"third": {"kinds": {"finding": {"enabled": False}}}}
    third = assessment.describe_rules(rules)[2]
    assert third.startswith("三类考评单位") and "督查发现问题" not in third
