"""The message shortcut "インシデントとして報告": a confirm modal pre-filled with the message, then a report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import REPORT_SHORTCUT, REPORT_SUBMIT
from bot.adapters.slack.reports import Reports


def register(app: App, reports: Reports) -> None:
    @app.shortcut(REPORT_SHORTCUT)
    def on_shortcut(ack: Callable[..., None], shortcut: dict[str, Any]) -> None:
        ack()
        reports.open_report_modal(shortcut)

    @app.view(REPORT_SUBMIT)
    def on_report_submit(ack: Callable[..., None], body: dict[str, Any]) -> None:
        # The core's answer decides the ack (errors keep the modal open), so it runs first: it takes milliseconds.
        submission = reports.submit_report(body)
        ack(**submission.ack)
        submission.run()
