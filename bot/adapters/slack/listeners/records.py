"""The closing review: the button under the end-of-incident message opens a modal for 原因 and 再発防止策."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import REVIEW_OPEN, REVIEW_SUBMIT
from bot.adapters.slack.review import SlackRecords


def register(app: App, review: SlackRecords) -> None:
    @app.action(REVIEW_OPEN)
    def on_review_open(ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        review.open_review(body, action)

    @app.view(REVIEW_SUBMIT)
    def on_review_submit(ack: Callable[..., None], body: dict[str, Any]) -> None:
        submission = review.submit_review(body)  # the core's answer decides the ack (errors keep it open)
        ack(**submission.ack)
        submission.run()
