"""The step inputs modal submitted (callback step_submit): the core validates, errors stay in the modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.adapters.slack.render import STEP_SUBMIT

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter


def register(app: App, adapter: SlackAdapter) -> None:
    @app.view(STEP_SUBMIT)
    def on_step_submit(ack: Callable[..., None], body: dict[str, Any]) -> None:
        # The core's validation decides the ack (field errors keep the modal open); it takes milliseconds.
        submission = adapter.handlers.submit_step(body)
        ack(**submission.ack)
        submission.run()
