"""Session 7 QA fixes on Slack: the privacy advice names whose message is to be removed."""

from __future__ import annotations

from conftest import REPORT, STAFF, SlackEnv

LEAK = "市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです"


def _advice(slack: SlackEnv) -> str:
    home = "D" + STAFF[1:]
    [anchor] = slack.fake.channel_messages(home)
    [advice] = [m["text"] for m in slack.fake.thread_messages(home, anchor["ts"])
                if "個人情報が含まれている場合" in m["text"]]
    return advice


def _shortcut(slack: SlackEnv, author: str) -> None:
    original = slack.fake.add_message(REPORT, LEAK, author)
    slack.driver.shortcut(STAFF, original)
    slack.driver.submit_view(STAFF, slack.fake.views[-1], {"report_text": LEAK})
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).restricted


def test_the_shortcut_on_someone_elses_leaking_message_asks_its_poster_to_remove_it(slack: SlackEnv) -> None:
    _shortcut(slack, "U_SOMEONE")
    advice = _advice(slack)
    assert "投稿した人に削除を依頼" in advice and "ご自身のメッセージ" not in advice


def test_the_shortcut_on_ones_own_leaking_message_asks_to_delete_it(slack: SlackEnv) -> None:
    _shortcut(slack, STAFF)
    advice = _advice(slack)
    assert "ご自身のメッセージ" in advice and "投稿した人" not in advice


def test_a_notice_redacted_after_the_end_was_offered_loses_the_end_control(slack: SlackEnv) -> None:
    """Steps done before PR's acknowledgement: the acknowledged notice offers 「対応完了にする」; a correction to a
    leak then redacts it and starts the leak's steps, so the end control comes off (the acknowledgement stays)."""
    from conftest import PR, PR_CHANNEL
    from slack_driver import action_ids, text_of, walk_steps
    from test_slack_scenarios import REPORTS

    from bot.adapters.slack.render import RESOLVE

    fake, driver = slack.fake, slack.driver
    message, _ = driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    intro = fake.thread_messages(REPORT, message["ts"])[0]
    walk_steps(driver, STAFF, REPORT, message["ts"])
    pr_message = fake.channel_messages(PR_CHANNEL)[0]  # the PR notice (a severity notice may follow)
    driver.click(PR, pr_message, "acknowledge")
    fake.wait_for(lambda f: RESOLVE in action_ids(f.message(PR_CHANNEL, pr_message["ts"])))
    driver.click(STAFF, intro, "kind_select", selected="leak")
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).restricted
    after = fake.message(PR_CHANNEL, pr_message["ts"])
    assert "報告内容の表示を取り消しました" in text_of(after) and "広報 太郎 さんが確認しました" in text_of(after)
    assert RESOLVE not in action_ids(after) and "手順はすべて終わりました" not in text_of(after)
