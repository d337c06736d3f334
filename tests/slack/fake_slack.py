"""A local Slack-compatible Web API server for tests: real HTTP on 127.0.0.1, every call recorded.

Point `WebClient(base_url=fake.url + "/api/")` (or SLACK_API_URL) at it. It keeps the messages the bot
posts (and ones a test seeds as if users had written them) so chat.update, conversations.history/replies
and chat.getPermalink behave like Slack's. `rate_limit("chat.postMessage", times=1)` answers the next
calls with HTTP 429 and Retry-After: 1; `fail("chat.postMessage", "not_in_channel")` with an API error.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_USER = "U_BOT"
BOT_ID = "B_BOT"
TEAM = "T_TEST"


@dataclass
class Call:
    """One recorded request."""

    method: str  # Web API method ("chat.postMessage"), or "upload"/"response_url" for non-API posts
    args: dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # the raw request body

    @property
    def params(self) -> dict[str, Any]:
        """The call's arguments (the name the summary and audit tests use)."""
        return self.args


class FakeSlack:
    """The Web API methods the bot uses, on a real socket, with recorded calls and injectable failures."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.reactions: set[tuple[str, str, str]] = set()
        self.views: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes PUT to its upload URL
        self.file_names: dict[str, str] = {}  # file id -> the filename given to files.getUploadURLExternal
        self.shared: list[dict[str, Any]] = []  # files completed into a conversation, in order
        self._rate_limits: dict[str, int] = {}
        self._failures: dict[str, list[str]] = {}
        self._removed: set[str] = set()  # channels the bot was removed from (remove_bot)
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-slack", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    @property
    def base_url(self) -> str:
        return self.api_url

    def methods(self) -> list[str]:
        """The names of the calls received, in order."""
        with self._cond:
            return [call.method for call in self.calls]

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test controls -------------------------------------------------------------------------------------------
    def rate_limit(self, method: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and Retry-After: 1."""
        with self._cond:
            self._rate_limits[method] = self._rate_limits.get(method, 0) + times

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with {"ok": false, "error": error}."""
        with self._cond:
            self._failures.setdefault(method, []).extend([error] * times)

    def remove_bot(self, channel: str) -> None:
        """The bot was removed from a channel: every later chat.postMessage there answers not_in_channel."""
        with self._cond:
            self._removed.add(channel)

    def add_user(self, user_id: str, display_name: str) -> None:
        self.users[user_id] = {"id": user_id, "name": user_id.lower(), "real_name": display_name,
                               "profile": {"display_name": display_name, "real_name": display_name}}

    def add_message(self, channel: str, text: str, user: str, thread_ts: str | None = None,
                    ts: str | None = None) -> dict[str, Any]:
        """A message as if a user had posted it (for reactions and shortcuts to find)."""
        with self._cond:
            ts = ts or self._next_ts()
            message = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.messages[(channel, ts)] = message
            return dict(message)

    def new_ts(self) -> str:
        with self._cond:
            return self._next_ts()

    # -- reading the record ----------------------------------------------------------------------------------------
    def calls_to(self, method: str, ok_only: bool = True, **where: Any) -> list[Call]:
        """Recorded calls of a method (answered with 200 unless ok_only is False) whose args match `where`."""
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and (c.status == 200 or not ok_only)
                and all(c.args.get(k) == v for k, v in where.items())]

    def wait_for(self, predicate: Callable[[FakeSlack], bool], timeout: float = 10.0) -> None:
        """Block until predicate(fake) holds (checked after every call), or fail."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"fake Slack: condition not met within {timeout}s; calls: "
                                         f"{[c.method for c in self.calls]}")
                self._cond.wait(remaining)

    def thread_messages(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Bot messages posted into a thread, in order (current content, after updates)."""
        with self._cond:
            found = [m for m in self.messages.values()
                     if m["channel"] == channel and m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
        return copy.deepcopy(sorted(found, key=lambda m: float(m["ts"])))

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a channel, in order."""
        with self._cond:
            found = [m for m in self.messages.values()
                     if m["channel"] == channel and m.get("thread_ts") in (None, m["ts"])]
        return copy.deepcopy(sorted(found, key=lambda m: float(m["ts"])))

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A message's current content (a snapshot)."""
        with self._cond:
            return copy.deepcopy(self.messages[(channel, ts)])

    def outgoing_text(self) -> str:
        """Everything the bot sent (texts, blocks, views) as one JSON string, for leak/escape assertions."""
        with self._cond:
            sent = [c.args for c in self.calls if c.method not in ("auth.test", "users.info")]
        return json.dumps(sent, ensure_ascii=False)

    # -- internals ---------------------------------------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"{1763427600 + next(self._ts)}.{next(self._ids):06d}"

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _take(self, table: dict[str, Any], method: str) -> Any:
        with self._cond:
            value = table.get(method)
            if not value:
                return None
            if isinstance(value, int):
                table[method] = value - 1
                return True
            return value.pop(0)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _args(self, raw: bytes) -> dict[str, Any]:
                kind = self.headers.get("Content-Type", "")
                query = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
                if "application/json" in kind and raw:
                    return {**query, **json.loads(raw.decode("utf-8"))}
                if raw and "multipart" not in kind and "octet-stream" not in kind:
                    form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
                    for key in ("blocks", "view", "attachments"):
                        if isinstance(form.get(key), str):
                            try:
                                form[key] = json.loads(form[key])
                            except json.JSONDecodeError:
                                pass
                    return {**query, **form}
                return query

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8"
                                 if not isinstance(body, bytes) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._dispatch(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._dispatch(self.rfile.read(length) if length else b"")

            def _dispatch(self, raw: bytes) -> None:
                path = urlparse(self.path).path
                headers = {**dict(self.headers.items()), **{k.lower(): v for k, v in self.headers.items()}}
                if path.startswith("/upload/"):
                    fake.uploads[path.rsplit("/", 1)[1]] = raw
                    fake._record(Call("upload", {"file_id": path.rsplit("/", 1)[1], "size": len(raw)}, 200, body=raw))
                    self._send(200, b"OK")
                    return
                if path.startswith("/hooks/"):
                    args = json.loads(raw.decode("utf-8")) if raw else {}
                    fake._record(Call("response_url", {**args, "hook": path}, 200, headers=headers))
                    self._send(200, b"ok")
                    return
                if not path.startswith("/api/"):
                    self._send(404, {"ok": False, "error": "not_found"})
                    return
                method = path[len("/api/"):]
                args = self._args(raw)
                if "authorization" in headers:
                    args.setdefault("_token", headers["authorization"].removeprefix("Bearer "))
                if fake._take(fake._rate_limits, method):
                    fake._record(Call(method, args, 429, headers=headers, body=raw))
                    self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    return
                error = fake._take(fake._failures, method)
                if error:
                    fake._record(Call(method, args, 200, headers=headers, body=raw))
                    self._send(200, {"ok": False, "error": error})
                    return
                answer = fake._answer(method, args)
                fake._record(Call(method, args, 200, headers=headers, body=raw))
                self._send(200, answer)

        return Handler

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self._cond:
            return handler(args)  # type: ignore[no-any-return]

    # -- Web API methods ------------------------------------------------------------------------------------------
    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Test", "user": "incident-bot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}

    def _channel_of(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_of(str(args.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self._removed:
            return {"ok": False, "error": "not_in_channel"}
        thread = args.get("thread_ts")
        if thread and (channel, thread) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "channel": channel, "ts": ts, "user": BOT_USER, "bot_id": BOT_ID,
                   "text": args.get("text", ""), "blocks": args.get("blocks") or []}
        if thread:
            message["thread_ts"] = thread
            parent = self.messages[(channel, thread)]
            parent.setdefault("thread_ts", thread)
        metadata = args.get("metadata")
        if metadata:  # message metadata, returned by history/replies only with include_all_metadata
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    @staticmethod
    def _listed(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        if str(args.get("include_all_metadata", "")).lower() in ("1", "true"):
            return messages
        return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        message = self.messages[key]
        message["text"] = args.get("text", message.get("text"))
        if "blocks" in args:
            message["blocks"] = args["blocks"] or []
        message["edited"] = True
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"]}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("message_ts"))
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel,
                "permalink": f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        latest, oldest = float(args.get("latest") or 1e12), float(args.get("oldest") or 0)
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        found = [m for (c, _), m in self.messages.items() if c == channel and m.get("thread_ts") in (None, m["ts"])
                 and (oldest <= float(m["ts"]) <= latest if inclusive else oldest < float(m["ts"]) < latest)]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {"ok": True, "messages": self._listed(found[: int(args.get("limit") or 100)], args), "has_more": False}

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        message = self.messages.get((channel, ts))
        if message is None:
            return {"ok": False, "error": "thread_not_found"}
        root = message.get("thread_ts") or ts
        latest, oldest = float(args.get("latest") or 1e12), float(args.get("oldest") or 0)
        thread = [m for (c, _), m in self.messages.items() if c == channel and m.get("thread_ts") == root
                  and m["ts"] != root and oldest <= float(m["ts"]) <= latest]
        thread.sort(key=lambda m: float(m["ts"]))
        parent = self.messages.get((channel, root))
        return {"ok": True, "messages": self._listed(([parent] if parent else []) + thread, args), "has_more": False}

    def _m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")), str(args.get("name")))
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.add(key)
        message = self.messages.get(key[:2])
        if message is not None:  # as conversations.history shows it
            entry = next((r for r in message.setdefault("reactions", []) if r["name"] == key[2]), None)
            if entry is None:
                message["reactions"].append({"name": key[2], "users": [BOT_USER], "count": 1})
            else:
                entry["users"].append(BOT_USER)
                entry["count"] += 1
        return {"ok": True}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        view["id"] = f"V{next(self._ids):05d}"
        self.views.append(view)
        return {"ok": True, "view": view}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(args)

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup"))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):05d}"
        self.file_names[file_id] = str(args["filename"])
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = args.get("channel_id")
        if channel and str(channel).startswith(("U", "W")):
            return {"ok": False, "error": "invalid_channel"}  # Slack wants a conversation id, not a user id
        if any(f.get("id") not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}  # completed before its bytes were uploaded
        for f in files:
            self.shared.append({"id": f["id"], "title": f.get("title"), "filename": self.file_names.get(f["id"]),
                                "channel": channel, "thread_ts": args.get("thread_ts"),
                                "comment": args.get("initial_comment"), "data": self.uploads[f["id"]]})
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}

    def files_in(self, channel: str) -> list[dict[str, Any]]:
        """Files completed into a conversation (their bytes under "data")."""
        with self._cond:
            return [dict(f) for f in self.shared if f["channel"] == channel]
