"""The callback endpoint: a small WSGI app that verifies, parses and hands over each event.

LINE WORKS does not resend a callback that failed, so the injected `handle` must make the event durable
(store it, in the same transaction as its effect or in an inbox table) before it returns; only then does
the endpoint answer 200. Slow work (rendering, sending, pacing) belongs after that, off the request.
Answers: 200 handled (or ignored), 401 bad signature or another bot's callback, 400 malformed body,
405/404 wrong method or path, 413 too large, 500 when `handle` raised (logged; the event is lost to
LINE WORKS, which is why `handle` persists first).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine

from bot.adapters.lineworks.callbacks import CallbackError, CallbackEvent, parse
from bot.adapters.lineworks.signature import verify
from bot.delivery.health import database_ok

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # a pasted 40,000-character report is 240 KB as escaped JSON; a longer one is still told
Handle = Callable[[CallbackEvent], None]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 404: "404 Not Found",
            405: "405 Method Not Allowed", 411: "411 Length Required", 413: "413 Payload Too Large",
            500: "500 Internal Server Error", 503: "503 Service Unavailable"}


def _answer(start_response: StartResponse, status: int, body: dict[str, Any] | None = None) -> list[bytes]:
    payload = json.dumps(body or {}, ensure_ascii=False).encode("utf-8")
    start_response(_REASONS[status], [("Content-Type", "application/json; charset=UTF-8"),
                                      ("Content-Length", str(len(payload)))])
    return [payload]


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Request headers from a WSGI environ (HTTP_X_WORKS_SIGNATURE -> X-Works-Signature)."""
    found = [(key[5:].replace("_", "-"), str(value)) for key, value in environ.items() if key.startswith("HTTP_")]
    if "CONTENT_TYPE" in environ:
        found.append(("Content-Type", str(environ["CONTENT_TYPE"])))
    return found


def _read(environ: dict[str, Any], limit: int) -> bytes | int:
    """The raw body, or an HTTP status when it cannot be read within the limit."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400
    if length <= 0:
        return 411
    if length > limit:
        return 413
    stream = environ["wsgi.input"]
    body = stream.read(length)
    return body if len(body) == length else 400


def callback_app(handle: Handle, *, bot_id: str, bot_secret: str, path: str = "/lineworks/callback",
                 max_body: int = MAX_BODY_BYTES, engine: Engine | None = None) -> WSGIApp:
    """The WSGI app serving LINE WORKS callbacks at `path`; GET /healthz answers 200 while `engine` answers."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        where = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if where == "/healthz" and method in ("GET", "HEAD"):
            if engine is None or database_ok(engine, "lineworks"):
                return _answer(start_response, 200, {"ok": True})
            return _answer(start_response, 503, {"error": "database_unavailable"})
        if where != path:
            return _answer(start_response, 404, {"error": "not_found"})
        if method != "POST":
            return _answer(start_response, 405, {"error": "method_not_allowed"})
        body = _read(environ, max_body)
        if isinstance(body, int):
            log.warning("lineworks callback refused: HTTP %s before reading the body", body)
            return _answer(start_response, body, {"error": "bad_body"})
        verdict = verify(body, _headers(environ), bot_id=bot_id, secret=bot_secret)
        if not verdict.ok:
            log.warning("lineworks callback refused: %s", verdict.reason)
            return _answer(start_response, 401, {"error": "unauthorized"})
        try:
            event = parse(body)
        except CallbackError as exc:
            log.warning("lineworks callback malformed: %s", exc.reason)
            return _answer(start_response, 400, {"error": "malformed", "reason": exc.reason})
        try:
            handle(event)
        except Exception:
            log.exception("lineworks callback %s could not be handled", getattr(event, "key", "?"))
            return _answer(start_response, 500, {"error": "not_handled"})
        return _answer(start_response, 200)

    return app


def make_server(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> Any:
    """A waitress server for the app (port 0 picks a free port: see `server.effective_port`)."""
    import waitress

    from bot.adapters.waitress_channel import flush_from_tasks

    # The same channel as Slack's `serve`: the main loop leaves a running task's answer to its thread.
    return flush_from_tasks(waitress.create_server(app, host=host, port=port, threads=8, ident="incident-bot",
                                                   max_request_body_size=MAX_BODY_BYTES * 4))


__all__ = ["callback_app", "make_server", "MAX_BODY_BYTES", "Handle"]
