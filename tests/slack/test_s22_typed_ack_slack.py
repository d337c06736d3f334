"""PR typing 「INC-0001 確認しました」 acknowledges as the notice's button does (walk s22 Teams #1 left, on Slack)."""

from __future__ import annotations

import pytest
from conftest import OTHER, PR, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import text_of
from test_slack_scenarios import REPORTS


@pytest.mark.parametrize("typed", ["INC-0001 確認しました", "確認 INC-0001", "ack INC-1",
                                   "INC-0001 の件、確認しました。"])
def test_pr_typing_an_acknowledgement_acknowledges_instead_of_paging_pr_with_news(slack: SlackEnv, typed: str) -> None:
    """Before: a 続報 (【続報】 to PR, its own words), the incident left unacknowledged and re-noticed."""
    fake, driver = slack.fake, slack.driver
    driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    driver.post_message(PR, typed, REPORT)
    assert "acknowledged" in slack.events(1)
    assert "followup" not in slack.events(1)
    assert not [m for m in fake.channel_messages(PR_CHANNEL) if "【続報】" in text_of(m)]


def test_a_bystanders_typed_acknowledgement_stays_their_words(slack: SlackEnv) -> None:
    """Only one who may acknowledge (PR) acknowledges by typing; a colleague's 「確認しました」 is not PR's ack."""
    driver = slack.driver
    driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    driver.post_message(OTHER, "INC-0001 確認しました", REPORT)
    assert "acknowledged" not in slack.events(1)
    assert "access_denied" not in slack.events(1)


def test_asking_someone_to_check_is_no_acknowledgement(slack: SlackEnv) -> None:
    """「INC-0001 確認お願いします」 from PR asks others to look: nothing acknowledged."""
    driver = slack.driver
    driver.post_message(STAFF, REPORTS["impersonation"], REPORT)
    driver.post_message(PR, "INC-0001 確認お願いします", REPORT)
    assert "acknowledged" not in slack.events(1)
