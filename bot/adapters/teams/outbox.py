"""The Bot Connector end of the Teams adapter: places (conversation + thread), card activities, and the outbox
that sends and updates them with retries on 429/5xx."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)
from microsoft_agents.hosting.core import ChannelServiceAdapter, ClaimsIdentity, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.adapters.teams.cards import CARD_CONTENT_TYPE
from bot.adapters.teams.settings import TeamsCredentials
from bot.adapters.teams.text import truncate

log = logging.getLogger("incident_bot.teams")
CHANNEL_ID = "msteams"
REF_LIMIT = 120  # the platform_refs column width
KEY_PREFIX = "sha256:"
CALL_TIMEOUT = 20.0
RETRIES = 2
T = TypeVar("T")
_TEAMS_CHANNEL = re.compile(r"^19:.+@thread\.(tacv2|skype)$")


class TeamsApiError(Exception):
    """A Bot Connector call failed (after retries); `code` is the HTTP status or the error's kind."""

    def __init__(self, action: str, code: str) -> None:
        super().__init__(f"Teams {action} failed: {code}")
        self.action = action
        self.code = code


def api_error(action: str, exc: BaseException) -> TeamsApiError:
    """A connector failure as TeamsApiError: the HTTP status when there is one, else the error's kind."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return TeamsApiError(action, str(exc.status))
    return TeamsApiError(action, type(exc).__name__)


def conversation_key(conversation_id: str) -> str:
    """The conversation id as stored (refs and incidents hold 120 characters): itself, or a digest."""
    if len(conversation_id) <= REF_LIMIT and not conversation_id.startswith(KEY_PREFIX):
        return conversation_id
    return KEY_PREFIX + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Place:
    """A Teams conversation to post into: the conversation, and in a channel the thread's root message."""

    conversation: str  # the base conversation id (a channel id, a chat id) without ;messageid=
    root: str | None  # the thread root message id in a channel; None in chats
    service_url: str
    tenant: str | None = None

    @property
    def target(self) -> str:
        """The conversation id to send to (a channel thread is addressed with ;messageid=)."""
        return f"{self.conversation};messageid={self.root}" if self.root else self.conversation

    @property
    def key(self) -> str:
        return conversation_key(self.conversation)

    @property
    def is_channel(self) -> bool:
        return self.root is not None

    def deep_link(self) -> str | None:
        """A link that opens the channel thread in Teams (chats have none that works for everyone)."""
        if not self.root or not _TEAMS_CHANNEL.match(self.conversation):
            return None
        query = {"parentMessageId": self.root}
        if self.tenant:
            query["tenantId"] = self.tenant
        path = f"{quote(self.conversation, safe='')}/{quote(self.root)}"
        return f"https://teams.microsoft.com/l/message/{path}?" + urlencode(query)


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """'19:x@thread.tacv2;messageid=123' -> ('19:x@thread.tacv2', '123'); chat ids come back unchanged."""
    base, sep, rest = conversation_id.partition(";messageid=")
    return (base, rest or None) if sep else (conversation_id, None)


def card_activity(content: dict[str, Any], summary: str) -> Activity:
    """A message carrying one Adaptive Card; `summary` is what notifications and old clients show."""
    return Activity(type=ActivityTypes.message, summary=truncate(summary or " ", 250),
                    attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=content)])


class Outbox:
    """Sends and updates activities through the Bot Connector of a service URL, with retries on 429/5xx.

    Each call runs as a proactive turn on the SDK adapter (`continue_conversation_with_claims`), which
    creates the connector client with the bot's token (or none in anonymous mode); then the connector's
    REST call is made directly: POST /v3/conversations/{id}/activities, PUT …/activities/{activityId}.
    """

    def __init__(self, adapter: ChannelServiceAdapter, credentials: TeamsCredentials,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.adapter = adapter
        self.credentials = credentials
        self.sleep = sleep  # tests replace it

    def _identity(self) -> ClaimsIdentity:
        if self.credentials.anonymous:
            return ClaimsIdentity()  # no claims: the SDK sends without a token
        app_id = self.credentials.app_id
        return ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: app_id,
                               AuthenticationConstants.APP_ID_CLAIM: app_id})

    async def _with_connector(self, service_url: str, conversation: str, tenant: str | None,
                              work: Callable[[ConnectorClientBase], Awaitable[T]]) -> T:
        reference = ConversationReference(
            channel_id=CHANNEL_ID, service_url=service_url,
            agent=ChannelAccount(id=self.credentials.app_id or "incident-bot"),
            conversation=ConversationAccount(id=conversation, tenant_id=tenant))
        continuation = reference.get_continuation_activity()
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                client = context.services.get(ConnectorClientBase)
                outcome["result"] = await work(client)
            except BaseException as exc:  # re-raised below: the adapter's pipeline would swallow it
                outcome["error"] = exc

        await self.adapter.continue_conversation_with_claims(self._identity(), continuation, callback,
                                                             AuthenticationConstants.AGENTS_SDK_SCOPE)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]  # type: ignore[no-any-return]

    async def _call(self, action: str, service_url: str, conversation: str, tenant: str | None,
                    work: Callable[[ConnectorClientBase], Awaitable[T]]) -> T:
        for attempt in range(RETRIES + 1):
            try:
                return await asyncio.wait_for(self._with_connector(service_url, conversation, tenant, work),
                                              CALL_TIMEOUT)
            except aiohttp.ClientResponseError as exc:
                retryable = exc.status == 429 or exc.status >= 500
                if not retryable or attempt == RETRIES:
                    raise api_error(action, exc) from exc
                await self.sleep(_retry_after(exc, attempt))
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                if attempt == RETRIES:
                    raise api_error(action, exc) from exc
                await self.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def send(self, place: Place, activity: Activity) -> str:
        """A new message in the place; returns its activity id."""
        async def work(client: ConnectorClientBase) -> str:
            response = await client.conversations.send_to_conversation(place.target, activity)
            return str(response.id or "")
        activity_id = await self._call("send", place.service_url, place.target, place.tenant, work)
        if not activity_id:
            raise TeamsApiError("send", "no_activity_id")
        return activity_id

    async def update(self, place: Place, activity_id: str, activity: Activity) -> None:
        """Replace a message the bot posted."""
        update = activity.model_copy(update={"id": activity_id})

        async def work(client: ConnectorClientBase) -> None:
            await client.conversations.update_activity(place.target, activity_id, update)
        await self._call("update", place.service_url, place.target, place.tenant, work)


def _retry_after(exc: aiohttp.ClientResponseError, attempt: int) -> float:
    try:
        value = float((exc.headers or {}).get("Retry-After", ""))
    except ValueError:
        value = 1.0 * (attempt + 1)
    return max(0.0, min(value, 10.0))
