"""Session 13 walk leftovers in Slack: an acknowledged notice no longer promises re-notices (session 12 walk #8)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from test_slack_scenarios import REPORTS

ONE_LEVEL = {"escalation": {"levels": [{"section": "pr_section", "after_minutes": 30, "mention": "S_PR"}],
                             "renotice_limit": 3}}


def test_an_acknowledged_notice_drops_the_renotice_sentence(slack_factory: Callable[..., SlackEnv]) -> None:
    slack = slack_factory(ONE_LEVEL)
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["flaming"], REPORT)
    [pr_message] = fake.channel_messages(PR_CHANNEL)
    assert "確認されるまで" in text_of(pr_message) and "再通知します" in text_of(pr_message)
    driver.click(PR, pr_message, "acknowledge")
    fake.wait_for(lambda f: "さんが確認しました" in text_of(f.message(PR_CHANNEL, pr_message["ts"])))
    acknowledged = text_of(fake.message(PR_CHANNEL, pr_message["ts"]))
    assert "確認されるまで" not in acknowledged and "再通知します" not in acknowledged
    assert "報告者" in acknowledged  # the rest of the notice stays as it was
