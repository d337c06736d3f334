"""Colleagues who had replied in a report's public thread before its kind was corrected to 情報漏えい: each told
privately, once, to delete a reply holding personal data (the bot cannot), as later repliers are (privacy.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, is_dm
from bot.adapters.slack.text import slack_id
from bot.delivery import plan as p
from bot.delivery.ledger import PUBLIC_THREAD
from bot.delivery.privacy import public_reply_incident
from bot.triage.queries import IncidentQueries

# Human posts only: a joined-channel notice or another bot's message is nobody to advise.
_PEOPLES = (None, "file_share", "thread_broadcast")


def moved_private(steps: p.Plan | None) -> bool:
    """Whether a delivered plan took a public conversation private (it happens once: a repeat finds it done)."""
    return steps is not None and any(isinstance(op, p.MovePrivate) for op in steps.ops)


def advise_earlier_repliers(client: WebClient, queries: IncidentQueries, incident_id: int,
                            t: Callable[..., str]) -> int:
    """The advice to everyone but the reporter (advised in her DM) who replied in the incident's former public
    thread; how many were told. Read from Slack: nothing of the replies is stored."""
    # Where it was reported (the move may still be under way in the outbox: its ledger mark may come later).
    conversation = queries.view(incident_id, None).conversation
    ref = ((conversation.channel, conversation.thread) if conversation and conversation.platform == PLATFORM
           else queries.get_ref(incident_id, PLATFORM, PUBLIC_THREAD))
    if ref is None or not ref[1] or is_dm(ref[0]):
        return 0
    channel, thread = ref[0], str(ref[1])
    view = public_reply_incident(queries, PLATFORM, channel, thread)
    if view is None:
        return 0
    reporters = {slack_id(user) for user in view.reporters}
    words = t("delivery.earlier_reply_advice", ref=view.ref)
    told = 0
    try:
        for user in dict.fromkeys(u for u in _repliers(client, channel, thread) if u not in reporters):
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=words)
            told += 1
    except SlackApiError as exc:  # the move itself is done; a colleague not told is logged, not retried
        log_event(logging.WARNING, "slack.earlier_reply_advice_failed", incident_id=incident_id,
                  error=str(exc.response.get("error")))
    return told


def _repliers(client: WebClient, channel: str, thread: str) -> Iterator[str]:
    cursor = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread, limit=200, cursor=cursor)
        for message in page.get("messages") or []:
            user = message.get("user")
            if (user and message.get("ts") != thread and not message.get("bot_id")
                    and message.get("subtype") in _PEOPLES):
                yield str(user)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


__all__ = ["advise_earlier_repliers", "moved_private"]
