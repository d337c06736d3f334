"""The private 「インシデントとして報告しますか？」 question on every platform: which buttons it has, and what an
answer does. The adapter draws the buttons its own way and reads a click back into `answer`."""

from __future__ import annotations

import logging
from typing import NamedTuple

from bot.ports import Actor, AskIfReport, ConversationRef, Outcome, ReportInput
from bot.triage.service import Triage

ASK_ACTION = "ask_report"  # the action (verb) of every button of the question
DECLINE = ""  # the kind a 「報告ではない」 button carries


def choices(ask: AskIfReport) -> list[tuple[str, str]]:
    """The buttons in order as (label, kind): one per likely kind, then 「報告ではない」 (DECLINE) when offered."""
    buttons = [(choice.label, choice.kind) for choice in ask.choices]
    return buttons + ([(ask.decline, DECLINE)] if ask.decline is not None else [])


class Button(NamedTuple):
    """One answer button: its label, the value it carries, and whether it is the suggested answer (drawn emphasised)."""

    label: str
    value: str
    primary: bool


def buttons(ask: AskIfReport) -> list[Button]:
    """`choices` as buttons, the likeliest kind suggested (never 「報告ではない」)."""
    return [Button(label, kind, i == 0 and kind != DECLINE) for i, (label, kind) in enumerate(choices(ask))]


def answer(triage: Triage, actor: Actor, platform: str, *, text: str, channel: str, ts: str, kind: str | None,
           explicit: bool, thread: str | None = None) -> Outcome:
    """A button clicked: the message at (`channel`, `ts`) reported with that kind, or labelled as not a report (no
    kind). Keyed by the message, so a second click or a redelivery gets the first answer's outcome."""
    report = ReportInput(text=text, reporter=actor, idempotency_key=f"ask:{channel}:{ts}",
                         conversation=ConversationRef(platform, channel, thread or ts), explicit=explicit)
    outcome = triage.incidents.answer(report, kind or None)
    logging.getLogger(f"incident_bot.{platform}").info(
        "%s.ask_answered kind=%s incident_id=%s", platform, kind or "none",
        outcome.incident.id if outcome.incident else None)
    return outcome


__all__ = ["ASK_ACTION", "DECLINE", "Button", "answer", "buttons", "choices"]
