"""What a Teams turn says back: a reply in its conversation, a private note, a refusal in words, a delivery plan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.connector import card_activity, split_conversation
from bot.adapters.teams.port import PLATFORM, TeamsPort
from bot.adapters.teams.roster import Roster
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Place
from bot.delivery.delivering import deliver_telling
from bot.delivery.pacing import Job, Pacer
from bot.delivery.refusals import Refusals
from bot.delivery.runner import Runner

log = logging.getLogger("incident_bot.teams")
T = TypeVar("T")
SDK_CONVERSATION_ID_LIMIT = 150  # the SDK's ConversationsOperations cut longer ids in the URLs it builds


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """A core/database call (or a blocking port call) off the event loop."""
    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class Replies:
    """Words for the user (every failure becomes words and a log line) and the plans run after a core call."""

    render: CardRenderer
    port: TeamsPort
    roster: Roster
    pacer: Pacer
    runner: Runner

    def t(self, key: str, **params: Any) -> str:
        return self.render.t(key, **params)

    @property
    def refusals(self) -> Refusals:
        """Failures in words (bot/delivery/refusals.py); the roster explains an outsider's refusal."""
        return Refusals(self.render.catalog, PLATFORM, own_words=lambda exc: self.roster.refusal(exc, self.t))

    def failure(self, exc: BaseException, action: str, incident_id: int | None) -> str:
        """The words for a failed action (and its log line)."""
        return self.refusals.words(exc, action, incident_id)

    async def reply(self, context: TurnContext, *texts: str) -> None:
        """A short message in the conversation of the current turn (failures to say it are only logged)."""
        texts = tuple(dict.fromkeys(t for t in texts if t))
        if texts:
            await self.answer(context, card_activity(self.render.messages(texts), " ".join(texts)))

    async def answer(self, context: TurnContext, activity: Activity) -> None:
        """Send into the current turn's conversation: the SDK's reply, unless the id is longer than the SDK keeps
        in connector URLs (max_conversation_id_length): then the adapter's own call with the full id."""
        conversation = context.activity.conversation.id if context.activity.conversation else ""
        try:
            if len(conversation) <= SDK_CONVERSATION_ID_LIMIT:
                await context.send_activity(activity)
            else:
                await self.port.connector.send(self.port.target(*split_conversation(conversation)), activity)
        except Exception as exc:  # noqa: BLE001 - nothing else to tell it with
            log.error("teams.reply_failed error=%s", getattr(exc, "code", type(exc).__name__))

    def tell(self, user: str, *texts: str) -> None:
        """A private note (the user's personal chat); from a worker thread, failures only logged."""
        texts = tuple(dict.fromkeys(t for t in texts if t))
        if not texts:
            return
        try:
            self.port.post_ephemeral(Place(user), user, c.Texts(texts))
        except Exception as exc:  # noqa: BLE001 - nothing else to tell it with
            log.error("teams.tell_failed error=%s", getattr(exc, "code", type(exc).__name__))

    async def refuse(self, context: TurnContext, user: str, exc: BaseException, action: str,
                     incident_id: int | None = None, *, here: bool = False) -> None:
        """A refusal told privately; `here` (or an outsider, whose personal chat the bot may not reach): in the turn."""
        await self.tell_refusal(context, user, exc, self.failure(exc, action, incident_id), here=here)

    async def tell_refusal(self, context: TurnContext, user: str, exc: BaseException, said: str, *,
                           here: bool = False) -> None:
        """A refusal's words (`said`) told privately; `here` (or an outsider): in the turn."""
        if here or self.roster.refusal(exc, self.t):
            await self.reply(context, said)
        else:
            await off_loop(self.tell, user, said)

    async def deliver(self, steps: plan.Plan, user: str, action: str) -> None:
        """Run a plan after the core call, paced; failures told privately (and on the timeline, by the runner),
        except a storage outage (refusals.py `told`: the core had committed)."""
        if not await off_loop(deliver_telling, self.pacer, self.runner, self.refusals, steps, action,
                              lambda *texts: self.tell(user, *texts)):
            log.warning("teams.delivery_deferred incident_id=%s action=%s", steps.incident_id, action)

    async def submit(self, job: Job, action: str) -> None:
        """Queue work on the pacer (waits for room; left to resume when there is none)."""
        if not await off_loop(self.pacer.submit, job):
            log.warning("teams.delivery_deferred incident_id=%s action=%s", None, action)
