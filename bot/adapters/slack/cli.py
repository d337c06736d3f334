"""`incident-bot serve | socket | manifest`: the Slack app over HTTP (waitress) or Socket Mode; the manifest."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket as socketlib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from slack_bolt import BoltResponse
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, text

from bot.adapters.slack.app import SlackBot, SlackConfigError, build_slack_app
from bot.adapters.slack.gate import MAX_BODY_BYTES
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.manifest import manifest_yaml
from bot.wiring import Runtime

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
CHANNEL_TIMEOUT = 10  # seconds a connection may sit idle (Slack sends a whole request at once)
CONNECTION_LIMIT = 1000
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(bot: SlackBot, engine: Engine) -> WSGI:
    """POST /slack/events through the gate to Bolt, GET /healthz (database reachable), GET /metrics (refused
    requests by reason, plain text), 404 for everything else."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            body = read_body(environ)
            if body is None:
                return wsgi_response(bot.gate.refuse(413, "too_large"), start_response)
            response = bot.gate.handle(bot.app.dispatch, body, wsgi_headers(environ),
                                           environ.get("QUERY_STRING") or None)
            return wsgi_response(response, start_response)
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")])
            return [bot.metrics.render().encode("utf-8")]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception as exc:  # the probe reports it; the log says why
                log_event(logging.ERROR, "slack.health_failed", error=type(exc).__name__)
                start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"database unavailable\n"]
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return application


# -- WSGI plumbing -------------------------------------------------------------------------------------------
def wsgi_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """HTTP headers from a WSGI environ, lower-case names."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def read_body(environ: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None when it is larger than `limit` (nothing more is read)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    stream = environ.get("wsgi.input")
    data = stream.read(length) if stream is not None and length > 0 else b""
    return data if isinstance(data, bytes) else bytes(data)


def wsgi_response(response: BoltResponse, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A BoltResponse as a WSGI response."""
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        413: "Payload Too Large",
        500: "Internal Server Error",
    }
    headers = [
        (name, value)
        for name, values in (response.headers or {}).items()
        for value in (values if isinstance(values, (list, tuple)) else [values])
        if name.lower() != "content-length"
    ]
    data = (response.body or "").encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "text/plain; charset=utf-8"))
    headers.append(("content-length", str(len(data))))
    start_response(f"{response.status} {reasons.get(response.status, 'Status')}", headers)
    return [data]


def make_server(bot: SlackBot, engine: Engine, host: str, port: int) -> Any:
    """A waitress server (production WSGI) for the adapter; port 0 picks a free port (`effective_port`)."""
    import waitress

    # Bodies up to 4x the gate's limit reach the gate (refused there, logged and counted); waitress refuses
    # anything announcing more at once (413), instead of buffering it. Idle or trickling connections (headers
    # only) are closed after CHANNEL_TIMEOUT, checked every second, and many of them cannot use up the
    # connection limit that /healthz and Slack need (waitress' defaults: 120 s, checked every 30 s, 100).
    # Bind: `serve --host` (all interfaces by default, for Slack to reach it); behind a reverse proxy on the same
    # machine, bind to 127.0.0.1 (docs/operations.md).
    return waitress.create_server(wsgi_app(bot, engine), host=host, port=port, threads=8, ident="incident-bot",
                                  clear_untrusted_proxy_headers=True, max_request_body_size=4 * MAX_BODY_BYTES,
                                  channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=1,
                                  connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True)


def worker_id() -> str:
    """This process among the bot's instances (for the scheduler's database leases)."""
    return f"{socketlib.gethostname()}:{os.getpid()}"


def start_scheduler(runtime: Runtime, bot: SlackBot) -> Any:
    """Escalation ticks, resume, the weekly summary and the audit (bot.scheduler), through this adapter; started."""
    from bot.adapters.slack.audit_post import audit_publisher
    from bot.adapters.slack.summary_post import summary_publisher
    from bot.delivery.resume import schedule_resume
    from bot.scheduler import build_scheduler

    scheduler = build_scheduler(runtime, deliver=bot.deliver_notification,
                                publish_summary=summary_publisher(runtime, bot.client), worker_id=worker_id(),
                                post_audit=audit_publisher(runtime, bot.client))
    schedule_resume(scheduler, bot.resume, runtime.settings.file.escalation.tick_seconds, "slack")
    scheduler.start()
    log_event(logging.INFO, "slack.scheduler_started", worker=worker_id())
    return scheduler


def _missing(runtime: Runtime, *names: str) -> list[str]:
    secrets = runtime.settings.secrets
    return [name.upper() for name in names if getattr(secrets, name) is None]


def _build(runtime: Runtime, stdout: TextIO, *required: str) -> SlackBot | None:
    missing = _missing(runtime, *required)
    if missing:
        stdout.write(f"環境変数が設定されていません / environment variables not set: {', '.join(missing)}\n")
        return None
    try:
        return build_slack_app(runtime, token_verification_enabled=True)
    except (SlackConfigError, BoltError, SlackApiError) as exc:
        stdout.write(f"Slack に接続できません / cannot start the Slack app: {exc}\n")
        return None


def _stop_on_sigterm() -> None:
    if threading.current_thread() is threading.main_thread():
        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, stop)


def _shutdown(scheduler: Any | None) -> None:
    if scheduler is not None:
        scheduler.shutdown(wait=False)


def serve(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """HTTP mode: Slack's requests at POST /slack/events on waitress, plus the scheduler."""
    bot = _build(runtime, stdout, "slack_bot_token", "slack_signing_secret")
    if bot is None:
        return 2
    # bandit B104: a server: listens on all interfaces unless --host says otherwise.
    server = make_server(bot, runtime.engine, getattr(args, "host", "0.0.0.0"),  # nosec B104
                         int(getattr(args, "port", 3000)))
    scheduler = start_scheduler(runtime, bot)
    stdout.write(f"listening on http://{server.effective_host}:{server.effective_port}{EVENTS_PATH}\n")
    stdout.flush()
    _stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        _shutdown(scheduler)
    return 0


def socket(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Socket Mode: no public endpoint; Slack's events arrive over a WebSocket the bot opens."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    bot = _build(runtime, stdout, "slack_bot_token", "slack_app_token")
    if bot is None:
        return 2
    app_token = runtime.settings.secrets.slack_app_token
    assert app_token is not None
    handler = SocketModeHandler(bot.app, app_token.get_secret_value())
    scheduler = start_scheduler(runtime, bot)
    stdout.write("socket mode: connecting to Slack\n")
    stdout.flush()
    _stop_on_sigterm()
    try:
        handler.start()
    except KeyboardInterrupt:
        pass
    except SlackApiError as exc:
        stdout.write(f"Socket Mode で接続できません / cannot connect in Socket Mode: {exc.response.get('error')}\n")
        return 2
    finally:
        handler.close()
        _shutdown(scheduler)
    return 0


def manifest(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """Print the app manifest (YAML); HTTP mode when SLACK_REQUEST_URL (or --url) is given, else Socket Mode."""
    url = getattr(args, "url", None) or os.environ.get("SLACK_REQUEST_URL") or None
    stdout.write(manifest_yaml(runtime.settings, request_url=url))
    return 0
