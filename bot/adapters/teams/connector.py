"""The Bot Connector REST calls (send, update, create a personal chat) with failures as the delivery layer's."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, Attachment
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, ClaimsIdentity
from microsoft_agents.hosting.core.authorization import AuthenticationConstants

from bot.adapters.teams.cards import CARD_CONTENT_TYPE
from bot.adapters.teams.payloads import channel_data
from bot.adapters.teams.settings import TeamsCredentials
from bot.delivery.content import DeliveryError, Place
from bot.presenting import shorten

log = logging.getLogger("incident_bot.teams")
CALL_TIMEOUT = 20.0
WAITED_STATUSES = (429, 503)  # the Bot Connector's throttling answers: waited out after Retry-After
_TEAMS_CHANNEL = re.compile(r"^19:.+@thread\.(tacv2|skype)$")


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """'19:x@thread.tacv2;messageid=123' -> ('19:x@thread.tacv2', '123'); chat ids come back unchanged."""
    base, sep, rest = conversation_id.partition(";messageid=")
    return (base, rest or None) if sep else (conversation_id, None)


def is_channel(conversation: str) -> bool:
    """A team channel (threads exist there); chats (personal, group) have none."""
    return bool(_TEAMS_CHANNEL.match(conversation))


def is_personal(conversation: str) -> bool:
    """The bot's 1:1 chat with a user (channels and group chats start with 19:)."""
    return not conversation.startswith("19:")


def conversation_key(conversation: str) -> str:
    """A short stable name for a conversation (full ids can be longer than an idempotency key may be)."""
    return hashlib.sha256(conversation.encode("utf-8")).hexdigest()[:12]


def message_link(conversation: str, message_id: str, root: str | None = None,
                 tenant: str | None = None) -> str | None:
    """A deep link that opens the message in Teams (channel messages and chats; a bot's personal chat has none)."""
    if not conversation.startswith("19:"):
        return None
    query: dict[str, str] = {}
    if tenant:
        query["tenantId"] = tenant
    if root and is_channel(conversation):
        query["parentMessageId"] = root
    else:
        query["context"] = '{"contextType":"chat"}'
    return f"https://teams.microsoft.com/l/message/{quote(conversation, safe='')}/{quote(message_id, safe='')}?" \
        + urlencode(query)


def message_place(activity: Activity, message_id: str, reply_to: str | None = None) -> tuple[Place, str | None]:
    """Where a message an activity is about lives (in a channel, the thread it starts or replies in) and its link."""
    conversation = activity.conversation
    base, root = split_conversation(conversation.id if conversation else "")
    channel = is_channel(base) or (conversation is not None and conversation.conversation_type == "channel")
    place = Place(base, (reply_to or root or message_id) if channel else None)
    tenant = (conversation.tenant_id if conversation else None) or channel_data(activity, "tenant", "id")
    return place, message_link(base, message_id, place.thread, tenant)


def deep_link(conversation: str, root: str | None, tenant: str | None = None) -> str | None:
    """A link that opens a channel thread in Teams (chats have none that works for everyone)."""
    return message_link(conversation, root, root, tenant) if root and is_channel(conversation) else None


def card_activity(content: dict[str, Any], summary: str) -> Activity:
    """A message carrying one Adaptive Card; `summary` is what notifications and old clients show."""
    return Activity(type=ActivityTypes.message, summary=shorten(summary or " ", 250),
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=content)])


@dataclass(frozen=True)
class Target:
    """Where a Bot Connector call goes: the conversation (a channel thread with its root) and its service URL."""

    conversation: str
    root: str | None
    service_url: str
    tenant: str | None = None  # unused by the calls (the token is the bot's own); roster.py still passes it

    @property
    def address(self) -> str:
        """The conversation id to send to (a channel thread is addressed with ;messageid=)."""
        return f"{self.conversation};messageid={self.root}" if self.root else self.conversation


def delivery_error(exc: BaseException) -> DeliveryError:
    """A connector failure as DeliveryError: 429/503 with their Retry-After (waited out), others as their code."""
    if isinstance(exc, aiohttp.ClientResponseError):
        retry_after = None
        if exc.status in WAITED_STATUSES:
            try:
                retry_after = max(0.0, float((exc.headers or {}).get("Retry-After", "1")))
            except ValueError:
                retry_after = 1.0
        return DeliveryError(str(exc.status), retry_after=retry_after)
    return DeliveryError(type(exc).__name__)


# The full id, URL-quoted: the SDK's conversation operations cut ids at 150 characters and personal chats' are longer.
def _path(conversation: str, *rest: str) -> str:
    return "/".join(["v3/conversations", quote(conversation, safe=":@;="), *(quote(r, safe="") for r in rest)])


class Connector:
    """Bot Connector calls on the SDK's connector client (its token; none when anonymous)."""

    def __init__(self, clients: ChannelServiceClientFactoryBase, credentials: TeamsCredentials) -> None:
        self.clients = clients
        self.credentials = credentials

    def _identity(self) -> ClaimsIdentity:
        if self.credentials.anonymous:
            return ClaimsIdentity()  # no claims: the SDK sends without a token
        app_id = self.credentials.app_id
        return ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: app_id,
                               AuthenticationConstants.APP_ID_CLAIM: app_id})

    async def _request(self, verb: str, service_url: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        identity = self._identity()
        client = await self.clients.create_connector_client(None, identity, service_url,
                                                            AuthenticationConstants.AGENTS_SDK_SCOPE,
                                                            use_anonymous=identity.allow_anonymous)
        try:
            async with client.client.request(verb, path, json=body) as response:  # type: ignore[attr-defined]
                if response.status not in (200, 201, 202):
                    raise aiohttp.ClientResponseError(response.request_info, response.history,
                                                      status=response.status, headers=response.headers)
                text = await response.text("utf-8")
                return dict(await response.json(content_type=None)) if text.strip() else {}
        finally:
            await client.close()

    async def _call(self, verb: str, service_url: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(self._request(verb, service_url, path, body), CALL_TIMEOUT)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise delivery_error(exc) from None

    async def send(self, target: Target, activity: Activity) -> str:
        """A new message in the target; returns its activity id."""
        body = activity.model_dump(by_alias=True, exclude_unset=True, mode="json")
        answer = await self._call("POST", target.service_url, _path(target.address, "activities"), body)
        if not answer.get("id"):
            raise DeliveryError("no_activity_id")
        return str(answer["id"])

    async def update(self, target: Target, activity_id: str, activity: Activity) -> None:
        """Replace a message the bot posted."""
        body = activity.model_copy(update={"id": activity_id}).model_dump(by_alias=True, exclude_unset=True,
                                                                          mode="json")
        await self._call("PUT", target.service_url, _path(target.address, "activities", activity_id), body)

    async def member(self, target: Target, user: str) -> dict[str, Any]:
        """A conversation member as Teams describes them (userRole, tenantId): the roster's lookup (roster.py)."""
        return await self._call("GET", target.service_url, _path(target.conversation, "members", user), None)

    async def personal_chat(self, service_url: str, tenant: str | None, user: str) -> str:
        """The bot's 1:1 conversation with a user (Teams user id 29:… or AAD object id), created if needed."""
        member: dict[str, Any] = {"id": user}
        if not user.startswith(("29:", "8:")):
            member["aadObjectId"] = user
        body: dict[str, Any] = {"isGroup": False, "bot": {"id": self.credentials.app_id or "incident-bot"},
                                "members": [member], "channelData": {"tenant": {"id": tenant}} if tenant else {}}
        if tenant:
            body["tenantId"] = tenant
        answer = await self._call("POST", service_url, "v3/conversations", body)
        if not answer.get("id"):
            raise DeliveryError("no_conversation_id")
        return str(answer["id"])
