"""The message shortcut "インシデントとして報告": a confirm modal pre-filled with the message (views.py submits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.render import REPORT_SHORTCUT
from bot.adapters.slack.reports import Reports


def register(app: App, reports: Reports) -> None:
    @app.shortcut(REPORT_SHORTCUT)
    def on_shortcut(ack: Callable[..., None], shortcut: dict[str, Any]) -> None:
        ack()
        reports.open_report_modal(shortcut)
