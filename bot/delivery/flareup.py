"""The private 「再開するか、新しい案件として報告するか」 choice on every platform (a resolved incident's post reported
again): which buttons it has, and what a click does. The adapter draws the buttons its own way and reads a click
back into `answer`, with the reported message's text read back as the ask buttons do (asking.py)."""

from __future__ import annotations

import logging
from typing import Literal

from bot.delivery.asking import Button
from bot.ports import Actor, ConversationRef, Outcome, ReopenOrNew, ReportInput
from bot.triage import lifecycle
from bot.triage.service import Triage

FLAREUP_ACTION = "flareup"  # the action (verb) of both buttons
Choice = Literal["reopen", "new"]
REOPEN: Choice = "reopen"
NEW: Choice = "new"


def choices(choice: ReopenOrNew) -> list[tuple[str, Choice]]:
    """The buttons in order as (label, choice): reopen the resolved incident (for one who may), then report anew."""
    return ([(choice.reopen, REOPEN)] if choice.may_reopen else []) + [(choice.new, NEW)]


def buttons(choice: ReopenOrNew) -> list[Button]:
    """`choices` as buttons, reopening suggested."""
    return [Button(label, picked, picked == REOPEN) for label, picked in choices(choice)]


def answer(triage: Triage, actor: Actor, platform: str, *, choice: str, incident_id: int, text: str, channel: str,
           ts: str, thread: str | None = None, explicit: bool = True,
           conversation: ConversationRef | None = None) -> Outcome:
    """A button clicked: reopen `incident_id` (the access matrix decides; a refusal is recorded and raised), or
    the message at (`channel`, `ts`) reported as a new incident. Keyed by the message, so a second click or a
    redelivery gets the first new incident, not another. `conversation`: where the new incident's conversation is,
    when not the message's thread (LINE WORKS rooms have none)."""
    log = logging.getLogger(f"incident_bot.{platform}")
    if choice == REOPEN:
        outcome = triage.incidents.change_status(incident_id, lifecycle.RESPONDING, actor)
        log.info("%s.flareup_reopened incident_id=%s", platform, incident_id)
        return outcome
    where = conversation or ConversationRef(platform, channel, thread or ts)
    report = ReportInput(text=text, reporter=actor, idempotency_key=f"flareup:{channel}:{ts}", force_new=True,
                         conversation=where, explicit=explicit)
    outcome = triage.incidents.report(report)
    log.info("%s.flareup_new incident_id=%s duplicate=%s", platform,
             outcome.incident.id if outcome.incident else None, outcome.duplicate)
    return outcome


def is_choice(value: object) -> bool:
    """Whether a button's carried choice is one of ours (anything else is tampered or stale)."""
    return value in (REOPEN, NEW)


__all__ = ["FLAREUP_ACTION", "NEW", "REOPEN", "answer", "buttons", "choices", "is_choice"]
