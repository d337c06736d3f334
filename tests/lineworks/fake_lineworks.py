"""A local LINE WORKS-compatible API server for tests: real HTTP on 127.0.0.1, every call recorded.

It issues service-account tokens (checking the signed JWT against the test key, the client id and secret)
and refresh tokens, accepts bot messages to rooms and users (checking the bearer token and the content
limits, answering 201), answers directory look-ups, and takes attachments (POST /bots/{id}/attachments
gives an upload URL and a file id; the bytes are then posted there as multipart `Filedata`).
Controls: `rate_limit()` answers the next sends with 429, `revoke_tokens()` makes every issued access token
invalid (as after expiry: 401), `fail_next()` answers the next send with any status and code, `remove_bot()` refuses
every send to a room the bot was removed from;
`wait_until()` waits for what a bot in another thread or process sends.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import jwt

from tests.lineworks.limits import problems


@dataclass
class Call:
    """One recorded request."""

    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Posted:
    """A message the bot sent."""

    kind: str  # "channel" or "user"
    target: str
    content: dict[str, Any]


class FakeLineWorks:
    """Token endpoint, Bot message API and user look-up, on a real socket."""

    def __init__(self, *, public_key: str, client_id: str, client_secret: str, service_account: str,
                 bot_id: str, expires_in: str = "86400", clock: Callable[[], float] = time.time) -> None:
        self.public_key = public_key
        self.client_id, self.client_secret = client_id, client_secret
        self.service_account, self.bot_id = service_account, bot_id
        self.expires_in = expires_in
        self.clock = clock  # judges iat/exp, so tests can move time without waiting
        self.calls: list[Call] = []
        self.posted: list[Posted] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> the uploaded bytes
        self.upload_types: dict[str, str] = {}  # file id -> the upload's Content-Type (multipart boundary)
        self._upload_slots: dict[str, str] = {}  # upload path -> file id (each used once)
        self.grants: list[str] = []  # grant types of successful token requests, in order
        self.refuse_refresh = False
        self._valid: set[str] = set()
        self._refresh: set[str] = set()
        self._seq = itertools.count(1)
        self._rate_limits: list[dict[str, str]] = []
        self._failures: list[tuple[int, dict[str, Any]]] = []
        self._upload_failures: list[tuple[int, dict[str, Any]]] = []
        self._removed: dict[str, tuple[int, str]] = {}  # room -> the refusal of a send there (remove_bot)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified on every accepted message
        self._version = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-lineworks", daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v1.0"

    @property
    def auth_url(self) -> str:
        return self.url + "/oauth2/v2.0"

    def start(self) -> FakeLineWorks:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- controls -----------------------------------------------------------------------------------------------
    def rate_limit(self, times: int = 1, **headers: str) -> None:
        """Answer the next `times` sends with 429 and these headers (e.g. Retry_After="3")."""
        with self._lock:
            self._rate_limits += [{k.replace("_", "-"): v for k, v in headers.items()}] * times

    def fail_next(self, status: int, code: str, description: str = "") -> None:
        with self._lock:
            self._failures.append((status, {"code": code, "description": description}))

    def fail_next_attachment(self, status: int, code: str) -> None:
        """Answer the next attachment request (POST /bots/{id}/attachments) with this status and code."""
        with self._lock:
            self._upload_failures.append((status, {"code": code}))

    def remove_bot(self, channel: str, status: int = 403, code: str = "FORBIDDEN") -> None:
        """The bot was removed from a room: every later send there is refused with this status and code."""
        with self._lock:
            self._removed[channel] = (status, code)

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working (refresh tokens keep working)."""
        with self._lock:
            self._valid.clear()

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and "/messages" in c.path]

    def wait_until(self, condition: Callable[[FakeLineWorks], bool], timeout: float = 30.0) -> None:
        """Wait (on the server's notifications, not a sleep) until `condition(self)` holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                seen = self._version
                self._lock.release()  # the condition reads through methods that take the lock themselves
                try:
                    met = condition(self)
                finally:
                    self._lock.acquire()
                if met:
                    return
                if self._version != seen:
                    continue  # something arrived while the condition was evaluated: look again
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"condition not met within {timeout}s; sent: {len(self.posted)}")
                self._changed.wait(left)

    def add_user(self, user_id: str, last: str, first: str) -> None:
        self.users[user_id] = {"userId": user_id, "userName": {"lastName": last, "firstName": first}}

    def to(self, kind: str, target: str) -> list[dict[str, Any]]:
        """Contents sent to a room ("channel") or a user's 1:1 chat ("user"), in order."""
        with self._lock:
            return [p.content for p in self.posted if p.kind == kind and p.target == target]

    # -- request handling ------------------------------------------------------------------------------------
    def uploaded_file(self, file_id: str) -> tuple[str, bytes]:
        """(file name, bytes) of an uploaded attachment, read from its multipart `Filedata` part."""
        with self._lock:
            raw, content_type = self.uploads[file_id], self.upload_types[file_id]
        message = BytesParser(policy=default).parsebytes(b"Content-Type: " + content_type.encode("latin-1")
                                                         + b"\r\n\r\n" + raw)
        [part] = [part for part in message.iter_parts() if part.get_param("name", header="content-disposition")
                  == "Filedata"]
        return str(part.get_filename()), bytes(part.get_payload(decode=True))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def _reply(self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None,
                       record: Any = None) -> None:
                payload = json.dumps(body).encode() if body is not None else b""
                with fake._lock:  # recorded before answering, so a test that has the answer sees the call
                    fake.calls.append(Call(self.command, urlparse(self.path).path, status, record,
                                           dict(self.headers.items())))
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                path = urlparse(self.path).path
                raw = self._body()
                if path == "/oauth2/v2.0/token":
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    status, body = fake._token(form)
                    return self._reply(status, body, record=form)
                parts = path.split("/")  # "", "v1.0", "bots", id, "channels"|"users", target, "messages"
                if len(parts) == 5 and parts[1] == "v1.0" and parts[2] == "bots" and parts[4] == "attachments":
                    status, answer = fake._attachment(self.headers.get("Authorization", ""), raw)
                    return self._reply(status, answer, record=answer)
                if path.startswith("/upload/"):
                    status = fake._upload(path, self.headers.get("Authorization", ""),
                                          self.headers.get("Content-Type", ""), raw)
                    return self._reply(status, {} if status < 300 else {"code": "BAD_REQUEST"})
                if len(parts) == 7 and parts[1] == "v1.0" and parts[2] == "bots" and parts[6] == "messages":
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        return self._reply(400, {"code": "BAD_REQUEST"})
                    status, answer, headers = fake._send(self.headers.get("Authorization", ""), parts[3],
                                                         parts[4], unquote(parts[5]), body)
                    return self._reply(status, answer, headers, record=body)
                return self._reply(404, {"code": "NOT_FOUND"})

            def do_GET(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                if path.startswith("/v1.0/users/"):
                    if not fake._authorized(self.headers.get("Authorization", "")):
                        return self._reply(401, {"code": "UNAUTHORIZED"})
                    user = fake.users.get(unquote(path.rsplit("/", 1)[1]))
                    return self._reply(200, user) if user else self._reply(404, {"code": "NOT_FOUND"})
                return self._reply(404, {"code": "NOT_FOUND"})

        return Handler

    def _issue(self, grant: str, refresh: str | None = None) -> dict[str, Any]:
        number = next(self._seq)
        token = f"access-{number}"
        refresh = refresh or f"refresh-{number}"
        with self._lock:
            self._valid.add(token)
            self._refresh.add(refresh)
            self.grants.append(grant)
        return {"access_token": token, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": self.expires_in, "scope": "bot user.read"}

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if self.refuse_refresh or form.get("refresh_token") not in self._refresh:
                return 400, {"error": "invalid_grant", "error_description": "refresh token is not valid"}
            return 200, self._issue("refresh_token", form["refresh_token"])
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not form.get("scope"):
            return 400, {"error": "invalid_request", "error_description": "grant_type or scope"}
        try:
            claims = jwt.decode(form.get("assertion", ""), self.public_key, algorithms=["RS256"],
                                options={"require": ["iss", "sub", "iat", "exp"], "verify_iat": False,
                                         "verify_exp": False})
        except jwt.PyJWTError as exc:
            return 400, {"error": "invalid_grant", "error_description": f"assertion: {exc}"}
        if claims["iss"] != self.client_id or claims["sub"] != self.service_account:
            return 400, {"error": "invalid_grant", "error_description": "iss/sub"}
        now = self.clock()
        if claims["iat"] > now + 60 or claims["exp"] <= now:
            return 400, {"error": "invalid_grant", "error_description": "assertion is not valid now"}
        if not 0 < claims["exp"] - claims["iat"] <= 3600:
            return 400, {"error": "invalid_grant", "error_description": "exp must be within an hour of iat"}
        return 200, self._issue("jwt")

    def _attachment(self, auth: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        if not self._authorized(auth):
            return 401, {"code": "UNAUTHORIZED"}
        with self._lock:
            if self._upload_failures:
                return self._upload_failures.pop(0)
        try:
            name = json.loads(raw).get("fileName")
        except (ValueError, AttributeError):
            name = None
        if not isinstance(name, str) or not name:
            return 400, {"code": "INVALID_PARAMETER", "description": "fileName"}
        number = next(self._seq)
        file_id = f"jp1.{number}.{self.bot_id}"
        with self._lock:
            self._upload_slots[f"/upload/{number}/{name}"] = file_id
        return 200, {"fileId": file_id, "uploadUrl": f"{self.url}/upload/{number}/{name}"}

    def _upload(self, path: str, auth: str, content_type: str, raw: bytes) -> int:
        if not self._authorized(auth):
            return 401
        with self._lock:
            file_id = self._upload_slots.pop(path, None)
        if file_id is None or not content_type.startswith("multipart/form-data") or b'name="Filedata"' not in raw:
            return 400
        with self._lock:
            self.uploads[file_id] = raw
            self.upload_types[file_id] = content_type
        return 201

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        with self._lock:
            return scheme == "Bearer" and token in self._valid

    def _send(self, auth: str, bot_id: str, collection: str, target: str,
              body: Any) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if not self._authorized(auth):
            return 401, {"code": "UNAUTHORIZED", "description": "token is not valid"}, {
                "WWW-Authenticate": 'Bearer error="invalid_token"'}
        with self._lock:
            if self._rate_limits:
                return 429, {"code": "TOO_MANY_REQUESTS", "description": "API rate limit exceeded"}, \
                    self._rate_limits.pop(0)
            if self._failures:
                status, answer = self._failures.pop(0)
                return status, answer, {}
        if bot_id != self.bot_id:
            return 404, {"code": "NOT_FOUND", "description": "bot"}, {}
        if collection not in ("channels", "users"):
            return 404, {"code": "NOT_FOUND"}, {}
        if collection == "channels" and target in self._removed:
            status, code = self._removed[target]
            return status, {"code": code, "description": "the bot is not a member of the channel"}, {}
        content = body.get("content") if isinstance(body, dict) else None
        found = problems(content)
        if found:
            return 400, {"code": "INVALID_PARAMETER", "description": "; ".join(found)}, {}
        with self._lock:
            self.posted.append(Posted("channel" if collection == "channels" else "user", target, content))
            self._version += 1
            self._changed.notify_all()
        return 201, None, {}
