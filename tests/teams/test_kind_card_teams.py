"""The kind card kept consistent with who may correct the kind, on Teams (session 19 left-overs): a resolved
incident reopened gets its kind card's control back; a personal-chat report restricted by a kind correction loses
it (the kind is PR's to correct: a press was refused)."""

from __future__ import annotations

from bot.triage import lifecycle
from tests.teams.env import PR, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import personal_chat
from tests.teams.test_teams_scenarios import walk_steps

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/98"


def test_a_reopened_incidents_kind_card_gets_its_control_back(teams: TeamsEnv) -> None:
    root, _ = teams.driver.channel_post(PR, FLAMING, REPORT)  # PR reports it: their last step resolves it
    [incident_id] = teams.incident_ids()
    thread = f"{REPORT};messageid={root}"
    [intro] = [m for m in teams.fake.thread(REPORT, root) if "kind_select" in verbs(m)]
    walk_steps(teams.driver, PR, thread)
    assert teams.view(incident_id).status == lifecycle.RESOLVED
    assert "kind_select" not in verbs(teams.fake.message(intro["id"]))
    teams.driver.chat_message(PR, "再開 INC-0001")
    assert teams.view(incident_id).status == lifecycle.RESPONDING
    card = teams.fake.message(intro["id"])
    assert "kind_select" in verbs(card) and "【再開】INC-0001" in card_text(card), card_text(card)
    teams.driver.execute(PR, card, thread, "kind_select", {"kind": "misinformation"})
    assert teams.view(incident_id).kind == "misinformation"


def test_a_personal_chat_report_restricted_by_a_kind_correction_loses_its_kind_control(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, FLAMING)
    [incident_id] = teams.incident_ids()
    chat = personal_chat(STAFF)
    [intro] = [m for m in teams.fake.posts_to(chat) if "kind_select" in verbs(m)]
    teams.driver.execute(STAFF, intro, chat, "kind_select", {"kind": "leak"})
    assert teams.view(incident_id).restricted
    card = teams.fake.message(intro["id"])
    assert "kind_select" not in verbs(card), card_text(card)
    assert "閲覧制限付きになったため、種別の訂正は" in card_text(card)
