"""Timeline capture: the configured reaction (default :pushpin:) on a message in an incident thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.adapters.slack.capture import Capture


def register(app: App, capture: Capture) -> None:
    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any]) -> None:
        capture.capture(event)
