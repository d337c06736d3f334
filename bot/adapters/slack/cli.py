"""`incident-bot serve | socket | manifest`: the Slack app over HTTP (waitress) or Socket Mode; the manifest."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket as socketlib
import threading
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot.adapters.slack.app import SlackAdapter, SlackConfigError, build_slack_app
from bot.adapters.slack.gate import MAX_BODY_BYTES, read_body, wsgi_headers, wsgi_response
from bot.adapters.slack.logs import log_event
from bot.adapters.slack.manifest import manifest_yaml
from bot.ports import Notification
from bot.wiring import Runtime

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(adapter: SlackAdapter) -> WSGI:
    """POST /slack/events through the gate to Bolt, GET /healthz (database reachable), GET /metrics (refused
    requests by reason, plain text), 404 for everything else."""
    engine = adapter.runtime.engine

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            body = read_body(environ)
            if body is None:
                return wsgi_response(adapter.gate.refuse(413, "too_large"), start_response)
            response = adapter.gate.handle(adapter.app.dispatch, body, wsgi_headers(environ),
                                           environ.get("QUERY_STRING") or None)
            return wsgi_response(response, start_response)
        if path == METRICS_PATH and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")])
            return [adapter.metrics.render().encode("utf-8")]
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


def make_server(adapter: SlackAdapter, host: str, port: int) -> Any:
    """A waitress server (production WSGI) for the adapter; port 0 picks a free port (`effective_port`)."""
    import waitress

    # Bodies up to 4x the gate's limit reach the gate (refused there, logged and counted); waitress refuses
    # anything announcing more at once (413), instead of buffering it.
    return waitress.create_server(wsgi_app(adapter), host=host, port=port, threads=8, ident="incident-bot",
                                  clear_untrusted_proxy_headers=True, max_request_body_size=4 * MAX_BODY_BYTES)


def worker_id() -> str:
    """This process among the bot's instances (for the scheduler's database leases)."""
    return f"{socketlib.gethostname()}:{os.getpid()}"


def _summary_publisher(runtime: Runtime, adapter: SlackAdapter) -> Callable[..., None]:
    """The weekly summary poster (bot/adapters/slack/summary_post.py) on the adapter's Web API client."""
    from bot.adapters.slack.summary_post import summary_publisher

    return summary_publisher(runtime, adapter.client)


def start_scheduler(runtime: Runtime, adapter: SlackAdapter) -> Any:
    """Escalation ticks and the weekly summary (bot.scheduler), delivering through this adapter; started."""
    from bot.adapters.slack.audit_post import audit_publisher
    from bot.scheduler import build_scheduler

    deliver: Callable[[Notification], None] = adapter.deliver_notification
    scheduler = build_scheduler(runtime, deliver=deliver, publish_summary=_summary_publisher(runtime, adapter),
                                worker_id=worker_id(), post_audit=audit_publisher(runtime, adapter.client))
    from bot.adapters.slack.resume import schedule_resumer

    schedule_resumer(scheduler, adapter, runtime.settings.file.escalation.tick_seconds)
    scheduler.start()
    log_event(logging.INFO, "slack.scheduler_started", worker=worker_id())
    return scheduler


def _missing(runtime: Runtime, *names: str) -> list[str]:
    secrets = runtime.settings.secrets
    return [name.upper() for name in names if getattr(secrets, name) is None]


def _build(runtime: Runtime, stdout: TextIO, *required: str) -> SlackAdapter | None:
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
    adapter = _build(runtime, stdout, "slack_bot_token", "slack_signing_secret")
    if adapter is None:
        return 2
    # bandit B104: a server: listens on all interfaces unless --host says otherwise.
    server = make_server(adapter, getattr(args, "host", "0.0.0.0"), int(getattr(args, "port", 3000)))  # nosec B104
    scheduler = start_scheduler(runtime, adapter)
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

    adapter = _build(runtime, stdout, "slack_bot_token", "slack_app_token")
    if adapter is None:
        return 2
    app_token = runtime.settings.secrets.slack_app_token
    assert app_token is not None
    handler = SocketModeHandler(adapter.app, app_token.get_secret_value())
    scheduler = start_scheduler(runtime, adapter)
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
