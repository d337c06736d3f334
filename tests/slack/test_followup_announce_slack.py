"""A follow-up on Slack (walk s17 #9): PR's channel gets a 【続報】 message naming who sent it (a leak's without its
words), the incident's thread reads it as news, and nobody is told 「同じ投稿について N 件の報告をまとめました」."""

from __future__ import annotations

from conftest import PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from test_slack_scenarios import REPORTS

NEWS = "INC-0001 なりすましアカウント、凍結されました"
LEAK_NEWS = "INC-0001 の件、漏えいした写真の投稿は削除しました。スクリーンショットを撮った人がいるかもしれません"
COLLEAGUE = "U_GROUPIE"  # 鈴木 次郎: no role anywhere


def test_a_follow_up_reaches_pr_and_the_thread_as_news(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    first, _ = driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    driver.post_message(COLLEAGUE, NEWS, REPORT)
    [news] = [m for m in fake.channel_messages(PR_CHANNEL) if "【続報】INC-0001" in text_of(m)]
    assert "鈴木 次郎" in text_of(news) and "凍結されました" in text_of(news)
    assert "acknowledge" not in str(news.get("blocks"))  # news, not a page to acknowledge
    thread = [text_of(m) for m in fake.thread_messages(REPORT, first["ts"])]
    assert any("INC-0001 に続報があります（鈴木 次郎 さん）" in t and "凍結されました" in t for t in thread), thread
    assert "件の報告をまとめました" not in fake.outgoing_text() and "同じ投稿" not in fake.outgoing_text()


def test_a_leaks_follow_up_reaches_pr_without_its_words(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["leak"], REPORT)
    driver.post_message(COLLEAGUE, LEAK_NEWS, REPORT)
    assert len(slack.incident_ids()) == 1
    [news] = [c.args for c in fake.calls_to("chat.postMessage") if "【続報】INC-0001" in str(c.args)]
    assert "鈴木 次郎" in str(news) and "表示しません" in str(news)
    sent = [c.args for c in fake.calls if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")]
    assert "撮った人がいる" not in str(sent)  # in no notice, thread or reply: the timeline keeps it
    assert "【共同報告】" not in fake.outgoing_text() and "同じ投稿についての別の報告" not in fake.outgoing_text()


def test_pr_s_message_names_the_colleagues_who_reported_the_same_post(slack: SlackEnv) -> None:
    """Walk s17 #11: PR's message kept 「報告者: 山田 花子」 only after colleagues reported the same post."""
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    [notice] = fake.channel_messages(PR_CHANNEL)
    for user in ("U_OTHER", "U_GROUPIE", "U_SEC"):
        driver.post_message(user, "この投稿も炎上しています https://x.com/asahikawa_fake/status/1", REPORT)
    assert len(slack.incident_ids()) == 1 and len(fake.channel_messages(PR_CHANNEL)) == 1  # redrawn in place
    shown = text_of(fake.message(PR_CHANNEL, notice["ts"]))
    assert "山田 花子、佐藤 一郎、鈴木 次郎 ほか 1 名" in shown, shown
    assert "acknowledge" in str(fake.message(PR_CHANNEL, notice["ts"]).get("blocks"))  # still to acknowledge
