"""状況 INC-0001 / a question in staff's words in Teams (bot/delivery/status.py): in the personal chat a question
is no report; the security officer reads a leak's standing and gets its current step card in their own chat,
whose press brings the next step to them and to the reporter's chat; a channel @mention gets no details."""

from __future__ import annotations

from tests.teams.env import REPORT, SECURITY, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.teams_driver import personal_chat

URL = "https://x.com/asahikawa_fake/status/89"
LEAK = f"市のFacebookに住民の個人情報（氏名と住所）が写った写真を誤って投稿してしまいました。情報漏えいです {URL}"


def _cards(teams: TeamsEnv, conversation: str, heading: str) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in teams.fake.posts_to(conversation) if heading in card_text(m)]


def test_a_security_officer_asks_about_a_leak_and_continues_its_step(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, LEAK)
    [incident_id] = teams.incident_ids()
    teams.driver.chat_message(SECURITY, "what's the status of INC-0001?")
    assert teams.incident_ids() == [incident_id]  # a question, not a report
    mine = personal_chat(SECURITY)
    said = "\n".join(card_text(m) for m in teams.fake.posts_to(mine))
    assert "【状況】INC-0001（情報漏えい）" in said and "現在の手順: 手順 1/" in said
    assert "個人チャットに送りました" in said
    [card] = [m for m in _cards(teams, mine, "【手順 1/") if "step_skip" in verbs(m)]
    assert teams.driver.execute(SECURITY, card, mine, "step_skip").status == 200
    assert len(_cards(teams, mine, "【手順 2/")) == 1  # the next step reaches the one who pressed
    assert len(_cards(teams, personal_chat(STAFF), "【手順 2/")) == 1  # and the incident's home
    assert "step_skip" not in verbs(teams.fake.message(card["id"]))
    teams.driver.execute(SECURITY, card, mine, "step_skip")  # pressed again: done once, nothing posted twice
    assert len(_cards(teams, mine, "【手順 2/")) == 1 and len(_cards(teams, personal_chat(STAFF), "【手順 2/")) == 1
    assert len([e for e in teams.runtime.triage.queries.timeline(incident_id, None)
                if e.type in ("step_completed", "step_skipped")]) == 1


def test_a_status_mention_in_a_channel_gives_no_details_of_a_leak(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, LEAK)
    teams.driver.channel_post(SECURITY, "状況 INC-0001", REPORT, mention=True)
    said = teams.fake.all_text()
    assert "個人チャットでお尋ねください" in said and "【状況】" not in said
    assert len(teams.incident_ids()) == 1
