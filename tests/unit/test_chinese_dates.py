"""The one helper that writes dates the Chinese way (年月日)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from effdesk.chinese_dates import cn_date, cn_date_range, cn_month_day
from effdesk.reports import gbt9704
from effdesk.services import composition


def test_cn_date_has_no_padding() -> None:
    assert cn_date(date(2026, 3, 5)) == "2026年3月5日"
    assert cn_date(date(2026, 10, 1)) == "2026年10月1日"
    assert cn_date(date(2026, 12, 31)) == "2026年12月31日"


def test_cn_date_of_a_datetime_is_its_day() -> None:
    assert cn_date(datetime(2026, 1, 9, 23, 59)) == "2026年1月9日"


def test_every_day_of_a_leap_year_passes_the_document_date_rule() -> None:
    d = date(2028, 1, 1)
    while d.year == 2028:
        text = cn_date(d)
        assert gbt9704.DATE_RE.match(text), text
        assert text == f"{d.year}年{d.month}月{d.day}日"
        d += timedelta(days=1)


def test_cn_month_day() -> None:
    assert cn_month_day(date(2026, 3, 5)) == "3月5日"
    assert cn_month_day(date(2026, 11, 20)) == "11月20日"


def test_cn_date_range_says_only_what_changes() -> None:
    assert cn_date_range(date(2025, 3, 3), date(2025, 3, 3)) == "2025年3月3日"
    assert cn_date_range(date(2025, 3, 3), date(2025, 3, 7)) == "2025年3月3日至7日"
    assert cn_date_range(date(2025, 3, 30), date(2025, 4, 2)) == "2025年3月30日至4月2日"
    assert cn_date_range(date(2025, 12, 29), date(2026, 1, 2)) == "2025年12月29日至2026年1月2日"


def test_documents_and_circulars_use_the_one_helper() -> None:
    # The GB/T 9704 renderer's name for it and the circular drafts' import are this helper,
    # not copies of it.
    assert gbt9704.format_cn_date is cn_date
    assert composition.cn_date is cn_date
    assert composition.cn_date_range is cn_date_range
