"""Colleagues who had replied in a report's public thread before its kind was corrected to 情報漏えい: each told in
their personal chat, once, to delete a reply holding personal data (the bot cannot), as later repliers are."""

# The Bot Connector cannot list a thread's replies (Slack reads them back, thread_advice there), so each reply to
# an open incident's public thread is noted as it arrives: who replied and the reply's id, never its text. The note
# is kept under the replier's id, not the thread, so the move to a private conversation leaves the reply alone.

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.delivery import plan as p
from bot.delivery.content import Place, Texts
from bot.delivery.ledger import Ledger
from bot.delivery.runner import Runner
from bot.triage.queries import IncidentQueries

log = logging.getLogger("incident_bot.teams")

REPLIER = "thread_reply_from:"  # + the replier's user id: they replied in the incident's public thread
ADVISED = "earlier_reply_advice:"  # + the user id: the advice posted to them (once)
_PURPOSE_LIMIT = 120  # the ledger's purpose column


def moved_private(steps: p.Plan | None) -> bool:
    """Whether a delivered plan took a public conversation private (it happens once: a repeat finds it done)."""
    return steps is not None and any(isinstance(op, p.MovePrivate) for op in steps.ops)


def note_replier(queries: IncidentQueries, ledger: Ledger, platform: str, channel: str, thread: str, user: str,
                 reply_id: str) -> bool:
    """Note who replied in an open, unrestricted incident's public thread (where it was reported); whether noted."""
    incident_id = queries.by_conversation(platform, channel, thread)
    if incident_id is None or len(REPLIER + user) > _PURPOSE_LIMIT or len(ADVISED + user) > _PURPOSE_LIMIT:
        return False
    view = queries.view(incident_id, None)
    reported = view.conversation is not None and (view.conversation.channel, view.conversation.thread) == (
        channel, thread)
    if view.restricted or not reported:  # a restricted thread's repliers are advised at once (privacy.py)
        return False
    if ledger.get(incident_id, REPLIER + user) is None:
        ledger.put(incident_id, REPLIER + user, user, reply_id)
    return True


def advise_earlier_repliers(runner: Runner, platform: str, incident_id: int, t: Callable[..., str]) -> int:
    """The advice to everyone noted as a replier but the reporters (advised in their chat); how many were told.
    Run once the correction is made: the move itself may still be under way on a delivery worker."""
    try:
        queries = runner.ledger.queries
        view = queries.view(incident_id, None)
        noted = [user for purpose, user, _ in queries.refs(incident_id, platform) if purpose.startswith(REPLIER)]
    except Exception as exc:  # noqa: BLE001 - the correction is done (its sender is not told it failed); logged
        log.warning("teams.earlier_reply_advice_failed incident_id=%s error=%s", incident_id, type(exc).__name__)
        return 0
    if not view.restricted:
        return 0
    words, told = t("delivery.earlier_reply_advice", ref=view.ref), 0
    for user in (user for user in noted if user not in view.reporters):
        try:
            told += runner.post_once(incident_id, ADVISED + user, Place(user), Texts((words,)),
                                     p.Plan(incident_id, (), view.severity, "")) is not None
        except Exception as exc:  # noqa: BLE001 - one colleague not reached does not stop the others; logged
            log.warning("teams.earlier_reply_advice_failed incident_id=%s error=%s", incident_id,
                        getattr(exc, "code", type(exc).__name__))
    return told


__all__ = ["advise_earlier_repliers", "moved_private", "note_replier"]
