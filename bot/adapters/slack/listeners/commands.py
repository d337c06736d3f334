"""The slash command (slack.slash_command, default /incident): its text is a report; `help` explains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.adapters.slack.reports import Reports


def register(app: App, reports: Reports, slash_command: str) -> None:
    @app.command(slash_command)
    def on_command(ack: Callable[..., None], command: dict[str, Any]) -> None:
        ack()
        reports.slash(command)
