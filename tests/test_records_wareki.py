"""和暦 dates for documents: era boundaries, 元年, weekdays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import JST
from bot.records.sentences import format_when
from bot.wareki import era_year, wareki_date


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 18), "令和8年11月18日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(1989, 1, 8), "平成元年1月8日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1926, 12, 25), "昭和元年12月25日"),
    (date(1912, 7, 30), "大正元年7月30日"),
    (date(1900, 1, 1), "明治33年1月1日"),
    (date(1800, 1, 1), "1800年1月1日"),
])
def test_era_boundaries(day: date, expected: str) -> None:
    assert wareki_date(day) == expected


def test_weekday_and_datetime() -> None:
    assert wareki_date(datetime(2026, 11, 18, 23, 59), weekday=True) == "令和8年11月18日（水）"
    assert era_year(date(2026, 1, 1)) == ("令和", 8)


def test_times_are_shown_in_tokyo() -> None:
    utc = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)
    assert format_when(utc, "ja", "wareki") == "令和9年1月1日（金）00:30"  # 15:30 UTC is the next day in Tokyo
    assert format_when(utc, "ja") == "2027年1月1日（金）00:30"
    assert format_when(utc, "en", "wareki") == "Fri 2027-01-01 00:30 JST"
    assert format_when(datetime(2027, 1, 1, 0, 30, tzinfo=JST), "ja", "wareki") == "令和9年1月1日（金）00:30"


@pytest.mark.parametrize(("day", "expected"), [
    (date(2019, 4, 30), "平成31年4月30日"),
    (date(2019, 5, 1), "令和元年5月1日"),
    (date(1989, 1, 7), "昭和64年1月7日"),
    (date(1989, 1, 8), "平成元年1月8日"),
])
def test_drafts_use_the_same_wareki(day: date, expected: str) -> None:
    """The drafts' jdate filter and the records share bot/wareki.py: one 和暦, the same at every boundary."""
    from types import SimpleNamespace

    from bot.triage.templating import make_environment

    env = make_environment()
    wareki_profile, gregorian = SimpleNamespace(date_style="wareki"), SimpleNamespace(date_style="gregorian")
    assert env.from_string("{{ d | jdate }}").render(d=day, profile=wareki_profile, locale="ja") == expected
    assert env.from_string("{{ d | jdate }}").render(d=day, profile=gregorian, locale="ja") == (
        f"{day.year}年{day.month}月{day.day}日")
    assert wareki_date(day) == expected


def test_there_is_one_wareki_implementation() -> None:
    """No era table outside bot/wareki.py."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "bot"
    tables = [p for p in root.rglob("*.py") if "平成" in p.read_text(encoding="utf-8") and p.name != "wareki.py"]
    assert tables == []


def test_report_dates_follow_the_profile() -> None:
    from bot.records.report import default_calendar

    assert default_calendar("ja", "wareki") == "wareki"
    assert default_calendar("ja", "gregorian") == "western"
    assert default_calendar("en", "wareki") == "western"
