"""The question's blocks are built from cached, model-checked templates: the JSON Slack receives is exactly what
slack_sdk's models build for the same question (so the cache changes cost, never content)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.adapters.slack.asking import render_ask
from bot.adapters.slack.text import escape
from bot.delivery.asking import ASK_ACTION, DECLINE, choices
from bot.ports import AskIfReport, KindChoice
from bot.presenting import chances

KINDS = (KindChoice("flaming", "炎上", 0.62), KindChoice("misinformation", "デマ・誤情報", 0.21),
         KindChoice("leak", "情報漏えい <秘>", 0.0))


def _as_models_build(ask: AskIfReport, channel: str, ts: str, explicit: bool) -> list[dict[str, Any]]:
    buttons = [ButtonElement(text=label, action_id=f"{ASK_ACTION}:{'decline' if kind == DECLINE else i}",
                             value=json.dumps({"k": kind, "c": channel, "t": ts, "x": explicit}),
                             style="primary" if i == 0 and kind != DECLINE else None)
               for i, (label, kind) in enumerate(choices(ask))]
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=f"*{escape(ask.question)}*"))]
    if chances(ask, escape):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=chances(ask, escape))]))
    blocks.append(ActionsBlock(elements=buttons[:25]))
    return [block.to_dict() for block in blocks]


@pytest.mark.parametrize("ask", [
    AskIfReport("インシデントとして報告しますか？", KINDS, "報告ではない"),
    AskIfReport("どの種別として報告しますか？", KINDS[:2], None),
    AskIfReport("インシデントとして報告しますか？", (KindChoice("leak", "情報漏えい", 0.0),), "報告ではない"),
])
@pytest.mark.parametrize("explicit", [True, False])
def test_the_question_is_the_json_the_models_build(ask: AskIfReport, explicit: bool) -> None:
    for channel, ts in (("C_REPORT", "1700000000.000100"), ("D_STAFF", "1700000001.000200")):
        shown = render_ask(ask, channel, ts, explicit).payload()
        assert shown["blocks"] == _as_models_build(ask, channel, ts, explicit)
        assert shown["text"] == ask.question


def test_a_second_question_does_not_reuse_the_first_ones_values() -> None:
    ask = AskIfReport("インシデントとして報告しますか？", KINDS, "報告ではない")
    first = render_ask(ask, "C1", "1.1", True).payload()["blocks"][-1]
    second = render_ask(ask, "C2", "2.2", False).payload()["blocks"][-1]
    assert json.loads(first["elements"][0]["value"]) == {"k": "flaming", "c": "C1", "t": "1.1", "x": True}
    assert json.loads(second["elements"][0]["value"]) == {"k": "flaming", "c": "C2", "t": "2.2", "x": False}
