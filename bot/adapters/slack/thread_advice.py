"""Slack's side of advising a report's earlier repliers (bot/delivery/earlier_replies.py): the replies read back
from the thread (nothing of them is stored), the advice posted as ephemerals in it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, is_dm
from bot.adapters.slack.text import slack_id
from bot.delivery.earlier_replies import advice, former_thread, to_advise
from bot.triage.queries import IncidentQueries

# Human posts only: a joined-channel notice or another bot's message is nobody to advise.
_PEOPLES = (None, "file_share", "thread_broadcast")


def advise_earlier_repliers(client: WebClient, queries: IncidentQueries, incident_id: int,
                            t: Callable[..., str]) -> int:
    """The advice to everyone but the reporters who replied in the incident's former public thread; how many."""
    found = former_thread(queries, PLATFORM, incident_id, is_dm)
    if found is None:
        return 0
    view, channel, thread = found
    words, told = advice(view, t), 0
    try:
        for user in to_advise(_repliers(client, channel, thread), (slack_id(user) for user in view.reporters)):
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


__all__ = ["advise_earlier_repliers"]
