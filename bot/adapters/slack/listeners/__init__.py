"""Bolt listeners, one small module per kind (the starter template's shape); each gets the handlers it calls."""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.slack.capture import Capture
from bot.adapters.slack.edits import Edits
from bot.adapters.slack.listeners import actions, commands, events, shortcuts, views
from bot.adapters.slack.reports import Reports
from bot.adapters.slack.review import SlackRecords
from bot.adapters.slack.steps import Steps


def register_all(app: App, reports: Reports, steps: Steps, capture: Capture, review: SlackRecords,
                 slash_command: str, edits: Edits) -> None:
    """Register every listener on the Bolt app."""
    events.register(app, reports, capture, edits)
    commands.register(app, reports, slash_command)
    shortcuts.register(app, reports)
    actions.register(app, steps, reports, review)
    views.register(app, steps, reports, review)
