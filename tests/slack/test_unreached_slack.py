"""A section notice Slack refuses (the bot was removed from the PR or restricted channel: not_in_channel) is told to
the reporters in their conversation, once per incident and reason, and the log names the channel's setting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.clock import FixedClock

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"
LEAK = "住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 https://x.com/city/status/77"
SECURE = "C_SECURE"
TOLD = "【通知が届いていません】"


def _told(messages: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [text_of(m) for m in messages if TOLD in text_of(m)]


def _told_in(slack: SlackEnv, channel: str) -> list[str]:
    """What was told in a channel, its threads included."""
    with slack.fake._cond:
        found = [m for m in slack.fake.messages.values() if m["channel"] == channel]
    return _told(sorted(found, key=lambda m: float(m["ts"])))


def test_a_renotice_the_pr_channel_refuses_is_told_to_the_reporter_once(
        slack: SlackEnv, clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.fake.remove_bot(PR_CHANNEL)
    clock.advance(minutes=31)
    escalations = slack.runtime.triage.escalations
    for _ in range(3):  # three ticks: the failure is recorded each time, told once
        assert escalations.fire_due(slack.adapter.deliver_notification, "w1") == 0
    [said] = _told(slack.fake.thread_messages(REPORT, message["ts"]))
    assert "INC-0001" in said and "電話" in said and "チャンネルから外されている" in said, said
    section = slack.runtime.triage.deps.escalation.level(2)
    assert section is not None and section.section_name in said
    assert f"<@{STAFF}>" in said  # the reporter is mentioned in their thread
    assert slack.events(1).count("notify_failed") == 3
    assert "setting=slack.pr_channel" in caplog.text and "delivery.section_unreached" in caplog.text


def test_a_leaks_refused_restricted_channel_is_told_in_private_and_to_pr_without_details(
        slack_factory: Callable[..., SlackEnv], clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    slack = slack_factory(restricted_channel=SECURE)
    slack.driver.post_message(STAFF, LEAK, f"D{STAFF[1:]}", channel_type="im")
    slack.fake.remove_bot(SECURE)
    clock.advance(hours=3)
    slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1")
    slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1")
    [private] = _told_in(slack, f"D{STAFF[1:]}")
    [pr] = _told_in(slack, PR_CHANNEL)
    assert "電話" in private and "電話" in pr and "INC-0001" in pr
    assert "名簿" not in pr and "090" not in pr and "山田" not in pr
    assert "setting=slack.restricted_channel" in caplog.text


def test_a_failure_a_retry_may_get_past_tells_nobody(slack: SlackEnv, clock: FixedClock) -> None:
    message, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.fake.fail("chat.postMessage", "internal_error")
    clock.advance(minutes=31)
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 0
    assert _told(slack.fake.thread_messages(REPORT, message["ts"])) == []
    assert slack.runtime.triage.escalations.fire_due(slack.adapter.deliver_notification, "w1") == 1
