"""Buttons and menus: step_done, step_skip, step_input (opens the inputs modal), kind_select, acknowledge, ask."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.asking import ASK_ACTION
from bot.adapters.slack.render import ACKNOWLEDGE, KIND_SELECT, STEP_DONE, STEP_INPUT, STEP_SKIP
from bot.adapters.slack.reports import Reports
from bot.adapters.slack.steps import Steps

Ack = Callable[..., None]


def register(app: App, steps: Steps, reports: Reports) -> None:
    @app.action(STEP_DONE)
    def on_step_done(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        steps.step_button(body, action, skip=False)

    @app.action(STEP_SKIP)
    def on_step_skip(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        steps.step_button(body, action, skip=True)

    @app.action(STEP_INPUT)
    def on_step_input(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        steps.open_step_modal(body, action)

    @app.action(KIND_SELECT)
    def on_kind_select(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        steps.correct_kind(body, action)

    @app.action(ACKNOWLEDGE)
    def on_acknowledge(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        steps.acknowledge(body, action)

    @app.action(re.compile(f"^{ASK_ACTION}:"))
    def on_ask_answer(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        reports.answer(body, action)
