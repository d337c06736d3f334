"""A person's reply in a restricted incident's public thread: told privately to delete it, on every platform."""

# The bot cannot delete someone else's message; the reporter is already advised about her own post (plan.Advise).
# A colleague who answers under it, often quoting the personal data, is advised the same way, privately, and
# nothing of the reply is stored or repeated.

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bot.delivery.ledger import PUBLIC_THREAD
from bot.ports import IncidentView
from bot.triage.queries import IncidentQueries

PUBLIC_REPLY = "public_reply"  # public_reply:<message id>: the advice about that reply, posted once
_PURPOSE_LIMIT = 120  # the ledger's purpose column


def public_reply_incident(queries: IncidentQueries, platform: str, channel: str, thread: str) -> IncidentView | None:
    """The restricted incident whose public thread this is (where it was reported in public), else None."""
    incident_id = queries.by_conversation(platform, channel, thread)  # also finds the bot's own posts' threads
    if incident_id is None:
        return None
    view = queries.view(incident_id, None)
    if not view.restricted:
        return None
    # Only where it was reported in public: the threads of its notices are PR's (or the restricted channel's).
    reported = view.conversation is not None and (view.conversation.channel, view.conversation.thread) == (
        channel, thread)
    if not reported and queries.get_ref(incident_id, platform, PUBLIC_THREAD) != (channel, thread):
        return None
    return view


def public_reply_advice(queries: IncidentQueries, platform: str, channel: str, thread: str,
                        t: Callable[..., str]) -> str | None:
    """The words for whoever replied in this public thread when it is a restricted incident's, else None."""
    view = public_reply_incident(queries, platform, channel, thread)
    return None if view is None else t("delivery.public_reply_advice", ref=view.ref)


def reply_purpose(message_id: str) -> str:
    """The ledger purpose of the advice about one reply (a long id is hashed to fit the column)."""
    purpose = f"{PUBLIC_REPLY}:{message_id}"
    if len(purpose) <= _PURPOSE_LIMIT:
        return purpose
    return f"{PUBLIC_REPLY}:#{hashlib.sha256(message_id.encode('utf-8')).hexdigest()[:32]}"


__all__ = ["PUBLIC_REPLY", "public_reply_advice", "public_reply_incident", "reply_purpose"]
