"""The private questions drawn as ephemerals, one button per answer: 「インシデントとして報告しますか？」 and, for a
resolved incident's post reported again, 「再開するか、新しい案件として報告するか」."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.render import Rendered
from bot.adapters.slack.text import escape
from bot.delivery.asking import ASK_ACTION, DECLINE, choices
from bot.delivery.flareup import FLAREUP_ACTION, REOPEN
from bot.delivery.flareup import choices as flareup_choices
from bot.ports import AskIfReport, ReopenOrNew
from bot.presenting import chances

Buttons = tuple[tuple[str, str, str | None], ...]  # (label, action id, style) of each button


@lru_cache(maxsize=256)
def _buttons(buttons: Buttons) -> kit.Built:
    """The buttons as slack_sdk builds and checks them, once per set of labels (blocks.py says why)."""
    return kit.Built(ActionsBlock(elements=[ButtonElement(text=label, action_id=action, value="-", style=style)
                                            for label, action, style in buttons]).to_dict())


def render_ask(ask: AskIfReport, channel: str, ts: str, explicit: bool) -> Rendered:
    """The question with one button per likely kind and one for 「報告ではない」 (bot/delivery/asking.py)."""
    offered = choices(ask)[:25]
    buttons = tuple((label, f"{ASK_ACTION}:{'decline' if kind == DECLINE else i}",
                     "primary" if i == 0 and kind != DECLINE else None) for i, (label, kind) in enumerate(offered))
    values = [json.dumps({"k": kind, "c": channel, "t": ts, "x": explicit}) for _, kind in offered]
    likely = chances(ask, escape)
    blocks: list[Any] = [kit.section(f"*{escape(ask.question)}*")]
    if likely:
        blocks.append(kit.context(likely))
    blocks.append(kit.with_values(_buttons(buttons), None, values))
    return Rendered(ask.question, blocks)


def render_flareup(choice: ReopenOrNew, channel: str, ts: str, thread: str | None, explicit: bool) -> Rendered:
    """The reopen-or-new question (bot/delivery/flareup.py): the core's words, then one button per choice. The
    buttons carry where the message is, never its text (read back when 「新しい案件」 is clicked)."""
    where = {"i": choice.incident_id, "c": channel, "t": ts, "h": thread, "x": explicit}
    buttons = [ButtonElement(text=label, action_id=f"{FLAREUP_ACTION}:{picked}",
                             value=json.dumps({**where, "k": picked}), style="primary" if picked == REOPEN else None)
               for label, picked in flareup_choices(choice)]
    blocks: list[Any] = [kit.section(escape(choice.question)), ActionsBlock(elements=buttons)]
    return Rendered(choice.question, blocks)
