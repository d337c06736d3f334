"""Reports from Teams messages: which messages are reports, and the core call with its delivery plan."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.connector import split_conversation
from bot.adapters.teams.payloads import channel_data
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.text import message_text
from bot.delivery import plan
from bot.delivery.content import Place
from bot.ports import Actor, ConversationRef, Outcome, ReportInput
from bot.presenting import is_help

if TYPE_CHECKING:
    from bot.adapters.teams.handlers import TeamsHandlers

log = logging.getLogger("incident_bot.teams")
Source = Literal["channel", "personal", "mention"]
_AT_NAME = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Origin:
    """Where a report came from: the conversation (and thread root in a channel), the message, the sender."""

    source: Source
    conversation: str
    root: str | None
    activity_id: str
    mentioned: bool
    user: str  # the namespaced user id

    @property
    def thread(self) -> str:
        return self.root or self.activity_id

    def neutral(self, actor: Actor) -> plan.Origin:
        """Where the report was made, as the plan sees it (a personal chat is private, the rest public)."""
        return plan.Origin("message", Place(self.conversation, self.thread), self.user, actor.display_name,
                           public=self.source != "personal")


def bot_names(activity: Activity) -> tuple[str, ...]:
    """The names the bot was @mentioned by in this activity."""
    bot_id = activity.recipient.id if activity.recipient else None
    names: list[str] = []
    for mention in activity.get_mentions():
        if not mention.mentioned or not bot_id or mention.mentioned.id != bot_id:
            continue
        inner = _AT_NAME.search(mention.text or "")
        names += [n for n in (inner.group(1) if inner else None, mention.mentioned.name) if n]
    return tuple(names)


class Reports:
    """Message activities as reports (see the module docstring)."""

    def __init__(self, handlers: TeamsHandlers) -> None:
        self.h = handlers
        self.bot = handlers.bot

    def origin(self, activity: Activity) -> Origin | None:
        """Whether a message is a report, and where: personal chats, report channels' new posts, @mentions."""
        sender, bot = activity.from_property, activity.recipient
        if sender is None or not sender.id or sender.role == "bot" or (bot is not None and sender.id == bot.id):
            return None
        conversation = activity.conversation
        base, root = split_conversation(conversation.id)
        kind = conversation.conversation_type or ("groupChat" if conversation.is_group else "personal")
        mentioned = bool(bot_names(activity))
        activity_id = str(activity.id or "")
        user = self.h.user_id(sender)
        if kind == "personal":
            return Origin("personal", base, None, activity_id, mentioned, user)
        if kind == "channel":
            root = root or activity_id
            top_level = root == activity_id
            channel = channel_data(activity, "channel", "id") or base
            settings = self.bot.settings
            if channel in settings.report_channels or base in settings.report_channels:
                # New posts are reports; replies are conversation (an incident's own thread included).
                return Origin("channel", base, root, activity_id, mentioned, user) if top_level else None
            if not mentioned:
                return None
            if not top_level and self.bot.runtime.triage.queries.by_conversation(PLATFORM, base, root):
                return None  # a mention inside an incident's own thread is conversation, not a new report
            return Origin("mention", base, root, activity_id, mentioned, user)
        if not mentioned:  # group and meeting chats: only what is addressed to the bot
            return None
        return Origin("mention", base, None, activity_id, mentioned, user)

    async def on_message(self, context: TurnContext) -> None:
        """A message: help, or a report (idempotent by the activity id and conversation)."""
        activity = context.activity
        if activity.value is not None and not activity.text:
            return  # a card's submit whose verb is not ours (an old card, another app's data)
        try:
            origin = await self.h.db(self.origin, activity)
        except Exception as exc:  # noqa: BLE001 - the database could not say whether this is an incident's thread
            log.error("teams.origin_failed error=%s", type(exc).__name__)
            return
        if origin is None:
            return
        await self.bot.roster.observe_sender(self.bot.actor, context)  # parity: a report's sender (roster.py)
        self.h.learn(activity)
        text = message_text(activity.text, bot_names(activity))
        if is_help(text) and (origin.source != "channel" or origin.mentioned):
            await self.h.reply(context, self.h.t("teams.help"))
            return
        digest = hashlib.sha256(origin.conversation.encode("utf-8")).hexdigest()[:12]
        key = f"teams:{activity.id}@{digest}"
        try:
            actor, triage = self.h.who(activity.from_property)
            report = ReportInput(text=text, reporter=actor, idempotency_key=key,
                                 conversation=ConversationRef(PLATFORM, origin.conversation, origin.thread),
                                 explicit=origin.source != "channel" or origin.mentioned)
            outcome = await self.h.db(triage.incidents.report, report)
            if outcome.duplicate:  # redelivered (a crash before the answer): finish what the first did not post
                outcome = await self.h.db(triage.incidents.replay_report, report) or outcome
            await self.show(outcome, origin, actor, text, context)
        except Exception as exc:  # noqa: BLE001 - told to the sender, privately when the place is public
            said = self.h.failure(exc, "report", None)
            # An outsider (roster.py) is told where they wrote: the bot may not reach a guest's personal chat.
            if origin.source == "personal" or self.bot.roster.refusal(exc, self.h.t):
                await self.h.reply(context, said)
            else:
                await self.h.db(self.h.tell, origin.user, said)

    async def show(self, outcome: Outcome, origin: Origin, actor: Actor, text: str,
                   context: TurnContext | None = None) -> None:
        """Plan and deliver a report's posts (a new incident's once: claimed, so a retry or resume skips it)."""
        view, answer = outcome.incident, plan.report_answer(outcome, explicit=origin.source != "channel")
        if answer == "ask" and outcome.ask is not None:
            await self.h.asking.show(outcome.ask, origin, text, context)  # only the poster sees the question
            return
        if answer == "tell":
            if context is not None and origin.source == "personal":
                await self.h.reply(context, *outcome.messages)
            else:
                await self.h.db(self.h.tell, origin.user, *outcome.messages)
        if answer != "deliver" or view is None:
            return
        log.info("teams.report incident_id=%s source=%s created=%s merged=%s kind=%s", view.id, origin.source,
                 outcome.created, outcome.merged, view.kind)
        await self.h.deliver(plan.report(outcome, origin.neutral(actor)), origin.user,
                             "merged" if outcome.merged else "report")
