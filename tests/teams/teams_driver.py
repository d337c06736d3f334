"""Drive the Teams app like Teams does: real Activity JSON posted to POST /api/messages over HTTP.

`TeamsServer` runs the bot's aiohttp application on its own event loop in a thread (as `incident-bot
teams` does); `TeamsDriver` builds the activities Teams sends (channel posts, personal chat messages,
@mentions, Action.Execute invokes and Action.Submit fallbacks) and posts them. The bot answers through
the fake connector (`fake_connector.py`) it finds at each activity's serviceUrl.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.teams.fake_connector import FakeConnector

BOT = {"id": "28:incident-bot-app", "name": "incident-bot"}
TENANT = "tenant-0000"
TEAM = "19:team-general@thread.tacv2"


@dataclass(frozen=True)
class User:
    id: str  # the Teams user id (29:…)
    aad: str | None
    name: str

    def account(self) -> dict[str, Any]:
        account: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.aad:
            account["aadObjectId"] = self.aad
        return account


@dataclass
class Response:
    status: int
    body: Any


class TeamsServer:
    """The bot's aiohttp app on 127.0.0.1 (port picked by the OS), served from a background event loop."""

    def __init__(self, application: web.Application) -> None:
        self.application = application
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="teams-server", daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> TeamsServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class TeamsDriver:
    """Builds Teams activities and posts them to the bot; every post returns once the bot has finished."""

    def __init__(self, server: TeamsServer, fake: FakeConnector, settle: Callable[[], None] | None = None) -> None:
        self.server = server
        self.fake = fake
        self.settle = settle  # waits until the deliveries an activity queued have run
        self._ids = itertools.count(1)

    def post(self, activity: dict[str, Any], path: str = "/api/messages",
             headers: dict[str, str] | None = None) -> Response:
        request = urllib.request.Request(self.server.url + path, data=json.dumps(activity).encode("utf-8"),
                                         headers={"Content-Type": "application/json", **(headers or {})},
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
                response = Response(answer.status, json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            response = Response(error.code, json.loads(raw) if raw else None)
        if self.settle is not None:
            self.settle()
        return response

    def _base(self, user: User, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "channelId": "msteams", "serviceUrl": self.fake.url, "from": user.account(),
            "recipient": dict(BOT),
            "conversation": {"tenantId": TENANT, **conversation}, "timestamp": "2026-11-18T01:00:00.000Z",
            "locale": "ja-JP", "channelData": {"tenant": {"id": TENANT}},
        }
        activity.update(extra)
        return activity

    @staticmethod
    def _mention_entities(mention: bool) -> list[dict[str, Any]]:
        if not mention:
            return []
        return [{"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": dict(BOT)}]

    def channel_post(self, user: User, text: str, channel: str, *, mention: bool = False,
                     root: str | None = None, activity_id: str | None = None) -> tuple[str, Response]:
        """A post in a channel (a new thread, or a reply under `root`); returns its id and the answer."""
        activity_id = activity_id or self.fake.new_id()
        thread_root = root or activity_id
        body = (f"<at>{BOT['name']}</at> " if mention else "") + text
        thread = {"id": f"{channel};messageid={thread_root}", "conversationType": "channel", "isGroup": True}
        activity = self._base(user, thread,
                              type="message", id=activity_id, text=body, textFormat="plain",
                              entities=self._mention_entities(mention))
        activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": channel}}
        if root:
            activity["replyToId"] = root
        return activity_id, self.post(activity)

    def chat_message(self, user: User, text: str, *, conversation: str | None = None, group: bool = False,
                     mention: bool = False, activity_id: str | None = None) -> tuple[str, Response]:
        """A message in the bot's personal chat with `user` (or a group chat)."""
        activity_id = activity_id or f"1:{next(self._ids)}"
        conversation = conversation or personal_chat(user)
        body = (f"<at>{BOT['name']}</at> " if mention else "") + text
        kind = "groupChat" if group else "personal"
        activity = self._base(user, {"id": conversation, "conversationType": kind, "isGroup": group},
                              type="message", id=activity_id, text=body, textFormat="plain",
                              entities=self._mention_entities(mention))
        return activity_id, self.post(activity)

    def execute(self, user: User, message: dict[str, Any], conversation: str, verb: str,
                values: dict[str, Any] | None = None) -> Response:
        """Action.Execute on a card the bot posted: an adaptiveCard/action invoke, answered directly."""
        action = _action(message, verb)
        data = {**action["data"], **(values or {})}
        activity = self._base(user, _conversation_of(conversation), type="invoke", name="adaptiveCard/action",
                              id=f"f:{next(self._ids)}", replyToId=message["id"],
                              value={"action": {"type": "Action.Execute", "id": f"act-{verb}", "verb": verb,
                                                "data": data}, "trigger": "manual"})
        return self.post(activity)

    def submit(self, user: User, message: dict[str, Any], conversation: str, verb: str,
               values: dict[str, Any] | None = None) -> Response:
        """The Action.Submit fallback: a message activity whose value is the data plus the inputs."""
        fallback = _action(message, verb)["fallback"]
        assert fallback["type"] == "Action.Submit"
        activity = self._base(user, _conversation_of(conversation), type="message", id=f"s:{next(self._ids)}",
                              replyToId=message["id"], value={**fallback["data"], **(values or {})})
        return self.post(activity)

    def file_consent(self, user: User, conversation: str, value: dict[str, Any]) -> Response:
        """The user's answer to a FileConsentCard: a fileConsent/invoke in their personal chat."""
        activity = self._base(user, _conversation_of(conversation), type="invoke", name="fileConsent/invoke",
                              id=f"f:{next(self._ids)}", value=value)
        return self.post(activity)


def personal_chat(user: User) -> str:
    """A personal chat id as long as Teams' can be: longer than the 150 characters the SDK cuts ids to when it
    builds connector URLs (max_conversation_id_length), and than the 120 the database kept before 0005."""
    return "a:1" + (user.id.replace(":", "") * 30)[:177]


def _conversation_of(conversation: str) -> dict[str, Any]:
    if conversation.startswith("19:") and "@thread.tacv2" in conversation:
        return {"id": conversation, "conversationType": "channel", "isGroup": True}
    return {"id": conversation, "conversationType": "personal"}


def _action(message: dict[str, Any], verb: str) -> dict[str, Any]:
    [attachment] = message["attachments"]
    for action in attachment["content"].get("actions") or []:
        if action.get("verb") == verb:
            return action
    raise AssertionError(f"no {verb} action on the card")
