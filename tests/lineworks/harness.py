"""A whole bot instance for LINE WORKS tests: the real adapter behind the real callback server (waitress),
talking to the local LINE WORKS-compatible API server, on the test database. Delivery jobs run on an
executor the test waits on; rate-limit waits are recorded instead of slept."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import requests

from bot.adapters.lineworks import postback as pb
from bot.adapters.lineworks.app import LineWorksAdapter, build_lineworks_app, lineworks_settings
from bot.adapters.lineworks.server import make_server
from bot.adapters.lineworks.settings import LineWorksCredentials
from bot.adapters.lineworks.signature import sign
from bot.ports import Actor
from bot.triage import lifecycle
from bot.wiring import Runtime
from tests.conftest import PR as CORE_PR
from tests.lineworks.conftest import BOT_ID, BOT_SECRET
from tests.lineworks.fake_lineworks import FakeLineWorks

REPORT_ROOM = "report-room-1"
PR_ROOM = "pr-room-1"
SUMMARY_ROOM = "summary-room-1"
STAFF, PR, OTHER = "staff-0001", "pr-0001", "other-0001"
NAMES = {STAFF: ("山田", "花子"), PR: ("広報", "太郎"), OTHER: ("佐藤", "一郎")}
SETTINGS: dict[str, Any] = {"report_channels": [REPORT_ROOM], "pr_channel": PR_ROOM, "summary_channel": SUMMARY_ROOM,
                            "pr_members": [f"lineworks:{PR}"]}


class Jobs(ThreadPoolExecutor):
    """The delivery executor: real threads, and a way to wait until every job (and what it queued) is done.
    `hold` keeps jobs from running at all, as if the process died before delivering."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="lw-delivery")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()
        self.hold = False

    def spawn(self, fn: Callable[[], None]) -> object:
        if self.hold:
            return None
        future = self.submit(fn)
        with self._lock:
            self._futures.append(future)
        return future

    def drain(self, timeout: float = 30.0) -> None:
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise AssertionError(f"{len(not_done)} delivery job(s) still running after {timeout}s")


@dataclass
class LwEnv:
    """One bot instance under test."""

    runtime: Runtime
    adapter: LineWorksAdapter
    fake: FakeLineWorks
    jobs: Jobs
    url: str
    server: Any
    thread: threading.Thread
    stopping: threading.Event
    waits: list[float] = field(default_factory=list)
    _seq: list[int] = field(default_factory=lambda: [0])

    # -- callbacks ---------------------------------------------------------------------------------------------
    def send(self, body: dict[str, Any] | bytes, *, secret: str = BOT_SECRET) -> requests.Response:
        """A signed callback over HTTP; returns once every delivery it started is done."""
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = requests.post(self.url, data=raw, timeout=30, headers={
            "Content-Type": "application/json; charset=UTF-8", "X-WORKS-Signature": sign(raw, secret),
            "X-WORKS-BotId": BOT_ID})
        self.jobs.drain()
        return response

    def _issued(self) -> str:
        self._seq[0] += 1
        n = self._seq[0]
        return f"2026-11-18T01:{n // 60 % 60:02d}:{n % 60:02d}.{n // 3600:03d}Z"

    @staticmethod
    def _source(user: str, room: str | None) -> dict[str, Any]:
        return {"userId": user, "domainId": 40029600, **({"channelId": room} if room else {})}

    def message(self, user: str, text: str, room: str | None = None) -> dict[str, Any]:
        return {"type": "message", "source": self._source(user, room), "issuedTime": self._issued(),
                "content": {"type": "text", "text": text}}

    def say(self, user: str, text: str, room: str | None = None) -> requests.Response:
        """A member writes to the bot (1:1) or in a room."""
        return self.send(self.message(user, text, room))

    def press(self, user: str, data: str, room: str | None = None) -> requests.Response:
        """A member presses one of our quick replies."""
        return self.send({"type": "postback", "source": self._source(user, room), "issuedTime": self._issued(),
                          "data": data})

    # -- what was sent -------------------------------------------------------------------------------------------
    def to_user(self, user: str) -> list[dict[str, Any]]:
        return self.fake.to("user", user)

    def to_room(self, room: str) -> list[dict[str, Any]]:
        return self.fake.to("channel", room)

    def stop(self) -> None:
        """The instance goes away (its queued deliveries with it)."""
        self.stopping.set()
        self.server.close()
        self.thread.join(timeout=5)
        self.adapter.pacer.close()
        self.jobs.shutdown(wait=True)


def start(runtime: Runtime, credentials: LineWorksCredentials, fake: FakeLineWorks, *,
          hold: bool = False) -> LwEnv:
    """A bot instance on `runtime` (its database), serving callbacks on a free port."""
    jobs = Jobs()
    jobs.hold = hold
    waits: list[float] = []
    adapter = build_lineworks_app(runtime, lineworks_settings(runtime), credentials, wait=waits.append,
                                  spawn=jobs.spawn, post_interval=0)
    server = make_server(adapter.wsgi())
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # closing the socket interrupts waitress' select(); expected only then
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}{adapter.settings.callback_path}"
    return LwEnv(runtime, adapter, fake, jobs, url, server, thread, stopping, waits)


# -- reading messages ------------------------------------------------------------------------------------------
def resolved(lw: LwEnv, report: str) -> int:
    """`report` posted by STAFF in the report room, its incident then resolved by PR; its id."""
    lw.say(STAFF, report, REPORT_ROOM)
    [view] = lw.runtime.triage.queries.list(None)
    lw.runtime.triage.incidents.change_status(view.id, lifecycle.RESOLVED, Actor(CORE_PR, "広報 花子"))
    return view.id


def text_of(content: dict[str, Any]) -> str:
    """Everything a member reads in a content (text, or a card's texts and its altText)."""
    if content.get("type") == "text":
        return str(content["text"])
    found: list[str] = [str(content.get("altText", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                found.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(content.get("contents"))
    return "\n".join(found)


def quick_data(content: dict[str, Any]) -> list[str]:
    """The postback data of a content's quick replies."""
    items = (content.get("quickReply") or {}).get("items") or []
    return [item["action"]["data"] for item in items if item["action"].get("type") == "postback"]


def press_data(content: dict[str, Any], action: str) -> str:
    """The one quick reply of an action (pb.DONE, pb.ACK, …) on a content."""
    [data] = [d for d in quick_data(content) if pb.decode(d).action == action]
    return data


__all__ = ["LwEnv", "Jobs", "start", "text_of", "quick_data", "press_data", "REPORT_ROOM", "PR_ROOM",
           "SUMMARY_ROOM", "STAFF", "PR", "OTHER", "NAMES", "SETTINGS"]
