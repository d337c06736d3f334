"""A person's reply in a restricted incident's public thread: told privately to delete it, on every platform."""

# The bot cannot delete someone else's message; the reporter is already advised about her own post (plan.Advise).
# A colleague who answers under it, often quoting the personal data, is advised the same way, privately, and
# nothing of the reply is stored or repeated.

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.ledger import PUBLIC_THREAD
from bot.triage.queries import IncidentQueries


def public_reply_advice(queries: IncidentQueries, platform: str, channel: str, thread: str,
                        t: Callable[..., str]) -> str | None:
    """The words for whoever replied in this public thread when it is a restricted incident's, else None."""
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
    return t("delivery.public_reply_advice", ref=view.ref)


__all__ = ["public_reply_advice"]
