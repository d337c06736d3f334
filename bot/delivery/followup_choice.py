"""The private 「INC-0001 の続報として記録しますか、新しい報告ですか」 choice on every platform (a reporter's next
message in their private chat, bot/triage/followup_choice.py): its buttons, and what a click does. The adapter
draws the buttons its own way and reads a click back into `answer`, with the message's text read back."""

from __future__ import annotations

import logging
from typing import Literal

from bot.delivery.asking import Button
from bot.ports import Actor, ConversationRef, Outcome, ReopenOrNew, ReportInput
from bot.triage import followup_choice
from bot.triage.core import InvalidRequest
from bot.triage.service import Triage

Choice = Literal["followup", "new", "none"]
FOLLOWUP: Choice = "followup"
NEW: Choice = "new"
NEITHER: Choice = "none"  # neither (「ありがとうございます」): nothing recorded


def buttons(choice: ReopenOrNew) -> list[Button]:
    """The follow-up button (suggested), the new report's, then neither's."""
    neither = [Button(choice.neither, NEITHER, False)] if choice.neither is not None else []
    return [Button(choice.reopen, FOLLOWUP, True), Button(choice.new, NEW, False), *neither]


def answer(triage: Triage, actor: Actor, platform: str, *, choice: str, incident_id: int, text: str, channel: str,
           ts: str, thread: str | None = None, conversation: ConversationRef | None = None) -> Outcome:
    """A button clicked: the message at (`channel`, `ts`) recorded as a follow-up on `incident_id`, reported as a
    new incident, or neither. Keyed by the message, so a click after one that recorded it gets the first outcome.
    Only the reporter asked may answer (InvalidRequest otherwise). `conversation`: the message's, when `channel` is
    a short key of it (Teams' chat ids are longer than a key may be)."""
    view = triage.queries.view(incident_id, None)
    if actor.user_id != view.reporter_id:  # the question was hers: another's press must not use up her message
        raise InvalidRequest(triage.deps.catalog.t("report.followup_not_yours", ref=view.ref))
    report = ReportInput(text=text, reporter=actor, idempotency_key=followup_choice.key_of(channel, ts),
                         conversation=conversation or ConversationRef(platform, channel, thread or ts), explicit=True)
    followup = None if choice == NEITHER else choice == FOLLOWUP
    outcome = followup_choice.answered(triage.incidents, incident_id, report, followup=followup)
    logging.getLogger(f"incident_bot.{platform}").info(
        "%s.followup_or_new choice=%s incident_id=%s duplicate=%s", platform, choice,
        outcome.incident.id if outcome.incident else None, outcome.duplicate)
    return outcome


def is_choice(value: object) -> bool:
    """Whether a button's carried choice is one of ours (anything else is tampered or stale)."""
    return value in (FOLLOWUP, NEW, NEITHER)


__all__ = ["FOLLOWUP", "NEITHER", "NEW", "answer", "buttons", "is_choice"]
