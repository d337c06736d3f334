"""The unsure flow on Slack: only the poster is asked, a kind reports the message, 「報告ではない」 labels it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import OTHER, PR_CHANNEL, REPORT, STAFF, SlackEnv
from slack_driver import action_ids, text_of

from bot.triage.classifier_model import Thresholds

# Every message unsure: the model's probabilities never reach 1.01, and nothing is below 0.
ALL_UNSURE = Thresholds(report=1.01, chatter=0.0)
TEXT = "公式インスタのコメント欄がちょっと荒れ気味かもしれません https://www.instagram.com/p/abc123/"


def _asked(slack: SlackEnv, user: str) -> dict[str, Any]:
    """The ephemeral question the poster got, as a clickable message."""
    calls = slack.fake.calls_to("chat.postEphemeral", user=user)
    assert calls, "no private question was posted"
    args = calls[-1].args
    return {"ts": args.get("thread_ts") or "0", "channel": args["channel"], "blocks": args["blocks"],
            "text": args.get("text", "")}


@pytest.fixture
def unsure(slack: SlackEnv, monkeypatch: pytest.MonkeyPatch) -> SlackEnv:
    monkeypatch.setattr(slack.runtime.triage.deps.classifier, "thresholds", ALL_UNSURE)
    return slack


def test_unsure_post_asks_only_the_poster_then_a_kind_opens_the_report(unsure: SlackEnv) -> None:
    message, _ = unsure.driver.post_message(STAFF, TEXT, REPORT)
    assert unsure.incident_ids() == []
    public = [c for c in unsure.fake.calls_to("chat.postMessage") if c.args.get("channel") == REPORT]
    assert public == []  # nobody else sees any noise
    question = _asked(unsure, STAFF)
    assert question["channel"] == REPORT and "インシデントとして報告しますか" in question["text"]
    ids = action_ids(question)
    assert "ask_report:decline" in ids and len(ids) >= 2
    flaming = next(i for i in ids if '"flaming"' in str(_button(question, i).get("value")))
    unsure.driver.click(STAFF, question, flaming, until=lambda f: any(
        c.args.get("channel") == PR_CHANNEL for c in f.calls_to("chat.postMessage")))
    [incident_id] = unsure.incident_ids()
    view = unsure.runtime.triage.queries.view(incident_id, None)
    assert view.kind == "flaming" and view.source_url == "https://www.instagram.com/p/abc123/"
    assert view.reporter_id == f"slack:{STAFF}" and message["ts"]


def test_not_a_report_answer_opens_nothing_and_tells_only_the_poster(unsure: SlackEnv) -> None:
    unsure.driver.post_message(OTHER, "明日の研修資料、炎上対策の回を共有します", REPORT)
    question = _asked(unsure, OTHER)
    unsure.driver.click(OTHER, question, "ask_report:decline")
    assert unsure.incident_ids() == []
    assert not [c for c in unsure.fake.calls_to("chat.postMessage") if c.args.get("channel") in (REPORT, PR_CHANNEL)]
    said = " ".join(text_of({"text": c.args.get("text", ""), "blocks": c.args.get("blocks") or []})
                    for c in unsure.fake.calls_to("response_url"))
    assert said.strip(), "the poster was not told the answer was taken"


def _button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []) or []:
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(action_id)


def _file_share(slack: SlackEnv, user: str, text: str, files: int) -> dict[str, Any]:
    """A user posts files (a screenshot) with a few words in the report channel."""
    message = slack.fake.add_message(REPORT, text, user)
    event = {"type": "message", "subtype": "file_share", "channel": REPORT, "user": user, "text": text,
             "ts": message["ts"], "channel_type": "channel", "event_ts": message["ts"],
             "files": [{"id": f"F{n}", "name": f"スクリーンショット {n}.png"} for n in range(files)]}
    slack.driver.event(event)
    return message


@pytest.mark.parametrize("text", ["", "これ", "↑見てください"])
def test_a_screenshot_with_few_words_is_asked_about_not_left_alone(slack: SlackEnv, text: str) -> None:
    """A screenshot of a post, posted with 「これ」 or nothing: its words alone read as chatter, so it was left alone
    without a word; the poster is asked (every kind offered) and a kind opens the report."""
    _file_share(slack, STAFF, text, 1)
    assert slack.incident_ids() == []
    question = _asked(slack, STAFF)
    assert "インシデントとして報告しますか" in question["text"]
    ids = action_ids(question)
    assert "ask_report:decline" in ids and len(ids) >= 6  # five kinds and 「報告ではない」
    leak = next(i for i in ids if '"leak"' in str(_button(question, i).get("value")))
    slack.driver.click(STAFF, question, leak, until=lambda f: len(slack.incident_ids()) == 1)
    [incident_id] = slack.incident_ids()
    assert slack.runtime.triage.queries.view(incident_id, None).kind == "leak"


def test_files_with_words_are_judged_by_the_words(slack: SlackEnv) -> None:
    """Words enough to judge: chatter with a photo stays chatter (no question), as without one."""
    _file_share(slack, STAFF, "来週の防災訓練のポスター案です。ご意見があれば金曜までにお願いします", 1)
    assert slack.incident_ids() == [] and not slack.fake.calls_to("chat.postEphemeral")


def test_an_unsure_direct_message_notifies_nobody_until_a_kind_is_picked(unsure: SlackEnv) -> None:
    """A DM the classifier is unsure about was opened on its best guess and PR told under it; now only the sender
    is asked (every kind, 「報告ではない」 too) and the kind picked opens it and tells PR once."""
    fake = unsure.fake
    message, _ = unsure.driver.post_message(STAFF, TEXT, "D_STAFF", channel_type="im")
    assert unsure.incident_ids() == [] and fake.channel_messages(PR_CHANNEL) == []
    question = _asked(unsure, STAFF)
    ids = action_ids(question)
    assert "ask_report:decline" in ids and len(ids) == 6  # five kinds and 「報告ではない」
    impersonation = next(i for i in ids if '"impersonation"' in str(_button(question, i).get("value")))
    unsure.driver.click(STAFF, question, impersonation, until=lambda f: len(f.channel_messages(PR_CHANNEL)) == 1)
    [incident_id] = unsure.incident_ids()
    assert unsure.runtime.triage.queries.view(incident_id, None).kind == "impersonation"
    unsure.driver.click(STAFF, question, impersonation)  # clicked again: the same incident, PR told once
    assert unsure.incident_ids() == [incident_id] and len(fake.channel_messages(PR_CHANNEL)) == 1


def test_an_unsure_slash_report_asks_the_kind_in_the_form_with_its_text(unsure: SlackEnv) -> None:
    """The slash command is a report by act: its kind is asked in the shortcut's form, the text filled in (nothing
    retyped), no 「報告ではない」; the kind chosen there opens the report and tells PR once."""
    fake = unsure.fake
    unsure.driver.slash(STAFF, TEXT, REPORT)
    assert unsure.incident_ids() == [] and fake.channel_messages(PR_CHANNEL) == []
    view = fake.views[-1]
    assert view["callback_id"] == "report_submit"
    assert "どの種別として報告しますか？" in json.dumps(view, ensure_ascii=False)
    text_block = next(b for b in view["blocks"] if b.get("block_id") == "report_text")
    assert text_block["element"]["initial_value"] == TEXT
    response = unsure.driver.submit_view(STAFF, view, {"report_text": TEXT})  # no kind: asked again, form kept
    assert "種別を選んでから" in response.json()["errors"]["report_text"] and unsure.incident_ids() == []
    unsure.driver.submit_view(STAFF, view, {"report_text": TEXT, "report_kind": "flaming"},
                              until=lambda f: len(f.channel_messages(PR_CHANNEL)) == 1)
    [incident_id] = unsure.incident_ids()
    assert unsure.runtime.triage.queries.view(incident_id, None).kind == "flaming"
    assert len(fake.channel_messages(PR_CHANNEL)) == 1


def test_a_kind_clicked_for_a_message_deleted_meanwhile_opens_nothing_and_says_it_is_gone(unsure: SlackEnv) -> None:
    message, _ = unsure.driver.post_message(STAFF, TEXT, REPORT)
    question = _asked(unsure, STAFF)
    flaming = next(i for i in action_ids(question) if '"flaming"' in str(_button(question, i).get("value")))
    with unsure.fake._cond:  # the poster deleted it before answering
        del unsure.fake.messages[(REPORT, message["ts"])]
    unsure.driver.click(STAFF, question, flaming)
    assert unsure.incident_ids() == []
    said = " ".join(text_of({"text": c.args.get("text", ""), "blocks": c.args.get("blocks") or []})
                    for c in unsure.fake.calls_to("response_url"))
    assert unsure.runtime.triage.catalog.t("slack.ask_gone") in said
