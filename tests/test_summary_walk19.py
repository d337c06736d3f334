"""Session 19 walk: a week of incidents made through the core, read as the 課長, 広報 and 情報政策 read it."""

from __future__ import annotations

import argparse
import io
import json
from datetime import datetime, timedelta

import pytest

from bot.adapters.slack.text import escape as slack_escape
from bot.adapters.teams.text import md_escape
from bot.clock import JST, FixedClock
from bot.delivery import publishing
from bot.i18n import Catalog
from bot.ports import Actor, ReportInput
from bot.summary_cli import summary as summary_command
from bot.triage import lifecycle
from bot.triage.retention import erase_incident
from bot.triage.summary import build_summary, render_summary
from bot.triage.summary_chart import day_ticks
from bot.triage.summary_job import run_weekly_summary
from bot.triage.summary_model import IsoWeek, WeeklySummary
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, STAFF

W48 = IsoWeek(2026, 48)  # Mon 23 Nov (勤労感謝の日) to Sun 29 Nov 2026
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
REPORTER = Actor(STAFF, "山田 花子", "slack")
COLLEAGUE = Actor(OTHER, "佐藤 一郎", "slack")
PR_OFFICER = Actor(PR, "広報 太郎", "slack")
LEAK_URL = "https://facebook.com/city_fake/posts/99"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿しました {LEAK_URL} 北海太郎 旭川市1条2丁目"


def _at(clock: FixedClock, day: int, hour: int, minute: int = 0) -> None:
    clock.set(datetime(2026, 11, day, hour, minute, tzinfo=JST))


def _report(runtime: Runtime, text: str, who: Actor = REPORTER) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(text, who))
    assert outcome.incident is not None
    return outcome.incident.id


def _week(runtime: Runtime, clock: FixedClock) -> dict[str, int]:
    """The week through the core: every kind, merges, a decline, a leak, a flare-up, the Sunday/Monday edge."""
    inc, ids = runtime.triage.incidents, {}
    _at(clock, 22, 23, 50)
    ids["sunday"] = _report(runtime, "市の公式Xの投稿が炎上しています https://x.com/city_fake/status/1001")
    _at(clock, 23, 0, 10)
    ids["monday"] = _report(runtime, "市長になりすましたXアカウントがあります https://x.com/fake_mayor")
    _at(clock, 24, 9)
    ids["flame"] = _report(runtime, "市の公式Xの投稿が炎上しています。批判が殺到 https://x.com/city_fake/status/2002")
    for minute in (10, 11):
        _at(clock, 24, 9, minute)
        assert _report(runtime, "炎上しています https://x.com/city_fake/status/2002", COLLEAGUE) == ids["flame"]
    _at(clock, 24, 9, 30)
    inc.acknowledge(ids["flame"], PR_OFFICER)
    _at(clock, 24, 10)
    other = _report(runtime, "市のInstagramの投稿にも批判コメントが殺到し炎上 https://www.instagram.com/p/abc")
    inc.merge(other, ids["flame"], PR_OFFICER)
    _at(clock, 25, 11)
    ids["declined"] = _report(runtime, "市が給付金を配るというデマがXで拡散しています https://x.com/someone/status/3003")
    inc.change_status(ids["declined"], lifecycle.DECLINED, PR_OFFICER, "市の事業と無関係の投稿のため")
    _at(clock, 26, 14)
    ids["leak"] = _report(runtime, LEAK)
    _at(clock, 25, 9)
    ids["flare"] = _report(runtime, "市のYouTube動画のコメント欄が炎上しています https://www.youtube.com/watch?v=xyz")
    inc.change_status(ids["flare"], lifecycle.RESOLVED, PR_OFFICER)
    _at(clock, 27, 10)
    _report(runtime, "再燃しています https://www.youtube.com/watch?v=xyz", COLLEAGUE)
    inc.change_status(ids["flare"], lifecycle.RESPONDING, PR_OFFICER)
    _at(clock, 27, 17, 30)
    ids["takeover"] = _report(runtime, "市の公式LINEアカウントが乗っ取られた可能性があります。"
                                       "パスワードが変わっていました")
    _at(clock, 29, 20)
    ids["never"] = _report(runtime, "市の避難所が閉鎖されたという誤情報がXで広がっています https://x.com/x/status/5")
    clock.set(NOW)
    return ids


def _summary(runtime: Runtime, week: IsoWeek = W48) -> WeeklySummary:
    deps = runtime.triage.deps
    return build_summary(deps.sessions, week, NOW, calendar=deps.escalation.calendar,
                         date_style=deps.profile.date_style)


def test_the_counts_a_section_chief_reads(runtime: Runtime, clock: FixedClock) -> None:
    _week(runtime, clock)
    current = _summary(runtime).current
    assert current.new_total == 7 and current.new_restricted == 1  # Sunday 23:50 belongs to the week before
    assert current.by_kind == {"flaming": 2, "impersonation": 1, "misinformation": 2, "leak": 1,
                               "account_takeover": 1}
    assert current.merged_reports == 2 and current.merged_incidents == 1  # 4 reports, one 炎上
    assert current.declined_in_week == 1 and current.status_of_new["declined"] == 1
    assert _summary(runtime).previous.new_total == 1


def test_the_holiday_week_is_dated_in_wareki_with_weekdays_as_the_profile_says(runtime: Runtime,
                                                                               clock: FixedClock) -> None:
    _week(runtime, clock)
    assert runtime.triage.deps.profile.date_style == "wareki"
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert text.startswith("【週次インシデントまとめ】令和8年11月23日（月）〜11月29日（日）\n")
    assert "前週（令和8年11月16日（月）〜11月22日（日））" in text


def test_attention_times_carry_the_weekday_in_japan_time(runtime: Runtime, clock: FixedClock) -> None:
    ids = _week(runtime, clock)
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert "■ 要対応の案件（11月30日（月）09:00時点）" in text
    assert f"INC-{ids['sunday']:04d} 炎上／報告受付（受付 11月22日（日）23:50）" in text


def test_a_kind_with_a_middle_dot_is_not_run_into_its_status(runtime: Runtime, clock: FixedClock) -> None:
    ids = _week(runtime, clock)
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert f"INC-{ids['never']:04d} デマ・事実と反する投稿／報告受付" in text
    assert "デマ・事実と反する投稿・報告受付" not in text


@pytest.mark.parametrize("escape", [lambda text: text, slack_escape, md_escape])
def test_nothing_of_the_leak_reaches_the_channel(runtime: Runtime, clock: FixedClock, escape) -> None:
    ids = _week(runtime, clock)
    summary = _summary(runtime)
    title, chunks = publishing.summary_parts(summary, runtime.triage.catalog, escape=escape)
    posted = "\n".join([title, *chunks, json.dumps(summary.to_dict(), ensure_ascii=False)])
    for secret in ("北海太郎", "旭川市1条", LEAK_URL, "facebook.com", "個人情報（氏名", "山田 花子",
                   f"INC-{ids['leak']:04d}"):
        assert secret not in posted
    assert "閲覧制限付き" in posted


def test_english_is_selectable(runtime_factory, database_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(database_url, locale="en")
    _week(runtime, clock)
    text = render_summary(_summary(runtime), runtime.triage.catalog)
    assert text.startswith("[Weekly incident summary] Mon 23 Nov 2026 – Sun 29 Nov 2026\n")
    assert "(reported Sun 22 Nov 23:50)" in text and "(as of Mon 30 Nov 09:00)" in text


def test_two_instances_and_a_retry_post_the_week_once(runtime_factory, database_url: str,
                                                      clock: FixedClock) -> None:
    first, second = runtime_factory(database_url), runtime_factory(database_url)
    _week(first, clock)
    posted: list[str] = []

    def publish(summary: WeeklySummary, png: bytes | None) -> None:
        posted.append(render_summary(summary, first.triage.catalog))

    assert run_weekly_summary(first.triage.deps, publish, "a", NOW, chart=False)
    assert not run_weekly_summary(second.triage.deps, publish, "b", NOW + timedelta(minutes=1), chart=False)
    assert not run_weekly_summary(first.triage.deps, publish, "a", NOW + timedelta(hours=1), chart=False)
    assert len(posted) == 1 and posted[0].startswith("【週次インシデントまとめ】令和8年11月23日（月）")


def test_a_quiet_week_says_so(runtime: Runtime, clock: FixedClock) -> None:
    text = render_summary(_summary(runtime, IsoWeek(2026, 45)), runtime.triage.catalog)
    assert "■ この週（令和8年11月2日（月）〜11月8日（日））の新規インシデントはありませんでした（前週 0件）。" in text
    assert "・ありません" in text


def test_a_flare_up_that_reopened_a_resolved_incident_is_counted(runtime: Runtime, clock: FixedClock) -> None:
    _week(runtime, clock)
    summary = _summary(runtime)
    assert summary.current.reopened_in_week == 1 and summary.previous.reopened_in_week == 0
    assert "・対応完了後の再開（再燃など） 1件（0件）" in render_summary(summary, runtime.triage.catalog)


def test_this_weeks_sample_size_is_not_put_in_the_brackets_that_mean_the_week_before(runtime: Runtime,
                                                                                     clock: FixedClock) -> None:
    _week(runtime, clock)
    summary = _summary(runtime)
    text = render_summary(summary, runtime.triage.catalog)
    assert "・確認までの時間（この週 1件）: 中央値 30分、90%値 30分（中央値 —、90%値 —）" in text
    assert "・解決までの時間（この週 1件）: 中央値 1分未満、90%値 1分未満（中央値 —、90%値 —）" in text
    english = render_summary(summary, Catalog.load("en"))
    assert "• Time to acknowledge (this week n=1): median 30 min, p90 30 min (median —, p90 —)" in english


@pytest.mark.parametrize("given", ["2026-11-23", "2026-11-29", "2026/11/26"])
def test_the_cli_takes_any_day_of_the_week_as_a_calendar_shows_it(runtime: Runtime, clock: FixedClock,
                                                                  given: str) -> None:
    _week(runtime, clock)
    out = io.StringIO()
    args = argparse.Namespace(week=given, format="json", chart=None, post=False)
    assert summary_command(runtime, args, out) == 0, out.getvalue()
    assert json.loads(out.getvalue())["week"] == "2026-W48"


def test_the_cli_names_both_ways_of_giving_a_week_when_it_cannot_read_one(runtime: Runtime) -> None:
    out = io.StringIO()
    assert summary_command(runtime, argparse.Namespace(week="2026-11-31", format="text", chart=None,
                                                       post=False), out) == 2
    assert "2026-W47" in out.getvalue() and "2026-11-23" in out.getvalue()


def test_an_erased_incident_leaves_the_weeks_figures_as_they_were(runtime: Runtime, clock: FixedClock) -> None:
    ids = _week(runtime, clock)
    before = _summary(runtime)
    deps = runtime.triage.deps
    for status in (lifecycle.RESOLVED, lifecycle.CLOSED):  # at NOW, in the week after: only erasure differs
        runtime.triage.incidents.change_status(ids["flare"], status, PR_OFFICER)
    with deps.sessions.begin() as session:
        assert erase_incident(session, deps, ids["declined"], NOW) is not None
        assert erase_incident(session, deps, ids["flare"], NOW) is not None
    after = _summary(runtime)
    assert after.current.by_kind == before.current.by_kind and after.current.new_total == before.current.new_total
    assert after.current.reopened_in_week == 1 and after.current.declined_in_week == 1
    assert after.current.merged_reports == before.current.merged_reports


def test_a_closed_weekday_is_named_so_a_slow_acknowledgement_reads_right(runtime: Runtime, clock: FixedClock) -> None:
    _week(runtime, clock)
    summary = _summary(runtime)
    assert summary.closed_days == ("2026-11-23",)  # 勤労感謝の日; Saturday and Sunday are no news
    text = render_summary(summary, runtime.triage.catalog)
    assert "閉庁日: 11月23日（月）" in text.split("\n")[1]
    assert "office closed: Mon 23 Nov" in render_summary(summary, Catalog.load("en")).split("\n")[1]
    assert "閉庁日" not in render_summary(_summary(runtime, IsoWeek(2026, 49)), runtime.triage.catalog)


def test_the_charts_day_labels_mark_the_closed_weekday(runtime: Runtime, clock: FixedClock) -> None:
    _week(runtime, clock)
    summary = _summary(runtime)
    assert day_ticks(summary, "ja")[:2] == ["11/23\n(月・休)", "11/24\n(火)"]
    assert day_ticks(summary, "en")[0] == "11/23\n(Mon, closed)"
