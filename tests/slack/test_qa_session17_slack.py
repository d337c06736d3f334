"""Session 17 Slack walk (docs/qa/session17_walk_slack.md): each test failed before its fix."""

from __future__ import annotations

from conftest import PR, PR_CHANNEL, REPORT, SECURITY, STAFF, SlackEnv
from slack_driver import text_of

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/1"


def _title(message: dict) -> str:
    return next(b["text"]["text"] for b in message["blocks"] if b.get("block_id") == "title")


def test_a_notice_redacted_by_a_kind_correction_to_leak_names_the_new_kind_and_severity(slack: SlackEnv) -> None:
    """#3: PR's notice kept 【炎上】…（重大度: 中） after the correction to 情報漏えい (重大度: 高): the title block
    was kept as posted while the body was withdrawn."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, FLAMING, REPORT)
    intro = fake.thread_messages(REPORT, message["ts"])[0]
    driver.click(STAFF, intro, "kind_select", selected="leak")
    [notice] = fake.channel_messages(PR_CHANNEL)
    title = _title(notice)
    assert "【情報漏えい】INC-0001" in title and "重大度: 高" in title, title
    assert "炎上" not in title and "重大度: 中" not in title
    assert "報告内容の表示を取り消しました" in text_of(notice)


def test_a_redacted_notice_drawn_again_says_the_withdrawal_once(slack: SlackEnv) -> None:
    """#4: the security officer's 「種別 1 情報漏えい」 (already a leak: 「変更はありません」) redrew PR's notice
    and added 「…報告内容の表示を取り消しました。」 a second time."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, FLAMING, REPORT)
    intro = fake.thread_messages(REPORT, message["ts"])[0]
    driver.click(STAFF, intro, "kind_select", selected="leak")
    driver.slash(SECURITY, "種別 1 情報漏えい", REPORT)
    driver.click(PR, fake.channel_messages(PR_CHANNEL)[0], "acknowledge")
    [notice] = fake.channel_messages(PR_CHANNEL)
    assert text_of(notice).count("報告内容の表示を取り消しました") == 1, text_of(notice)
    assert "【情報漏えい】INC-0001" in _title(notice)
