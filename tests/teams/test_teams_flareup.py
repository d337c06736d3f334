"""A resolved incident's post reported again on Teams (a flare-up): PR is told, the reporter chooses on a card."""

from __future__ import annotations

from typing import Any

from bot.ports import Actor
from bot.triage import lifecycle
from tests.conftest import PR as CORE_PR
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_actions, card_text
from tests.teams.teams_driver import User, personal_chat

URL = "https://x.com/asahikawa_fake/status/4242"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
AGAIN = f"また炎上が再燃しています。引用での批判が増えています {URL}"


def _resolved(teams: TeamsEnv) -> int:
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    # the core's own PR member (the runtime's triage knows no Teams members)
    teams.runtime.triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor(CORE_PR, "広報 花子"))
    return incident_id


def _card(teams: TeamsEnv, user: User) -> dict[str, Any]:
    chat = teams.fake.chats.get(user.id) or personal_chat(user)  # opened by the bot unless they wrote there
    [card] = [m for m in teams.fake.posts_to(chat) if "flareup" in str(card_actions(m))]
    return card


def test_pr_hears_and_the_reporter_gets_a_card_with_both_choices(teams: TeamsEnv) -> None:
    incident_id = _resolved(teams)
    before = len(teams.fake.posts_to(PR_CHANNEL))
    teams.driver.channel_post(OTHER, AGAIN, REPORT)
    assert teams.incident_ids() == [incident_id]
    told = teams.fake.posts_to(PR_CHANNEL)[before:]
    assert len(told) == 1 and "【再燃】INC-0001" in card_text(told[0]) and "佐藤 一郎" in card_text(told[0])
    card = _card(teams, OTHER)
    assert "最初の報告先に知らせました" in card_text(card)  # only PR may reopen: no button they would be refused on
    assert [a["title"] for a in card_actions(card)] == ["新しい案件として報告する"]


def test_a_bystanders_reopen_is_refused_and_new_opens_one_incident_with_the_text(teams: TeamsEnv) -> None:
    incident_id = _resolved(teams)
    teams.driver.channel_post(OTHER, AGAIN, REPORT)
    card, chat = _card(teams, OTHER), teams.fake.chats[OTHER.id]
    new = next(a for a in card_actions(card) if a["data"]["k"] == "new")
    reopen = {"data": {**new["data"], "k": "reopen"}}  # forged: the card offers no reopen
    refused = teams.driver.post(_invoke(teams, OTHER, chat, card, reopen["data"], "r1"))
    assert refused.status == 200 and "権限がありません" in str(refused.body)
    assert teams.view(incident_id).status == lifecycle.RESOLVED and "access_denied" in teams.events(incident_id)
    for n in range(2):  # clicked twice: one new incident
        assert teams.driver.post(_invoke(teams, OTHER, chat, card, new["data"], f"n{n}")).status == 200
    first, second = teams.incident_ids()
    assert first == incident_id and teams.view(second).text == AGAIN
    assert teams.view(second).reporter_id == f"teams:{OTHER.aad}"


def test_pr_reopens_from_the_card(teams: TeamsEnv) -> None:
    incident_id = _resolved(teams)
    teams.driver.chat_message(PR, AGAIN)
    card = _card(teams, PR)
    assert [a["title"] for a in card_actions(card)] == ["INC-0001 の対応を再開する", "新しい案件として報告する"]
    answered = teams.driver.execute(PR, card, personal_chat(PR), "flareup")  # the first button: reopen
    assert teams.view(incident_id).status == lifecycle.RESPONDING
    # The card is answered: its buttons gone, so it no longer offers what was done.
    assert "AdaptiveCard" in str(answered.body) and "flareup" not in str(answered.body)


def _invoke(teams: TeamsEnv, user: User, chat: str, card: dict[str, Any], data: dict[str, Any],
            activity_id: str) -> dict[str, Any]:
    return teams.driver._base(user, {"id": chat, "conversationType": "personal"}, type="invoke",
                              name="adaptiveCard/action", id=f"f:{activity_id}", replyToId=card["id"],
                              value={"action": {"type": "Action.Execute", "verb": "flareup", "data": data},
                                     "trigger": "manual"})


def test_prs_flare_up_notice_carries_the_reopen_button_and_it_goes_once_reopened(teams: TeamsEnv) -> None:
    """As on Slack: the 【再燃】 card offers reopen (the core decides who may); once reopened it no longer does."""
    incident_id = _resolved(teams)
    before = len(teams.fake.posts_to(PR_CHANNEL))
    teams.driver.channel_post(OTHER, AGAIN, REPORT)
    [notice] = teams.fake.posts_to(PR_CHANNEL)[before:]
    assert [a["title"] for a in card_actions(notice) if a.get("verb") == "flareup"] == ["INC-0001 の対応を再開する"]
    refused = teams.driver.execute(OTHER, notice, PR_CHANNEL, "flareup")  # a colleague: the core refuses
    assert refused.status == 200 and "再開できるのは広報担当です" in str(refused.body)
    assert teams.view(incident_id).status == lifecycle.RESOLVED
    assert teams.driver.execute(PR, notice, PR_CHANNEL, "flareup").status == 200
    assert teams.view(incident_id).status == lifecycle.RESPONDING
    redrawn = teams.fake.message(notice["id"])
    assert "flareup" not in str(card_actions(redrawn)) and "【再燃】INC-0001" in card_text(redrawn)
    assert "再開しました" in card_text(redrawn)


def test_a_reopen_by_command_takes_the_reopen_button_off_the_flare_up_notice(teams: TeamsEnv) -> None:
    incident_id = _resolved(teams)
    before = len(teams.fake.posts_to(PR_CHANNEL))
    teams.driver.channel_post(OTHER, AGAIN, REPORT)
    [notice] = teams.fake.posts_to(PR_CHANNEL)[before:]
    assert "flareup" in str(card_actions(notice))
    teams.driver.chat_message(PR, f"再開 INC-{incident_id:04d}")
    assert teams.view(incident_id).status == lifecycle.RESPONDING
    assert "flareup" not in str(card_actions(teams.fake.message(notice["id"])))
