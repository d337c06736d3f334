"""The private 「インシデントとして報告しますか？」 question drawn as an ephemeral, one button per answer."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.render import Rendered
from bot.adapters.slack.text import escape
from bot.delivery.asking import ASK_ACTION, DECLINE, choices
from bot.ports import AskIfReport
from bot.presenting import chances


def render_ask(ask: AskIfReport, channel: str, ts: str, explicit: bool) -> Rendered:
    """The question with one button per likely kind and one for 「報告ではない」 (bot/delivery/asking.py)."""
    buttons = [ButtonElement(text=label, action_id=f"{ASK_ACTION}:{'decline' if kind == DECLINE else i}",
                             value=json.dumps({"k": kind, "c": channel, "t": ts, "x": explicit}),
                             style="primary" if i == 0 and kind != DECLINE else None)
               for i, (label, kind) in enumerate(choices(ask))]
    likely = chances(ask, escape)
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(ask.question)}*"))]
    if likely:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=likely)]))
    blocks.append(ActionsBlock(elements=buttons[:25]))
    return Rendered(ask.question, blocks)
