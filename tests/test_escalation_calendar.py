"""Office-hours arithmetic for escalation deadlines (Asia/Tokyo)."""

from __future__ import annotations

from datetime import datetime

from bot.clock import JST
from bot.triage.escalation import build_calendar

CAL = build_calendar((8, 45), (17, 30), [0, 1, 2, 3, 4], ["2026-11-23"], ["critical"])


def test_inside_hours_adds_plainly() -> None:
    start = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
    assert CAL.add_minutes(start, 30, "medium") == datetime(2026, 11, 18, 10, 30, tzinfo=JST)


def test_carries_over_to_next_morning() -> None:
    start = datetime(2026, 11, 18, 17, 15, tzinfo=JST)
    assert CAL.add_minutes(start, 30, "medium") == datetime(2026, 11, 19, 9, 0, tzinfo=JST)


def test_weekend_and_holiday_are_skipped() -> None:
    # Friday 17:20 + 30 min: 10 min Friday, then Sat/Sun, then Monday 23 Nov is a holiday -> Tuesday 09:05.
    start = datetime(2026, 11, 20, 17, 20, tzinfo=JST)
    assert CAL.add_minutes(start, 30, "medium") == datetime(2026, 11, 24, 9, 5, tzinfo=JST)


def test_night_report_starts_counting_at_opening() -> None:
    start = datetime(2026, 11, 18, 2, 0, tzinfo=JST)
    assert CAL.add_minutes(start, 30, "high") == datetime(2026, 11, 18, 9, 15, tzinfo=JST)


def test_critical_does_not_wait_for_office_hours() -> None:
    start = datetime(2026, 11, 21, 23, 0, tzinfo=JST)
    assert CAL.add_minutes(start, 30, "critical") == datetime(2026, 11, 21, 23, 30, tzinfo=JST)


def test_is_open() -> None:
    assert CAL.is_open(datetime(2026, 11, 18, 9, 0, tzinfo=JST))
    assert not CAL.is_open(datetime(2026, 11, 22, 9, 0, tzinfo=JST))
    assert not CAL.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=JST))
