"""Timeline capture: the configured reaction adds an incident thread's message to the timeline once, confirmed."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.people import People
from bot.adapters.slack.port import PLATFORM, SlackPort, error_code
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.text import slack_to_plain, ts_to_datetime
from bot.delivery.content import Posted

CONFIRM_REACTION = "white_check_mark"


class Capture:
    """reaction_added -> add_note (idempotent by channel and ts) -> the confirmation reaction."""

    def __init__(self, people: People, replies: Replies, port: SlackPort, reaction: str) -> None:
        self.people = people
        self.replies = replies
        self.port = port
        self.reaction = reaction

    def capture(self, event: dict[str, Any]) -> None:
        """The capture reaction on a message in an incident thread: add it to the timeline once, confirm."""
        item = event.get("item") or {}
        channel, ts, user = item.get("channel", ""), item.get("ts", ""), event.get("user")
        if event.get("reaction") != self.reaction or item.get("type") != "message" or not user:
            return  # not the capture reaction on a message, or nobody said who reacted (never from Slack)
        with self.replies.guard(self.replies.ephemeral(channel, user), "capture"):
            message = self.port.fetch_message(channel, ts)
            if message is None:
                log_event(logging.INFO, "slack.capture_no_message", channel=channel)
                return
            # Who reacted is looked up (users.info) before the core is taken: a guest first seen here is then
            # already an outsider in its policy.
            actor = self.people.actor(user)
            triage = self.people.triage()
            incident_id = triage.queries.by_conversation(PLATFORM, channel, message.get("thread_ts") or ts)
            if incident_id is None:
                return  # not an incident thread: reactions elsewhere are none of the bot's business
            outcome = triage.incidents.add_note(
                incident_id, actor, slack_to_plain(message.get("text")), key=f"pin:{channel}:{ts}",
                at=ts_to_datetime(ts), link=self.port.permalink(Posted(channel, ts)))
            confirmed = any(r.get("name") == CONFIRM_REACTION for r in message.get("reactions") or [])
            if outcome.duplicate and confirmed:
                return
            # A redelivered reaction (a crash before Slack got its 200) still gets its confirmation reaction.
            log_event(logging.INFO, "slack.captured", incident_id=incident_id, channel=channel,
                      duplicate=outcome.duplicate)
            try:
                self.port.client.reactions_add(channel=channel, timestamp=ts, name=CONFIRM_REACTION)
            except SlackApiError as exc:
                if error_code(exc) != "already_reacted":
                    raise
