"""Office-hours arithmetic for escalation deadlines (Asia/Tokyo)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import JST
from bot.config import load_config
from bot.triage.escalation import OfficeCalendar, build_calendar
from bot.wiring import build_runtime

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


def _settings_calendar(tmp_path: Path, office_hours: str = "") -> OfficeCalendar:
    path = tmp_path / "app.yaml"
    path.write_text(f"escalation:\n  office_hours:\n{office_hours or '    weekdays: [0, 1, 2, 3, 4]'}\n",
                    encoding="utf-8")
    return build_runtime(load_config(path, environ={"DATABASE_URL": "sqlite://"})).triage.deps.escalation.calendar


def test_national_holidays_and_the_year_end_close_the_office_by_default(tmp_path: Path) -> None:
    """Nobody listed them in app.yaml: 祝日 (incl. 振替休日) and 12/29–1/3 are closed, as the 休日条例 says."""
    calendar = _settings_calendar(tmp_path)
    assert not calendar.is_open(datetime(2026, 11, 3, 10, 0, tzinfo=JST))  # 文化の日 (Tuesday)
    assert not calendar.is_open(datetime(2026, 5, 6, 10, 0, tzinfo=JST))  # 振替休日 (Wednesday)
    assert not calendar.is_open(datetime(2026, 12, 29, 10, 0, tzinfo=JST))  # 年末 (Tuesday)
    assert not calendar.is_open(datetime(2027, 1, 4, 8, 0, tzinfo=JST))  # before opening
    assert calendar.is_open(datetime(2027, 1, 4, 9, 0, tzinfo=JST))  # 仕事始め
    # Monday 28 Dec 17:20 + 30 min of office time: 10 min that day, then 29 Dec – 3 Jan closed -> 4 Jan 09:05.
    assert (calendar.add_minutes(datetime(2026, 12, 28, 17, 20, tzinfo=JST), 30, "medium")
            == datetime(2027, 1, 4, 9, 5, tzinfo=JST))
    # Friday 20 Nov 17:20 + 30: Mon 23 Nov (勤労感謝の日) is skipped without being listed.
    assert (calendar.add_minutes(datetime(2026, 11, 20, 17, 20, tzinfo=JST), 30, "medium")
            == datetime(2026, 11, 24, 9, 5, tzinfo=JST))


def test_a_municipality_can_count_holidays_as_working_days(tmp_path: Path) -> None:
    calendar = _settings_calendar(tmp_path, "    national_holidays: false\n    year_end_holidays: false")
    assert calendar.is_open(datetime(2026, 11, 3, 10, 0, tzinfo=JST))
    assert calendar.is_open(datetime(2026, 12, 29, 10, 0, tzinfo=JST))
