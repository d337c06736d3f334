"""Modals submitted: step inputs, the shortcut's report, the closing review; the core's answer decides the ack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import REPORT_SUBMIT, REVIEW_SUBMIT, STEP_SUBMIT
from bot.adapters.slack.replies import Submission
from bot.adapters.slack.reports import Reports
from bot.adapters.slack.review import SlackRecords
from bot.adapters.slack.steps import Steps


def register(app: App, steps: Steps, reports: Reports, review: SlackRecords) -> None:
    def listen(callback_id: str, submit: Callable[[dict[str, Any]], Submission]) -> None:
        @app.view(callback_id)
        def on_submit(ack: Callable[..., None], body: dict[str, Any]) -> None:
            # The core runs before the ack (errors keep the modal open with the answers): it takes milliseconds.
            submission = submit(body)
            ack(**submission.ack)
            submission.run()

    listen(STEP_SUBMIT, steps.submit_step)
    listen(REPORT_SUBMIT, reports.submit_report)
    listen(REVIEW_SUBMIT, review.submit_review)
