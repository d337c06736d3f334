"""Unacknowledged notices are sent again at the configured interval until acknowledged, closed or the bound; the
weekly summary counts a climb to level 2, never a re-notice."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock
from bot.ports import Actor, Notification, ReportInput
from bot.triage.summary import IsoWeek, build_summary
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.helpers import POST_URL

REPORTER = Actor(STAFF, "山田 花子", "test")
PR_OFFICER = Actor(PR, "広報 佐藤", "test")
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {POST_URL}"
ALWAYS = {"always_for_severities": ["low", "medium", "high", "critical"]}  # the clock runs on any day


def _report(runtime: Runtime, text: str = FLAMING) -> int:
    outcome = runtime.triage.incidents.report(ReportInput(text, REPORTER))
    assert outcome.incident is not None
    return outcome.incident.id


def _fire(runtime: Runtime, delivered: list[Notification]) -> int:
    return runtime.triage.escalations.fire_due(delivered.append, "w")


def test_renotices_keep_coming_at_the_interval_up_to_the_bound(runtime_factory: Callable[..., Runtime],
                                                               sqlite_url: str, clock: FixedClock) -> None:
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={
        "levels": [{"section": "pr_section", "after_minutes": 20, "mention": "S_AM"}],
        "renotice_limit": 3, "office_hours": ALWAYS})
    _report(runtime)
    delivered: list[Notification] = []
    for count in (1, 2, 3):
        clock.advance(minutes=19)
        assert _fire(runtime, delivered) == 0  # not before the configured interval
        clock.advance(minutes=2)
        assert _fire(runtime, delivered) == 1 and _fire(runtime, delivered) == 0
        note = delivered[-1]
        assert note.audience == "pr_section" and note.mention == "S_AM" and note.level == count + 1
        assert f"【再通知 {count}/3】" in note.title and "アカウント管理者" in note.title
        assert "いわき市ガイドライン 第7" in note.body  # the recipients stay the guideline's
    assert "20 分ごと" in delivered[0].body and "自治体の運用設定" in delivered[0].body
    assert "これが最後" in delivered[-1].body and "これが最後" not in delivered[0].body
    clock.advance(days=2)
    assert _fire(runtime, delivered) == 0 and len(delivered) == 3


def test_the_first_notice_says_how_often_it_will_be_repeated(runtime_factory: Callable[..., Runtime],
                                                             sqlite_url: str) -> None:
    runtime = runtime_factory(sqlite_url, profile="chikugo", escalation={"renotice_limit": 4})
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER))
    [first] = outcome.notifications
    assert "最大 4 回まで再通知します（間隔と回数は自治体の運用設定です）" in first.body
    assert "30 分ごと" in first.body
    silent = runtime_factory(sqlite_url.replace("test.db", "none.db"), profile="chikugo",
                             escalation={"renotice_limit": 0})
    [only] = silent.triage.incidents.report(ReportInput(FLAMING, REPORTER)).notifications
    assert "再通知" not in only.body


def test_acknowledging_or_closing_stops_the_renotices(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                       clock: FixedClock) -> None:
    runtime = runtime_factory(sqlite_url, profile="urausu", escalation={"office_hours": ALWAYS})
    acknowledged, closed = _report(runtime), _report(runtime, FLAMING.replace("1234567890", "55"))
    delivered: list[Notification] = []
    clock.advance(minutes=31)
    assert _fire(runtime, delivered) == 2
    runtime.triage.incidents.acknowledge(acknowledged, PR_OFFICER)
    runtime.triage.incidents.change_status(closed, "declined", PR_OFFICER, reason="対象外")
    clock.advance(hours=5)
    assert _fire(runtime, delivered) == 0 and len(delivered) == 2


def test_the_summary_counts_a_climb_to_level_2_not_renotices(runtime_factory: Callable[..., Runtime],
                                                            sqlite_url: str, clock: FixedClock) -> None:
    start = clock.now()
    # The built-in chain: one level, re-noticed three times; nothing climbed.
    renoticed = runtime_factory(sqlite_url, profile="asahikawa",
                                escalation={"office_hours": ALWAYS, "renotice_limit": 3})
    _report(renoticed)
    delivered: list[Notification] = []
    for _ in range(3):
        clock.advance(minutes=31)
        assert _fire(renoticed, delivered) == 1
    week = IsoWeek.containing(start)
    metrics = build_summary(renoticed.triage.deps.sessions, week, clock.now()).current
    assert metrics.escalated_level2 == 0 and metrics.escalations_by_level == {}
    # app.yaml's own level 2, reached once and then re-noticed twice in the week: one incident at level 2.
    clock.set(start)
    climbed = runtime_factory(sqlite_url.replace("test.db", "climb.db"), profile="asahikawa", escalation={
        "levels": [{"section": "pr_section", "after_minutes": 30},
                   {"section": "department_head", "after_minutes": 30, "mention": "U_HEAD"}],
        "office_hours": ALWAYS, "renotice_limit": 3})
    _report(climbed)
    delivered.clear()
    for _ in range(3):
        clock.advance(minutes=31)
        assert _fire(climbed, delivered) == 1
    assert [n.audience for n in delivered] == ["department_head"] * 3
    metrics = build_summary(climbed.triage.deps.sessions, week, clock.now()).current
    assert metrics.escalated_level2 == 1 and metrics.escalations_by_level == {2: 1}
    # A re-notice of level 2 in the following week is no new climb.
    clock.set(week.end)
    assert _fire(climbed, delivered) == 1 and delivered[-1].audience == "department_head"
    following = build_summary(climbed.triage.deps.sessions, week.next(), clock.now()).current
    assert following.escalated_level2 == 0 and following.escalations_by_level == {}


def test_acknowledging_updates_every_renotice_message(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                                     clock: FixedClock) -> None:
    """The adapters replace the acknowledge button on the PR message and on each escalation message they know of;
    with re-notices there are as many of those as the bound allows, not one."""
    from bot.delivery import content as c
    from bot.delivery import plan
    from tests.delivery.fake_port import FakePort
    from tests.delivery.test_delivery_plan import PR_CH, make_runner, origin

    runtime = runtime_factory(sqlite_url, escalation={"office_hours": ALWAYS, "renotice_limit": 3})
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, REPORTER, idempotency_key="ev-renotice"))
    runner.run(plan.report(outcome, origin()))
    for _ in range(3):
        clock.advance(minutes=31)
        assert runtime.triage.escalations.fire_due(runner.escalate, "w") == 1
    notices = [s for s in port.posts(PR_CH) if isinstance(s.content, c.SectionNotice)]
    assert len(notices) == 4  # the first notice and three re-notices
    assert outcome.incident is not None
    acked = runtime.triage.incidents.acknowledge(outcome.incident.id, PR_OFFICER)
    runner.run(plan.acknowledged(acked, PR_OFFICER.display_name or PR, "12:00"))
    updated = {s.posted for s in port.of("update") if isinstance(s.content, c.NoticeAcknowledged)}
    assert updated == {s.posted for s in notices}


def test_a_renotice_names_the_ended_incident_about_the_same_post(runtime_factory: Callable[..., Runtime],
                                                                 sqlite_url: str, clock: FixedClock) -> None:
    """The first notice says 「この投稿は以前 INC-0001 … として対応しています」; a re-notice is that notice again, and
    one who missed the first one reads the history there (session 15: the line was in the first notice only)."""
    runtime = runtime_factory(sqlite_url, profile="iwaki", escalation={
        "levels": [{"section": "pr_section", "after_minutes": 20, "mention": "S_AM"}],
        "renotice_limit": 2, "office_hours": ALWAYS})
    first = _report(runtime)
    runtime.triage.incidents.change_status(first, "resolved", PR_OFFICER)
    runtime.triage.incidents.change_status(first, "closed", PR_OFFICER)
    again = runtime.triage.incidents.report(ReportInput(f"また炎上しています {POST_URL}", REPORTER))
    assert again.incident is not None and again.incident.id != first
    line = "この投稿は以前 INC-0001（"
    assert line in again.notifications[0].body
    delivered: list[Notification] = []
    clock.advance(minutes=21)
    assert _fire(runtime, delivered) == 1
    assert delivered[0].incident_id == again.incident.id and delivered[0].body.startswith(line)
