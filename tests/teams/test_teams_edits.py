"""A reported Teams message edited or deleted (messageUpdate / messageDelete), as Slack's message_changed and
message_deleted: the incident's timeline says so, its author is told once per edit, and a post that reported
nothing is read as a post once edited into a report."""

from __future__ import annotations

from typing import Any

from tests.teams.env import OTHER, REPORT, STAFF, TeamsEnv, User
from tests.teams.fake_connector import card_text
from tests.teams.teams_driver import personal_chat
from tests.teams.test_teams_scenarios import REPORTS

FLAMING = REPORTS["flaming"]


def _changed(teams: TeamsEnv, user: User, message_id: str, *, text: str = "", deleted: bool = False,
             at: str = "2026-11-18T01:05:00.000Z", root: str | None = None, role: str | None = None) -> None:
    """Teams' activity for an edit (messageUpdate, editMessage) or a soft deletion (messageDelete) of a channel post."""
    thread = {"id": f"{REPORT};messageid={root or message_id}", "conversationType": "channel", "isGroup": True}
    activity: dict[str, Any] = teams.driver._base(user, thread, type="messageDelete" if deleted else "messageUpdate",
                                                  id=message_id, timestamp=at)
    if role:
        activity["from"]["role"] = role
    activity["channelData"] = {"tenant": {"id": "tenant"}, "channel": {"id": REPORT},
                               "eventType": "softDeleteMessage" if deleted else "editMessage"}
    if not deleted:
        activity.update(text=text, textFormat="plain")
    assert teams.driver.post(activity).status < 300


def _notes(teams: TeamsEnv, incident_id: int) -> list[str]:
    return [str(entry.data.get("text")) for entry in teams.runtime.triage.queries.timeline(incident_id, None)
            if entry.type == "note"]


def _told(teams: TeamsEnv, user: User) -> list[str]:
    chat = teams.fake.chats.get(user.id) or personal_chat(user)  # the chat the bot opened to tell them
    return [card_text(message) for message in teams.fake.posts_to(chat)]


def test_a_reported_post_edited_is_noted_once_and_its_author_told(teams: TeamsEnv) -> None:
    report, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    fixed = FLAMING + " https://x.com/city/status/2"
    _changed(teams, STAFF, report, text=fixed)
    _changed(teams, STAFF, report, text=fixed)  # the same edit delivered again: noted once
    [note] = _notes(teams, incident_id)
    assert "報告のメッセージが編集されました" in note and "https://x.com/city/status/2" in note
    [told] = [text for text in _told(teams, STAFF) if "編集" in text]
    assert "INC-0001" in told and "報告内容は変わりません" in told
    assert teams.incident_ids() == [incident_id]  # the edit opened nothing


def test_a_reported_post_deleted_is_noted_without_its_text(teams: TeamsEnv) -> None:
    report, _ = teams.driver.channel_post(STAFF, REPORTS["leak"], REPORT)
    [incident_id] = teams.incident_ids()
    _changed(teams, STAFF, report, deleted=True)
    [note] = _notes(teams, incident_id)
    assert "報告のメッセージが投稿者によって削除されました" in note and "住所" not in note


def test_a_post_edited_into_a_report_is_read_as_one(teams: TeamsEnv) -> None:
    post, _ = teams.driver.channel_post(STAFF, "お疲れさまです。午後の会議は15時からです", REPORT)
    assert teams.incident_ids() == []
    _changed(teams, STAFF, post, text=FLAMING)
    _changed(teams, STAFF, post, text=FLAMING)  # delivered again: one incident
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).kind == "flaming"


def test_edits_of_replies_and_of_bots_note_nothing_and_open_nothing(teams: TeamsEnv) -> None:
    report, _ = teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    reply, _ = teams.driver.channel_post(OTHER, "見ています", REPORT, root=report)
    _changed(teams, OTHER, reply, text="見ています（追記）", root=report)  # a reply is conversation
    _changed(teams, OTHER, report, text=FLAMING + "（bot）", role="bot")
    post, _ = teams.driver.channel_post(STAFF, "お疲れさまです", REPORT)
    _changed(teams, STAFF, post, text=REPORTS["impersonation"], role="bot")
    assert _notes(teams, incident_id) == [] and teams.incident_ids() == [incident_id]


def test_a_merged_colleagues_edit_is_a_note_not_another_report(teams: TeamsEnv) -> None:
    """Teams walk s18 #3: a colleague's report merged into INC-0001 and then edited was read as a new report and
    merged again (the count went up, 「まとめました」 told again) at each edit."""
    teams.driver.channel_post(STAFF, FLAMING, REPORT)
    [incident_id] = teams.incident_ids()
    theirs, _ = teams.driver.channel_post(OTHER, FLAMING, REPORT)
    merged = [e.type for e in teams.runtime.triage.queries.timeline(incident_id, None)].count("merged_report")
    assert merged == 1
    _changed(teams, OTHER, theirs, text=FLAMING + "（追記: 引用も増えています）")
    events = [e.type for e in teams.runtime.triage.queries.timeline(incident_id, None)]
    assert events.count("merged_report") == 1, events
    [note] = _notes(teams, incident_id)
    assert "報告のメッセージが編集されました" in note and "引用も増えています" in note
    assert teams.incident_ids() == [incident_id]
