"""Reports posted as messages: top-level posts in report channels, direct messages, @mentions elsewhere.

Events are acknowledged by Bolt before the listener runs; retries carry the same event_id, which the core
uses as the report's idempotency key.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.adapters.slack.reports import Reports


def register(app: App, reports: Reports) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        origin = reports.message_origin(event)
        if origin is not None:
            reports.report_message(event, body.get("event_id"), origin, context.bot_user_id)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        origin = reports.mention_origin(event)
        if origin is not None:
            reports.report_message(event, body.get("event_id"), origin, context.bot_user_id)
