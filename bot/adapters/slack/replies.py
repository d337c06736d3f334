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

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.port import PLATFORM, error_code
from bot.adapters.slack.render import Rendered, Renderer
from bot.delivery.refusals import Refusals, delivery_code
from bot.delivery.shared import RecordError
from bot.i18n import Catalog

Reply = Callable[[Rendered], None]


def slack_code(exc: BaseException) -> str | None:
    """The Web API error code of a failed call, or a delivery's (None for any other failure)."""
    return error_code(exc) if isinstance(exc, SlackApiError) else delivery_code(exc)


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

    def __init__(self, client: WebClient, render: Renderer, catalog: Catalog, record_error: RecordError,
                 own_words: Callable[[BaseException], str | None] = lambda exc: None) -> None:
        self.client = client
        self.render = render
        self.catalog = catalog
        self.refusals = Refusals(catalog, PLATFORM, slack_code, record_error, own_words)

    def plain(self, *texts: str) -> Rendered:
        return self.render.messages(texts)

    def ephemeral(self, channel: str, user: str, thread_ts: str | None = None) -> Reply:
        def reply(message: Rendered) -> None:
            self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **message.payload())
        return reply

    def respond(self, response_url: str | None, fallback: Reply, *, replace: bool = False) -> Reply:
        """Through a slash command's or shortcut's response_url (works in channels the bot is not in); `replace`:
        the answer takes the clicked ephemeral's place (its buttons go)."""
        if not response_url:
            return fallback

        def reply(message: Rendered) -> None:
            hook = WebhookClient(response_url, timeout=15, retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)])
            try:
                response = hook.send(response_type="ephemeral", replace_original=replace, **message.payload())
                status = response.status_code
            except (OSError, ValueError) as exc:  # unreachable, or a URL the standard library will not parse
                status = type(exc).__name__
            if status != 200:
                log_event(logging.WARNING, "slack.respond_failed", status=status)
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

    def refusal(self, exc: BaseException, incident_id: int | None = None, action: str = "modal") -> str:
        """A failure as the text to show (bot/delivery/refusals.py; Slack's errors also on the timeline)."""
        return self.refusals.words(exc, action, incident_id)

    @contextmanager
    def guard(self, reply: Reply, action: str, incident_id: int | None = None, *,
              stored: bool = False) -> Iterator[None]:
        """Run a core call and what follows it; every failure is logged and told to the user in plain words."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - told (tell_failure), never raised into Bolt
            self.tell_failure(reply, exc, action, incident_id, stored=stored)

    def tell_failure(self, reply: Reply, exc: BaseException, action: str, incident_id: int | None = None, *,
                     stored: bool = False) -> None:
        """Tell the user a failure in words, logged as bot/delivery/refusals.py `told` says (after the core
        committed, `stored`, a storage outage is only logged)."""
        said = self.refusals.told(exc, action, incident_id, stored=stored)
        if said is not None:
            self.say(reply, self.plain(said), incident_id)
