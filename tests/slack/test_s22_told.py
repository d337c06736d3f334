"""Session 22 Slack walk #3: a reporter on Slack was never told who had been notified (the console prints 「→ 広報広聴課
に通知しました」); on a Saturday night she could not tell whether anyone knew. The receipt now names the sections told
at once, on every platform (core), and says nothing while the guideline's condition holds the notice back. Each test
failed before the fix."""

from __future__ import annotations

from datetime import datetime

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

from bot.clock import JST, FixedClock

DM = "D_STAFF"
HIJACK = "公式Xが乗っ取られたみたいです。ログイン履歴に海外からのアクセスがあり、変な投稿が出てます"
DEMA = "市が給付金の受付を終了したというデマが拡散しています https://x.com/someone/status/42"


def _home_texts(slack: SlackEnv, channel: str) -> list[str]:
    return [text_of(m) for anchor in slack.fake.channel_messages(channel)
            for m in slack.fake.thread_messages(channel, anchor["ts"])]


def test_a_reporter_by_dm_on_saturday_night_is_told_who_was_notified(slack: SlackEnv, clock: FixedClock) -> None:
    clock.set(datetime(2026, 12, 5, 23, 40, tzinfo=JST))
    slack.driver.post_message(STAFF, HIJACK, DM, channel_type="im")
    [incident_id] = slack.incident_ids()
    assert slack.fake.channel_messages(PR_CHANNEL)  # the notice went out
    [receipt] = [t for t in _home_texts(slack, DM) if "INC-0001 を受け付けました" in t]
    assert "広報広聴課に通知しました。" in receipt, receipt
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "account_takeover"


def test_a_report_whose_first_notice_waits_says_nobody_was_notified_yet(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, DEMA, REPORT)
    [receipt] = [t for t in _home_texts(slack, REPORT) if "INC-0001 を受け付けました" in t]
    assert "に通知しました" not in receipt and "該当する場合に通知します" in receipt, receipt
