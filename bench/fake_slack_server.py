"""A lean Slack-compatible Web API server for the benchmarks, in its own process (asyncio, raw HTTP/1.1).

tests/slack/fake_slack.py keeps every message and call with its arguments, which is right for tests but
grows and scans under 100k deliveries; this one answers the methods the bot uses in O(1) and keeps only
what the benchmarks read: every chat.postMessage (monotonic receive time, channel, thread, what it is),
method counts and 429s. Like Slack it can rate-limit chat.postMessage per channel (a token bucket of
`rate` per second with `burst` tokens) and answers HTTP 429 with Retry-After then.

Timestamps are time.monotonic(), which on Linux is one clock for every process: the load generator's send
times and these receive times can be subtracted.

    python -m bench.fake_slack_server [--port 0]   # prints "listening http://127.0.0.1:PORT"

Control endpoints (JSON): GET /_bench/posts?since=N (posts from index N and the counters), GET
/_bench/stats, POST /_bench/config {"rate": 1.0, "burst": 3, "methods": ["chat.postMessage"]} (rate 0
turns limiting off), POST /_bench/reset.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import re
import resource
import signal
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

URL_ID = re.compile(rb"bench\.example/status/(\d+)")
STEP_MARKERS = (b"step_done", b"step_input", b"step_skip")
INTRO_MARKER = b"kind_select"


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.posts: list[list[Any]] = []  # [t, channel, thread_ts, what, url_id, ts]
        self.ephemerals: list[list[Any]] = []  # [t, channel, user, thread_ts]
        self.counts: Counter[str] = Counter()
        self.limited: Counter[str] = Counter()  # channel -> 429s answered
        self.limited_at: list[list[Any]] = []  # [t, channel] of each 429
        self.updates: Counter[str] = Counter()  # channel -> chat.update calls
        self.updated_at: list[list[Any]] = []  # [t, channel, ts, text] of each chat.update
        self.buckets: dict[str, list[float]] = {}
        self.rate = 0.0
        self.burst = 3.0
        self.methods = {"chat.postMessage"}
        self.ts = itertools.count(1)
        self.started = time.monotonic()

    def next_ts(self) -> str:
        n = next(self.ts)
        return f"{1763600000 + n // 1000}.{n % 1000:03d}{os.getpid() % 1000:03d}"

    def take(self, channel: str, now: float) -> float:
        """0 when a post may go now, else the seconds until one may (Retry-After)."""
        if self.rate <= 0:
            return 0.0
        tokens, last = self.buckets.get(channel, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[channel] = [tokens - 1.0, now]
            return 0.0
        self.buckets[channel] = [tokens, now]
        return (1.0 - tokens) / self.rate


STATE = State()


def _args(path_query: str, content_type: str, body: bytes) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(path_query).items()}
    if body:
        if "json" in content_type:
            try:
                args.update(json.loads(body))
            except ValueError:
                pass
        else:
            args.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    return args


def _what(body: bytes) -> str:
    if any(marker in body for marker in STEP_MARKERS):
        return "step"
    if INTRO_MARKER in body:
        return "intro"
    return "other"


def api(method: str, query: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
    state = STATE
    now = time.monotonic()
    state.counts[method] += 1
    args = _args(query, content_type, body)
    if method == "chat.postMessage":
        channel = str(args.get("channel") or "")
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]
        wait = state.take(channel, now) if method in state.methods else 0.0
        if wait > 0:
            state.limited[channel] += 1
            state.limited_at.append([now, channel])
            state.counts["429"] += 1
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}
        ts = state.next_ts()
        match = URL_ID.search(body)
        state.posts.append([now, channel, args.get("thread_ts"), _what(body),
                            int(match.group(1)) if match else None, ts])
        return 200, {"ok": True, "channel": channel, "ts": ts,
                     "message": {"type": "message", "ts": ts, "bot_id": "B_BOT", "user": "U_BOT"}}, {}
    if method == "chat.update":
        state.updates[str(args.get("channel") or "")] += 1
        state.updated_at.append([now, str(args.get("channel") or ""), str(args.get("ts") or ""),
                                 str(args.get("text") or "")[:300]])
        return 200, {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}, {}
    if method == "chat.postEphemeral":
        state.ephemerals.append([now, str(args.get("channel") or ""), str(args.get("user") or ""),
                                 args.get("thread_ts")])
        return 200, {"ok": True, "message_ts": state.next_ts()}, {}
    if method == "chat.getPermalink":
        channel, ts = args.get("channel"), str(args.get("message_ts") or "")
        return 200, {"ok": True, "channel": channel,
                     "permalink": f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"}, {}
    if method == "users.info":
        user = str(args.get("user") or "U")
        name = f"職員 {user[-4:]}"
        return 200, {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": name,
                                          "profile": {"display_name": name, "real_name": name}}}, {}
    if method == "auth.test":
        return 200, {"ok": True, "url": "https://fake.slack.test/", "team": "Bench", "user": "incident-bot",
                     "team_id": "T_BENCH", "user_id": "U_BOT", "bot_id": "B_BOT"}, {}
    if method == "usergroups.users.list":
        return 200, {"ok": True, "users": []}, {}
    if method in ("conversations.history", "conversations.replies"):
        return 200, {"ok": True, "messages": [], "has_more": False}, {}
    if method in ("reactions.add", "views.open", "views.update"):
        return 200, {"ok": True}, {}
    return 200, {"ok": False, "error": "unknown_method"}, {}


def control(path: str, query: str, body: bytes) -> dict[str, Any]:
    state = STATE
    if path == "/_bench/posts":
        since = int(parse_qs(query).get("since", ["0"])[0])
        return {"posts": state.posts[since:], "next": len(state.posts), "limited_at": state.limited_at,
                "ephemerals": state.ephemerals, "updated_at": state.updated_at, **_stats()}
    if path == "/_bench/stats":
        return _stats()
    if path == "/_bench/config":
        config = json.loads(body or b"{}")
        state.rate = float(config.get("rate", state.rate))
        state.burst = float(config.get("burst", state.burst))
        state.methods = set(config.get("methods", state.methods))
        state.buckets.clear()
        return {"ok": True, "rate": state.rate, "burst": state.burst}
    if path == "/_bench/reset":
        state.reset()
        return {"ok": True}
    return {"ok": False, "error": "not_found"}


def _stats() -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"counts": dict(STATE.counts), "ratelimited": dict(STATE.limited), "updates": dict(STATE.updates),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "uptime_seconds": round(time.monotonic() - STATE.started, 3)}


class HttpProtocol(asyncio.Protocol):
    """Just enough HTTP/1.1: Content-Length bodies, keep-alive unless the client asks to close."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            parts = head[0].split(" ")
            version = parts[2] if len(parts) > 2 else "HTTP/1.0"
            target = parts[1] if len(parts) > 1 else "/"
            path, _, query = target.partition("?")
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            extra: dict[str, str] = {}
            if path.startswith("/api/"):
                status, answer, extra = api(path[5:], query, headers.get("content-type", ""), body)
            elif path.startswith("/_bench/"):
                status, answer = 200, control(path, query, body)
            else:
                status, answer = 404, {"ok": False, "error": "not_found"}
            data = json.dumps(answer).encode()
            reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}[status]
            lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json; charset=utf-8",
                     f"Content-Length: {len(data)}"] + [f"{k}: {v}" for k, v in extra.items()]
            if close:
                lines.append("Connection: close")
            self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            if close:
                self.transport.close()
                return


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = await loop.create_server(HttpProtocol, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()
    print(f"listening http://{bound[0]}:{bound[1]}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_slack_server", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
