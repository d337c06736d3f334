"""A local Bot Connector service for tests: real HTTP on 127.0.0.1, every call recorded.

Activities sent to the bot carry `serviceUrl = fake.url`; the SDK's connector client then calls this
server: POST /v3/conversations/{id}/activities (a new message), POST …/activities/{activityId} (a reply),
PUT …/activities/{activityId} (an update), POST /v3/conversations (a new conversation). Messages are kept
so updates replace them like Teams does. `fail("send", 429, times=1)` answers the next sends with an error
(429 and 503 with Retry-After: 0).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse


@dataclass
class Call:
    """One recorded request: send / reply / update / create, the conversation, the activity id, the body."""

    method: str
    conversation: str
    activity_id: str | None
    body: dict[str, Any]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


class FakeConnector:
    """The Bot Connector REST calls the SDK makes, with recorded calls and injectable failures."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        # activity id -> {"conversation", "activity", "updates", "seq"}
        self.messages: dict[str, dict[str, Any]] = {}
        self.chats: dict[str, str] = {}  # member id -> personal chat created for it
        self._failures: dict[str, list[int]] = {}
        self._removed: set[str] = set()  # conversations the bot was removed from (remove_bot)
        # parity: GET …/members/{user} answers (roster.py); a user not listed is an ordinary member
        self.members: dict[str, dict[str, Any]] = {}
        self.lookups: list[Call] = []  # member lookups: reads, kept apart from `calls` (what the bot sent)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-connector", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeConnector:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test controls and queries ---------------------------------------------------------------------------
    def fail(self, method: str, status: int, times: int = 1) -> None:
        """Answer the next `times` calls of `method` (send, reply, update, member) with HTTP `status`."""
        with self._lock:
            self._failures.setdefault(method, []).extend([status] * times)

    def remove_bot(self, conversation: str) -> None:
        """The bot was removed from a team's channel: every later send or reply there answers 403."""
        with self._lock:
            self._removed.add(conversation)

    def forget(self, activity_id: str) -> None:
        """As if the activity had never been sent (the state a crash between claiming and sending leaves)."""
        with self._lock:
            self.messages.pop(activity_id, None)

    def new_id(self) -> str:
        """A message id like Teams' (milliseconds since the epoch, unique here)."""
        return str(1_763_427_600_000 + next(self._ids))

    def calls_to(self, method: str, ok_only: bool = True, **where: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and (not ok_only or c.status < 300)
                and all(getattr(c, k) == v for k, v in where.items())]

    def posts_to(self, conversation: str) -> list[dict[str, Any]]:
        """Messages the bot posted to a conversation id (exactly as addressed), oldest first."""
        with self._lock:
            found = [m for m in self.messages.values() if m["conversation"] == conversation]
        return [copy.deepcopy(m["activity"]) for m in sorted(found, key=lambda m: m["seq"])]

    def thread(self, channel: str, root: str) -> list[dict[str, Any]]:
        """The bot's replies in a channel thread."""
        return self.posts_to(f"{channel};messageid={root}")

    def message(self, activity_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.messages[activity_id]["activity"])

    def updates_of(self, activity_id: str) -> int:
        with self._lock:
            return int(self.messages[activity_id]["updates"])

    def all_text(self) -> str:
        """Everything the bot sent, as JSON text (for "never leaked" checks)."""
        with self._lock:
            return json.dumps([c.body for c in self.calls], ensure_ascii=False)

    # -- server ----------------------------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            (self.lookups if call.method == "member" else self.calls).append(call)

    def _take_failure(self, method: str) -> int | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    def _answer(self, method: str, conversation: str, activity_id: str | None, body: dict[str, Any]
                ) -> tuple[int, dict[str, Any], dict[str, str]]:
        failure = self._take_failure(method)
        with self._lock:
            if method in ("send", "reply") and conversation.split(";")[0] in self._removed:
                failure = 403
        if failure is not None:
            headers = {"Retry-After": "0"} if failure in (429, 503) else {}
            return failure, {"error": {"code": "Failed", "message": f"injected {failure}"}}, headers
        if method in ("send", "reply"):
            new_id = self.new_id()
            with self._lock:
                stored = dict(body, id=new_id)
                if method == "reply":
                    stored["replyToId"] = activity_id
                self.messages[new_id] = {"conversation": conversation, "activity": stored, "updates": 0,
                                         "seq": len(self.messages)}
            return 200, {"id": new_id}, {}
        if method == "update":
            with self._lock:
                if activity_id not in self.messages:
                    return 404, {"error": {"code": "NotFound", "message": "no such activity"}}, {}
                entry = self.messages[activity_id]
                entry["activity"] = dict(body, id=activity_id)
                entry["updates"] += 1
            return 200, {"id": activity_id}, {}
        if method == "member":
            with self._lock:
                member = self.members.get(activity_id or "", {"id": activity_id, "userRole": "user"})
            return 200, dict(member), {}
        if method == "create":
            members = body.get("members") or [{}]
            with self._lock:  # one personal chat per user, as Teams answers (ids longer than 150 characters)
                conversation_id = self.chats.setdefault(str(members[0].get("id")),
                                                        f"a:created-{next(self._ids)}-" + "x" * 160)
            return 200, {"id": conversation_id}, {}
        return 404, {"error": {"code": "BadArgument", "message": "unknown route"}}, {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                raw = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def _route(self, verb: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
                method, conversation, activity_id = "unknown", "", None
                if parts[:2] == ["v3", "conversations"]:
                    if len(parts) == 2 and verb == "POST":
                        method = "create"
                    elif len(parts) == 4 and parts[3] == "activities" and verb == "POST":
                        method, conversation = "send", parts[2]
                    elif len(parts) == 5 and parts[3] == "members" and verb == "GET":  # parity: roster.py
                        method, conversation, activity_id = "member", parts[2], parts[4]
                    elif len(parts) == 5 and parts[3] == "activities":
                        method = {"POST": "reply", "PUT": "update"}.get(verb, "unknown")
                        conversation, activity_id = parts[2], parts[4]
                status, answer, headers = fake._answer(method, conversation, activity_id, body)
                fake._record(Call(method, conversation, activity_id, body, status,
                                  {k.lower(): v for k, v in self.headers.items()}))
                self._send(status, answer, headers)

            def do_POST(self) -> None:
                self._route("POST")

            def do_PUT(self) -> None:
                self._route("PUT")

            def do_GET(self) -> None:  # parity: the member lookup (roster.py)
                self._route("GET")

        return Handler


# -- reading cards -------------------------------------------------------------------------------------------
def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card a message carries."""
    [attachment] = activity.get("attachments") or [{}]
    assert attachment.get("contentType") == "application/vnd.microsoft.card.adaptive", attachment
    return attachment["content"]


def _walk(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for element in elements:
        found.append(element)
        found += _walk(element.get("items") or [])
    return found


def card_text(activity: dict[str, Any]) -> str:
    """The card's visible text, markdown escapes removed (what a person reads)."""
    parts: list[str] = []
    for element in _walk(card_of(activity).get("body") or []):
        if element.get("type") == "TextBlock":
            parts.append(element["text"])
        if element.get("type") == "FactSet":
            parts += [f"{f['title']}: {f['value']}" for f in element["facts"]]
    text = "\n".join(parts)
    for ch in "\\`*_{}[]()#+-.!|~>&=":
        text = text.replace("\\" + ch, ch)
    return text.replace("\u200b", "")


def card_actions(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions of a message's Adaptive Card (none for a message without one: file consent cards, text)."""
    attachments = activity.get("attachments") or []
    if len(attachments) != 1 or attachments[0].get("contentType") != "application/vnd.microsoft.card.adaptive":
        return []
    return list(card_of(activity).get("actions") or [])


def verbs(activity: dict[str, Any]) -> list[str]:
    """The Action.Execute verbs of a card, in order."""
    return [a["verb"] for a in card_actions(activity) if a.get("type") == "Action.Execute"]


def inputs(activity: dict[str, Any]) -> list[dict[str, Any]]:
    body = card_of(activity).get("body") or []
    return [e for e in _walk(body) if str(e.get("type", "")).startswith("Input.")]


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
