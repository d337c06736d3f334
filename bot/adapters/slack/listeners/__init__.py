"""Bolt listeners, one small module per kind; each `register(app, …)` gets only the handler object it calls."""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.slack.capture import Capture
from bot.adapters.slack.listeners import actions, commands, messages, reactions, records, shortcuts, views
from bot.adapters.slack.reports import Reports
from bot.adapters.slack.review import SlackRecords
from bot.adapters.slack.steps import Steps


def register_all(app: App, reports: Reports, steps: Steps, capture: Capture, review: SlackRecords,
                 slash_command: str) -> None:
    """Register every listener on the Bolt app."""
    messages.register(app, reports)
    commands.register(app, reports, slash_command)
    shortcuts.register(app, reports)
    actions.register(app, steps, reports)
    views.register(app, steps)
    reactions.register(app, capture)
    records.register(app, review)
