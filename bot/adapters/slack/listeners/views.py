"""The step inputs modal submitted (callback step_submit): the core validates, errors stay in the modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import STEP_SUBMIT
from bot.adapters.slack.steps import Steps


def register(app: App, steps: Steps) -> None:
    @app.view(STEP_SUBMIT)
    def on_step_submit(ack: Callable[..., None], body: dict[str, Any]) -> None:
        # The core's validation decides the ack (field errors keep the modal open); it takes milliseconds.
        submission = steps.submit_step(body)
        ack(**submission.ack)
        submission.run()
