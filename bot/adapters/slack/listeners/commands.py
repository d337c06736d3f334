"""The slash command (slack.slash_command, default /incident): its text is a report; `help` explains."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter


def register(app: App, adapter: SlackAdapter) -> None:
    @app.command(adapter.settings.slash_command)
    def on_command(ack: Callable[..., None], command: dict[str, Any]) -> None:
        ack()
        adapter.handlers.slash(command)
