"""Events API deliveries through the started inbox (as under `serve`): stored, answered 200 before Bolt runs them,
then run once; the reporter still gets every post; clicks and unstored deliveries are run before the 200."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import REPORT, SECRET, STAFF, SlackEnv
from slack_bolt import BoltRequest, BoltResponse
from slack_signing import event_request
from sqlalchemy import select

from storage.models import InboxDelivery

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/{n}"


@pytest.fixture
def started(slack: SlackEnv) -> Iterator[SlackEnv]:
    slack.adapter.inbox.start()
    yield slack
    slack.adapter.inbox.stop()


def _report(slack: SlackEnv, n: int) -> dict[str, Any]:
    ts = slack.fake.add_message(REPORT, FLAMING.format(n=n), STAFF)["ts"]
    return {"type": "message", "channel": REPORT, "user": STAFF, "text": FLAMING.format(n=n), "ts": ts,
            "event_ts": ts, "channel_type": "channel"}


def _send(slack: SlackEnv, event: dict[str, Any], event_id: str,
          retry: int | None = None) -> tuple[BoltResponse, list[BoltRequest]]:
    body, headers = event_request(SECRET, event, event_id, retry_num=retry)
    dispatched: list[BoltRequest] = []

    def dispatch(request: BoltRequest) -> BoltResponse:
        dispatched.append(request)
        return slack.adapter.app.dispatch(request)

    return slack.adapter.gate.handle(dispatch, body.encode("utf-8"), headers), dispatched


def _stored(slack: SlackEnv) -> list[str]:
    with slack.runtime.engine.connect() as connection:
        return list(connection.execute(select(InboxDelivery.key)).scalars())


def _wait(slack: SlackEnv, what: str, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        slack.executor.drain()
        time.sleep(0.01)


def test_a_report_is_stored_answered_then_run_and_posted(started: SlackEnv) -> None:
    slack = started
    slack.adapter.inbox.stop()  # hold the run back: the answer must not wait for it
    slack.adapter.inbox._running = True  # noqa: SLF001 - accepting, no worker yet
    response, dispatched = _send(slack, _report(slack, 1), "EvInbox1")
    assert response.status == 200 and dispatched == []
    assert _stored(slack) == ["EvInbox1"] and slack.incident_ids() == []
    slack.adapter.inbox.start()  # as after a restart: the stored delivery runs
    _wait(slack, "incident and its PR post", lambda: len(slack.incident_ids()) == 1
          and bool(slack.fake.calls_to("chat.postMessage")))
    _wait(slack, "row deleted", lambda: _stored(slack) == [])


def test_a_slack_retry_of_a_stored_report_makes_one_incident(started: SlackEnv) -> None:
    slack = started
    event = _report(slack, 2)
    for retry in (None, 1, 2):
        response, dispatched = _send(slack, event, "EvInbox2", retry)
        assert response.status == 200 and dispatched == []
    _wait(slack, "run", lambda: len(slack.incident_ids()) == 1 and _stored(slack) == [])
    _send(slack, event, "EvInbox2", 3)  # after the run: stored again, run again, and the core's key holds
    _wait(slack, "run again", lambda: _stored(slack) == [] and slack.adapter.inbox.pending() == 0)
    slack.executor.drain()
    assert len(slack.incident_ids()) == 1


def test_dm_chatter_still_gets_its_question(started: SlackEnv) -> None:
    slack = started
    ts = slack.fake.add_message("D0STAFF01", "おはようございます", STAFF)["ts"]
    event = {"type": "message", "channel": "D0STAFF01", "user": STAFF, "text": "おはようございます", "ts": ts,
             "event_ts": ts, "channel_type": "im"}
    response, dispatched = _send(slack, event, "EvInbox3")
    assert response.status == 200 and dispatched == []
    _wait(slack, "the reply", lambda: bool(slack.fake.calls_to("chat.postEphemeral")
                                           or slack.fake.calls_to("chat.postMessage")))


def test_without_a_started_inbox_deliveries_run_before_the_answer(slack: SlackEnv) -> None:
    response, dispatched = _send(slack, _report(slack, 4), "EvInbox4")
    assert response.status == 200 and len(dispatched) == 1
    assert len(slack.incident_ids()) == 1 and _stored(slack) == []
