"""A reported message edited (message_changed) or deleted (message_deleted): recorded (bot/delivery/edits.py)."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.outbox import Outbox
from bot.adapters.slack.people import People
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.render import Renderer
from bot.adapters.slack.replies import Replies, Reply
from bot.adapters.slack.text import slack_to_plain
from bot.adapters.slack.thread_advice import advise_earlier_repliers
from bot.delivery.content import Place
from bot.delivery.edits import (
    Edited,
    advises_earlier_repliers,
    edit_key,
    record_deletion,
    record_edit,
    reported_incident,
    restricted_edit_plan,
)


def _human(message: Any) -> dict[str, Any] | None:
    """A person's message inside an edit or deletion event; None for a bot's or a malformed one."""
    if (not isinstance(message, dict) or message.get("bot_id") or message.get("subtype")
            or not isinstance(message.get("user"), str) or not isinstance(message.get("ts"), str)):
        return None
    return message


class Edits:
    """message_changed / message_deleted of a reported message -> a note on its incident's timeline; an edited post
    that reported nothing is handed back to be read as a post."""

    def __init__(self, people: People, replies: Replies, render: Renderer, outbox: Outbox) -> None:
        self.people = people
        self.replies = replies
        self.render = render
        self.outbox = outbox

    def handle(self, event: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
        """An edit or deletion event; anything but a person's top-level message is left alone. Returns the edited
        post as a message event, and a key for it, when it had reported nothing: the caller reads it as a post."""
        channel = event.get("channel") or ""
        if event.get("subtype") == "message_changed":
            message = _human(event.get("message"))
            edited = message.get("edited") if message else None
            if message is None or not isinstance(edited, dict) or "thread_ts" in message and (
                    message["thread_ts"] != message["ts"]):
                return None  # not a person's edit of a top-level message (a reply is conversation)
            reply = self.replies.ephemeral(channel, message["user"], message["ts"])
            edited_at = str(edited.get("ts") or "")
            with self.replies.guard(reply, "report_edited"):
                triage = self.people.triage()
                if reported_incident(triage.queries, PLATFORM, channel, message["ts"]) is None:
                    post = {"type": "message", "channel": channel, "user": message["user"],
                            "text": message.get("text") or "", "ts": message["ts"],
                            "channel_type": event.get("channel_type")}
                    return post, edit_key(PLATFORM, channel, message["ts"], edited_at)
                edited = record_edit(triage, PLATFORM, channel, message["ts"], self.people.actor(message["user"]),
                                     slack_to_plain(message.get("text")), edited_at=edited_at, t=self.render.t)
                if edited is not None and edited.told is not None:
                    self.replies.say(reply, self.replies.plain(edited.told))
                if edited is not None:
                    self.restricted(edited, reply, Place(channel, message["ts"]), message["user"])
        elif event.get("subtype") == "message_deleted":
            message = _human(event.get("previous_message"))
            if message is None or event.get("deleted_ts") != message["ts"]:
                return
            with self.replies.guard(self.replies.ephemeral(channel, message["user"]), "report_deleted"):
                record_deletion(self.people.triage(), PLATFORM, channel, message["ts"],
                                self.people.actor(message["user"]), self.render.t)
        return None

    def restricted(self, edited: Edited, reply: Reply, place: Place, user: str) -> None:
        """An edit that restricted its incident: its plan delivered, then the earlier repliers advised."""
        steps = restricted_edit_plan(edited, place, user, self.outbox.runner,
                                     lambda who: self.people.actor(who).display_name)
        if steps is None:
            return
        self.outbox.deliver(reply, "report_edited", steps)
        if advises_earlier_repliers(steps, edited):
            advise_earlier_repliers(self.replies.client, self.people.triage().queries, steps.incident_id,
                                    self.render.t)
