"""Chatter in a report channel is answered 200 before Bolt's dispatch; everything else still reaches the listeners."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import ELSEWHERE, REPORT, SECRET, STAFF, SlackEnv
from slack_bolt import BoltRequest, BoltResponse
from slack_signing import event_request

from bot.adapters.slack.reports import plain_channel_post
from bot.adapters.slack.text import slack_to_plain, strip_mentions_of
from bot.triage.classifier_model import Thresholds

CHATTER = "おはようございます。今日の会議は10時からです"
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/9"
BOT = "U_BOT"  # the bot user the signed bodies name (slack_signing.event_request)
_ids = itertools.count(1)


def _message(text: str = CHATTER, channel: str = REPORT, **extra: Any) -> dict[str, Any]:
    ts = f"1763000000.{next(_ids):06d}"
    return {"type": "message", "channel": channel, "user": STAFF, "text": text, "ts": ts, "event_ts": ts,
            "channel_type": "channel", **extra}


def _handle(slack: SlackEnv, event: dict[str, Any]) -> tuple[BoltResponse, list[BoltRequest]]:
    """One signed delivery through the HTTP entry (`serve`'s), recording what reached Bolt's dispatch."""
    body, headers = event_request(SECRET, event, f"EvQ{next(_ids):06d}")
    dispatched: list[BoltRequest] = []

    def dispatch(request: BoltRequest) -> BoltResponse:
        dispatched.append(request)
        return slack.adapter.app.dispatch(request)

    response = slack.adapter.gate.handle(dispatch, body.encode("utf-8"), headers)
    slack.executor.drain()
    return response, dispatched


def test_chatter_in_a_report_channel_is_answered_without_bolt(slack: SlackEnv) -> None:
    response, dispatched = _handle(slack, _message())
    assert response.status == 200 and dispatched == []
    assert slack.fake.calls == [] and slack.incident_ids() == []  # not even users.info: no listener ran


def test_chatter_arriving_by_dispatch_is_answered_by_the_gate_middleware(slack: SlackEnv) -> None:
    _, response = slack.driver.post_message(STAFF, CHATTER, REPORT)  # Socket Mode's road: app.dispatch
    assert response.status == 200
    assert not slack.fake.calls_to("users.info") and not slack.fake.calls_to("chat.postEphemeral")


def test_a_report_in_the_channel_still_reaches_the_listeners(slack: SlackEnv) -> None:
    response, dispatched = _handle(slack, _message(FLAMING))
    assert response.status == 200 and len(dispatched) == 1
    assert len(slack.incident_ids()) == 1


def test_an_unsure_post_still_asks_its_poster(slack: SlackEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack.runtime.triage.deps.classifier, "thresholds", Thresholds(report=1.01, chatter=0.0))
    response, dispatched = _handle(slack, _message())
    assert response.status == 200 and len(dispatched) == 1
    assert slack.fake.calls_to("chat.postEphemeral", user=STAFF)


@pytest.mark.parametrize("event", [
    pytest.param(_message(f"<@{BOT}> {CHATTER}"), id="mention"),
    pytest.param(_message(thread_ts="1763000000.000001"), id="thread_reply"),
    pytest.param(_message(subtype="file_share"), id="file_share"),
    pytest.param(_message(subtype="message_changed"), id="edit"),
    pytest.param(_message(channel="D_STAFF", channel_type="im"), id="dm"),
    pytest.param(_message(channel=ELSEWHERE), id="other_channel"),
    pytest.param({**_message(), "bot_id": "B_OTHER"}, id="bot"),
])
def test_anything_but_plain_channel_chatter_goes_through_bolt(slack: SlackEnv, event: dict[str, Any]) -> None:
    response, dispatched = _handle(slack, event)
    assert response.status == 200 and len(dispatched) == 1


def test_direct_message_chatter_is_still_asked_about(slack: SlackEnv) -> None:
    _handle(slack, _message(channel="D_STAFF", channel_type="im"))
    [asked] = slack.fake.calls_to("chat.postEphemeral", user=STAFF)
    assert asked.args["channel"] == "D_STAFF" and "ask_report:" in str(asked.args["blocks"])


def test_a_malformed_chatter_post_is_refused_not_answered(slack: SlackEnv) -> None:
    response, dispatched = _handle(slack, {**_message(), "ts": "not a timestamp"})
    assert response.status == 400 and dispatched == []
    assert slack.adapter.metrics.snapshot()["incident_bot_slack_requests_rejected_total"] == {"malformed": 1}


@pytest.mark.parametrize(("event", "early"), [
    pytest.param(_message(), True, id="plain"),
    pytest.param(_message(f"  {CHATTER}\n"), True, id="spaces"),
    pytest.param(_message("&lt;b&gt; <https://x.com/a|x.com/a> &amp;"), True, id="markup"),
    pytest.param(_message(f"<@{BOT}> {CHATTER}"), False, id="mention"),
    pytest.param(_message(thread_ts="1.1"), False, id="thread"),
    pytest.param(_message(subtype="file_share"), False, id="file_share"),
    pytest.param(_message(channel="D_STAFF", channel_type="im"), False, id="dm"),
    pytest.param(_message(channel=ELSEWHERE), False, id="elsewhere"),
    pytest.param({**_message(), "user": None}, False, id="no_user"),
    pytest.param({**_message(), "text": None}, False, id="no_text"),
])
def test_the_early_answer_reads_a_post_as_the_message_listener_does(slack: SlackEnv, event: dict[str, Any],
                                                                    early: bool) -> None:
    text = plain_channel_post({"type": "event_callback", "event": event}, {REPORT})
    assert (text is not None) is early
    if early:
        origin = slack.adapter.reports.message_origin(event)
        assert origin is not None and origin.source == "channel"
        assert text == slack_to_plain(strip_mentions_of(event["text"], BOT))  # what report_message gives the core
