"""Session 20 records walk: the summary's left-overs (所管課 not given, the escalation in the city's words) and the
records read by a 課長, an auditor and a 情報公開 officer."""

from __future__ import annotations

from datetime import datetime

from bot.clock import JST, FixedClock
from bot.i18n import Catalog
from bot.ports import Actor, ReportInput
from bot.triage.summary import render_summary
from bot.triage.summary_job import run_weekly_summary
from bot.triage.summary_model import IsoWeek, WeeklySummary
from bot.wiring import Runtime
from tests.conftest import PR, STAFF

W48 = IsoWeek(2026, 48)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
REPORTER = Actor(STAFF, "山田 花子", "slack")
PR_OFFICER = Actor(PR, "広報 太郎", "slack")


def _summary(runtime: Runtime, week: IsoWeek = W48) -> WeeklySummary:
    """The summary as the weekly job builds and posts it."""
    posted: list[WeeklySummary] = []
    assert run_weekly_summary(runtime.triage.deps, lambda summary, png: posted.append(summary), "w", NOW,
                              week=week, chart=False)
    return posted[0]


def _climbed_week(runtime: Runtime, clock: FixedClock) -> int:
    """A takeover nobody acknowledges on Tuesday: the escalation job tells the second level (所属長) too."""
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=JST))
    outcome = runtime.triage.incidents.report(ReportInput(
        "市の公式LINEアカウントが乗っ取られた可能性があります。パスワードが変わっていました", REPORTER))
    assert outcome.incident is not None
    clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=JST))
    assert runtime.triage.escalations.fire_due(lambda notification: None, "w") >= 1
    clock.set(NOW)
    return outcome.incident.id


def test_a_department_nobody_gave_is_called_so_not_unknown(runtime: Runtime, clock: FixedClock) -> None:
    """Summary left-over (s19 #8): 「所管課: 不明 1件」 reads as if nobody knew the section; nobody gave it."""
    _climbed_week(runtime, clock)
    summary = _summary(runtime)
    assert summary.current.by_department == {"unknown": 1}
    assert "・所管課: 所管課の記録なし 1件" in render_summary(summary, runtime.triage.catalog)
    assert "• By department: no department recorded 1" in render_summary(summary, Catalog.load("en"))


def test_the_escalation_line_names_who_was_told_in_the_citys_words(runtime: Runtime, clock: FixedClock) -> None:
    """Summary left-over (s19 #9): 「第2段階以上のエスカレーション 1件」: jargon to a 課長; say who was told."""
    _climbed_week(runtime, clock)
    summary = _summary(runtime)
    assert summary.current.escalated_level2 == 1
    text = render_summary(summary, runtime.triage.catalog)
    assert "第2段階" not in text and "エスカレーション" not in text
    second = runtime.triage.deps.escalation.levels[1].section_name
    assert f"・確認がないため{second}にも通知した案件 1件（0件）" in text
    english = render_summary(summary, Catalog.load("en"))
    assert "level 2" not in english and f"• Not acknowledged, so {second} was told too: 1 (0)" in english


def test_without_a_second_level_the_line_says_there_is_none(runtime_factory, database_url: str,
                                                            clock: FixedClock) -> None:
    """The built-in chain has one level: the line says in plain words what it counts rather than 「第2段階以上 0件」."""
    runtime = runtime_factory(database_url, escalation={})
    _climbed_week(runtime, clock)  # re-noticed only: there is nobody further to tell
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert "第2段階" not in text
    assert "・確認がないため最初の報告先より先にも通知した案件 0件（0件）" in text
