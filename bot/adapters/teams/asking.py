"""The private questions on Teams, as cards in the poster's personal chat: 「インシデントとして報告しますか？」, for
a resolved incident's post reported again 「再開するか、新しい案件として報告するか」 (bot/delivery/flareup.py), and for
her next message there 「INC-0001 の続報として記録しますか、新しい報告ですか」 (delivery/followup_choice.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.cards import action, card, text_block
from bot.adapters.teams.connector import card_activity
from bot.adapters.teams.text import md_escape
from bot.delivery import flareup, followup_choice
from bot.delivery.asking import ASK_ACTION as ASK_REPORT  # the verb routes.py listens for
from bot.delivery.asking import buttons
from bot.delivery.flareup import FLAREUP_ACTION as FLAREUP  # the verb routes.py listens for
from bot.delivery.pacing import Job
from bot.ports import AskIfReport, ReopenOrNew
from bot.presenting import chances, shorten

if TYPE_CHECKING:
    from bot.adapters.teams.replies import Replies
    from bot.adapters.teams.reports import Origin

FOLLOWUP_OR_NEW = "followup_or_new"  # the verb routes.py listens for
log = logging.getLogger("incident_bot.teams")
TEXT_LIMIT = 4000  # the report text carried by the buttons (the core keeps at most this much)


def ask_card(ask: AskIfReport, where: dict[str, Any], text: str) -> dict[str, Any]:
    """The question, the message it is about, one button per likely kind and one for 「報告ではない」."""
    body = [text_block(md_escape(ask.question), weight="Bolder", size="Medium"),
            text_block(md_escape(shorten(text, 500)), isSubtle=True)]
    if likely := chances(ask):
        body.append(text_block(md_escape(likely), isSubtle=True, size="Small"))
    data = {**where, "q": shorten(text, TEXT_LIMIT)}
    drawn = [action(b.label, ASK_REPORT, {**data, "k": b.value}, style="positive" if b.primary else None, inputs=False)
             for b in buttons(ask)]
    return card(body, drawn[:6])


def answered_card(question: str, said: str) -> dict[str, Any]:
    """The question after it was answered: its buttons gone (no second answer from this card)."""
    return card([text_block(md_escape(question), weight="Bolder", isSubtle=True),
                 text_block(md_escape(said) or " ")])


def flareup_card(choice: ReopenOrNew, where: dict[str, Any], text: str) -> dict[str, Any]:
    """The core's reopen-or-new words, the message they are about, and one button per choice. Teams cannot read
    a message back, so the card carries the text, clipped as the ask card's is."""
    body = [text_block(md_escape(choice.question), weight="Bolder"),
            text_block(md_escape(shorten(text, 500)), isSubtle=True)]
    data = {**where, "q": shorten(text, TEXT_LIMIT), "incident": choice.incident_id}
    drawn = [action(b.label, FLAREUP, {**data, "k": b.value}, style="positive" if b.primary else None, inputs=False)
             for b in flareup.buttons(choice)]
    return card(body, drawn)


def followup_card(choice: ReopenOrNew, where: dict[str, Any], text: str) -> dict[str, Any]:
    """The core's follow-up-or-new words, the message they are about, and its three buttons (which carry the text,
    as the flare-up card's do: Teams cannot read a message back)."""
    body = [text_block(md_escape(choice.question), weight="Bolder"),
            text_block(md_escape(shorten(text, 500)), isSubtle=True)]
    data = {**where, "q": shorten(text, TEXT_LIMIT), "incident": choice.incident_id}
    drawn = [action(b.label, FOLLOWUP_OR_NEW, {**data, "k": b.value}, style="positive" if b.primary else None,
                    inputs=False) for b in followup_choice.buttons(choice)]
    return card(body, drawn)


async def ask_followup(replies: Replies, choice: ReopenOrNew, origin: Origin, text: str,
                       context: TurnContext | None = None) -> None:
    """Ask the reporter, in her personal chat, whether her message is news on her open incident or a new report."""
    log.info("teams.followup_or_new_asked incident_id=%s", choice.incident_id)
    await _privately(replies, followup_card(choice, _where(origin), text), choice.question, origin, context,
                     "followup_or_new")


async def ask_privately(replies: Replies, ask: AskIfReport, origin: Origin, text: str,
                        context: TurnContext | None = None) -> None:
    """Ask the poster privately: in the turn when they wrote in their personal chat, else there (paced)."""
    log.info("teams.ask source=%s choices=%s", origin.source, len(ask.choices))
    await _privately(replies, ask_card(ask, _where(origin), text), ask.question, origin, context, "ask")


async def offer_privately(replies: Replies, choice: ReopenOrNew, origin: Origin, text: str,
                          context: TurnContext | None = None) -> None:
    """Offer the reporter of a resolved incident's post reopen-or-new, privately (as the question is asked)."""
    log.info("teams.flareup_offered source=%s incident_id=%s", origin.source, choice.incident_id)
    await _privately(replies, flareup_card(choice, _where(origin), text), choice.question, origin, context,
                     "flareup")


def _where(origin: Origin) -> dict[str, Any]:
    return {"s": origin.source, "c": origin.conversation, "r": origin.root, "t": origin.activity_id,
            "x": origin.source != "channel" or origin.mentioned}


async def _privately(replies: Replies, content: dict[str, Any], summary: str, origin: Origin,
                     context: TurnContext | None, what: str) -> None:
    """A card only the poster sees: in the turn when they wrote in their personal chat, else there (paced)."""
    if context is not None and origin.source == "personal":
        await replies.answer(context, card_activity(content, summary))
        return
    port = replies.port

    def work() -> None:
        try:
            port.run(port.connector.send(port.target(port.chat_of(origin.user)), card_activity(content, summary)))
        except Exception as exc:  # noqa: BLE001 - the poster can still use the typed commands (help says how)
            log.error("teams.%s_failed error=%s", what, getattr(exc, "code", type(exc).__name__))
    await replies.submit(Job(work, "medium", origin.user), what)
