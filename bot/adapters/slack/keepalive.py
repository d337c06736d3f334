"""A Slack Web API client that keeps its HTTP connection alive (one per thread) instead of one per call."""

from __future__ import annotations

import http.client
import io
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient


class KeepAliveClient(WebClient):
    """A WebClient reusing one HTTP connection per thread (urllib opens one per call); otherwise as urllib."""

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
