"""A Slack Web API client that keeps its HTTP connection alive (one per thread) instead of one per call, and
sends a plain call (JSON or form body) without rebuilding what does not change between calls."""

# The short path is slack_sdk's own request and response, computed once where they do not change: the URL per
# method, the headers per token and body type (built by slack_sdk's own functions), no debug message formatted
# for a logger that drops it. Anything but a 2xx JSON answer is handed to slack_sdk's full path as the outcome
# of its first attempt (`_replay`), so errors, 429s and retries behave exactly as there, and nothing is sent twice.

from __future__ import annotations

import http.client
import io
import logging
import threading
import time
from email.message import Message
from json import dumps as json_dumps
from json import loads as json_loads
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web.deprecation import show_deprecation_warning_if_any
from slack_sdk.web.internal_utils import _build_req_args, _get_url, convert_bool_to_0_or_1
from slack_sdk.web.slack_response import SlackResponse

JSON_TYPE = "application/json;charset=utf-8"
FORM_TYPE = "application/x-www-form-urlencoded"
# Handlers known to retry nothing that answered 2xx: with only these, a 2xx answer is final as in slack_sdk.
PLAIN_HANDLERS = (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler)
KNOWN_TYPES = 32  # distinct Content-Type values whose reading is kept (Slack sends one or two)


def response_headers(headers: Message) -> dict[str, str]:
    """`dict(headers)` as slack_sdk makes it (each name with its first value, names compared case-blind), read in
    one pass instead of one search of every header per name."""
    first: dict[str, str] = {}
    for name, value in headers.items():
        first.setdefault(name.lower(), value)
    return {name: first[name.lower()] for name in headers.keys()}


class KeepAliveClient(WebClient):
    """A WebClient reusing one HTTP connection per thread (urllib opens one per call); otherwise as urllib."""

    IDLE_SECONDS = 4.0  # a connection idle longer is not reused (servers close idle keep-alive connections)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()
        self._urls: dict[str, str] = {}
        self._headers: dict[tuple[Any, ...], dict[str, str]] = {}
        self._types: dict[str, tuple[str, str | None]] = {}

    # -- the kept connection -------------------------------------------------------------------------------
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

    def _exchange(self, url: str, body: bytes | None, headers: dict[str, str]
                  ) -> tuple[http.client.HTTPResponse, bytes]:
        """One POST on the kept connection: the response and its body; failures as urllib raises them."""
        parts = urlsplit(url)
        conn = self._connection(parts.scheme, parts.netloc)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=body, headers=headers)
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
        return resp, raw

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        replay = getattr(self._local, "replay", None)
        if replay is not None:  # the short path's attempt, handed over as this first attempt's outcome
            self._local.replay = None
            if isinstance(replay, BaseException):
                raise replay
            resp, raw = replay
        else:
            if self.proxy is not None or urlsplit(url).scheme not in ("http", "https"):
                return super()._perform_urllib_http_request_internal(url, req)
            resp, raw = self._exchange(url, req.data, dict(req.header_items()))  # type: ignore[arg-type]
        if not 200 <= resp.status < 300:  # as urllib's HTTPErrorProcessor
            raise HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(raw))
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": raw}
        return {"status": resp.status, "headers": resp.headers,
                "body": raw.decode(resp.headers.get_content_charset() or "utf-8")}

    # -- the short path ---------------------------------------------------------------------------------------
    def api_call(self, api_method: str, *, http_verb: str = "POST", files: dict[str, Any] | None = None,
                 data: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                 json: dict[str, Any] | None = None, headers: dict[str, Any] | None = None,
                 auth: dict[str, Any] | None = None) -> SlackResponse:
        """slack_sdk's api_call; a plain call (see the module comment) takes the short path."""
        full = dict(http_verb=http_verb, files=files, data=data, params=params, json=json, headers=headers, auth=auth)
        body_args = json if json is not None else params
        if (files or data or headers or auth or self.proxy is not None or self.default_params or json == {}
                or not self.base_url.startswith(("http://", "https://"))
                or (body_args is not None and "token" in body_args)
                or not all(type(h) in PLAIN_HANDLERS for h in self.retry_handlers)
                or self._logger.isEnabledFor(logging.DEBUG)):
            return super().api_call(api_method, **full)  # type: ignore[arg-type]
        url = self._urls.get(api_method)
        if url is None:
            show_deprecation_warning_if_any(api_method)  # once per method: it depends on the name alone
            url = self._urls[api_method] = _get_url(self.base_url, api_method)
        if json is not None:
            body: bytes | None = json_dumps(json).encode("utf-8")
            sent = {"headers": self._headers_for(True), "data": {}, "params": {}, "files": None, "json": json}
        else:
            form = convert_bool_to_0_or_1({k: v for k, v in (params or {}).items() if v is not None}) or {}
            body = urlencode(form).encode("utf-8") if form else None
            sent = {"headers": self._headers_for(False), "data": {}, "params": dict(form), "files": None,
                    "json": None}
        try:
            resp, raw = self._exchange(url, body, sent["headers"])
        except Exception as exc:  # noqa: BLE001 - slack_sdk decides: retried or raised, as its own attempt's
            return self._replay(exc, api_method, full)
        content_type, charset = self._content_type(resp.headers)
        text = raw.decode(charset or "utf-8") if 200 <= resp.status < 300 else ""
        if not text.startswith("{") or content_type == "application/gzip":
            return self._replay((resp, raw), api_method, full)
        try:
            parsed = json_loads(text)
        except ValueError:
            return self._replay((resp, raw), api_method, full)
        return SlackResponse(client=self, http_verb="POST", api_url=url, req_args=sent, data=parsed,
                             headers=response_headers(resp.headers), status_code=resp.status).validate()

    def _content_type(self, headers: Message) -> tuple[str, str | None]:
        """(type, charset) as the email package reads the response's Content-Type, read once per distinct value."""
        raw = headers.get("content-type")
        if raw is None:
            return headers.get_content_type(), headers.get_content_charset()
        known = self._types.get(raw)
        if known is None:
            alone = Message()
            alone["Content-Type"] = raw
            known = (alone.get_content_type(), alone.get_content_charset())
            if len(self._types) >= KNOWN_TYPES:
                self._types.clear()
            self._types[raw] = known
        return known

    def _replay(self, outcome: Any, api_method: str, full: dict[str, Any]) -> SlackResponse:
        """slack_sdk's full path for this call, its first attempt being the outcome the short path got."""
        self._local.replay = outcome
        try:
            return super().api_call(api_method, **full)
        finally:
            self._local.replay = None

    def _headers_for(self, has_json: bool) -> dict[str, str]:
        """The request headers slack_sdk would build for this token and body type (built by it, kept)."""
        key = (self.token, has_json, tuple(self.headers.items()))
        known = self._headers.get(key)
        if known is None:
            args = _build_req_args(token=self.token, http_verb="POST", files=None, data=None,  # type: ignore[arg-type]
                                   default_params={}, params=None, json={} if has_json else None,  # type: ignore[arg-type]
                                   headers=dict(self.headers), auth=None, ssl=self.ssl, proxy=None)  # type: ignore[arg-type]
            known = self._build_urllib_request_headers(token=self.token, has_json=has_json,  # type: ignore[arg-type]
                                                       has_files=False, additional_headers=args["headers"])
            known["Content-Type"] = JSON_TYPE if has_json else FORM_TYPE
            if len(self._headers) > 16:
                self._headers.clear()
            self._headers[key] = known
        return dict(known)

