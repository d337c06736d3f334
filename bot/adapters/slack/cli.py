"""`incident-bot serve | socket | manifest`: the Slack app over HTTP (waitress) or Socket Mode; the manifest."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from slack_bolt import BoltResponse
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.adapters.slack.app import SlackBot, SlackConfigError, build_slack_app
from bot.adapters.slack.gate import MAX_BODY_BYTES
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.manifest import manifest_yaml
from bot.adapters.slack.port import PLATFORM
from bot.adapters.waitress_channel import flush_from_tasks
from bot.delivery.health import database_ok
from bot.wiring import Runtime

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
CHANNEL_TIMEOUT = 10  # seconds a connection may sit idle (Slack sends a whole request at once)
CONNECTION_LIMIT = 1000
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PLAIN = "text/plain; charset=utf-8"


def wsgi_app(bot: SlackBot, engine: Engine) -> WSGI:
    """POST /slack/events through the gate to Bolt, GET /healthz (database reachable), GET /metrics, else 404."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def answer(status: str, body: str, content_type: str = PLAIN) -> Iterable[bytes]:
            start_response(status, [("Content-Type", content_type)])
            return [body.encode("utf-8")]

        request = WsgiHttpRequest(environ)
        if request.path == EVENTS_PATH and request.method == "POST":
            body = read_body(environ)
            response = (bot.gate.refuse(413, "too_large") if body is None else
                        bot.gate.handle(bot.app.dispatch, body, request.get_headers(), request.query_string or None))
            return wsgi_response(response, start_response)
        if request.path == METRICS_PATH and request.method in ("GET", "HEAD"):
            return answer("200 OK", bot.metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return (answer("200 OK", "ok\n") if database_ok(engine, PLATFORM)
                    else answer("503 Service Unavailable", "database unavailable\n"))
        return answer("404 Not Found", "not found\n")

    return application


def read_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None when it is larger than `limit` (nothing more is read)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    stream = environ.get("wsgi.input")
    return bytes(stream.read(length)) if stream is not None and length > 0 else b""


def wsgi_response(response: BoltResponse, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A BoltResponse as a WSGI response (Bolt's WSGI adapter's conversion)."""
    wsgi = WsgiHttpResponse(response.status, response.headers, response.body or "")
    start_response(wsgi.status, wsgi.get_headers())
    return wsgi.get_body()


def make_server(bot: SlackBot, engine: Engine, host: str, port: int) -> Any:
    """A waitress server (production WSGI) for the adapter; port 0 picks a free port (`effective_port`)."""
    import waitress

    # Bodies up to 4x the gate's limit reach the gate (refused there, logged and counted); waitress refuses
    # anything announcing more at once (413), instead of buffering it. Idle or trickling connections (headers
    # only) are closed after CHANNEL_TIMEOUT, checked every second, and many of them cannot use up the
    # connection limit that /healthz and Slack need (waitress' defaults: 120 s, checked every 30 s, 100).
    # Bind: `serve --host` (all interfaces by default, for Slack to reach it); behind a reverse proxy on the same
    # machine, bind to 127.0.0.1 (docs/operations.md).
    # Connections are TaskFlushedChannel: the main loop no longer spins on a connection a task is answering.
    return flush_from_tasks(waitress.create_server(
        wsgi_app(bot, engine), host=host, port=port, threads=8, ident="incident-bot",
        clear_untrusted_proxy_headers=True, max_request_body_size=4 * MAX_BODY_BYTES, channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=1, connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True))


def start_scheduler(runtime: Runtime, bot: SlackBot) -> Any:
    """Escalation ticks, resume, the weekly summary and the audit (bot/delivery/jobs.py), through Slack; started."""
    from bot.adapters.slack.summary_post import audit_publisher, summary_publisher
    from bot.delivery.jobs import platform_scheduler, worker_id

    scheduler = platform_scheduler(runtime, "slack", deliver=bot.deliver_notification, resume=bot.resume,
                                   publish_summary=summary_publisher(runtime, bot.client),
                                   post_audit=audit_publisher(runtime, bot.client))
    scheduler.start()
    log_event(logging.INFO, "slack.scheduler_started", worker=worker_id())
    return scheduler


def _build(runtime: Runtime, stdout: TextIO, *required: str) -> SlackBot | None:
    missing = [name.upper() for name in required if getattr(runtime.settings.secrets, name) is None]
    if missing:
        stdout.write(f"環境変数が設定されていません / environment variables not set: {', '.join(missing)}\n")
        return None
    try:
        return build_slack_app(runtime, token_verification_enabled=True)
    except (SlackConfigError, BoltError, SlackApiError) as exc:
        stdout.write(f"Slack に接続できません / cannot start the Slack app: {exc}\n")
        return None


def _run(runtime: Runtime, bot: SlackBot, stdout: TextIO, banner: str, run: Callable[[], None],
         close: Callable[[], None]) -> int:
    """Start the scheduler and run until SIGTERM or Ctrl-C (bot/delivery/jobs.py serve_until_stopped)."""
    from bot.delivery.jobs import serve_until_stopped

    scheduler = start_scheduler(runtime, bot)
    stdout.write(banner + "\n")
    stdout.flush()
    try:
        serve_until_stopped(scheduler, run, close)
    except SlackApiError as exc:
        stdout.write(f"Socket Mode で接続できません / cannot connect in Socket Mode: {exc.response.get('error')}\n")
        return 2
    return 0


def serve(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """HTTP mode: Slack's requests at POST /slack/events on waitress, plus the scheduler."""
    bot = _build(runtime, stdout, "slack_bot_token", "slack_signing_secret")
    if bot is None:
        return 2
    # bandit B104: a server: listens on all interfaces unless --host says otherwise.
    server = make_server(bot, runtime.engine, getattr(args, "host", "0.0.0.0"),  # nosec B104
                         int(getattr(args, "port", 3000)))
    banner = f"listening on http://{server.effective_host}:{server.effective_port}{EVENTS_PATH}"
    bot.inbox.start()  # deliveries a crash left stored run first; new ones are stored, answered, then run

    def close() -> None:
        server.close()
        bot.inbox.stop()

    return _run(runtime, bot, stdout, banner, server.run, close)


def socket(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Socket Mode: no public endpoint; Slack's events arrive over a WebSocket the bot opens."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    bot = _build(runtime, stdout, "slack_bot_token", "slack_app_token")
    if bot is None:
        return 2
    app_token = runtime.settings.secrets.slack_app_token
    assert app_token is not None
    handler = SocketModeHandler(bot.app, app_token.get_secret_value())
    return _run(runtime, bot, stdout, "socket mode: connecting to Slack", handler.start, handler.close)


def manifest(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Print the app manifest (YAML); HTTP mode when SLACK_REQUEST_URL (or --url) is given, else Socket Mode."""
    url = getattr(args, "url", None) or os.environ.get("SLACK_REQUEST_URL") or None
    stdout.write(manifest_yaml(runtime.settings, request_url=url))
    return 0
