"""Session 18 Teams walk (docs/qa/session18_walk_teams.md): 旭川市 and 筑後市's staff on Microsoft Teams."""

from __future__ import annotations

from tests.teams.env import OTHER, PR, PR2, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text, verbs
from tests.teams.parity_driver import action_invoke, channel_of, message_payload
from tests.teams.teams_driver import User, personal_chat
from tests.teams.test_teams_scenarios import REPORTS, thread_of

COLLEAGUE = User("29:col-0001", "aad-col-0001", "鈴木 次郎")
# No personal-data cue: since session 21 a reply exposing it restricts the incident at once (test_s21_replyleak.py);
# these walks are of replies made before a kind correction restricts it.
QUOTE = "これ、本当ですか。スクリーンショットも出回っています"
ADVICE = "このスレッドに投稿したメッセージに個人情報"


def _told(teams: TeamsEnv, user: User) -> list[str]:
    chat = teams.fake.chats.get(user.id) or personal_chat(user)
    return [card_text(message) for message in teams.fake.posts_to(chat)]


def _replied_then(teams: TeamsEnv) -> tuple[str, dict]:  # type: ignore[type-arg]
    """山田's 炎上 in the report channel; 鈴木 and 佐藤 reply in its thread."""
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    teams.driver.channel_post(COLLEAGUE, QUOTE, REPORT, root=root)
    teams.driver.channel_post(OTHER, "見ました。画像にも写っています", REPORT, root=root)
    [intro] = [m for m in teams.fake.thread(REPORT, root) if "kind_select" in verbs(m)]
    return root, intro


def test_colleagues_who_replied_before_a_correction_to_leak_are_told_privately_to_delete(teams: TeamsEnv) -> None:
    """#1: the reporter corrected her 炎上 to 情報漏えい from the kind card; the thread was redacted and she was told
    in her chat, but 鈴木, who had replied quoting the applicant's name and phone number, and 佐藤 were told nothing
    (only replies posted after the correction were advised). Slack advises the earlier repliers (session 17 #7)."""
    root, intro = _replied_then(teams)
    assert teams.driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "leak"}).status == 200
    [incident_id] = teams.incident_ids()
    assert teams.view(incident_id).restricted
    for colleague in (COLLEAGUE, OTHER):
        [advice] = [text for text in _told(teams, colleague) if ADVICE in text]
        assert "INC-0001" in advice and QUOTE not in advice
    assert not [text for text in _told(teams, STAFF) if ADVICE in text]  # she is advised about her own post
    again = teams.driver.execute(STAFF, intro, thread_of(root), "kind_select", {"kind": "leak"})
    assert again.status == 200 and len([t for t in _told(teams, COLLEAGUE) if ADVICE in t]) == 1  # once


def test_a_correction_to_leak_by_command_advises_the_earlier_repliers_too(teams: TeamsEnv) -> None:
    """#1: PR's 「種別 INC-0001 情報漏えい」 in the personal chat moves the incident private the same way."""
    _replied_then(teams)
    teams.driver.chat_message(PR, "種別 INC-0001 情報漏えい")
    assert teams.view(1).restricted
    assert len([text for text in _told(teams, COLLEAGUE) if ADVICE in text]) == 1
    assert len([text for text in _told(teams, OTHER) if ADVICE in text]) == 1


def test_a_message_action_on_a_reply_in_an_incidents_thread_does_not_run_another_incident_there(
        teams: TeamsEnv) -> None:
    """#2: 「インシデントとして報告」 on a colleague's reply inside INC-0001's thread (a different post: a なりすまし)
    made INC-0002 with INC-0001's thread as its conversation: its intro and step cards were posted among INC-0001's,
    and the thread's later replies and edits could only be told apart by guessing. A thread holds one incident (a
    typed reply there is that incident's conversation); the new one runs in the reporter's personal chat."""
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    reply, _ = teams.driver.channel_post(COLLEAGUE, REPORTS["impersonation"], REPORT, root=root)
    before = [m["id"] for m in teams.fake.thread(REPORT, root)]
    payload = message_payload(reply, f"<p>{REPORTS['impersonation']}</p>", author=COLLEAGUE, reply_to=root)
    answer = action_invoke(teams.driver, OTHER, "composeExtension/submitAction", channel_of(REPORT, root), payload,
                           {"report_text": REPORTS["impersonation"], "report_kind": "", "source": "reportIncident"})
    assert teams.incident_ids() == [1, 2] and teams.view(2).kind == "impersonation"
    assert [m["id"] for m in teams.fake.thread(REPORT, root)] == before  # nothing of INC-0002 in INC-0001's thread
    mine = _told(teams, OTHER)
    assert any("INC-0002" in text for text in mine) and any("【手順 1/" in text for text in mine)
    said = answer.body["task"]["value"]
    assert "INC-0002" in said and "個人チャット" in said and "元のメッセージのスレッドで案内します" not in said
    assert teams.view(2).conversation.channel != REPORT


def test_the_message_action_on_the_bots_own_card_reports_nothing(teams: TeamsEnv) -> None:
    """#9: 「インシデントとして報告」 on the bot's intro card made its words a follow-up of INC-0001 and the presser a
    co-reporter, while the dialog said 「INC-0001（炎上）の報告を受け付けました」. Teams names a bot's message by
    its application, not a user; the dialog says so and nothing is recorded."""
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    [intro] = [m for m in teams.fake.thread(REPORT, root) if "kind_select" in verbs(m)]
    payload = message_payload(intro["id"], f"<p>{card_text(intro)}</p>", author=OTHER, reply_to=root)
    payload["from"] = {"user": None, "application": {"applicationIdentityType": "bot", "id": "incident-bot-app",
                                                     "displayName": "incident-bot"}}
    before = teams.events(1)
    for name in ("composeExtension/fetchTask", "composeExtension/submitAction"):
        answer = action_invoke(teams.driver, OTHER, name, channel_of(REPORT, root), payload,
                               {"report_text": card_text(intro), "report_kind": "", "source": "reportIncident"})
        assert answer.body["task"]["type"] == "message" and "ボットやアプリのメッセージ" in answer.body["task"]["value"]
    assert teams.events(1) == before and f"teams:{OTHER.aad}" not in teams.view(1).reporters


def test_a_reply_reported_when_the_personal_chat_cannot_be_opened_is_told_in_the_dialog(teams: TeamsEnv) -> None:
    """#2: the personal chat the new incident runs in is opened first; when the Bot Connector refuses, the dialog
    stays open with the text and says so, and nothing is reported."""
    root, _ = teams.driver.channel_post(STAFF, REPORTS["flaming"], REPORT)
    reply, _ = teams.driver.channel_post(COLLEAGUE, REPORTS["impersonation"], REPORT, root=root)
    payload = message_payload(reply, f"<p>{REPORTS['impersonation']}</p>", author=COLLEAGUE, reply_to=root)
    teams.fake.fail("create", 403)
    answer = action_invoke(teams.driver, PR2, "composeExtension/submitAction", channel_of(REPORT, root), payload,
                           {"report_text": REPORTS["impersonation"], "report_kind": "", "source": "reportIncident"})
    assert answer.status == 200 and answer.body["task"]["type"] == "continue"
    assert teams.incident_ids() == [1]
