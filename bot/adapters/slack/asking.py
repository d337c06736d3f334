"""The private 「インシデントとして報告しますか？」 question on Slack: an ephemeral, answered by a button."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.render import Rendered
from bot.adapters.slack.text import escape, slack_to_plain
from bot.ports import AskIfReport, ConversationRef, ReportInput

if TYPE_CHECKING:
    from bot.adapters.slack.handlers import Handlers, Origin

ASK_ACTION = "ask_report"  # action ids are ask_report:<n>; a listener matches the prefix
DECLINE = ""  # the button value's kind for 「報告ではない」


def render_ask(ask: AskIfReport, channel: str, ts: str, explicit: bool) -> Rendered:
    """The question with one button per likely kind and one for 「報告ではない」."""
    buttons = [ButtonElement(text=choice.label, action_id=f"{ASK_ACTION}:{i}",
                             value=json.dumps({"k": choice.kind, "c": channel, "t": ts, "x": explicit}),
                             style="primary" if i == 0 else None)
               for i, choice in enumerate(ask.choices)]
    if ask.decline is not None:
        buttons.append(ButtonElement(text=ask.decline, action_id=f"{ASK_ACTION}:decline",
                                     value=json.dumps({"k": DECLINE, "c": channel, "t": ts, "x": explicit})))
    chances = "　".join(f"{escape(c.label)} {c.probability:.0%}" for c in ask.choices if c.probability > 0)
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(ask.question)}*"))]
    if chances:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=chances)]))
    blocks.append(ActionsBlock(elements=buttons[:25]))
    return Rendered(ask.question, blocks)


class Asking:
    """Shows the question to the poster only, and turns their answer into a report or a 「報告ではない」 label."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers

    def show(self, ask: AskIfReport, origin: Origin) -> None:
        """Ask the poster privately (nobody else sees anything)."""
        ts = origin.message_ts or ""
        rendered = render_ask(ask, origin.channel, ts, explicit=origin.source != "channel")
        self.handlers.replies.say(origin.reply, rendered)
        log_event(logging.INFO, "slack.ask", source=origin.source, choices=len(ask.choices))

    def answer(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button of the question: the original message is reported with that kind, or labelled as not one."""
        from bot.adapters.slack.handlers import Origin

        handlers = self.handlers
        user = body["user"]["id"]
        value = json.loads(action.get("value") or "{}")
        channel, ts, kind = str(value.get("c") or ""), str(value.get("t") or ""), value.get("k") or None
        reply = handlers.replies.respond(body.get("response_url"), handlers.replies.ephemeral(channel, user, ts))
        with handlers.replies.guard(reply, "ask_answer"):
            text = self._original_text(channel, ts)
            if text is None:
                handlers.replies.say(reply, handlers.replies.plain(handlers.t("slack.ask_gone")))
                return
            actor = handlers.adapter.actor(user, body["user"].get("name", ""))
            report = ReportInput(text=text, reporter=actor, idempotency_key=f"ask:{channel}:{ts}",
                                 conversation=ConversationRef(PLATFORM, channel, ts), explicit=bool(value.get("x")))
            outcome = handlers.triage.incidents.answer(report, kind)
            log_event(logging.INFO, "slack.ask_answered", kind=kind or "none",
                      incident_id=outcome.incident.id if outcome.incident else None)
            if outcome.incident is None:
                handlers.replies.say(reply, handlers.replies.plain(*outcome.messages))
                return
            source = "dm" if channel.startswith("D") else "channel"
            origin = Origin(source, channel, user, reply, message_ts=ts)
            handlers.show_report(outcome, origin, actor)

    def _original_text(self, channel: str, ts: str) -> str | None:
        """The asked-about message as the user wrote it (read back, so long texts lose nothing)."""
        client = self.handlers.adapter.client
        response = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        for message in response.get("messages") or []:
            if message.get("ts") == ts:
                return slack_to_plain(message.get("text") or "")
        return None
