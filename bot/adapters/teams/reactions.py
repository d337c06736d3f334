"""Timeline capture in Teams: the configured reaction on a message of an incident's conversation adds it once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.connector import conversation_key, message_place
from bot.adapters.teams.people import People, user_id
from bot.adapters.teams.port import PLATFORM
from bot.adapters.teams.replies import Replies, off_loop
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import Place
from bot.triage.queries import IncidentQueries

log = logging.getLogger("incident_bot.teams")
CONFIRM_PURPOSE = "capture:"
_EARLIEST_MS = 1_420_070_400_000  # 2015-01-01: Teams message ids are creation times in ms since then


@dataclass(frozen=True)
class Capture:
    """A capture reaction, as plain data: the reacted message, where it lives, when it was written."""

    place: Place  # the thread (channel: its root) or chat the message is in: where the confirmation goes
    message_id: str
    at: datetime | None
    link: str | None

    @property
    def thread(self) -> str:
        """The id the incident's conversation is stored under: the thread root, or the message in a chat."""
        return self.place.thread or self.message_id


def message_time(message_id: str, now: datetime) -> datetime | None:
    """When a Teams message was written, from its id (milliseconds since the epoch); None if it is not one."""
    if not message_id.isdigit():
        return None
    ms = int(message_id)
    if ms < _EARLIEST_MS or ms > now.timestamp() * 1000 + 86_400_000:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def reaction_types(activity: Activity) -> list[str]:
    """The reaction types added in this activity (e.g. "like", "1f4cc_pushpin")."""
    return [reaction.type for reaction in activity.reactions_added or []]  # the SDK's MessageReaction models


def parse_capture(activity: Activity, reaction: str, now: datetime) -> Capture | None:
    """The capture this activity asks for, or None (another reaction, no message, no user)."""
    if reaction not in reaction_types(activity):
        return None
    sender, message_id = activity.from_property, str(activity.reply_to_id or "")
    if sender is None or not sender.id or activity.conversation is None or not message_id:
        return None
    place, link = message_place(activity, message_id)
    return Capture(place, message_id, message_time(message_id, now), link)


def _incident_of(queries: IncidentQueries, capture: Capture) -> int | None:
    found = queries.by_conversation(PLATFORM, capture.place.channel, capture.thread)
    if found is None and capture.thread != capture.message_id:
        found = queries.by_conversation(PLATFORM, capture.place.channel, capture.message_id)
    return found


async def on_reaction(people: People, replies: Replies, reaction: str, context: TurnContext) -> None:
    """reactionsAdded: the capture reaction on a message of an incident's conversation -> timeline, confirm once."""
    base = people.core.base
    capture = parse_capture(context.activity, reaction, base.deps.clock.now())
    if capture is None:
        return
    try:
        incident_id = await off_loop(_incident_of, base.queries, capture)
    except Exception as exc:  # noqa: BLE001 - the database could not say; nothing to answer in
        log.error("teams.capture_lookup_failed error=%s", type(exc).__name__)
        return
    if incident_id is None:
        return  # not an incident's conversation: reactions elsewhere are none of the bot's business
    await people.observe(context)
    people.learn(context.activity)
    account = context.activity.from_property
    user = user_id(account)
    try:
        actor, triage = people.who(account)
        text = replies.t("teams.capture.source", who=actor.display_name) + "\n" + replies.t("teams.capture.no_text")
        outcome = await off_loop(lambda: triage.incidents.add_note(
            incident_id, actor, text, key=f"teams-pin:{conversation_key(capture.place.channel)}:{capture.message_id}",
            at=capture.at, link=capture.link))
    except Exception as exc:  # noqa: BLE001 - told privately (the thread is public), and logged
        await replies.refuse(context, user, exc, "capture", incident_id)
        return
    view = outcome.incident
    log.info("teams.captured incident_id=%s duplicate=%s", incident_id, outcome.duplicate)
    said = outcome.messages or ((replies.t("note.added", ref=view.ref),) if view else ())
    if not said:
        return
    purpose = (CONFIRM_PURPOSE + capture.message_id)[:120]
    confirm = plan.Post(incident_id, purpose, capture.place, c.Texts(tuple(said)))
    await replies.deliver(plan.Plan(incident_id, (confirm,), view.severity if view else "medium", user), user,
                          "capture")


__all__ = ["Capture", "parse_capture", "on_reaction", "message_time", "reaction_types"]
