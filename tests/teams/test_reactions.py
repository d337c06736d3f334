"""Timeline capture in Teams: the configured reaction adds a message once, with its time and link (reactions.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.teams.connector import message_link
from bot.adapters.teams.reactions import message_time
from tests.teams.env import ELSEWHERE, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.parity_driver import channel_of, reaction
from tests.teams.teams_driver import TENANT, personal_chat
from tests.teams.test_teams_scenarios import REPORTS

PIN = "1f4cc_pushpin"
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def test_message_time_and_link() -> None:
    assert message_time("1763427600001", NOW) == datetime(2025, 11, 18, 1, 0, 0, 1000, tzinfo=UTC)
    assert message_time("1:23", NOW) is None and message_time("99", NOW) is None
    assert message_time(str(int(NOW.timestamp() * 1000) + 2 * 86_400_000), NOW) is None  # the future
    link = message_link("19:c@thread.tacv2", "200", "100", "t-1")
    assert link == ("https://teams.microsoft.com/l/message/19%3Ac%40thread.tacv2/200?tenantId=t-1"
                    "&parentMessageId=100")
    assert "contextType" in (message_link("19:x@unq.gbl.spaces", "5", None, None) or "")
    assert message_link("a:1personal", "5", None, None) is None


def _incident(teams: TeamsEnv) -> tuple[int, str]:
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [incident_id] = teams.incident_ids()
    return incident_id, root


def _notes(teams: TeamsEnv, incident_id: int) -> list:  # noqa: ANN401
    return [e for e in teams.runtime.triage.queries.timeline(incident_id, None) if e.type == "note"]


def test_the_capture_reaction_adds_a_thread_message_once(teams: TeamsEnv) -> None:
    incident_id, root = _incident(teams)
    message_id, _ = teams.driver.channel_post(STAFF, "X社の記者から問い合わせがありました", REPORT, root=root)
    conversation = channel_of(REPORT, root)
    sent = len(teams.fake.calls)
    response = reaction(teams.driver, STAFF, conversation, message_id, PIN, activity_id="r:fixed")
    assert response.status in (200, 202)
    [note] = _notes(teams, incident_id)
    written = message_time(message_id, NOW)
    assert written is not None and note.at.replace(tzinfo=UTC) == written  # the message's own time
    assert note.data["link"] == message_link(REPORT, message_id, root, TENANT)
    assert "リアクションで記録" in note.data["text"]
    [confirmation] = [m for m in teams.fake.thread(REPORT, root)[-1:]]
    assert "タイムラインに記録しました" in card_text(confirmation)
    assert len(teams.fake.calls) == sent + 1
    # Redelivered, and added again by someone else: still one note and one confirmation.
    reaction(teams.driver, STAFF, conversation, message_id, PIN, activity_id="r:fixed")
    reaction(teams.driver, STAFF, conversation, message_id, PIN)
    assert len(_notes(teams, incident_id)) == 1 and len(teams.fake.calls) == sent + 1


def test_other_reactions_and_other_threads_are_ignored(teams: TeamsEnv) -> None:
    incident_id, root = _incident(teams)
    message_id, _ = teams.driver.channel_post(STAFF, "了解です", REPORT, root=root)
    sent = len(teams.fake.calls)
    reaction(teams.driver, STAFF, channel_of(REPORT, root), message_id, "like")
    reaction(teams.driver, STAFF, channel_of(REPORT, root), message_id, PIN, removed=True)
    other, _ = teams.driver.channel_post(STAFF, "雑談", ELSEWHERE)
    reaction(teams.driver, STAFF, channel_of(ELSEWHERE, other), other, PIN)
    assert _notes(teams, incident_id) == [] and len(teams.fake.calls) == sent


def test_the_reaction_is_configurable(teams_factory) -> None:  # noqa: ANN001
    teams = teams_factory(capture_reaction="heart")
    incident_id, root = _incident(teams)
    message_id, _ = teams.driver.channel_post(STAFF, "記録してください", REPORT, root=root)
    reaction(teams.driver, STAFF, channel_of(REPORT, root), message_id, PIN)
    assert _notes(teams, incident_id) == []
    reaction(teams.driver, STAFF, channel_of(REPORT, root), message_id, "heart")
    assert len(_notes(teams, incident_id)) == 1


def test_a_bot_card_in_a_personal_chat_can_be_captured(teams: TeamsEnv) -> None:
    teams.driver.chat_message(STAFF, REPORTS["impersonation"])
    [incident_id] = teams.incident_ids()
    chat = personal_chat(STAFF)
    intro = teams.fake.posts_to(chat)[0]
    reaction(teams.driver, STAFF, {"id": chat, "conversationType": "personal"}, intro["id"], PIN)
    [note] = _notes(teams, incident_id)
    assert note.data.get("link") is None  # a bot's personal chat has no deep link that works for others
    assert "タイムラインに記録しました" in card_text(teams.fake.posts_to(chat)[-1])


def test_a_guest_capture_is_refused_in_the_thread(teams: TeamsEnv) -> None:
    from tests.teams.test_roster import GUEST

    incident_id, root = _incident(teams)
    message_id, _ = teams.driver.channel_post(STAFF, "記者からの問い合わせ", REPORT, root=root)
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "userRole": "guest", "tenantId": TENANT}
    reaction(teams.driver, GUEST, channel_of(REPORT, root), message_id, PIN)
    assert _notes(teams, incident_id) == []
    assert "ゲストとして参加しているアカウント" in card_text(teams.fake.thread(REPORT, root)[-1])
    assert teams.fake.posts_to(personal_chat(GUEST)) == []
