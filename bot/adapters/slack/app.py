"""The Slack adapter: a Bolt App holding the core, built by a factory from the Runtime (nothing at import time)."""

from __future__ import annotations

import http.client
import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot import identity
from bot.adapters.slack.gate import SlackGate
from bot.adapters.slack.handlers import Handlers
from bot.adapters.slack.logs import log_event, redact_bolt_logs
from bot.adapters.slack.members import UserGroupMembers
from bot.adapters.slack.metrics import SlackMetrics
from bot.adapters.slack.outsiders import Outsiders
from bot.adapters.slack.port import PLATFORM, SlackPort, error_code
from bot.adapters.slack.render import Renderer
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.text import slack_id
from bot.clock import format_jst
from bot.config import SlackSettings
from bot.delivery import content as c
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Pacer
from bot.delivery.runner import Runner
from bot.i18n import Catalog
from bot.ports import Actor, Notification
from bot.presenting import notification_channel
from bot.triage.service import Triage
from bot.wiring import Runtime

DEFAULT_API_URL = "https://slack.com/api/"
NAME_TTL_SECONDS = 3600.0


class SlackConfigError(Exception):
    """A Slack secret or setting missing for the chosen run mode; the message says which (ja + en)."""


def api_base_url(configured: str | None) -> str:
    """SLACK_API_URL (the Web API base, e.g. http://127.0.0.1:8080/api/) or Slack's, with a trailing slash."""
    url = (configured or DEFAULT_API_URL).strip()
    return url if url.endswith("/") else url + "/"


class KeepAliveClient(WebClient):
    """A WebClient that reuses one HTTP connection per thread: slack_sdk's urllib opens a new one (against Slack a
    new TLS handshake) for every call. Proxies, errors and retries behave as with urllib."""

    IDLE_SECONDS = 4.0  # a connection idle longer is not reused (servers close idle keep-alive connections)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        kept = getattr(self._local, "kept", None)
        now = time.monotonic()
        if kept is not None and kept[0] == (scheme, netloc) and now - kept[2] < self.IDLE_SECONDS:
            return kept[1]  # type: ignore[no-any-return]
        self._drop()
        conn = (http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl) if scheme == "https"
                else http.client.HTTPConnection(netloc, timeout=self.timeout))
        self._local.kept = [(scheme, netloc), conn, now]
        return conn

    def _drop(self) -> None:
        kept = getattr(self._local, "kept", None)
        if kept is not None:
            kept[1].close()
            self._local.kept = None

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        conn = self._connection(parts.scheme, parts.netloc)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=req.data, headers=dict(req.header_items()))  # type: ignore[arg-type]
        except OSError as exc:  # as urllib: a failure to send is a URLError (retried by the retry handler)
            self._drop()
            raise URLError(exc) from exc
        try:
            resp = conn.getresponse()
            raw = resp.read()
        except Exception:
            self._drop()
            raise
        if resp.will_close:
            self._drop()
        else:
            self._local.kept[2] = time.monotonic()
        if not 200 <= resp.status < 300:  # as urllib's HTTPErrorProcessor
            raise HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(raw))
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": raw}
        return {"status": resp.status, "headers": resp.headers,
                "body": raw.decode(resp.headers.get_content_charset() or "utf-8")}


def build_client(runtime: Runtime) -> WebClient:
    """The Web API client: bot token, SLACK_API_URL, kept-alive connections, and retries for 429 (after
    Retry-After) and connection errors."""
    secrets = runtime.settings.secrets
    token = secrets.slack_bot_token.get_secret_value() if secrets.slack_bot_token else None
    return KeepAliveClient(token=token, base_url=api_base_url(secrets.slack_api_url), timeout=15,
                     retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2),
                                     RateLimitErrorRetryHandler(max_retry_count=3)])


@dataclass
class SlackAdapter:
    """The Bolt app and the core it translates for; listeners reach the core only through `handlers`."""

    runtime: Runtime
    client: WebClient
    settings: SlackSettings
    catalog: Catalog
    render: Renderer
    groups: UserGroupMembers
    port: SlackPort
    ledger: Ledger
    runner: Runner
    # Runs the delivery plans that follow a stored core change, paced per channel (bot/delivery/pacing.py).
    pacer: Pacer
    replies: Replies
    app: App = field(init=False)
    handlers: Handlers = field(init=False)
    outsiders: Outsiders = field(init=False)
    gate: SlackGate = field(init=False)
    metrics: SlackMetrics = field(default_factory=SlackMetrics, init=False)
    _triage: Triage | None = field(default=None, init=False)
    _triage_members: tuple[frozenset[str], frozenset[str]] | None = field(default=None, init=False)
    _names: dict[str, tuple[float, str]] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def triage(self) -> Triage:
        """The core, with PR members from the configured Slack user groups and the outsiders recognised so far
        (bot/adapters/slack/outsiders.py) added to its access policy."""
        members, outsiders = self.groups.members(), self.outsiders.members()
        if not members and not outsiders:
            return self.runtime.triage
        with self._lock:
            if self._triage is None or self._triage_members != (members, outsiders):
                deps = self.runtime.triage.deps
                access = deps.access.with_pr_members(identity.qualify_all(PLATFORM, members)).with_outsiders(
                    identity.qualify_all(PLATFORM, outsiders))
                self._triage = Triage(replace(deps, access=access))
                self._triage_members = (members, outsiders)
            return self._triage

    def now(self) -> datetime:
        """The core's clock (so tests and timelines agree)."""
        return self.runtime.triage.deps.clock.now()

    def actor(self, user_id: str, fallback_name: str = "") -> Actor:
        """A Slack user as the core's Actor ("slack:U…", never matching another platform's id), with the display
        name from users.info (cached); takes the raw or the namespaced id."""
        return Actor(user_id=identity.qualify(PLATFORM, user_id),
                     display_name=self.display_name(user_id, fallback_name), platform=PLATFORM)

    def display_name(self, user_id: str, fallback: str = "") -> str:
        user_id = slack_id(user_id)
        cached = self._names.get(user_id)
        if cached and time.monotonic() - cached[0] < NAME_TTL_SECONDS:
            return cached[1]
        name = fallback or user_id
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
            self.outsiders.observe_user(user)
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or name
        except SlackApiError as exc:
            log_event(logging.WARNING, "slack.users_info_failed", user=user_id, error=error_code(exc))
            return name
        self._names[user_id] = (time.monotonic(), name)
        return name

    def deliver_notification(self, note: Notification) -> None:
        """For the scheduler: post an escalation with its level's mention (raises so a failure is retried).
        Acknowledged while it was being posted: its button comes off at once (either this re-read sees the
        acknowledgement or the acknowledgement sees the recorded post)."""
        posted = self.runner.escalate(note)
        after = self.runtime.triage.queries.view(note.incident_id, None)
        log_event(logging.INFO, "slack.escalation_posted", incident_id=note.incident_id, level=note.level)
        if posted is not None and after.acknowledged_at is not None:
            when = format_jst(after.acknowledged_at, self.catalog.locale)
            self.port.update(posted, c.NoticeAcknowledged(after, after.acknowledged_by or "", when, after.ref))


def build_slack_app(runtime: Runtime, *, client: WebClient | None = None, token_verification_enabled: bool = False,
                    listener_executor: Executor | None = None, group_ttl_seconds: float | None = None,
                    monotonic: Callable[[], float] | None = None) -> SlackAdapter:
    """Build the adapter: Web API client, renderer, delivery, Bolt App with every listener registered.

    `client` replaces the Web API client (tests point one at a local server); `listener_executor` runs the
    listeners after ack (tests pass one they can wait on); `token_verification_enabled` calls auth.test now.
    """
    from bot.adapters.slack.listeners import register_all

    settings = runtime.settings
    secrets = settings.secrets
    if secrets.slack_signing_secret is None and secrets.slack_app_token is None:
        raise SlackConfigError("SLACK_SIGNING_SECRET が設定されていません / SLACK_SIGNING_SECRET is not set")
    client = client or build_client(runtime)
    catalog = runtime.triage.catalog
    renderer = Renderer(catalog, runtime.library.kinds())
    groups_kwargs = {"ttl": group_ttl_seconds} if group_ttl_seconds is not None else {}
    if monotonic is not None:
        groups_kwargs["monotonic"] = monotonic  # type: ignore[assignment]
    groups = UserGroupMembers(client, settings.file.slack.pr_user_groups, **groups_kwargs)  # type: ignore[arg-type]
    slack = settings.file.slack
    triage = runtime.triage
    port = SlackPort(client, renderer)
    ledger = Ledger(lambda: triage.queries, PLATFORM)
    pacer = Pacer(lambda channel: slack.post_interval_seconds, max_pending=slack.delivery_queue_limit,
                  spawn=listener_executor.submit if listener_executor is not None else None, name="slack-delivery")

    def record_error(incident_id: int, action: str, code: str) -> None:
        log_event(logging.ERROR, "slack.api_error", incident_id=incident_id, action=action, error=code)
        try:
            triage.incidents.record_delivery_error(incident_id, platform=PLATFORM, action=action, error=code)
        except Exception:  # noqa: BLE001 - the database is down too: the log keeps it
            log_event(logging.ERROR, "slack.api_error_unrecorded", incident_id=incident_id, action=action)

    runner = Runner(port, ledger, lambda restricted: notification_channel(restricted, slack.pr_channel,
                                                                          slack.restricted_channel),
                    record_error, chain_length=len(triage.deps.escalation.levels), turn=pacer.turn, wait=time.sleep)
    adapter = SlackAdapter(runtime=runtime, client=client, settings=slack, catalog=catalog, render=renderer,
                           groups=groups, port=port, ledger=ledger, runner=runner, pacer=pacer,
                           replies=Replies(client, renderer, catalog, record_error))
    adapter.handlers = Handlers(adapter)
    signing_secret = secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else ""
    bolt_logger = logging.getLogger("incident_bot.slack.bolt")
    redact_bolt_logs(bolt_logger)
    adapter.outsiders = Outsiders(client)
    # The gate replaces Bolt's RequestVerification: it refuses (and counts) where Bolt would raise (gate.py).
    adapter.gate = SlackGate(signing_secret, adapter.metrics, observe_team=adapter.outsiders.observe_team)
    # process_before_response: Slack gets its HTTP 200 only once a delivery's work is stored and posted. A crash
    # before that makes Slack retry the event (same event_id) or the user click again; the core's keys and
    # delivery.py's claims let the second attempt finish the first one's work without repeating any of it.
    # Acknowledging first would let a crash lose an event Slack never resends (docs/operations.md).
    adapter.app = App(client=client, signing_secret=signing_secret, name="sns-incident-bot",
                      token_verification_enabled=token_verification_enabled, listener_executor=listener_executor,
                      logger=bolt_logger, request_verification_enabled=False, before_authorize=adapter.gate,
                      process_before_response=True)
    register_all(adapter.app, adapter)
    groups.members()  # resolve PR user groups at start-up (logged; the last good answer is kept on errors)
    return adapter
