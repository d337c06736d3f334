"""Session 17 Slack walk (docs/qa/session17_walk_slack.md): each test failed before its fix."""

from __future__ import annotations

import json

from conftest import OTHER, PR, PR_CHANNEL, REPORT, SECURITY, STAFF, SlackEnv
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


def _advised(fake, user: str, thread: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.args["text"] for c in fake.calls_to("chat.postEphemeral", user=user)
            if c.args.get("thread_ts") == thread and "個人情報" in c.args.get("text", "")]


def test_colleagues_who_replied_before_a_correction_to_leak_are_told_privately_to_delete(slack: SlackEnv) -> None:
    """#7: a 炎上 thread had replies (one quoting a name and an address) when the kind was corrected to 情報漏えい:
    the reporter was advised in her DM, the colleague who had replied was told nothing and the quote stayed."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, FLAMING, REPORT)
    thread = message["ts"]
    # No personal-data cue: since session 22 a name with a house number (山田太郎さん（〇〇町1-2-3）) restricts at once.
    driver.post_message(OTHER, "添付に写っているの、〇〇町の方ですよね？", REPORT, thread_ts=thread)
    driver.post_message(OTHER, "スクショも撮りました", REPORT, thread_ts=thread)
    assert _advised(fake, OTHER, thread) == []  # an ordinary incident's thread: conversation
    intro = fake.thread_messages(REPORT, thread)[0]
    driver.click(STAFF, intro, "kind_select", selected="leak")
    [said] = _advised(fake, OTHER, thread)  # once, however many replies
    assert "INC-0001 は閲覧制限付きの案件になった" in said
    assert "このスレッドに投稿したメッセージ" in said
    assert _advised(fake, STAFF, thread) == []  # the reporter is advised in her DM (plan.Advise)
    assert "〇〇町" not in fake.outgoing_text()


def test_a_correction_to_leak_by_command_advises_the_earlier_repliers_too(slack: SlackEnv) -> None:
    """#7 by 「/incident 種別 1 情報漏えい」 (security officer), and the same command again advises nobody twice."""
    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, FLAMING, REPORT)
    thread = message["ts"]
    # No personal-data cue: since session 21 such a reply restricts at once (tests/slack/test_s21_replyleak.py).
    driver.post_message(OTHER, "画像も出回っていますね", REPORT, thread_ts=thread)
    driver.slash(SECURITY, "種別 1 情報漏えい", REPORT)
    driver.slash(SECURITY, "種別 1 情報漏えい", REPORT)
    assert len(_advised(fake, OTHER, thread)) == 1


def test_a_leak_report_merged_into_an_ordinary_incident_restricts_it_and_takes_its_thread_private(
        slack: SlackEnv) -> None:
    """#8 on Slack: a vague report first, then a colleague's leak report of the same post. Before: merged into the
    still public incident (its thread, its intro and step, PR's notice with the first report's text), PR only
    asked to correct the kind. Now the merge restricts it, as a correction to a leak does."""
    fake, driver = slack.fake, slack.driver
    url = "https://www.facebook.com/city/posts/888"
    message, _ = driver.post_message(STAFF, f"市の公式アカウントになりすましたアカウントの投稿です {url}", REPORT)
    thread = message["ts"]
    driver.post_message("U_GROUPIE", "これ、名簿が写っていませんか", REPORT, thread_ts=thread)
    leak = f"住民の名簿を誤って添付したまま投稿してしまいました。山田太郎 090-1234-5678 {url}"
    driver.post_message(OTHER, leak, REPORT)
    bots = [m for m in fake.thread_messages(REPORT, thread) if m.get("bot_id")]
    assert bots and all(m["text"] == "詳細は個別に案内します。" for m in bots), [m["text"] for m in bots]
    [notice] = [m for m in fake.channel_messages(PR_CHANNEL) if "INC-0001" in text_of(m) and "acknowledge"
                in json.dumps(m.get("blocks"))]
    assert "報告内容の表示を取り消しました" in text_of(notice) and "なりすましたアカウント" not in text_of(notice)
    told = [m for m in fake.channel_messages(PR_CHANNEL) if "【閲覧制限】INC-0001" in text_of(m)]
    assert len(told) == 1 and "佐藤 一郎" in text_of(told[0])  # PR told why, without her text
    [anchor] = fake.channel_messages("D_STAFF")  # the first reporter carries on in her DM, her step shown again
    private = [text_of(m) for m in fake.thread_messages("D_STAFF", anchor["ts"])]
    assert any("閲覧制限付きになりました" in t for t in private) and any("スキップ" in t for t in private), private
    mine = [c.args["text"] for c in fake.calls_to("chat.postEphemeral", user=OTHER)]
    assert any("閲覧制限付きにし" in t for t in mine), mine
    assert len(_advised(fake, "U_GROUPIE", thread)) == 1  # the earlier replier, as after a correction (#7)
    assert "090" not in fake.outgoing_text() and "山田太郎" not in fake.outgoing_text()
