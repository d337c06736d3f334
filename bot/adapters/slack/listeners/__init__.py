"""Bolt listeners, one small module per kind, each with `register(app, adapter)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.adapters.slack.listeners import actions, commands, messages, reactions, records, shortcuts, views

if TYPE_CHECKING:
    from bot.adapters.slack.app import SlackAdapter

MODULES = (messages, commands, shortcuts, actions, views, reactions, records)


def register_all(app: App, adapter: SlackAdapter) -> None:
    """Register every listener of the adapter on the Bolt app."""
    for module in MODULES:
        module.register(app, adapter)
