"""Ending an incident from Teams: the PR card offers 「対応完了にする」 once its steps are done and the one who
finished them could not end it (tests/teams/test_qa_session6_teams.py on branch s6-qa, made real here; that
copy looked for the reporter's chat in `fake.chats`, which only holds chats the bot opened, so it failed with a
KeyError before reaching its point)."""

from __future__ import annotations

from tests.teams.env import OTHER, PR, PR_CHANNEL, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import personal_chat
from tests.teams.test_teams_rules import report
from tests.teams.test_teams_scenarios import REPORTS, thread_of, walk_steps


def test_pr_can_end_a_leak_in_teams(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, REPORTS["leak"])
    [incident_id] = teams.incident_ids()
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    walk_steps(teams.driver, STAFF, personal_chat(STAFF))
    assert teams.view(incident_id).status == "responding"
    offered = {verb for conversation in (PR_CHANNEL, personal_chat(STAFF))
               for message in teams.fake.posts_to(conversation) for verb in verbs(message)}
    assert offered & {"resolve", "close", "incident_resolve", "incident_close"}
    chat = personal_chat(STAFF)
    told = [card_text(m) for m in teams.fake.posts_to(chat)]
    assert any("対応完了にするのは広報担当または情報セキュリティ担当です。このままお待ちください" in t for t in told)


def _leak_walked(teams: TeamsEnv) -> tuple[int, dict]:
    teams.driver.chat_message(STAFF, REPORTS["leak"])
    [incident_id] = teams.incident_ids()
    [pr_card] = teams.fake.posts_to(PR_CHANNEL)
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    walk_steps(teams.driver, STAFF, personal_chat(STAFF))
    card = teams.fake.message(pr_card["id"])
    assert verbs(card) == ["resolve"] and "対応完了にする" in json_text(card)
    return incident_id, card


def json_text(activity: dict) -> str:
    import json

    return json.dumps(activity, ensure_ascii=False)


def test_the_pr_card_ends_the_leak_once_and_loses_its_control(teams: TeamsEnv) -> None:
    incident_id, card = _leak_walked(teams)
    refused = teams.driver.execute(OTHER, card, PR_CHANNEL, "resolve")
    assert "権限がありません" in refused.body["value"]
    assert teams.view(incident_id).status == "responding" and "access_denied" in teams.events(incident_id)
    said = teams.driver.execute(PR, card, PR_CHANNEL, "resolve")
    assert "対応完了" in said.body["value"]
    assert teams.view(incident_id).status == "resolved"
    after = teams.fake.message(card["id"])
    assert verbs(after) == [] and "対応完了" in card_text(after)
    again = teams.driver.execute(PR, card, PR_CHANNEL, "resolve")  # a second click, a redelivery
    assert "すでに「対応完了」です" in again.body["value"]
    assert teams.events(incident_id).count("status_changed") == 3  # acknowledged, responding, resolved: once each
    chat = personal_chat(STAFF)
    told = [json_text(m) for m in teams.fake.posts_to(chat)]
    assert sum("の状態を「対応完了」にしました" in t for t in told) == 1
    assert any("INC-0001-timeline.xlsx" in t for t in told)  # the records, as at any end
    # The closing review is asked of the one who ended it, in private, never in a channel.
    assert any("再発防止" in json_text(m) for m in teams.fake.posts_to(teams.fake.chats[PR.id]))
    assert "山田" not in json_text(teams.fake.posts_to(PR_CHANNEL))


def test_an_ordinary_incident_finished_before_ack_offers_the_end_with_the_ack(teams: TeamsEnv) -> None:
    incident_id, root = report(teams, "flaming")
    walk_steps(teams.driver, STAFF, thread_of(root))
    assert teams.view(incident_id).status == "responding"
    pr_card = teams.fake.posts_to(PR_CHANNEL)[0]  # the notice (a severity change may follow it)
    assert verbs(teams.fake.message(pr_card["id"])) == ["acknowledge"]
    teams.driver.execute(PR, pr_card, PR_CHANNEL, "acknowledge")
    card = teams.fake.message(pr_card["id"])
    assert verbs(card) == ["resolve"]
    teams.driver.execute(PR, card, PR_CHANNEL, "resolve")
    assert teams.view(incident_id).status == "resolved"
