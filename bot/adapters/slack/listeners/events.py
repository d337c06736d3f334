"""Events: reports posted as messages or @mentions (idempotent by event_id), reported messages edited or deleted,
and the timeline capture reaction."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.adapters.slack.capture import Capture
from bot.adapters.slack.edits import Edits
from bot.adapters.slack.reports import Reports


def register(app: App, reports: Reports, capture: Capture, edits: Edits) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        key = body.get("event_id")
        if event.get("subtype") in ("message_changed", "message_deleted"):
            edited = edits.handle(event)
            if edited is None:
                return
            event, key = edited  # a post edited before it reported anything: read as the post it now is
        origin = reports.message_origin(event)
        if origin is not None:
            reports.report_message(event, key, origin, context.bot_user_id)
        else:
            reports.advise_reply(event)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        origin = reports.mention_origin(event)
        if origin is not None:
            reports.report_message(event, body.get("event_id"), origin, context.bot_user_id)

    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any]) -> None:
        capture.capture(event)
