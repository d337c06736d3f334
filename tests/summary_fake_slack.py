"""A minimal Slack-compatible Web API server for the summary tests; it records every call."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    """One recorded request."""

    method: str  # Web API method name, or "upload" for the bytes POSTed to an upload URL
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeSlack:
    """Answers chat.postMessage, chat.getPermalink and the three files_upload_v2 calls; `calls` lists them in order."""

    calls: list[Call] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def methods(self) -> list[str]:
        """The names of the calls received, in order."""
        return [call.method for call in self.calls]

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path.startswith("/upload/"):
                    fake._record(Call("upload", {"file_id": self.path.rsplit("/", 1)[-1]}, dict(self.headers), body))
                    self._send(200, f"OK - {len(body)}".encode(), "text/plain")
                    return
                method = self.path.removeprefix("/api/").split("?", 1)[0]
                params = _params(self.headers.get("Content-Type", ""), body)
                fake._record(Call(method, params, dict(self.headers), body))
                self._send(200, json.dumps(fake._answer(method, params)).encode(), "application/json")

            def _send(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            count = sum(1 for c in self.calls if c.method == method)
            return {"ok": True, "channel": params.get("channel"), "ts": f"1700000000.{count:06d}"}
        if method == "chat.getPermalink":
            if params.get("channel") == "C_GONE":
                return {"ok": False, "error": "channel_not_found"}
            ts = str(params.get("message_ts", "")).replace(".", "")
            return {"ok": True, "channel": params.get("channel"),
                    "permalink": f"https://example.slack.com/archives/{params.get('channel')}/p{ts}"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": self.base_url.replace("/api/", "/upload/F0001"), "file_id": "F0001"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if "application/json" in content_type:
        return dict(json.loads(body or b"{}"))
    return {key: values[0] for key, values in parse_qs(body.decode("utf-8")).items()}
