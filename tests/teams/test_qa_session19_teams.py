"""Teams walk s18 findings fixed in session 19 (#7 a bystander's grant by a typed name, #10 the re-notice card's
title once acknowledged, #8 advice worded for a group chat)."""

from __future__ import annotations

from bot.clock import FixedClock
from tests.teams.env import OTHER, PR, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import personal_chat

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/95"


def test_a_bystanders_grant_to_a_typed_name_is_refused_and_recorded(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, FLAMING)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(OTHER, "権限付与 INC-0001 鈴木 次郎")
    said = card_text(teams.fake.posts_to(personal_chat(OTHER))[-1])
    assert "権限がありません" in said and "メンション" not in said
    assert teams.events(incident_id)[-1] == "access_denied"


def test_the_renotice_card_keeps_its_own_title_once_acknowledged(teams: TeamsEnv, clock: FixedClock) -> None:
    """#10: acknowledged from the 【上位への通知】 card, both cards were redrawn as the first notice: the re-notice
    card no longer said it was the notice to the next level."""
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    clock.advance(minutes=31)
    fire_due = teams.runtime.triage.escalations.fire_due
    assert fire_due(teams.bot.deliver_notification, "worker-1") >= 1
    cards = [m for m in teams.fake.posts_to(PR_CHANNEL) if "acknowledge" in verbs(m)]
    [renotice] = [m for m in cards if "【上位への通知" in card_text(m)]
    [first] = [m for m in cards if m["id"] != renotice["id"]]
    assert teams.driver.execute(PR, renotice, PR_CHANNEL, "acknowledge").status == 200
    after = card_text(teams.fake.message(renotice["id"]))
    assert "【上位への通知" in after and "広報 太郎 さんが確認しました" in after
    assert "【上位への通知" not in card_text(teams.fake.message(first["id"]))
