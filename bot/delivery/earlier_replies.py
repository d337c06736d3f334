"""Colleagues who had replied in a report's public thread before it became restricted (a kind corrected to
情報漏えい, a merged leak report, an edit adding personal data): each told privately, once, to delete a reply holding
personal data (the bot cannot), as later repliers are (privacy.py). The rule is the same on every platform; only
where the repliers are read from is the platform's (Slack reads the thread back, Teams notes each reply)."""

# A platform that cannot list a thread's replies notes each reply to an open incident's public thread as it
# arrives: who replied and the reply's id, never its text. The note is kept under the replier's id, not the
# thread, so the move to a private conversation leaves the reply alone.

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from bot.delivery import plan as p
from bot.delivery.content import Place, Texts
from bot.delivery.ledger import PUBLIC_THREAD, Ledger
from bot.delivery.privacy import public_reply_incident
from bot.delivery.runner import Runner
from bot.ports import IncidentView
from bot.triage.queries import IncidentQueries

REPLIER = "thread_reply_from:"  # + the replier's user id: they replied in the incident's public thread
ADVISED = "earlier_reply_advice:"  # + the user id: the advice posted to them (once)
_PURPOSE_LIMIT = 120  # the ledger's purpose column


def moved_private(steps: p.Plan | None) -> bool:
    """Whether a delivered plan took a public conversation private (it happens once: a repeat finds it done)."""
    return steps is not None and any(isinstance(op, p.MovePrivate) for op in steps.ops)


def former_thread(queries: IncidentQueries, platform: str, incident_id: int,
                  is_private: Callable[[str], bool]) -> tuple[IncidentView, str, str] | None:
    """(the restricted incident, channel, thread) of the public thread it was reported in, else None."""
    # Where it was reported (the move may still be under way on a delivery worker: its ledger mark may come later).
    conversation = queries.view(incident_id, None).conversation
    ref = ((conversation.channel, conversation.thread) if conversation and conversation.platform == platform
           else queries.get_ref(incident_id, platform, PUBLIC_THREAD))
    if ref is None or not ref[1] or is_private(ref[0]):
        return None
    channel, thread = ref[0], str(ref[1])
    view = public_reply_incident(queries, platform, channel, thread)
    return None if view is None else (view, channel, thread)


def to_advise(repliers: Iterable[str], reporters: Iterable[str]) -> list[str]:
    """The repliers to advise, each once, in order: not the reporters (advised in their own conversation)."""
    skipped = set(reporters)
    return list(dict.fromkeys(user for user in repliers if user not in skipped))


def advice(view: IncidentView, t: Callable[..., str]) -> str:
    """The words each earlier replier is told."""
    return t("delivery.earlier_reply_advice", ref=view.ref)


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


def advise_noted_repliers(runner: Runner, platform: str, incident_id: int, t: Callable[..., str]) -> int:
    """The advice to everyone noted as a replier but the reporters, each in their chat with the bot, once; how many
    were told. Run once the correction is made: the move itself may still be under way on a delivery worker."""
    log = logging.getLogger(f"incident_bot.{platform}")
    try:
        queries = runner.ledger.queries
        view = queries.view(incident_id, None)
        noted = [user for purpose, user, _ in queries.refs(incident_id, platform) if purpose.startswith(REPLIER)]
    except Exception as exc:  # noqa: BLE001 - the correction is done (its sender is not told it failed); logged
        log.warning("%s.earlier_reply_advice_failed incident_id=%s error=%s", platform, incident_id,
                    type(exc).__name__)
        return 0
    if not view.restricted:
        return 0
    words, told = advice(view, t), 0
    for user in to_advise(noted, view.reporters):
        try:
            told += runner.post_once(incident_id, ADVISED + user, Place(user), Texts((words,)),
                                     p.Plan(incident_id, (), view.severity, "")) is not None
        except Exception as exc:  # noqa: BLE001 - one colleague not reached does not stop the others; logged
            log.warning("%s.earlier_reply_advice_failed incident_id=%s error=%s", platform, incident_id,
                        getattr(exc, "code", type(exc).__name__))
    return told


__all__ = ["ADVISED", "REPLIER", "advice", "advise_noted_repliers", "former_thread", "moved_private", "note_replier",
           "to_advise"]
