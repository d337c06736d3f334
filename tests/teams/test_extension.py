"""「インシデントとして報告」 in Teams: the message action's dialog and its submit (extension.py)."""

from __future__ import annotations

from typing import Any

from tests.teams.env import PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_text
from tests.teams.parity_driver import action_invoke, channel_of, message_payload
from tests.teams.teams_driver import TENANT, User
from tests.teams.test_roster import GUEST
from tests.teams.test_teams_scenarios import REPORTS

FETCH, SUBMIT = "composeExtension/fetchTask", "composeExtension/submitAction"
CARD = "application/vnd.microsoft.card.adaptive"
TEAMS_LINK = "https://teams.microsoft.com/l/message/19%3Areport-channel%40thread.tacv2/1763427000000"


def _dialog(body: dict[str, Any]) -> dict[str, Any]:
    task = body["task"]
    assert task["type"] == "continue", body
    assert task["value"]["card"]["contentType"] == CARD
    return task["value"]["card"]["content"]


def _input(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    [found] = [e for e in card["body"] if e.get("id") == input_id]
    return found


def _post_and_payload(teams: TeamsEnv, author: User = STAFF) -> tuple[str, dict[str, Any]]:
    message_id, _ = teams.driver.channel_post(author, "雑談です", "19:random-channel@thread.tacv2")
    html = f"<p>{REPORTS['misinformation']}</p><p>至急確認を</p>"
    return message_id, message_payload(message_id, html, author=author, link=TEAMS_LINK)


def test_fetch_task_opens_a_dialog_prefilled_with_the_message(teams: TeamsEnv) -> None:
    message_id, payload = _post_and_payload(teams)
    response = action_invoke(teams.driver, STAFF, FETCH, channel_of("19:random-channel@thread.tacv2"), payload)
    assert response.status == 200
    card = _dialog(response.body)
    text = _input(card, "report_text")
    assert text["value"] == REPORTS["misinformation"] + "\n至急確認を" and text["isRequired"] is True
    assert [c["value"] for c in _input(card, "report_kind")["choices"]]  # the kind is optional, offered
    assert any(TEAMS_LINK in str(e.get("text")) for e in card["body"])
    assert card["actions"][0]["type"] == "Action.Submit"
    assert teams.incident_ids() == []  # opening the dialog reports nothing


def test_submit_reports_explicitly_and_runs_the_playbook_in_the_message_thread(teams: TeamsEnv) -> None:
    channel = "19:random-channel@thread.tacv2"
    message_id, payload = _post_and_payload(teams)
    data = {"report_text": REPORTS["flaming"], "report_kind": "flaming",
            "source": "reportIncident"}
    response = action_invoke(teams.driver, STAFF, SUBMIT, channel_of(channel), payload, data,
                             activity_id="f:submit-1")
    assert response.body["task"]["type"] == "message"
    assert "を受け付けました" in response.body["task"]["value"]
    [incident_id] = teams.incident_ids()
    view = teams.view(incident_id)
    assert view.kind == "flaming" and view.conversation.thread == message_id
    thread = teams.fake.thread(channel, message_id)
    assert len(thread) == 2  # intro and step 1, under the reported message
    assert len(teams.fake.posts_to(PR_CHANNEL)) == 1
    notes = [e for e in teams.runtime.triage.queries.timeline(incident_id, None) if e.type == "note"]
    assert [n.data["link"] for n in notes] == [TEAMS_LINK]
    assert notes[0].at.isoformat().startswith("2026-11-18T00:30:00")  # the original message's time
    # Teams redelivers the same submit: one incident, nothing posted twice.
    sent = len(teams.fake.calls)
    action_invoke(teams.driver, STAFF, SUBMIT, channel_of(channel), payload, data, activity_id="f:submit-1")
    assert teams.incident_ids() == [incident_id] and len(teams.fake.calls) == sent
    assert teams.events(incident_id).count("note") == 1


def test_chatter_is_not_dropped_and_an_empty_text_is_asked_again(teams: TeamsEnv) -> None:
    _, payload = _post_and_payload(teams)
    empty = action_invoke(teams.driver, STAFF, SUBMIT, channel_of(REPORT), payload, {"report_text": "  "})
    card = _dialog(empty.body)
    assert any("報告内容が空です" in str(e.get("text")) for e in card["body"])
    vague = action_invoke(teams.driver, STAFF, SUBMIT, channel_of(REPORT), payload,
                          {"report_text": "このメッセージを確認してください"})
    asked = _dialog(vague.body)  # the core asks (explicit intent): the dialog stays open with the text
    assert _input(asked, "report_text")["value"] == "このメッセージを確認してください"
    # a report by act: the kind is asked (before session 14: 「インシデントとして報告しますか」)
    assert any("種別を選んでから" in str(e.get("text")) for e in asked["body"])
    assert teams.incident_ids() == []


def test_a_guest_gets_no_dialog_and_cannot_submit(teams: TeamsEnv) -> None:
    teams.fake.members[GUEST.id] = {"id": GUEST.id, "userRole": "guest", "tenantId": TENANT}
    _, payload = _post_and_payload(teams)
    opened = action_invoke(teams.driver, GUEST, FETCH, channel_of(REPORT), payload)
    assert opened.body["task"]["type"] == "message" and "ゲスト" in opened.body["task"]["value"]
    submitted = action_invoke(teams.driver, GUEST, SUBMIT, channel_of(REPORT), payload,
                              {"report_text": REPORTS["flaming"]})
    assert "ゲスト" in str(submitted.body)
    assert teams.incident_ids() == []
    assert not any("炎上" in card_text(m) for m in teams.fake.posts_to(PR_CHANNEL))
