"""An acknowledgement stored but never told (SIGKILL after the core's commit, before the plan ran): Slack redelivers
nothing that had its 200, so the restarted bot's resume tells it (bot/delivery/resume.py), exactly once."""

from __future__ import annotations

from collections.abc import Callable

from conftest import PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, text_of

from bot.clock import FixedClock
from bot.ports import Actor

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/91"
TOLD = "広報 太郎 さんが確認しました"


def test_an_acknowledgement_a_crash_left_untold_is_told_after_the_restart_once(
        slack_factory: Callable[..., SlackEnv], clock: FixedClock) -> None:
    first = slack_factory()
    message, _ = first.driver.post_message(STAFF, FLAMING, REPORT)
    [incident_id] = first.incident_ids()
    [pr_message] = first.fake.channel_messages(PR_CHANNEL)
    # The state a SIGKILL leaves right after PR's 確認: stored (re-notices stopped), nobody told, the button still on.
    first.runtime.triage.incidents.acknowledge(incident_id, Actor(f"slack:{PR}", "広報 太郎", "slack"))
    assert action_ids(first.fake.message(PR_CHANNEL, pr_message["ts"])) == ["acknowledge"]
    clock.advance(minutes=3)  # past the ledger's lease
    second = slack_factory()  # the restarted bot, on the same database
    assert second.adapter.resume() == 1
    fake = second.fake
    fake.wait_for(lambda f: any(TOLD in text_of(m) for m in f.thread_messages(REPORT, message["ts"])))
    fake.wait_for(lambda f: action_ids(f.message(PR_CHANNEL, pr_message["ts"])) == [])
    assert second.adapter.steps.outbox.pacer.idle(30)
    assert TOLD in text_of(fake.message(PR_CHANNEL, pr_message["ts"]))
    assert second.adapter.resume() == 0  # told once: another tick or instance finds nothing
    assert second.adapter.steps.outbox.pacer.idle(30)
    told = [m for m in fake.thread_messages(REPORT, message["ts"]) if TOLD in text_of(m)]
    assert len(told) == 1
