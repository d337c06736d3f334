"""PR typing 「INC-0001 確認しました」 acknowledges as the card's button does (walk s22 Teams, left #1)."""

from __future__ import annotations

import pytest

from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text

FLAMING = "市の公式Xの保育園の投稿が炎上してます、批判リプ多数 https://x.com/asahikawa_fake/status/55"


@pytest.mark.parametrize("where", ["channel", "chat"])
def test_pr_typing_an_acknowledgement_acknowledges(teams: TeamsEnv, where: str) -> None:
    """Before: 「INC-0001 確認しました」 was a 続報 announced to PR as 【続報】, the incident left unacknowledged."""
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    if where == "channel":
        teams.driver.channel_post(PR, "INC-0001 確認しました", REPORT)
    else:
        teams.driver.chat_message(PR, "INC-0001 確認しました")
    assert "acknowledged" in teams.events(1)
    assert "followup" not in teams.events(1)
    assert not [m for m in teams.fake.posts_to(PR_CHANNEL) if "【続報】" in card_text(m)]


def test_a_colleagues_typed_acknowledgement_acknowledges_nothing(teams: TeamsEnv) -> None:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    teams.driver.chat_message(OTHER, "INC-0001 確認しました")
    assert "acknowledged" not in teams.events(1)
