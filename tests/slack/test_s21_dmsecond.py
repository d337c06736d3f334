"""Walk s21 #5 on Slack: a reporter's second top-level DM without a URL opened INC-0002 and paged PR again. Now she
is asked privately, with two buttons: a follow-up on INC-0001, or a new report. Each test failed before the fix."""

from __future__ import annotations

from typing import Any

from conftest import PR_CHANNEL, STAFF, SlackEnv
from slack_driver import text_of

DM = "D_STAFF"
FAKE = "市長になりすましたXアカウントが出ています。公式マークに似せています https://x.com/fake_mayor_city/status/1"
FROZEN = "さっきのアカウント、凍結されたみたいです"
ANOTHER = "別のなりすましアカウントも出ています。市長になりすましたXアカウントです"


def _asked(slack: SlackEnv) -> dict[str, Any]:
    """The follow-up-or-new ephemeral the reporter got, as a clickable message."""
    calls = [c for c in slack.fake.calls_to("chat.postEphemeral", user=STAFF)
             if "followup" in str(c.args.get("blocks"))]
    assert calls, "no follow-up-or-new buttons were posted"
    args = calls[-1].args
    return {"ts": args.get("thread_ts") or "0", "channel": args["channel"], "blocks": args["blocks"],
            "text": args.get("text", "")}


def _labels(message: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _said(slack: SlackEnv) -> str:
    return " ".join(text_of({"text": c.args.get("text", ""), "blocks": c.args.get("blocks") or []})
                    for c in slack.fake.calls_to("response_url"))


def _second(slack: SlackEnv, text: str) -> tuple[int, int]:
    slack.driver.post_message(STAFF, FAKE, DM, channel_type="im")
    [first] = slack.incident_ids()
    before = len(slack.fake.channel_messages(PR_CHANNEL))
    slack.driver.post_message(STAFF, text, DM, channel_type="im")
    assert slack.incident_ids() == [first]  # nothing opened, PR not paged again
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == before
    return first, before


def test_a_second_dm_is_asked_and_a_follow_up_recorded_once(slack: SlackEnv) -> None:
    first, before = _second(slack, FROZEN)
    asked = _asked(slack)
    assert "INC-0001 の続報として記録しますか、新しい報告ですか" in text_of(asked)
    assert _labels(asked) == ["INC-0001 の続報として記録する", "新しい報告として受け付ける",
                              "どちらでもない（記録しない）"]
    slack.driver.click(STAFF, asked, "flareup:followup", until=lambda f: bool(f.calls_to("response_url")))
    assert slack.events(first).count("followup") == 1 and slack.incident_ids() == [first]
    assert "INC-0001 の続報として記録し" in _said(slack)
    told = slack.fake.channel_messages(PR_CHANNEL)[before:]
    assert len(told) == 1 and "【続報】INC-0001" in text_of(told[0])  # PR told once, as news
    slack.driver.click(STAFF, asked, "flareup:new", until=lambda f: len(f.calls_to("response_url")) > 1)
    assert slack.events(first).count("followup") == 1 and slack.incident_ids() == [first]  # the buttons work once
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == before + 1


def test_a_new_report_opens_the_second_incident(slack: SlackEnv) -> None:
    first, _ = _second(slack, ANOTHER)
    slack.driver.click(STAFF, _asked(slack), "flareup:new", until=lambda f: len(f.calls_to("chat.postMessage")) > 3)
    assert len(slack.incident_ids()) == 2 and "followup" not in slack.events(first)


def test_neither_takes_the_buttons_place_and_records_nothing(slack: SlackEnv) -> None:
    first, before = _second(slack, "ありがとうございます")
    slack.driver.click(STAFF, _asked(slack), "flareup:none", until=lambda f: bool(f.calls_to("response_url")))
    [said] = slack.fake.calls_to("response_url")
    assert said.args.get("replace_original") and "記録しませんでした" in said.args.get("text", "")
    assert slack.incident_ids() == [first] and "followup" not in slack.events(first)
    assert len(slack.fake.channel_messages(PR_CHANNEL)) == before


def test_a_redelivered_dm_is_asked_once(slack: SlackEnv) -> None:
    slack.driver.post_message(STAFF, FAKE, DM, channel_type="im")
    message, _ = slack.driver.post_message(STAFF, FROZEN, DM, channel_type="im", event_id="Ev_SECOND")
    event = {"type": "message", "channel": DM, "user": STAFF, "text": FROZEN, "ts": message["ts"],
             "channel_type": "im", "event_ts": message["ts"]}
    slack.driver.event(event, event_id="Ev_SECOND", retry_num=1)
    asked = [c for c in slack.fake.calls_to("chat.postEphemeral", user=STAFF)
             if "followup" in str(c.args.get("blocks"))]
    assert len(asked) == 1 and slack.incident_ids() == [1]
