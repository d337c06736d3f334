"""Session 22 Slack walk #8: a follow-up typed as staff do, 「/incident INC-0001 市の公式サイトに訂正を掲載しました」,
was quoted with its number: 「INC-0001 に続報があります（佐藤 一郎 さん）: INC-0001 市の公式サイトに…」. The
leading number that names the incident is not repeated in the quote (the timeline keeps the words as typed).
Failed before the fix."""

from __future__ import annotations

from conftest import OTHER, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/3"


def _thread(slack: SlackEnv, ts: str) -> list[str]:
    return [m["text"] for m in slack.fake.thread_messages(REPORT, ts)]


def test_a_follow_up_naming_its_incident_first_is_quoted_without_the_number(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.slash(OTHER, "INC-0001、市の公式サイトに訂正を掲載しました", "C_RANDOM")
    line = "INC-0001 に続報があります（佐藤 一郎 さん）: 市の公式サイトに訂正を掲載しました"
    assert line in _thread(slack, report["ts"])
    [news] = [text_of(m) for m in slack.fake.channel_messages(PR_CHANNEL) if "【続報】" in text_of(m)]
    assert "続報: 市の公式サイトに訂正を掲載しました" in news, news
    [recorded] = [e for e in slack.runtime.triage.queries.timeline(1, None) if e.type == "followup"]
    assert "INC-0001、市の公式サイト" in str(recorded.data), recorded.data  # the record keeps the words as typed


def test_a_number_inside_the_words_is_left_as_written(slack: SlackEnv) -> None:
    report, _ = slack.driver.post_message(STAFF, FLAMING, REPORT)
    slack.driver.slash(OTHER, "凍結されました（INC-0001 の件）", "C_RANDOM")
    line = "INC-0001 に続報があります（佐藤 一郎 さん）: 凍結されました（INC-0001 の件）"
    assert line in _thread(slack, report["ts"])
