"""Timeline capture in Teams: the configured reaction on a message of an incident's conversation adds it once.

Teams sends a `messageReaction` activity (reactionsAdded) naming the reacted message by `replyToId`, in the
conversation it belongs to (`19:…;messageid=<thread root>` in a channel). The incident is found as Slack finds
it: by the thread (channel) or by the message itself (the report, or one of the bot's own cards in a chat).
Teams does not send bots the reacted message's text (that takes Microsoft Graph), so the timeline keeps who
captured it, its original time (a Teams message id is its creation time in milliseconds) and a deep link.
Confirmed with one reply in the thread, once per message (a redelivered reaction finds it posted).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from bot.adapters.teams.outbox import Place, TeamsApiError, split_conversation
from bot.adapters.teams.payloads import channel_data
from bot.adapters.teams.roster import observe_sender

if TYPE_CHECKING:
    from microsoft_agents.activity import Activity
    from microsoft_agents.hosting.core import TurnContext

    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")
PLATFORM = "teams"
CONFIRM_PURPOSE = "capture:"
_EARLIEST_MS = 1_420_070_400_000  # 2015-01-01: Teams message ids are creation times in ms since then


@dataclass(frozen=True)
class Capture:
    """A capture reaction, as plain data: the reacted message, where it lives, when it was written."""

    place: Place  # the thread (channel) or chat the message is in: where the confirmation goes
    message_id: str
    at: datetime | None
    link: str | None
    user_id: str
    user_name: str

    @property
    def thread(self) -> str:
        """The id the incident's conversation is stored under: the thread root, or the message in a chat."""
        return self.place.root or self.message_id


def message_time(message_id: str, now: datetime) -> datetime | None:
    """When a Teams message was written, from its id (milliseconds since the epoch); None if it is not one."""
    if not message_id.isdigit():
        return None
    ms = int(message_id)
    if ms < _EARLIEST_MS or ms > now.timestamp() * 1000 + 86_400_000:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def message_link(conversation: str, message_id: str, root: str | None, tenant: str | None) -> str | None:
    """A deep link that opens the message in Teams (channel messages and chats; a bot's personal chat has none)."""
    if not conversation.startswith("19:"):
        return None
    query: dict[str, str] = {}
    if tenant:
        query["tenantId"] = tenant
    if root and "@thread." in conversation:
        query["parentMessageId"] = root
    else:
        query["context"] = '{"contextType":"chat"}'
    path = f"{quote(conversation, safe='')}/{quote(message_id, safe='')}"
    return f"https://teams.microsoft.com/l/message/{path}?" + urlencode(query)


def reaction_types(activity: Activity) -> list[str]:
    """The reaction types added in this activity (e.g. "like", "1f4cc_pushpin")."""
    return [str(getattr(r, "type", None) or (r.get("type") if isinstance(r, dict) else "") or "")
            for r in activity.reactions_added or []]


def parse_capture(activity: Activity, reaction: str, default_service_url: str, now: datetime) -> Capture | None:
    """The capture this activity asks for, or None (another reaction, no message, no user)."""
    if reaction not in reaction_types(activity):
        return None
    sender, conversation = activity.from_property, activity.conversation
    message_id = str(activity.reply_to_id or "")
    if sender is None or not sender.id or conversation is None or not message_id:
        return None
    base, root = split_conversation(conversation.id)
    is_channel = conversation.conversation_type == "channel" or "@thread.tacv2" in base or "@thread.skype" in base
    tenant = conversation.tenant_id or channel_data(activity, "tenant", "id")
    place = Place(base, (root or message_id) if is_channel else None,
                  activity.service_url or default_service_url, tenant)
    return Capture(place, message_id, message_time(message_id, now),
                   message_link(base, message_id, place.root, tenant), sender.id, sender.name or "")


def _incident_of(bot: TeamsBot, capture: Capture) -> int | None:
    queries = bot.runtime.triage.queries
    found = queries.by_conversation(PLATFORM, capture.place.key, capture.thread)
    if found is None and capture.thread != capture.message_id:
        found = queries.by_conversation(PLATFORM, capture.place.key, capture.message_id)
    return found


async def on_reaction(bot: TeamsBot, context: TurnContext) -> None:
    """reactionsAdded: the capture reaction on a message of an incident's conversation -> timeline, confirm once."""
    capture = parse_capture(context.activity, bot.settings.capture_reaction, bot.settings.service_url, bot.now())
    if capture is None:
        return
    handlers, delivery = bot.handlers, bot.delivery
    try:
        incident_id = await delivery.db(_incident_of, bot, capture)
    except Exception as exc:  # the database could not say; nothing to answer in
        log.error("teams.capture_lookup_failed error=%s", type(exc).__name__)
        return
    if incident_id is None:
        return  # not an incident's conversation: reactions elsewhere are none of the bot's business
    await observe_sender(bot, context)
    account = context.activity.from_property
    try:
        actor, triage = bot.actor(account), bot.triage(account)
        text = bot.catalog.t("teams.capture.source", who=actor.display_name) + "\n" + bot.catalog.t(
            "teams.capture.no_text")
        outcome = await delivery.db(lambda: triage.incidents.add_note(
            incident_id, actor, text, key=f"teams-pin:{capture.place.key}:{capture.message_id}",
            at=capture.at, link=capture.link))
        view = outcome.incident
        log.info("teams.captured incident_id=%s duplicate=%s", incident_id, outcome.duplicate)
        said = outcome.messages or ((bot.catalog.t("note.added", ref=view.ref),) if view else ())
        purpose = (CONFIRM_PURPOSE + capture.message_id)[:120]
        await delivery.claimed_post(incident_id, purpose, capture.place, bot.render.messages(said), " ".join(said))
    except TeamsApiError as exc:
        await handlers.failure(exc, "capture", incident_id)  # recorded on the timeline and logged
    except Exception as exc:
        await handlers.say(capture.place, await handlers.failure(exc, "capture", incident_id), context=context)


__all__ = ["Capture", "parse_capture", "on_reaction", "message_time", "message_link", "reaction_types"]
