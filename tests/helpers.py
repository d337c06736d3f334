"""Helpers to walk playbooks in tests without knowing step ids."""

from __future__ import annotations

from bot.ports import StepView

POST_URL = "https://x.com/asahikawa_fake/status/1234567890"


def answers_for(step: StepView, url: str = POST_URL) -> dict[str, str]:
    """Valid answers for every input of a step (required or not)."""
    answers: dict[str, str] = {}
    for item in step.inputs:
        if item.type == "url":
            answers[item.id] = url
        elif item.choices:
            values = [value for value, _ in item.choices]
            preferred = {"spread": "large", "press": "no", "personal_data": "no"}.get(item.id)
            answers[item.id] = preferred if preferred in values else values[0]
        elif item.type == "platform":
            answers[item.id] = "x"
        else:
            answers[item.id] = f"テスト入力（{item.id}）"
    return answers
