"""Answering the user who acted: private replies, and every failure told in plain words (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import error_code
from bot.adapters.slack.render import Rendered, Renderer
from bot.i18n import Catalog
from bot.presenting import failure_text
from bot.triage.access import PermissionDenied
from bot.triage.core import StorageUnavailable

Reply = Callable[[Rendered], None]
RecordError = Callable[[int, str, str], None]


@dataclass
class Submission:
    """What a view_submission listener acknowledges with, and the work to do after acknowledging."""

    ack: dict[str, Any] = field(default_factory=dict)
    then: Callable[[], None] | None = None

    def run(self) -> None:
        if self.then is not None:
            self.then()


class Replies:
    """Ways to answer a user privately, and the guard that turns failures into such answers."""

    def __init__(self, client: WebClient, render: Renderer, catalog: Catalog, record_error: RecordError) -> None:
        self.client = client
        self.render = render
        self.catalog = catalog
        self.record_error = record_error

    def plain(self, *texts: str) -> Rendered:
        return self.render.messages(texts)

    def ephemeral(self, channel: str, user: str, thread_ts: str | None = None) -> Reply:
        def reply(message: Rendered) -> None:
            self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **message.payload())
        return reply

    def respond(self, response_url: str | None, fallback: Reply) -> Reply:
        """Through a slash command's or shortcut's response_url (works in channels the bot is not in)."""
        if not response_url:
            return fallback

        def reply(message: Rendered) -> None:
            hook = WebhookClient(response_url, timeout=15, retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)])
            response = hook.send(response_type="ephemeral", replace_original=False, **message.payload())
            if response.status_code != 200:
                log_event(logging.WARNING, "slack.respond_failed", status=response.status_code)
                fallback(message)
        return reply

    def for_action(self, body: dict[str, Any]) -> tuple[str, str, str | None, Reply]:
        """(user, channel, thread, private reply) of a block action."""
        user = body["user"]["id"]
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or user
        thread = (body.get("message") or {}).get("thread_ts") or container.get("thread_ts")
        return user, channel, thread, self.ephemeral(channel, user, thread)

    def dm(self, user: str) -> Reply:
        def reply(message: Rendered) -> None:
            self.client.chat_postMessage(channel=user, **message.payload())
        return reply

    def say(self, reply: Reply, message: Rendered, incident_id: int | None = None) -> None:
        try:
            reply(message)
        except SlackApiError as exc:
            log_event(logging.ERROR, "slack.reply_failed", incident_id=incident_id, error=error_code(exc))

    def api_error_text(self, code: str) -> str:
        key = f"slack.error.code.{code}"
        detail = self.catalog.t(key) if key in self.catalog.keys() else code
        return self.catalog.t("slack.error.api", error=detail)

    def refusal(self, exc: BaseException, incident_id: int | None = None, action: str = "modal") -> str:
        """A failure as the text to show (and log): core refusals, storage, Slack (on the timeline), the unexpected."""
        if isinstance(exc, PermissionDenied):
            log_event(logging.WARNING, "slack.denied", incident_id=exc.incident_id, user=exc.user_id,
                      action=exc.action)
        if isinstance(exc, SlackApiError):
            if incident_id is None:
                log_event(logging.ERROR, "slack.api_error", action=action, error=error_code(exc))
            else:
                self.record_error(incident_id, action, error_code(exc))
            return self.api_error_text(error_code(exc))
        if isinstance(exc, SQLAlchemyError):
            log_event(logging.ERROR, "slack.storage_error", incident_id=incident_id, error=type(exc).__name__)
        text = failure_text(exc, self.catalog, incident_id)
        if text is None:
            logging.getLogger("incident_bot.slack").exception("slack.unexpected incident_id=%s", incident_id)
            return self.catalog.t("slack.error.unexpected")
        return text

    @contextmanager
    def guard(self, reply: Reply, action: str, incident_id: int | None = None, *,
              stored: bool = False) -> Iterator[None]:
        """Run a core call and what follows it; every failure is logged and told to the user in plain words."""
        # stored: only posts are left (the core committed). A database outage is then logged, not told: "try again"
        # would make the user report twice; their next click or resume finishes the posts.
        try:
            yield
        except (StorageUnavailable, SQLAlchemyError) as exc:
            log_event(logging.WARNING if isinstance(exc, StorageUnavailable) else logging.ERROR,
                      "slack.storage_unavailable", incident_id=incident_id, action=action, stored=stored,
                      error=type(exc.__cause__ or exc).__name__)
            if not stored:
                self.say(reply, self.plain(self.catalog.t("error.storage")), incident_id)
        except Exception as exc:  # core refusals and Slack's errors are told; anything else logged with its traceback
            self.say(reply, self.plain(self.refusal(exc, incident_id, action)), incident_id)

    def failures(self, reply: Reply, codes: list[str], incident_id: int | None) -> None:
        """Tell the user about platform failures of a delivery (already on the timeline)."""
        if codes:
            self.say(reply, self.plain(*dict.fromkeys(self.api_error_text(code) for code in codes)), incident_id)
