"""The private questions drawn as ephemerals, one button per answer: 「インシデントとして報告しますか？」 and, for a
resolved incident's post reported again, 「再開するか、新しい案件として報告するか」; for a reporter's next DM,
「INC-0001 の続報として記録しますか、新しい報告ですか」 (its buttons: the flare-up's listener, marked "f")."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.render import Rendered
from bot.adapters.slack.text import escape
from bot.delivery import flareup, followup_choice
from bot.delivery.asking import ASK_ACTION, DECLINE, buttons
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
    offered = buttons(ask)[:25]
    drawn = tuple((b.label, f"{ASK_ACTION}:{'decline' if b.value == DECLINE else i}", "primary" if b.primary else None)
                  for i, b in enumerate(offered))
    values = [json.dumps({"k": b.value, "c": channel, "t": ts, "x": explicit}) for b in offered]
    likely = chances(ask, escape)
    blocks: list[Any] = [kit.section(f"*{escape(ask.question)}*")]
    if likely:
        blocks.append(kit.context(likely))
    blocks.append(kit.with_values(_buttons(drawn), None, values))
    return Rendered(ask.question, blocks)


def render_flareup(choice: ReopenOrNew, channel: str, ts: str, thread: str | None, explicit: bool) -> Rendered:
    """The reopen-or-new question (bot/delivery/flareup.py): the core's words, then one button per choice. The
    buttons carry where the message is, never its text (read back when 「新しい案件」 is clicked)."""
    where = {"i": choice.incident_id, "c": channel, "t": ts, "h": thread, "x": explicit}
    drawn = [ButtonElement(text=b.label, action_id=f"{flareup.FLAREUP_ACTION}:{b.value}",
                           value=json.dumps({**where, "k": b.value}), style="primary" if b.primary else None)
             for b in flareup.buttons(choice)]
    blocks: list[Any] = [kit.section(escape(choice.question)), ActionsBlock(elements=drawn)]
    return Rendered(choice.question, blocks)


def render_followup(choice: ReopenOrNew, channel: str, ts: str) -> Rendered:
    """The follow-up-or-new question (bot/delivery/followup_choice.py): the core's words, then its two buttons,
    which carry where the message is, never its text (read back when clicked)."""
    where = {"i": choice.incident_id, "c": channel, "t": ts, "f": 1}
    drawn = [ButtonElement(text=b.label, action_id=f"{flareup.FLAREUP_ACTION}:{b.value}",
                           value=json.dumps({**where, "k": b.value}), style="primary" if b.primary else None)
             for b in followup_choice.buttons(choice)]
    return Rendered(choice.question, [kit.section(escape(choice.question)), ActionsBlock(elements=drawn)])
