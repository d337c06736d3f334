"""Buttons and menus: step done/skip/inputs, kind_select, acknowledge, incident_resolve, the ask buttons, the
reopen-or-new buttons, the closing review's."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import (
    ACKNOWLEDGE,
    KIND_SELECT,
    RESOLVE,
    REVIEW_OPEN,
    STEP_DONE,
    STEP_INPUT,
    STEP_SKIP,
)
from bot.adapters.slack.reports import Reports
from bot.adapters.slack.review import SlackRecords
from bot.adapters.slack.steps import Steps
from bot.delivery.asking import ASK_ACTION
from bot.delivery.flareup import FLAREUP_ACTION

Handler = Callable[[dict[str, Any], dict[str, Any]], None]


def register(app: App, steps: Steps, reports: Reports, review: SlackRecords) -> None:
    def listen(action_id: str | re.Pattern[str], handle: Handler) -> None:
        @app.action(action_id)
        def on_action(ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            handle(body, action)

    listen(STEP_DONE, lambda body, action: steps.step_button(body, action, skip=False))
    listen(STEP_SKIP, lambda body, action: steps.step_button(body, action, skip=True))
    listen(STEP_INPUT, steps.open_step_modal)
    listen(KIND_SELECT, steps.correct_kind)
    listen(ACKNOWLEDGE, steps.acknowledge)
    listen(RESOLVE, steps.end)
    listen(re.compile(f"^{ASK_ACTION}:"), reports.answer)
    listen(re.compile(f"^{FLAREUP_ACTION}:"), reports.choose)
    listen(REVIEW_OPEN, review.open_review)
