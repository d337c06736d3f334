"""Ending an incident from Slack: the acknowledged PR message offers 「対応完了にする」 once the steps are done and
the one who finished them could not end it; the core decides who may, once."""

from __future__ import annotations

from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from fake_slack import FakeSlack
from slack_driver import action_ids, text_of, walk_steps
from test_slack_scenarios import REPORTS

from bot.adapters.slack.render import RESOLVE


def _leak_walked(slack: SlackEnv) -> tuple[int, dict, str, str]:
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["leak"], REPORT)
    [incident_id] = slack.incident_ids()
    home = "D" + STAFF[1:]
    home_ts = fake.channel_messages(home)[0]["ts"]
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    driver.click(PR, pr_message, "acknowledge")
    walk_steps(driver, STAFF, home, home_ts)
    assert slack.runtime.triage.queries.view(incident_id, None).status == "responding"
    fake.wait_for(lambda f: RESOLVE in action_ids(f.message(PR_CHANNEL, pr_message["ts"])))
    offered = fake.message(PR_CHANNEL, pr_message["ts"])
    assert "手順はすべて終わりました" in text_of(offered) and "広報 太郎 さんが確認しました" in text_of(offered)
    assert any("対応完了にするのは広報担当または情報セキュリティ担当です。このままお待ちください" in m["text"]
               for m in fake.thread_messages(home, home_ts))
    return incident_id, offered, home, home_ts


def test_pr_can_end_a_leak_in_slack(slack: SlackEnv) -> None:
    fake, driver = slack.fake, slack.driver
    incident_id, offered, home, home_ts = _leak_walked(slack)
    driver.click(OTHER, offered, RESOLVE, until=lambda f: bool(f.calls_to("chat.postEphemeral", user=OTHER)))
    assert "権限がありません" in fake.calls_to("chat.postEphemeral", user=OTHER)[-1].args["text"]
    assert slack.events(incident_id)[-1] == "access_denied"

    def ended(f: FakeSlack) -> bool:
        return RESOLVE not in action_ids(f.message(PR_CHANNEL, offered["ts"])) and any(
            "records_review" in action_ids(m) for m in f.channel_messages("D" + PR[1:]))

    driver.click(PR, offered, RESOLVE, until=ended)
    queries = slack.runtime.triage.queries
    assert queries.view(incident_id, None).status == "resolved"
    assert "の状態を「対応完了」にしました" in fake.calls_to("chat.postEphemeral", user=PR)[-1].args["text"]
    after = fake.message(PR_CHANNEL, offered["ts"])
    assert action_ids(after) == [] and "対応完了" in text_of(after)
    told = [m["text"] for m in fake.thread_messages(home, home_ts)]
    assert sum("の状態を「対応完了」にしました" in t for t in told) == 1
    # A second click (or a redelivery): nothing ends twice, nothing is posted twice.
    calls = len(fake.calls_to("chat.postMessage"))
    driver.click(PR, offered, RESOLVE,
                 until=lambda f: "すでに" in f.calls_to("chat.postEphemeral", user=PR)[-1].args["text"])
    assert slack.events(incident_id).count("status_changed") == 3  # acknowledged, responding, resolved
    assert len(fake.calls_to("chat.postMessage")) == calls
    # The closing review is asked of the one who ended it, in their DM; the PR channel never got the details.
    [invite] = [m for m in fake.channel_messages("D" + PR[1:]) if "records_review" in action_ids(m)]
    assert "は「対応完了」になりました" in text_of(invite) and "終了しました" not in text_of(invite)
    assert "住所" not in " ".join(text_of(m) for m in fake.channel_messages(PR_CHANNEL))
