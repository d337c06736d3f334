"""Issue 13: a forged Teams invoke whose from.id is a Slack PR member's id does not acknowledge (real HTTP against
the SDK app); user ids are namespaced by platform. The Slack direction is tests/slack/test_slack_platform_ids.py."""

from __future__ import annotations

from tests.conftest import PR as SLACK_PR  # "slack:U_PR": a PR member in the shared access section
from tests.teams.env import PR2, PR_CHANNEL, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.teams_driver import User
from tests.teams.test_teams_rules import report

RAW_SLACK_PR = SLACK_PR.removeprefix("slack:")


def _forged_ack(teams: TeamsEnv, forged: User) -> int:
    incident_id, _ = report(teams, "impersonation")
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    pr_thread = f"{PR_CHANNEL};messageid={pr_card['id']}"
    teams.driver.submit(forged, pr_card, pr_thread, "acknowledge")
    assert teams.view(incident_id).acknowledged_at is None
    [refusal] = teams.fake.posts_to(teams.fake.chats[forged.id])  # told in their personal chat
    assert "広報広聴課として登録された職員だけ" in card_text(refusal)
    assert "access_denied" in teams.events(incident_id)
    teams.driver.submit(PR2, pr_card, pr_thread, "acknowledge")  # a Teams PR member still may
    assert teams.view(incident_id).acknowledged_at is not None
    return incident_id


def test_a_teams_activity_with_a_slack_pr_members_id_cannot_acknowledge(teams: TeamsEnv) -> None:
    _forged_ack(teams, User(RAW_SLACK_PR, None, "なりすまし 太郎"))


def test_a_teams_activity_with_a_namespaced_slack_id_cannot_acknowledge(teams: TeamsEnv) -> None:
    _forged_ack(teams, User(SLACK_PR, None, "なりすまし 次郎"))
