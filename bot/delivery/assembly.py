"""The delivery parts every platform wires alike, built once: where section notices go, the pacer and the runner."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.delivery.content import ChatPort
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner
from bot.delivery.shared import error_recorder
from bot.delivery.unreached import told_unreached
from bot.triage.service import Triage


def notification_channel(restricted: bool, pr_channel: str | None,
                         restricted_channel: str | None) -> str | None:
    """Where section notifications go: the restricted channel for leaks when configured, else PR's."""
    if restricted and restricted_channel:
        return restricted_channel
    return pr_channel


def build_delivery(triage: Triage, port: ChatPort, ledger: Ledger, *, interval: float, max_pending: int,
                   pr_channel: str | None, restricted_channel: str | None, place: Callable[[str], str] = str,
                   spawn: Callable[[Callable[[], None]], object] | None = None,
                   wait: Callable[[float], None] = time.sleep) -> tuple[Pacer, Runner]:
    """The pacer and runner of one platform: one post per `interval` seconds in a conversation, section notices
    by `notification_channel` (`place`: a channel id as the port addresses it), failed posts on the timeline;
    `wait` is how rate limits are waited out (tests record it instead of sleeping); a port that cannot change a
    posted message says so with `edits = False` (what an edit would show is then posted anew)."""
    pacer = Pacer(lambda conversation: interval, max_pending=max_pending, spawn=spawn,
                  name=f"{ledger.platform}-delivery")

    def section(restricted: bool) -> str | None:
        channel = notification_channel(restricted, pr_channel, restricted_channel)
        return place(channel) if channel else None

    runner = Runner(port, ledger, section, error_recorder(triage.incidents, ledger.platform),
                    chain_length=triage.deps.escalation.last_notice, turn=pacer.turn, wait=wait,
                    latest=pacer.latest, edits=getattr(port, "edits", True))
    # A notice refused at report time (the bot removed from PR's channel) is told as a refused re-notice is.
    runner.refused = lambda note, code: told_unreached(runner, triage.catalog, note, code)
    return pacer, runner


__all__ = ["notification_channel", "build_delivery"]
