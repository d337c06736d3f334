"""Blocks built once by slack_sdk's models and filled in per message: one message's dict never changes another's."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.adapters.slack import blocks as kit


def test_a_filled_block_is_its_own_and_the_shape_stays_as_built() -> None:
    first = kit.section("一つ目", "body").to_dict()
    first["text"]["text"] = "書き換え"
    second = kit.section("二つ目", "body").to_dict()
    assert second == {"type": "section", "text": {"type": "mrkdwn", "text": "二つ目"}, "block_id": "body"}
    assert kit.context("注記").to_dict()["elements"][0]["text"] == "注記"


def test_a_template_hands_out_copies_and_its_filled_copies_are_their_own() -> None:
    template = kit.Built(ActionsBlock(block_id="ack", elements=[ButtonElement(text="確認", action_id="a", value="0")])
                         .to_dict())
    handed = template.to_dict()
    handed["elements"][0]["value"] = "spoilt"
    filled = kit.with_values(template, "ack", ["12"])
    assert template.to_dict()["elements"][0]["value"] == "0" and filled.to_dict()["elements"][0]["value"] == "12"
    assert kit.with_values(template, "ack", ["13"]).to_dict()["elements"][0]["value"] == "13"


def test_a_text_the_models_would_refuse_still_goes_through_them() -> None:
    with pytest.raises(SlackObjectFormationError, match="3000"):
        kit.section("あ" * 3001).to_dict()
