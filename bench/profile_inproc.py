"""CPU per delivery in one thread, deterministic: the real Slack WSGI app (gate, Bolt, listeners, core, delivery
plan and runner) called in-process with signed deliveries, every job run inline, under cProfile; the Web API is
bench/fake_slack_server.py in its own process. Complements bench_costs (a real server under load, all threads).

    python -m bench.profile_inproc [--kinds chatter,report_new] [--count 200] [--top 30] [--sort tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from bench import servers
from bench.loadgen import Bodies

KINDS = ("chatter", "dm_chatter", "report_new", "dm_report", "report_repeat", "retry")


class Inline:
    """An executor that runs each job at once in the caller's thread (so one profiler sees all the work)."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def shutdown(self, wait: bool = True) -> None:
        return None


def environ(body: bytes, head: bytes) -> dict[str, Any]:
    """A WSGI environ from the generator's signed request (its header lines)."""
    env: dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
                           "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
                           "wsgi.input": io.BytesIO(body)}
    for line in head.decode().split("\r\n")[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            env["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    return env


def build(tmp: Path, fake: servers.FakeSlack) -> Any:
    """The WSGI app `serve` builds, on a SQLite file, with an inline executor."""
    os.environ.update(SLACK_BOT_TOKEN=servers.TOKEN, SLACK_SIGNING_SECRET=servers.SECRET, SLACK_API_URL=fake.api_url,
                      DATABASE_URL=f"sqlite:///{tmp / 'bot.db'}")
    from bot.adapters.slack import build_slack_app
    from bot.adapters.slack.cli import wsgi_app
    from bot.config import load_config
    from bot.wiring import build_runtime

    runtime = build_runtime(load_config(servers.bot_config(tmp, servers.unpaced())))
    return wsgi_app(build_slack_app(runtime, listener_executor=Inline()), runtime.engine)  # type: ignore[arg-type]


class Sender:
    """Signed deliveries of one kind, fed to the WSGI app; report URLs 1..50 are reported first (warm-up)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.runs = 0
        self.next_url = 1000

    def plan(self, kind: str, count: int) -> list[tuple[float, str, str, int | None, int]]:
        rows: list[tuple[float, str, str, int | None, int]] = []
        for i in range(count):
            url: int | None = None
            if kind in ("report_new", "dm_report"):
                url, self.next_url = self.next_url, self.next_url + 1
            elif kind == "report_repeat":
                url = 1 + i % 50
            rows.append((0.0, kind, f"U_B{i % 200:04d}", url, i % 50 if kind == "retry" else -1))
        return rows

    def send(self, kind: str, count: int, profiler: cProfile.Profile | None = None,
             started: Callable[[], None] | None = None) -> float:
        """CPU ms per delivery (process time of this thread's work, profiled when asked); `started` is called
        when the measured deliveries begin (after the unmeasured first 50)."""
        self.runs += 1
        # The first 50 rows are the reports that retries redeliver (sent unmeasured, first).
        first = [(0.0, "report_repeat", f"U_B{i:04d}", 1 + i, -1) for i in range(50)]
        rows = first + self.plan(kind, count)
        bodies = Bodies({"url": "http://127.0.0.1:1/slack/events", "secret": servers.SECRET,
                         "texts": servers.texts(), "run": f"p{self.runs}", "seed": self.runs,
                         "ts_base": 1763000000 + self.runs * 100000}, rows)
        requests = [bodies.request(i)[0] for i in range(len(rows))]
        for raw in requests[:50]:
            self.deliver(raw, kind)
        if started is not None:
            started()
        cpu0 = time.process_time()
        if profiler is not None:
            profiler.enable()
        for raw in requests[50:]:
            self.deliver(raw, kind)
        if profiler is not None:
            profiler.disable()
        return (time.process_time() - cpu0) / max(count, 1) * 1000

    def deliver(self, raw: bytes, kind: str) -> None:
        head, _, body = raw.partition(b"\r\n\r\n")
        status: list[str] = []
        b"".join(self.app(environ(body, head), lambda s, h, e=None: status.append(s)))
        if not status or not status[0].startswith("200"):
            raise SystemExit(f"{kind}: {status}")


def warm_up(sender: Sender, names: bool = True) -> None:
    """URLs 1..50 reported (the posts merges and retries name), caches and statement caches warmed; with `names`,
    every bench user's display name looked up once (users.info is cached an hour: a reporter's name is
    normally known; without it 100 of 150 measured deliveries also paid a cold users.info call)."""
    sender.send("report_new", 0)  # URLs 1..50 reported for the first time: new incidents
    sender.send("report_new", 50)
    if names:  # DM chatter: the gate answers channel chatter before Bolt, without the sender's name
        sender.send("dm_chatter", 200)  # users U_B0000..U_B0199, one message each


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--dump", default="", help="also write each kind's pstats to DUMP.<kind> (for print_callees)")
    parser.add_argument("--no-profile", action="store_true", help="only time (CPU ms per delivery)")
    parser.add_argument("--cold-names", action="store_true", help="do not look the bench users' names up first")
    parser.add_argument("--whatif", default="", help="bench/whatif.py variants, e.g. sqlite-normal (measure only)")
    parser.add_argument("--commits", action="store_true",
                        help="also print database transactions committed per delivery (a second JSON line, first)")
    args = parser.parse_args(argv)
    if args.whatif:
        from bench.whatif import apply

        apply({v for v in args.whatif.split(",") if v})
    with tempfile.TemporaryDirectory(prefix="bench-inproc-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        try:
            sender = Sender(build(tmp, fake))
            warm_up(sender, names=not args.cold_names)
            results: dict[str, float] = {}
            commits: dict[str, float] = {}
            counted = [0]
            if args.commits:
                from sqlalchemy import event
                from sqlalchemy.engine import Engine

                event.listen(Engine, "commit", lambda conn: counted.__setitem__(0, counted[0] + 1))
            for kind in args.kinds.split(","):
                sender.send(kind, 20)
                profiler = None if args.no_profile else cProfile.Profile(time.thread_time)
                results[kind] = sender.send(kind, args.count, profiler, started=lambda: counted.__setitem__(0, 0))
                commits[kind] = counted[0] / max(args.count, 1)
                if profiler is not None:
                    if args.dump:
                        profiler.dump_stats(f"{args.dump}.{kind}")
                    text = io.StringIO()
                    pstats.Stats(profiler, stream=text).sort_stats(args.sort).print_stats(args.top)
                    print(f"== {kind}: {results[kind]:.2f} ms/delivery (profiled)\n{text.getvalue()}", flush=True)
            if args.commits:
                print("commits per delivery " + json.dumps({k: round(v, 2) for k, v in commits.items()}))
            print(json.dumps({k: round(v, 3) for k, v in results.items()}))
        finally:
            fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
