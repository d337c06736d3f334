"""The weekly summary's time to acknowledge, also counted in office hours as the escalation counts it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import JST, FixedClock
from bot.i18n import Catalog
from bot.triage.escalation import build_calendar
from bot.triage.summary import IsoWeek, build_summary, render_summary
from bot.wiring import Runtime
from tests.summary_fixtures import insert_incident, jst, make_runtime, write_playbooks

W47 = IsoWeek(2026, 47)
OFFICE = build_calendar((8, 45), (17, 30), [0, 1, 2, 3, 4], [], ["critical"], national_holidays=True,
                        year_end=True)


def test_office_minutes_count_only_open_hours() -> None:
    # Thursday 17:00 → Friday 09:15: 30 minutes before closing, 30 after opening.
    assert OFFICE.office_minutes(jst(19, 17), jst(20, 9, 15), "medium") == 60
    # Friday 18:00 → Tuesday 09:00 over the weekend and 勤労感謝の日 (Monday 23 November): 15 minutes.
    assert OFFICE.office_minutes(jst(20, 18), jst(24, 9), "medium") == 15
    # Within one open day, and the wall clock for a severity that never waits.
    assert OFFICE.office_minutes(jst(19, 10), jst(19, 11, 30), "medium") == 90
    assert OFFICE.office_minutes(jst(21, 10), jst(21, 11), "critical") == 60
    # 年末年始 (12/29–1/3) are closed; nothing backwards.
    year_end = datetime(2026, 12, 28, 17, tzinfo=JST), datetime(2027, 1, 4, 9, tzinfo=JST)
    assert OFFICE.office_minutes(*year_end, "high") == 30 + 15
    assert OFFICE.office_minutes(jst(20, 9), jst(19, 9), "medium") == 0
    # As add_minutes counts: the minutes it adds are the minutes counted back.
    start = jst(20, 16)
    assert OFFICE.office_minutes(start, OFFICE.add_minutes(start, 200, "medium"), "medium") == 200


@pytest.fixture
def runtime(tmp_path: Path, database_url: str, clock: FixedClock) -> Iterator[Runtime]:
    made = make_runtime(database_url, write_playbooks(tmp_path), clock, escalation={"levels": [
        {"section": "pr_section", "after_minutes": 30, "mention": "S_PR"}]})
    yield made
    made.close()


def test_the_summary_counts_a_night_report_in_office_hours_too(runtime: Runtime) -> None:
    ack = ("acknowledged", jst(20, 9, 15), {"new": "U_PR"})
    insert_incident(runtime, kind="flaming", created_at=jst(19, 17), acknowledged_at=jst(20, 9, 15), events=[ack])
    quick = ("acknowledged", jst(18, 10, 20), {"new": "U_PR"})
    insert_incident(runtime, kind="flaming", created_at=jst(18, 10), acknowledged_at=jst(18, 10, 20), events=[quick])
    calendar = runtime.triage.deps.escalation.calendar
    summary = build_summary(runtime.triage.deps.sessions, W47, jst(23, 9), calendar=calendar)
    assert summary.current.time_to_acknowledge.median_minutes == pytest.approx((975 + 20) / 2)
    office = summary.current.time_to_acknowledge_office
    assert office is not None and office.median_minutes == pytest.approx((60 + 20) / 2)
    text = render_summary(summary, runtime.triage.deps.catalog)
    # Before: only 「確認までの時間: 中央値 8時間18分…」, read as a slow PR section for a report made at 17:00.
    assert "確認までの時間（この週 2件）: 中央値 8時間18分" in text
    assert "開庁時間だけで数えると（再通知と同じ数え方）: 中央値 40分" in text, text
    english = render_summary(summary, Catalog.load("en"))
    assert "counted in office hours only (as re-notices count): median 40 min" in english, english
    assert summary.to_dict()["current"]["time_to_acknowledge_office"]["median_minutes"] == 40
    # Without a calendar (or when office time equals the wall clock) the line is not shown.
    plain = build_summary(runtime.triage.deps.sessions, W47, jst(23, 9))
    assert "開庁時間だけで" not in render_summary(plain, runtime.triage.deps.catalog)
