"""Timeline capture: the configured reaction (default :pushpin:) on a message in an incident thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import App

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter


def register(app: App, adapter: SlackAdapter) -> None:
    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any]) -> None:
        adapter.handlers.capture(event)
