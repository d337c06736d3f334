"""The private 「インシデントとして報告しますか？」 question: an ephemeral, one button per answer (Reports.answer)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.render import Rendered
from bot.adapters.slack.text import escape
from bot.ports import AskIfReport
from bot.presenting import chances

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
    likely = chances(ask, escape)
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(ask.question)}*"))]
    if likely:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=likely)]))
    blocks.append(ActionsBlock(elements=buttons[:25]))
    return Rendered(ask.question, blocks)
