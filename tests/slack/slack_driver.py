"""Drive the Slack app like Slack does: signed requests in, effects read back from the fake Web API server.

Two transports share one driver: in-process (`app.dispatch(BoltRequest(...))`, then wait for the listener
executor to finish) and real HTTP (POST to a running `incident-bot serve`, then wait on the fake's record).
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from fake_slack import FakeSlack
from slack_bolt import App, BoltRequest
from slack_signing import command_request, event_request, interactive_request

Predicate = Callable[[FakeSlack], bool]
POST_URL = "https://x.com/asahikawa_fake/status/1234567890"
PREFERRED = {"spread": "large", "press": "no", "personal_data": "no"}


class TrackingExecutor(ThreadPoolExecutor):
    """The listener executor in tests: real threads (ack returns first), and a way to wait for all of them."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="bolt-listener")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:  # type: ignore[override]
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every submitted listener (and any it submitted) has finished."""
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return
            done, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise AssertionError(f"{len(not_done)} listener(s) still running after {timeout}s")


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class DispatchTransport:
    """Requests through the real Bolt app in this process."""

    def __init__(self, app: App, executor: TrackingExecutor) -> None:
        self.app = app
        self.executor = executor

    def send(self, body: str, headers: dict[str, str]) -> Response:
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return Response(response.status, response.body or "")

    def settle(self, fake: FakeSlack, until: Predicate | None) -> None:
        self.executor.drain()
        if until is not None:
            assert until(fake), f"expected effect missing; calls: {[c.method for c in fake.calls]}"


class HttpTransport:
    """Requests over a real socket to a running server (POST /slack/events)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, body: str, headers: dict[str, str]) -> Response:
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return Response(answer.status, answer.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8"))

    def settle(self, fake: FakeSlack, until: Predicate | None) -> None:
        if until is not None:
            fake.wait_for(until, timeout=15)


class SlackDriver:
    """Plays the Slack side: users posting, clicking, submitting modals, reacting."""

    def __init__(self, transport: DispatchTransport | HttpTransport, fake: FakeSlack, secret: str) -> None:
        self.transport = transport
        self.fake = fake
        self.secret = secret
        self._ids = itertools.count(1)

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # -- events --------------------------------------------------------------------------------------------------
    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
              until: Predicate | None = None) -> Response:
        body, headers = event_request(self.secret, event, event_id or self._next("Ev"), retry_num=retry_num)
        response = self.transport.send(body, headers)
        self.transport.settle(self.fake, until)
        return response

    def post_message(self, user: str, text: str, channel: str, *, channel_type: str = "channel",
                     thread_ts: str | None = None, event_id: str | None = None,
                     until: Predicate | None = None) -> tuple[dict[str, Any], Response]:
        """A user posts a message (stored in the fake, as Slack would) and the message event is delivered."""
        message = self.fake.add_message(channel, text, user, thread_ts=thread_ts)
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": message["ts"],
                 "channel_type": channel_type, "event_ts": message["ts"]}
        if thread_ts:
            event["thread_ts"] = thread_ts
        response = self.event(event, event_id=event_id, until=until)
        return message, response

    def react(self, user: str, channel: str, ts: str, name: str = "pushpin",
              until: Predicate | None = None) -> Response:
        return self.event({"type": "reaction_added", "user": user, "reaction": name,
                           "item": {"type": "message", "channel": channel, "ts": ts},
                           "item_user": "U_SOMEONE", "event_ts": self.fake.new_ts()}, until=until)

    # -- interactivity -----------------------------------------------------------------------------------------
    def _interactive(self, payload: dict[str, Any], until: Predicate | None) -> Response:
        body, headers = interactive_request(self.secret, payload)
        response = self.transport.send(body, headers)
        self.transport.settle(self.fake, until)
        return response

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T_TEST"}

    def click(self, user: str, message: dict[str, Any], action_id: str, *, selected: str | None = None,
              until: Predicate | None = None) -> Response:
        """Click a button (or choose in a select) of a message the bot posted."""
        block_id, element = find_element(message, action_id)
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": element["type"],
                                  "action_ts": self.fake.new_ts()}
        if element["type"] == "button":
            action["value"] = element.get("value", "")
        else:
            action["selected_option"] = {"value": selected, "text": {"type": "plain_text", "text": selected}}
        payload = {"type": "block_actions", "user": self._user(user), "api_app_id": "A_TEST", "token": "legacy",
                   "team": {"id": "T_TEST", "domain": "test"}, "trigger_id": self._next("trigger-"),
                   "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                                 "is_ephemeral": False, "thread_ts": message.get("thread_ts")},
                   "channel": {"id": message["channel"], "name": "channel"},
                   "message": message, "response_url": f"{self.fake.url}/hooks/{self._next('act')}",
                   "actions": [action]}
        return self._interactive(payload, until)

    def submit_view(self, user: str, view: dict[str, Any], values: dict[str, Any] | None = None, *,
                    until: Predicate | None = None) -> Response:
        """Submit a modal the bot opened; `values` by input block id (default: valid answers for every input)."""
        values = answers_from_view(view) if values is None else values
        state: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input" or block["block_id"] not in values:
                continue
            element = block["element"]
            value = values[block["block_id"]]
            if element["type"] == "static_select":
                field = {"type": "static_select", "selected_option": {"value": value}}
            else:
                field = {"type": element["type"], "value": value}
            state[block["block_id"]] = {element["action_id"]: field}
        payload = {"type": "view_submission", "team": {"id": "T_TEST", "domain": "test"}, "user": self._user(user),
                   "api_app_id": "A_TEST", "token": "legacy", "trigger_id": self._next("trigger-"),
                   "view": {**view, "state": {"values": state}, "hash": "h"}, "response_urls": []}
        return self._interactive(payload, until)

    def shortcut(self, user: str, message: dict[str, Any], until: Predicate | None = None) -> Response:
        """The message shortcut "インシデントとして報告" on a message."""
        payload = {"type": "message_action", "callback_id": "report_incident", "trigger_id": self._next("trigger-"),
                   "response_url": f"{self.fake.url}/hooks/{self._next('sc')}", "team": {"id": "T_TEST"},
                   "channel": {"id": message["channel"], "name": "channel"}, "user": self._user(user),
                   "message": {k: v for k, v in message.items() if k != "channel"}, "message_ts": message["ts"],
                   "action_ts": self.fake.new_ts(), "token": "legacy"}
        return self._interactive(payload, until)

    def slash(self, user: str, text: str, channel: str, *, command: str = "/incident",
              until: Predicate | None = None) -> Response:
        body, headers = command_request(self.secret, {
            "token": "legacy", "team_id": "T_TEST", "team_domain": "test", "channel_id": channel,
            "channel_name": "channel", "user_id": user, "user_name": user.lower(), "command": command,
            "text": text, "api_app_id": "A_TEST", "response_url": f"{self.fake.url}/hooks/{self._next('cmd')}",
            "trigger_id": self._next("trigger-")})
        response = self.transport.send(body, headers)
        self.transport.settle(self.fake, until)
        return response


# -- reading what the bot posted ---------------------------------------------------------------------------------
def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(message.get("blocks") or [])


def action_ids(message: dict[str, Any]) -> list[str]:
    return [e.get("action_id", "") for b in blocks_of(message) if b.get("type") == "actions"
            for e in b.get("elements", [])]


def find_element(message: dict[str, Any], action_id: str) -> tuple[str, dict[str, Any]]:
    for block in blocks_of(message):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return block.get("block_id", ""), element
    raise AssertionError(f"no {action_id} control in message {message.get('ts')}: {action_ids(message)}")


def text_of(message: dict[str, Any]) -> str:
    """All visible text of a message (fallback text and every block's text)."""
    return message.get("text", "") + "\n" + json.dumps(blocks_of(message), ensure_ascii=False)


def step_messages(fake: FakeSlack, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """Messages of a thread that are (or were) step messages."""
    return [m for m in fake.thread_messages(channel, thread_ts)
            if any(b.get("block_id") == "heading" for b in blocks_of(m))]


def pending_step(fake: FakeSlack, channel: str, thread_ts: str) -> dict[str, Any] | None:
    """The step message still showing buttons, if any."""
    pending = [m for m in fake.thread_messages(channel, thread_ts)
               if any(str(b.get("block_id", "")).startswith("step|") for b in blocks_of(m))]
    assert len(pending) <= 1, f"{len(pending)} step messages with buttons at once"
    return pending[0] if pending else None


def answers_from_view(view: dict[str, Any]) -> dict[str, str]:
    """Valid answers for every input of a modal, chosen from the modal itself."""
    answers: dict[str, str] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element, input_id = block["element"], block["block_id"].split(":", 1)[-1]
        if element["type"] == "static_select":
            values = [o["value"] for o in element.get("options", [])]
            answers[block["block_id"]] = PREFERRED.get(input_id) if PREFERRED.get(input_id) in values else values[0]
        elif element["type"] == "url_text_input":
            answers[block["block_id"]] = POST_URL
        else:
            answers[block["block_id"]] = f"テスト入力（{input_id}）"
    return answers


def walk_steps(driver: SlackDriver, user: str, channel: str, thread_ts: str, max_steps: int = 20) -> list[str]:
    """Finish every step from the thread, using the inputs modal when a step has inputs; returns step headings."""
    fake = driver.fake
    done: list[str] = []
    for _ in range(max_steps):
        message = pending_step(fake, channel, thread_ts)
        if message is None:
            return done
        key = (message["channel"], message["ts"])
        before = len(fake.thread_messages(channel, thread_ts))

        def advanced(f: FakeSlack, key: tuple[str, str] = key, before: int = before) -> bool:
            current = f.messages[key]
            closed = not any(str(b.get("block_id", "")).startswith("step|") for b in blocks_of(current))
            return closed and len(f.thread_messages(channel, thread_ts)) > before

        done.append(blocks_of(message)[0]["text"]["text"])
        if "step_input" in action_ids(message):
            opened = len(fake.views)
            driver.click(user, message, "step_input", until=lambda f, opened=opened: len(f.views) > opened)
            response = driver.submit_view(user, fake.views[-1], until=advanced)
            assert response.status == 200 and not response.body, response.body
        else:
            driver.click(user, message, "step_done", until=advanced)
    raise AssertionError(f"still steps after {max_steps}")
