"""Open-loop load generator: signed Slack event deliveries at a fixed rate over keep-alive HTTP/1.1 sockets.

Runs in its own process (asyncio, raw sockets, no HTTP library) so that it is not what gets measured:
every delivery has a scheduled time (start + i / rate) and is sent then whether or not earlier ones were
answered (open loop: a slow server cannot slow the offered load down, and waiting shows up as latency).
Latency is measured from the scheduled time to the end of the HTTP response, so the generator's own lag
(sent - scheduled, reported separately) would count against the server, never hide its slowness.

    python -m bench.loadgen SPEC.json OUT.json

The spec gives the URL, signing secret, rate and seconds (or an explicit plan), the delivery mix and the
texts. The output holds one row per delivery: [category, scheduled, sent, done, status, url_id, ts, user],
times in time.monotonic() seconds (one clock for all processes on Linux), plus the generator's CPU use and,
when asked, the server's VmRSS sampled every N deliveries.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import resource
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPORT_CATEGORIES = ("report_new", "report_repeat", "dm_report")
DEFAULT_MIX = {"report_new": 0.05, "report_repeat": 0.10, "dm_report": 0.02, "chatter": 0.60,
               "dm_chatter": 0.18, "retry": 0.05}
URL_HOST = "https://x.bench.example/status/"

Plan = list[tuple[float, str, str, int | None, int]]  # offset s, category, user, url_id, retry-of index


def build_plan(spec: dict[str, Any]) -> Plan:
    """Scheduled deliveries: `plan` given as is, else `rate` per second for `seconds` (or `count`) by `mix`."""
    if spec.get("plan") is not None:
        return [tuple(row) for row in spec["plan"]]  # type: ignore[misc]
    rng = random.Random(spec.get("seed", 1))
    rate = float(spec["rate"])
    count = int(spec.get("count") or round(rate * float(spec["seconds"])))
    mix = spec.get("mix") or DEFAULT_MIX
    names, weights = list(mix), [float(mix[name]) for name in mix]
    users = [f"U_B{n:04d}" for n in range(int(spec.get("users", 200)))]
    next_url = int(spec.get("url_base", 1))
    known_urls: deque[tuple[float, int]] = deque(((-1e9, u) for u in spec.get("repeat_urls", [])), maxlen=500)
    reports: deque[int] = deque(maxlen=200)
    plan: Plan = []

    def pick(pool: deque[Any], ready: Callable[[Any], bool]) -> Any:
        """A random recent item that is old enough, or None (a few tries only)."""
        for _ in range(8):
            candidate = pool[rng.randrange(len(pool))] if pool else None
            if candidate is not None and ready(candidate):
                return candidate
        return None

    for i in range(count):
        offset = i / rate
        category = rng.choices(names, weights)[0]
        url_id: int | None = None
        retry_of = -1
        if category == "report_repeat":
            found = pick(known_urls, lambda item, now=offset: now - item[0] >= 2.0)
            if found is not None:
                url_id = found[1]
            else:
                category = "report_new"
        if category == "retry":
            found = pick(reports, lambda j, now=offset: now - plan[j][0] >= 1.0)
            if found is not None:
                retry_of = found
            else:
                category = "chatter"
        if category in ("report_new", "dm_report"):
            url_id = next_url
            next_url += 1
            known_urls.append((offset, url_id))
        if category in REPORT_CATEGORIES:
            reports.append(i)
        plan.append((offset, category, rng.choice(users), url_id, retry_of))
    return plan


class Bodies:
    """Builds each delivery's body and headers (signed just before it is due)."""

    def __init__(self, spec: dict[str, Any], plan: Plan) -> None:
        self.spec = spec
        self.plan = plan
        self.secret = spec["secret"].encode()
        parts = urlsplit(spec["url"])
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
        self.report_texts = spec["texts"]["report"]
        self.chatter_texts = spec["texts"]["chatter"]
        self.channel = spec.get("report_channel", "C_REPORT")
        self.run = spec.get("run", "r")
        self.ts_base = int(spec.get("ts_base", 1763000000))
        self.built: dict[int, tuple[bytes, str]] = {}  # index -> (body, ts) of report deliveries (for retries)
        self.rng = random.Random(spec.get("seed", 1) + 7)
        self.keep_bodies = bool(spec.get("slack_retry_delays"))
        self.sent_bodies: dict[int, bytes] = {}

    def ts(self, i: int) -> str:
        return f"{self.ts_base + i // 1000}.{(i % 1000) * 1000 + 1:06d}"

    def event(self, i: int) -> tuple[bytes, str]:
        _, category, user, url_id, _ = self.plan[i]
        ts = self.ts(i)
        if category in ("report_new", "report_repeat", "dm_report"):
            text = f"{self.rng.choice(self.report_texts)} <{URL_HOST}{url_id}>"
        else:
            text = self.rng.choice(self.chatter_texts)
        dm = category.startswith("dm_")
        channel = f"D{user[1:]}" if dm else self.channel
        event = {"client_msg_id": f"{self.run}-{i:08d}-bench", "type": "message", "text": text, "user": user,
                 "ts": ts, "blocks": [{"type": "rich_text", "block_id": f"b{i % 9973}", "elements": [
                     {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
                 "team": "T_BENCH", "channel": channel, "event_ts": ts, "channel_type": "im" if dm else "channel"}
        body = {"token": "legacy-verification-token", "team_id": "T_BENCH", "context_team_id": "T_BENCH",
                "context_enterprise_id": None, "api_app_id": "A_BENCH", "event": event, "type": "event_callback",
                "event_id": f"Ev{self.run}{i:08d}", "event_time": int(float(ts)),
                "authorizations": [{"enterprise_id": None, "team_id": "T_BENCH", "user_id": "U_BOT",
                                    "is_bot": True, "is_enterprise_install": False}],
                "is_ext_shared_channel": False, "event_context": f"4-bench-{self.run}-{i}"}
        return json.dumps(body, ensure_ascii=False).encode("utf-8"), ts

    def retry(self, i: int, number: int) -> bytes:
        """Slack's redelivery of delivery i after a timeout: same body, fresh signature, X-Slack-Retry-Num."""
        body = self.sent_bodies[i]
        return self._signed(body, f"X-Slack-Retry-Num: {number}\r\nX-Slack-Retry-Reason: http_timeout\r\n")

    def _signed(self, body: bytes, extra: str = "") -> bytes:
        stamp = str(int(time.time()))
        signature = "v0=" + hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUser-Agent: Slackbot 1.0 "
                f"(+https://api.slack.com/robots)\r\nAccept: */*\r\nAccept-Encoding: gzip,deflate\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: {signature}\r\n{extra}\r\n")
        return head.encode() + body

    def request(self, i: int) -> tuple[bytes, str]:
        _, category, _, _, retry_of = self.plan[i]
        retry = ""
        if category == "retry" and retry_of in self.built:
            body, ts = self.built[retry_of]
            retry = "X-Slack-Retry-Num: 1\r\nX-Slack-Retry-Reason: http_timeout\r\n"
        else:
            body, ts = self.event(i)
            if category in REPORT_CATEGORIES:
                self.built[i] = (body, ts)
                if len(self.built) > 400:
                    self.built.pop(next(iter(self.built)))
        if self.keep_bodies:
            self.sent_bodies[i] = body
        return self._signed(body, retry), ts


class Pool:
    """Keep-alive connections, opened on demand up to a cap (Slack opens many in parallel)."""

    def __init__(self, host: str, port: int, cap: int) -> None:
        self.host, self.port, self.cap = host, port, cap
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.waiters: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.waiting = 0
        self.peak = 0

    async def get(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            conn = self.idle.pop()
            if not (conn[0].at_eof() or conn[1].is_closing()):
                return conn
            self.drop(conn)  # the server closed it while idle (its keep-alive timeout): like any client, reconnect
        if self.open < self.cap:
            self.open += 1
            self.peak = max(self.peak, self.open)
            try:
                return await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.open -= 1
                raise
        self.waiting += 1
        try:
            return await self.waiters.get()
        finally:
            self.waiting -= 1

    def put(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        if self.waiting:
            self.waiters.put_nowait(conn)
        else:
            self.idle.append(conn)

    def drop(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        self.open -= 1
        if conn is not None:
            conn[1].close()

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes) -> tuple[int, bool]:
    reader, writer = conn
    writer.write(data)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, close = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        key = key.strip().lower()
        if key == "content-length":
            length = int(value.strip())
        elif key == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    plan = build_plan(spec)
    bodies = Bodies(spec, plan)
    pool = Pool(bodies.host, bodies.port, int(spec.get("max_connections", 512)))
    timeout = float(spec.get("timeout", 10.0))
    rows: list[list[Any]] = [[] for _ in plan]
    rss: list[list[float]] = []
    rss_pid, rss_every = spec.get("rss_pid"), int(spec.get("rss_every", 10000))
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    retry_rows: list[list[Any]] = []
    slack_timeout = float(spec.get("slack_timeout", 3.0))
    retry_delays = [float(d) for d in spec.get("slack_retry_delays", [])]  # Slack: 0, 60, 300 s

    async def attempt(data: bytes, limit: float) -> tuple[int, float, float]:
        """Send on a pooled connection; (status, sent, done); -2 when no answer within `limit` (from now)."""
        t0 = loop.time()
        status, conn, sent = -1, None, t0
        try:
            conn = await asyncio.wait_for(pool.get(), limit)
            sent = loop.time()
            status, close = await asyncio.wait_for(_exchange(conn, data), max(0.001, limit - (sent - t0)))
            if close:
                pool.drop(conn)
            else:
                pool.put(conn)
        except TimeoutError:
            status = -2
            if conn is not None:
                pool.drop(conn)
        except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            status = -1
            if conn is not None:
                pool.drop(conn)
        return status, sent, loop.time()

    async def one(i: int, scheduled: float, data: bytes, ts: str) -> None:
        _, category, user, url_id, _ = plan[i]
        status, sent, done = await attempt(data, slack_timeout if retry_delays else timeout)
        rows[i] = [category, scheduled, sent, done, status, url_id, ts, user]
        for number, delay in enumerate(retry_delays, start=1):
            if status == 200:
                break
            await asyncio.sleep(delay)
            retry_at = loop.time()
            status, sent, done = await attempt(bodies.retry(i, number), slack_timeout)
            retry_rows.append(["slack_retry", retry_at, sent, done, status, url_id, ts, user, i, number])

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = loop.time() + 0.2
    lags: list[float] = []
    concurrency = int(spec.get("concurrency") or 0)
    if concurrency:
        # Bounded: at most `concurrency` deliveries in flight, none before its scheduled time (a slow server
        # makes the schedule slip instead of piling up requests; lag then shows the slip).
        indexes = iter(range(len(plan)))
        completed = 0

        async def worker() -> None:
            nonlocal completed
            for i in indexes:
                scheduled = start + plan[i][0]
                delay = scheduled - loop.time()
                if delay > 0.0005:
                    await asyncio.sleep(delay)
                data, ts = bodies.request(i)
                lags.append(loop.time() - scheduled)
                await one(i, scheduled, data, ts)
                completed += 1
                if rss_pid and completed % rss_every == 0:
                    rss.append([completed, _rss(rss_pid), loop.time() - start])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        for i, (offset, *_rest) in enumerate(plan):
            scheduled = start + offset
            delay = scheduled - loop.time()
            if delay > 0.0005:
                await asyncio.sleep(delay)
            data, ts = bodies.request(i)
            lags.append(loop.time() - scheduled)
            task = loop.create_task(one(i, scheduled, data, ts))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if rss_pid and (i + 1) % rss_every == 0:
                rss.append([i + 1, _rss(rss_pid), loop.time() - start])
    sent_all = loop.time()
    while tasks:
        await asyncio.wait(list(tasks), timeout=timeout + 1)
    end = loop.time()
    pool.close()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    lags.sort()
    return {"start": start, "sent_all": sent_all, "end": end, "rows": rows, "retries": retry_rows, "rss": rss,
            "generator": {"cpu_seconds": round(cpu, 3), "wall_seconds": round(end - start, 3),
                          "cpu_share_of_one_core": round(cpu / max(end - start, 1e-9), 3),
                          "connections_opened": pool.peak,
                          "lag_p50_ms": round(lags[len(lags) // 2] * 1000, 2) if lags else None,
                          "lag_p99_ms": round(lags[int(len(lags) * 0.99)] * 1000, 2) if lags else None,
                          "lag_max_ms": round(lags[-1] * 1000, 2) if lags else None}}


def _rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1.0


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result = asyncio.run(run(spec))
    Path(argv[1]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
