"""The private 「インシデントとして報告しますか？」 question on Teams: a card in the poster's personal chat."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.cards import action, card, text_block
from bot.adapters.teams.connector import card_activity
from bot.adapters.teams.text import md_escape
from bot.delivery.asking import ASK_ACTION as ASK_REPORT  # the verb routes.py listens for
from bot.delivery.asking import DECLINE, choices
from bot.delivery.pacing import Job
from bot.ports import AskIfReport
from bot.presenting import chances, shorten

if TYPE_CHECKING:
    from bot.adapters.teams.replies import Replies
    from bot.adapters.teams.reports import Origin

log = logging.getLogger("incident_bot.teams")
TEXT_LIMIT = 4000  # the report text carried by the buttons (the core keeps at most this much)


def ask_card(ask: AskIfReport, where: dict[str, Any], text: str) -> dict[str, Any]:
    """The question, the message it is about, one button per likely kind and one for 「報告ではない」."""
    body = [text_block(md_escape(ask.question), weight="Bolder", size="Medium"),
            text_block(md_escape(shorten(text, 500)), isSubtle=True)]
    if likely := chances(ask):
        body.append(text_block(md_escape(likely), isSubtle=True, size="Small"))
    data = {**where, "q": shorten(text, TEXT_LIMIT)}
    buttons = [action(label, ASK_REPORT, {**data, "k": kind}, style="positive" if i == 0 and kind != DECLINE else None,
                      inputs=False) for i, (label, kind) in enumerate(choices(ask))]
    return card(body, buttons[:6])


def answered_card(question: str, said: str) -> dict[str, Any]:
    """The question after it was answered: its buttons gone (no second answer from this card)."""
    return card([text_block(md_escape(question), weight="Bolder", isSubtle=True),
                 text_block(md_escape(said) or " ")])


async def ask_privately(replies: Replies, ask: AskIfReport, origin: Origin, text: str,
                        context: TurnContext | None = None) -> None:
    """Ask the poster privately: in the turn when they wrote in their personal chat, else there (paced)."""
    where = {"s": origin.source, "c": origin.conversation, "r": origin.root, "t": origin.activity_id,
             "x": origin.source != "channel" or origin.mentioned}
    content = ask_card(ask, where, text)
    log.info("teams.ask source=%s choices=%s", origin.source, len(ask.choices))
    if context is not None and origin.source == "personal":
        await replies.answer(context, card_activity(content, ask.question))
        return
    port = replies.port

    def work() -> None:
        try:
            port.run(port.connector.send(port.target(port.chat_of(origin.user)), card_activity(content, ask.question)))
        except Exception as exc:  # noqa: BLE001 - the poster can still report explicitly (help says how)
            log.error("teams.ask_failed error=%s", getattr(exc, "code", type(exc).__name__))
    await replies.submit(Job(work, "medium", origin.user), "ask")
