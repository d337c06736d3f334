"""Teams walk s18 findings fixed in session 19 (#7 a bystander's grant by a typed name, #10 the re-notice card's
title once acknowledged, #8 advice worded for a group chat)."""

from __future__ import annotations

from tests.teams.env import OTHER, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.teams_driver import personal_chat

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/95"


def test_a_bystanders_grant_to_a_typed_name_is_refused_and_recorded(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, FLAMING)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, "権限付与 INC-0001 鈴木 次郎")
    said = card_text(teams.fake.posts_to(personal_chat(OTHER))[-1])
    assert "権限がありません" in said and "メンション" not in said
    assert teams.events(incident_id)[-1] == "access_denied"
