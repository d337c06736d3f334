"""Slack's side of advising a report's earlier repliers (bot/delivery/earlier_replies.py): the replies read back
from the thread (nothing of them is stored), the advice posted as ephemerals in it; and of a reply that exposes
personal data in an ordinary incident's public thread (bot/delivery/edits.py record_reply)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, is_dm
from bot.adapters.slack.text import slack_id, slack_to_plain
from bot.delivery.content import Place
from bot.delivery.earlier_replies import advice, former_thread, to_advise
from bot.delivery.edits import record_reply, reply_plan
from bot.delivery.privacy import public_reply_incident, reply_purpose
from bot.triage.queries import IncidentQueries

if TYPE_CHECKING:
    from bot.adapters.slack.replies import Reply
    from bot.adapters.slack.reports import Reports

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


def restricted_by_reply(reports: Reports, event: dict[str, Any], reply: Reply) -> bool:
    """A person's reply exposing personal data in an open ordinary incident's public thread: the incident restricted,
    the replier told so privately (once), its plan delivered (the replier advised to delete it); whether it was one."""
    channel, thread, user, ts = event["channel"], event["thread_ts"], event["user"], event.get("ts")
    people, replies = reports.people, reports.replies
    if not isinstance(ts, str) or not ts:  # no id: no key to do it once by
        return False
    replied = record_reply(people.triage(), PLATFORM, channel, thread, ts, people.actor(user),
                           slack_to_plain(event.get("text") or ""))
    if replied is None:
        return False
    if replied.told:  # None on a redelivery: told once
        replies.say(reply, replies.plain(replied.told))
    steps = reply_plan(replied, Place(channel, thread), user, reports.outbox.runner,
                       lambda who: people.actor(who).display_name)
    if steps is not None:
        reports.outbox.deliver(reply, "public_reply", steps)
    return True


def advise_reply_once(reports: Reports, event: dict[str, Any], reply: Reply) -> None:
    """A reply in a restricted incident's public thread: its poster advised privately to delete personal data, once
    per reply (Slack retries an event it got no 200 for in time; a second instance may get it too)."""
    channel, thread, ts = event["channel"], event["thread_ts"], event.get("ts")
    view = public_reply_incident(reports.people.triage().queries, PLATFORM, channel, thread)
    if view is None or not isinstance(ts, str) or not ts:
        return
    ledger, purpose = reports.outbox.runner.ledger, reply_purpose(ts)
    if ledger.claim(view.id, purpose, channel).state not in ("new", "taken_over"):
        return  # advised already (or being advised by another delivery of the same reply)
    replies = reports.replies
    try:
        replies.say(reply, replies.plain(reports.render.t("delivery.public_reply_advice", ref=view.ref)))
    except Exception:
        ledger.drop(view.id, purpose)  # not told: a redelivery tells them
        raise
    ledger.put(view.id, purpose, channel, ts)


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


__all__ = ["advise_earlier_repliers", "restricted_by_reply"]
