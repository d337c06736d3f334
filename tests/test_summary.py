"""Weekly summary: every metric on a hand-computed fixture, the real core's events, rendering, chart, privacy."""

from __future__ import annotations

import json
import struct
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib
import pytest

from bot.clock import FixedClock
from bot.i18n import Catalog
from bot.ports import Actor, ReportInput
from bot.triage.summary import IsoWeek, build_summary, format_minutes, render_summary, render_summary_sections
from bot.triage.summary_chart import japanese_font_path, render_chart
from bot.triage.summary_metrics import percentile
from bot.triage.summary_model import BadWeek
from bot.wiring import Runtime
from tests.summary_fixtures import PR, insert_incident, jst, make_runtime, seed_two_weeks, write_playbooks

W47 = IsoWeek(2026, 47)
NOW = jst(23, 9)  # Monday 09:00 JST, when the W47 summary is due


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_playbooks(tmp_path_factory.mktemp("playbooks"))


@pytest.fixture
def make(playbooks: Path, clock: FixedClock) -> Iterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def factory(database_url: str, **overrides: object) -> Runtime:
        made.append(make_runtime(database_url, playbooks, clock, **overrides))
        return made[-1]

    yield factory
    for runtime in made:
        runtime.close()


@pytest.fixture
def seeded(make: Callable[..., Runtime], database_url: str, clock: FixedClock) -> tuple[Runtime, dict[str, int]]:
    runtime = make(database_url)
    ids = seed_two_weeks(runtime)
    clock.set(NOW)
    return runtime, ids


# -- weeks and small helpers --------------------------------------------------------------------------------
def test_iso_weeks_are_monday_to_sunday_in_tokyo() -> None:
    week = IsoWeek.parse("2026-W47")
    assert week.start == jst(16) and week.end == jst(23)
    assert str(week.previous()) == "2026-W46" and str(week.next()) == "2026-W48"
    assert IsoWeek.containing(jst(22, 23, 59, 59)) == week and IsoWeek.containing(jst(23)) == week.next()
    assert IsoWeek.last_full(NOW) == week
    assert str(IsoWeek(2026, 1).previous()) == "2025-W52"
    assert str(IsoWeek(2026, 53).next()) == "2027-W01"
    for bad in ("2026-47", "W47", "2025-W53", "2026-W00", ""):
        with pytest.raises(BadWeek):
            IsoWeek.parse(bad)


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10, 10, 30, 60, 90], 0.5) == 30
    assert percentile([10, 10, 30, 60, 90], 0.9) == pytest.approx(78)
    assert percentile([1320, 1440], 0.9) == pytest.approx(1428)


def test_durations_read_naturally() -> None:
    assert [format_minutes(m, "ja") for m in (None, 0.2, 25, 60, 78, 1380, 1440, 1500)] == [
        "—", "1分未満", "25分", "1時間", "1時間18分", "23時間", "1日", "1日1時間"]
    assert format_minutes(78, "en") == "1 h 18 min" and format_minutes(1500, "en") == "1 d 1 h"


# -- every metric on the hand-computed fixture (tests/summary_fixtures.py:seed_two_weeks) ---------------------
def test_every_metric_of_the_week(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, _ = seeded
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    cur = summary.current
    assert (cur.start, cur.end) == (jst(16), jst(23))
    # A B C D E G are new; F was merged into A, H is next week's, I last week's.
    assert cur.new_total == 6 and cur.new_restricted == 1
    assert cur.by_kind == {"flaming": 2, "impersonation": 1, "misinformation": 1, "leak": 1,
                           "account_takeover": 1}
    assert list(cur.by_platform.items()) == [("x", 3), ("facebook", 1), ("restricted", 1), ("unknown", 1)]
    assert list(cur.by_department.items()) == [("観光課", 2), ("広報広聴課", 1), ("unknown", 2), ("restricted", 1)]
    assert cur.status_of_new == {"open": 3, "resolved": 1, "closed": 1, "declined": 1}
    assert (cur.resolved_in_week, cur.closed_in_week, cur.declined_in_week) == (2, 1, 1)  # G declined (対象外)
    assert (cur.merged_reports, cur.merged_incidents, cur.duplicates) == (3, 1, 4)
    # Acknowledged during the week: I 10, A 10, B 60, C 30, E 90 minutes.
    assert (cur.time_to_acknowledge.count, cur.time_to_acknowledge.median_minutes,
            cur.time_to_acknowledge.p90_minutes) == (5, 30.0, 78.0)
    # Resolved during the week: A after 1440 minutes, C (resolved, reopened, resolved) last at 1320.
    assert (cur.time_to_resolve.count, cur.time_to_resolve.median_minutes,
            cur.time_to_resolve.p90_minutes) == (2, 1380.0, 1428.0)
    assert cur.escalated_level2 == 2 and cur.escalations_by_level == {2: 2, 3: 1}
    assert [(d["date"], d["counts"]) for d in cur.daily] == [
        ("2026-11-16", {"flaming": 1}), ("2026-11-17", {"flaming": 1}), ("2026-11-18", {"impersonation": 1}),
        ("2026-11-19", {"leak": 1}), ("2026-11-20", {"account_takeover": 1}), ("2026-11-21", {}),
        ("2026-11-22", {"misinformation": 1})]
    assert summary.kinds == ("flaming", "impersonation", "misinformation", "leak", "account_takeover")


def test_the_week_before(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, _ = seeded
    prev = build_summary(runtime.triage.deps.sessions, W47, NOW).previous
    assert prev.week == "2026-W46" and prev.new_total == 2 and prev.new_restricted == 0
    assert prev.by_kind == {"flaming": 1, "impersonation": 1}
    assert prev.by_platform == {"facebook": 1, "x": 1} and prev.by_department == {"観光課": 1, "unknown": 1}
    assert prev.status_of_new == {"open": 1, "resolved": 0, "closed": 1, "declined": 0}
    assert (prev.resolved_in_week, prev.closed_in_week, prev.merged_reports, prev.merged_incidents) == (1, 1, 1, 0)
    assert prev.declined_in_week == 0
    assert (prev.time_to_acknowledge.median_minutes, prev.time_to_acknowledge.p90_minutes) == (20.0, 20.0)
    assert (prev.time_to_resolve.median_minutes, prev.time_to_resolve.count) == (120.0, 1)
    assert prev.escalated_level2 == 0 and prev.escalations_by_level == {}


def test_what_still_needs_attention(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, ids = seeded
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW, stale_hours=72)
    listed = [(item.id, item.reasons) for item in summary.attention]
    assert listed == [(ids["I"], ("stale",)), (ids["B"], ("stale",)),
                      (ids["D"], ("unacknowledged", "escalation_due")), (ids["H"], ("unacknowledged",))]
    assert summary.attention_total == 4 and summary.attention_restricted == 1
    assert summary.attention[0].ref == f"INC-{ids['I']:04d}"
    limited = build_summary(runtime.triage.deps.sessions, W47, NOW, attention_limit=2)
    assert len(limited.attention) == 2 and limited.attention_total == 4
    assert "・ほか 2件" in render_summary(limited, runtime.triage.catalog)


def test_the_text_in_japanese_and_english(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, ids = seeded
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    text = render_summary(summary, runtime.triage.catalog)
    # Headed by its dates, not the ISO week (session 13 records walk #11: 「【週次インシデントまとめ】2026-W49」).
    for line in ("【週次インシデントまとめ】2026年11月16日（月）〜11月22日（日）",
                 # The title has the dates: the period line adds the hours and the week compared with.
                 "期間: 各日 0:00〜24:00（月曜〜日曜、日本時間）。"
                 "かっこ内は前週（2026年11月9日（月）〜11月15日（日））の値",
                 "■ 新規インシデント 6件（前週 2件、+4）", "うち閲覧制限付き 1件",
                 "　炎上 2件（前週 1件）", "・媒体: X（旧Twitter） 3件、Facebook 1件、閲覧制限付き 1件、不明 1件",
                 "・対応完了 2件（1件）、終結 1件（1件）、対象外 1件（0件）", "・重複報告の統合 4件（1件）",
                 "・確認までの時間（この週 5件）: 中央値 30分、90%値 1時間18分（中央値 20分、90%値 20分）",
                 "・解決までの時間（この週 2件）: 中央値 23時間、90%値 23時間48分",
                 "・確認がないため最初の報告先より先にも通知した案件 2件（0件）",
                 "■ 要対応の案件（11月23日（月）09:00時点）5件",
                 f"・INC-{ids['D']:04d} デマ・事実と反する投稿／報告受付（受付 11月22日（日）23:59）: "
                 "広報広聴課未確認、再通知の期限超過",  # the profile's acknowledger (旭川市)
                 "・閲覧制限付きの案件 1件"):
        assert line in text, line
    assert len(text) < 3000
    english = render_summary(summary, Catalog.load("en"))
    assert "■ New incidents: 6 (week before: 2, +4)" in english
    assert ("Period: 00:00 Monday to 24:00 Sunday, Japan time; figures in brackets are the week before "
            "(Mon 9 Nov 2026 – Sun 15 Nov 2026)") in english
    assert "Resolved 2 (1), closed 1 (1), declined 1 (0)" in english
    assert text.count("2026年11月16日") == 1 and english.count("16 Nov 2026") == 1  # the title's dates, once
    assert english.startswith("[Weekly incident summary] Mon 16 Nov 2026 – Sun 22 Nov 2026\n")
    assert "2026-W47" not in text and "2026-W47" not in english
    assert "Time to acknowledge (this week n=5): median 30 min, p90 1 h 18 min" in english


def test_restricted_incidents_are_counted_never_described(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, ids = seeded
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    outputs = [render_summary(summary, Catalog.load(locale)) for locale in ("ja", "en")]
    outputs.append(json.dumps(summary.to_dict(), ensure_ascii=False))
    for output in outputs:
        for secret in ("個人情報ABC", "secret.example", "子育て支援課", f"INC-{ids['E']:04d}"):
            assert secret not in output
    data = json.loads(outputs[-1])
    assert data["current"]["new_restricted"] == 1 and data["attention_restricted"] == 1
    assert ids["E"] not in [item["id"] for item in data["attention"]]


def test_json_is_plain_data(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, _ = seeded
    data = json.loads(json.dumps(build_summary(runtime.triage.deps.sessions, W47, NOW).to_dict()))
    assert data["week"] == "2026-W47" and data["empty"] is False
    assert data["current"]["start"] == "2026-11-16T00:00:00+09:00"
    assert data["current"]["escalations_by_level"] == {"2": 2, "3": 1}
    assert data["current"]["duplicates"] == 4 and data["previous"]["new_total"] == 2


def test_an_empty_week(make: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    runtime = make(database_url)
    clock.set(NOW)
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    assert summary.empty and summary.current.new_total == 0 and summary.attention == ()
    text = render_summary(summary, runtime.triage.catalog)
    assert "■ この週（2026年11月16日（月）〜11月22日（日））の新規インシデントはありませんでした（前週 0件）。" in text
    assert "今週" not in text and "2026-W47" not in text
    assert "・ありません" in text and "確認までの時間" not in text
    assert "No new incidents in the week of Mon 16 Nov 2026 – Sun 22 Nov 2026" in render_summary(
        summary, Catalog.load("en"))
    assert summary.to_dict()["empty"] is True
    assert render_chart(summary, runtime.triage.catalog).startswith(b"\x89PNG")


def test_the_real_core_feeds_the_summary(make: Callable[..., Runtime], database_url: str,
                                         clock: FixedClock) -> None:
    runtime = make(database_url)
    incidents = runtime.triage.incidents
    staff, other, pr = Actor("U_STAFF", "山田", "test"), Actor("U_OTHER", "佐藤", "test"), Actor(PR, "広報", "test")
    clock.set(jst(16, 10))
    first = incidents.report(ReportInput("炎上しています https://x.com/a/status/1", staff, platform="x",
                                         department="広報広聴課", kind_hint="flaming")).incident
    assert first is not None
    clock.set(jst(16, 10, 40))
    incidents.report(ReportInput("同じ投稿です https://x.com/a/status/1", other, kind_hint="flaming"))
    incidents.acknowledge(first.id, pr)
    clock.set(jst(17, 9))
    second = incidents.report(ReportInput("なりすまし https://facebook.com/fake", staff, platform="facebook",
                                          kind_hint="impersonation")).incident
    assert second is not None
    clock.set(jst(17, 10))  # 30 minutes later level 2 is due
    assert runtime.triage.escalations.fire_due(lambda note: None, "worker") == 1
    clock.set(jst(18, 9))
    incidents.change_status(first.id, "resolved", pr)
    clock.set(jst(18, 10))
    incidents.change_status(first.id, "closed", pr)
    third = incidents.report(ReportInput("別報告のなりすまし", staff, kind_hint="impersonation")).incident
    assert third is not None
    incidents.merge(third.id, second.id, pr)
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    cur = summary.current
    assert cur.new_total == 2 and cur.by_kind == {"flaming": 1, "impersonation": 1}
    assert (cur.merged_reports, cur.merged_incidents) == (1, 1)
    assert cur.time_to_acknowledge.median_minutes == 40.0
    assert cur.time_to_resolve.median_minutes == 47 * 60.0 and cur.resolved_in_week == 1
    assert cur.closed_in_week == 1 and cur.escalated_level2 == 1
    assert cur.status_of_new == {"open": 1, "resolved": 0, "closed": 1, "declined": 0}
    assert [item.id for item in summary.attention] == [second.id]


# -- Slack limits -------------------------------------------------------------------------------------------
def test_sections_fit_slack_limits(make: Callable[..., Runtime], database_url: str, clock: FixedClock) -> None:
    runtime = make(database_url)
    for n in range(60):
        insert_incident(runtime, kind="flaming", created_at=jst(16, 9, n % 60), department=f"部署{n:02d}" * 6)
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW, attention_limit=60)
    chunks = render_summary_sections(summary, runtime.triage.catalog)
    assert len(chunks) > 1 and all(len(chunk) <= 3000 for chunk in chunks)
    whole = render_summary(summary, runtime.triage.catalog)
    assert [ln for c in chunks for ln in c.split("\n") if ln] == [ln for ln in whole.split("\n") if ln]
    small = render_summary_sections(summary, runtime.triage.catalog, limit=200)
    assert all(len(chunk) <= 200 for chunk in small)
    escaped = render_summary_sections(summary, runtime.triage.catalog, escape=lambda s: s.replace("部", "&"))
    assert "部署" not in "".join(escaped) and "週次" in escaped[0]


# -- chart --------------------------------------------------------------------------------------------------
def test_chart_is_a_png_with_a_real_japanese_font(seeded: tuple[Runtime, dict[str, int]]) -> None:
    runtime, _ = seeded
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    family_before = list(matplotlib.rcParams["font.family"])
    assert japanese_font_path().endswith("ipaexg.ttf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would mean tofu boxes
        png = render_chart(summary, runtime.triage.catalog)
        render_chart(summary, Catalog.load("en"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (968, 440)
    assert list(matplotlib.rcParams["font.family"]) == family_before  # no global matplotlib state touched


def test_one_service_is_one_row_whatever_its_case(make: Callable[..., Runtime], database_url: str,
                                                   clock: FixedClock) -> None:
    """A URL stores 「X」, a typed answer 「x」: the summary counted 「X（旧Twitter） 1件、X 2件」 (session 8)."""
    runtime = make(database_url)
    for platform in ("X", "x", "X", "Mastodon", "mastodon"):
        insert_incident(runtime, kind="flaming", created_at=jst(17, 10), platform=platform)
    clock.set(NOW)
    summary = build_summary(runtime.triage.deps.sessions, W47, NOW)
    assert sorted(summary.current.by_platform.values()) == [2, 3]
    text = render_summary(summary, runtime.triage.catalog)
    assert "X（旧Twitter）" in text and text.count("X（旧Twitter）") == 1 and "Mastodon" in text
