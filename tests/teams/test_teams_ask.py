"""The unsure flow on Teams (#11): only the poster is asked, in their personal chat; a kind reports the message in
its channel thread, 「報告ではない」 opens nothing; explicit intent (personal chat, mention) is never dropped and,
when unsure, asked about the same way before anyone is told."""

from __future__ import annotations

from typing import Any

import pytest

from bot.triage.classifier_examples import stored_examples
from bot.triage.classifier_model import Thresholds
from tests.teams.env import OTHER, PR_CHANNEL, REPORT, STAFF, TeamsEnv
from tests.teams.fake_connector import card_actions, card_text
from tests.teams.teams_driver import TEAM, TENANT, personal_chat

ALL_UNSURE = Thresholds(report=1.01, chatter=0.0)  # every message unsure
TEXT = "公式インスタのコメント欄がちょっと荒れ気味かもしれません https://www.instagram.com/p/abc123/"
MESSAGE = "application/vnd.microsoft.activity.message"


@pytest.fixture
def unsure(teams: TeamsEnv, monkeypatch: pytest.MonkeyPatch) -> TeamsEnv:
    monkeypatch.setattr(teams.runtime.triage.deps.classifier, "thresholds", ALL_UNSURE)
    return teams


def asked(teams: TeamsEnv, user_id: str) -> dict[str, Any]:
    """The question card in the poster's personal chat."""
    [question] = [m for m in teams.fake.posts_to(teams.fake.chats[user_id]) if card_actions(m)]
    return question


def buttons(question: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["title"]: a for a in card_actions(question)}


def test_an_unsure_post_asks_only_the_poster_then_a_kind_opens_the_report(unsure: TeamsEnv) -> None:
    fake, driver = unsure.fake, unsure.driver
    root, response = driver.channel_post(STAFF, TEXT, REPORT)
    assert response.status == 202 and unsure.incident_ids() == []
    assert [c for c in fake.calls if c.conversation.startswith("19:")] == []  # nothing public
    question = asked(unsure, STAFF.id)
    assert "インシデントとして報告しますか？" in card_text(question) and "報告ではない" in buttons(question)
    chat = fake.chats[STAFF.id]
    kind = next(title for title in buttons(question) if title != "報告ではない")
    action = buttons(question)[kind]
    answer = driver.post(driver._base(STAFF, {"id": chat, "conversationType": "personal"}, type="invoke",
                                      name="adaptiveCard/action", id="f:ask", replyToId=question["id"],
                                      value={"action": {"type": "Action.Execute", "verb": "ask_report",
                                                        "data": action["data"]}, "trigger": "manual"}))
    assert answer.status == 200 and answer.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "ask_report" not in str(answer.body["value"])  # the answered card has no buttons left
    [incident_id] = unsure.incident_ids()
    view = unsure.view(incident_id)
    assert view.conversation is not None and view.conversation.thread == root
    intro, step1 = fake.thread(REPORT, root)[:2]  # the report runs in the original message's thread
    assert view.ref in card_text(intro) and "【手順 1/" in card_text(step1)
    assert len(fake.posts_to(PR_CHANNEL)) == 1
    again = driver.post(driver._base(STAFF, {"id": chat, "conversationType": "personal"}, type="invoke",
                                     name="adaptiveCard/action", id="f:ask2", replyToId=question["id"],
                                     value={"action": {"type": "Action.Execute", "verb": "ask_report",
                                                       "data": action["data"]}, "trigger": "manual"}))
    assert again.status == 200 and unsure.incident_ids() == [incident_id]  # answered twice: one incident
    assert len(fake.thread(REPORT, root)) == 2 and len(fake.posts_to(PR_CHANNEL)) == 1


def test_not_a_report_opens_nothing_and_is_labelled(unsure: TeamsEnv) -> None:
    fake, driver = unsure.fake, unsure.driver
    driver.channel_post(OTHER, TEXT, REPORT)
    question = asked(unsure, OTHER.id)
    action = buttons(question)["報告ではない"]
    answer = driver.post(driver._base(OTHER, {"id": fake.chats[OTHER.id], "conversationType": "personal"},
                                      type="invoke", name="adaptiveCard/action", id="f:no",
                                      replyToId=question["id"],
                                      value={"action": {"type": "Action.Execute", "verb": "ask_report",
                                                        "data": action["data"]}, "trigger": "manual"}))
    assert answer.status == 200 and unsure.incident_ids() == []
    assert [c for c in fake.calls if c.conversation.startswith("19:")] == []
    examples = stored_examples(unsure.runtime.triage.deps.sessions)
    assert any(example.kind == "none" and source == "not_a_report" for example, source in examples)


def test_an_unsure_personal_chat_message_notifies_nobody_until_a_kind_is_picked(unsure: TeamsEnv) -> None:
    """A personal-chat message the classifier is unsure about was opened on its best guess (PR told under it) with
    a kind picker; now it is asked about (every kind and 「報告ではない」), and the kind picked opens it and tells PR
    once."""
    fake, driver = unsure.fake, unsure.driver
    driver.chat_message(STAFF, TEXT)  # a personal chat is explicit intent
    assert unsure.incident_ids() == [] and fake.posts_to(PR_CHANNEL) == []
    [question] = [m for m in fake.posts_to(personal_chat(STAFF)) if card_actions(m)]  # where it was written
    assert len(buttons(question)) == 6 and "報告ではない" in buttons(question)  # five kinds and 「報告ではない」
    action = next(a for a in card_actions(question) if a["data"].get("k") == "impersonation")

    def click(activity_id: str) -> None:
        chat = {"id": personal_chat(STAFF), "conversationType": "personal"}
        response = driver.post(driver._base(STAFF, chat, type="invoke", name="adaptiveCard/action", id=activity_id,
                                            replyToId=question["id"],
                                            value={"action": {"type": "Action.Execute", "verb": "ask_report",
                                                              "data": action["data"]}, "trigger": "manual"}))
        assert response.status == 200
    click("f:dm1")
    [incident_id] = unsure.incident_ids()
    assert unsure.view(incident_id).kind == "impersonation" and len(fake.posts_to(PR_CHANNEL)) == 1
    click("f:dm2")  # clicked again: the same incident, PR told once
    assert unsure.incident_ids() == [incident_id] and len(fake.posts_to(PR_CHANNEL)) == 1


def test_a_screenshot_posted_alone_in_a_report_channel_is_asked_about(teams: TeamsEnv) -> None:
    """An image pasted into a report-channel post with 「これ」: the words alone are left alone as chatter; the
    poster is asked privately, every kind offered."""
    fake, driver = teams.fake, teams.driver
    activity_id = fake.new_id()
    thread = {"id": f"{REPORT};messageid={activity_id}", "conversationType": "channel", "isGroup": True}
    html = '<p>これ</p><p><img src="https://graph.microsoft.com/v1.0/chats/x/messages/y/hostedContents/z/$value"></p>'
    activity = driver._base(STAFF, thread, type="message", id=activity_id, text="これ", textFormat="plain",
                            attachments=[{"contentType": "text/html", "content": html}])
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": REPORT}}
    assert driver.post(activity).status == 202 and teams.incident_ids() == []
    question = asked(teams, STAFF.id)
    assert "インシデントとして報告しますか？" in card_text(question)
    assert len(buttons(question)) >= 6  # five kinds and 「報告ではない」


def test_a_screenshot_sent_alone_in_the_personal_chat_is_a_report_not_a_help_request(teams: TeamsEnv) -> None:
    """An image sent with no words to the bot's personal chat got the help text (an empty text read as help), and
    the screenshot was lost; Slack and LINE WORKS take a message with files as a report (bot/delivery/typed.py),
    so Teams now asks about it as it does a screenshot in a report channel."""
    driver = teams.driver
    html = '<p><img src="https://graph.microsoft.com/v1.0/chats/x/messages/y/hostedContents/z/$value"></p>'
    activity = driver._base(STAFF, {"id": personal_chat(STAFF), "conversationType": "personal", "isGroup": False},
                            type="message", id="1:900", text="", textFormat="plain",
                            attachments=[{"contentType": "text/html", "content": html}])
    assert driver.post(activity).status in (200, 202)
    said = "\n".join(card_text(a) for a in teams.fake.posts_to(personal_chat(STAFF)))
    assert "インシデントとして報告しますか？" in said and "コマンド:" not in said
