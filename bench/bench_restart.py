"""Recovery after `kill -9`, and thread wake-ups per delivery, of the real `serve` process (SQLite).

    python -m bench.bench_restart [--wakeups-only | --restart-only]

restart: every chat.postMessage is answered 429 (long Retry-After), so a new report's posts stay claimed; the bot
is killed with SIGKILL and started again on the same database: seconds from the restart command until PR's
channel gets the report's notice (a dead process's claims wait out the post lease unless taken over at start).
wakeups: context switches of all the process's threads per delivery of one kind (idle rate taken out); steadier
than CPU time on a loaded machine, and what waking idle worker threads costs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import servers
from bench.bench_ack import Runner
from bench.common import loadavg, log, write_result

WAKEUP_KINDS = (("report_new", 20), ("dm_chatter", 50), ("chatter", 100))


def switches(pid: int) -> int:
    """Voluntary and involuntary context switches of every thread of `pid` so far."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            lines = (task / "status").read_text().splitlines()
        except OSError:  # a thread that ended meanwhile
            continue
        total += sum(int(line.split()[1]) for line in lines
                     if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
    return total


def wakeups(tmp: Path, seconds: float) -> dict[str, Any]:
    fake, database = servers.FakeSlack(tmp), servers.Database("sqlite", tmp)
    bot = servers.start_bot(tmp, fake, database, slack=servers.unpaced())
    out: dict[str, Any] = {}
    try:
        runner = Runner("bot", bot, fake, tmp, processing=True)
        runner.level(20, 3)
        servers.wait_quiet(fake, quiet=0.5, limit=30)
        before, started = switches(bot.pid), time.monotonic()
        time.sleep(3.0)
        idle = (switches(bot.pid) - before) / (time.monotonic() - started)
        out["_idle_per_second"] = round(idle, 2)
        for kind, rate in WAKEUP_KINDS:
            log(f"wakeups: {kind} at {rate}/s")
            before, started = switches(bot.pid), time.monotonic()
            sent = runner.level(rate, seconds, mix={kind: 1.0})["sent"]
            servers.wait_quiet(fake, quiet=0.5, limit=30)
            spent = switches(bot.pid) - before - idle * (time.monotonic() - started)
            out[kind] = {"rate": rate, "deliveries": sent, "context_switches_per_delivery": round(spent / sent, 1)}
    finally:
        bot.stop()
        fake.stop()
        database.drop()
    return out


def restart(tmp: Path, limit: float = 200.0) -> dict[str, Any]:
    fake, database = servers.FakeSlack(tmp), servers.Database("sqlite", tmp)
    bot = servers.start_bot(tmp, fake, database)
    try:
        fake.rate_limit(0.0001, burst=0.0001)  # every post answered 429: the report's claims stay held
        Runner("bot", bot, fake, tmp, processing=False).level(1, 1, mix={"report_new": 1.0})
        deadline = time.monotonic() + 10
        while not fake.stats()["ratelimited"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the first post was tried (and held back): the report is claimed, nothing shown
        os.kill(bot.pid, signal.SIGKILL)
        bot.stop()
        fake.rate_limit(0)
        fake.reset()
        started = time.monotonic()
        bot = servers.start_bot(tmp, fake, database)
        up = time.monotonic() - started
        posts: list[list[Any]] = []
        while time.monotonic() - started < limit and not any(post[1] == servers.PR_CHANNEL for post in posts):
            posts += fake.posts()
            time.sleep(0.1)
        shown = any(post[1] == servers.PR_CHANNEL for post in posts)
        return {"process_start_seconds": round(up, 2),
                "pr_notice_after_restart_seconds": round(time.monotonic() - started, 2) if shown else None,
                "posts_after_restart": len(posts)}
    finally:
        bot.stop()
        fake.stop()
        database.drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per kind of delivery (wakeups)")
    parser.add_argument("--wakeups-only", action="store_true")
    parser.add_argument("--restart-only", action="store_true")
    args = parser.parse_args(argv)
    started, before = time.monotonic(), loadavg()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-restart-") as tmp:
        for name in ("w", "r"):
            (Path(tmp) / name).mkdir()
        if not args.restart_only:
            result["wakeups"] = wakeups(Path(tmp) / "w", args.seconds)
        if not args.wakeups_only:
            log("restart: kill -9 while a report's posts are held, then start again")
            result["restart"] = restart(Path(tmp) / "r")
    for kind, figures in result.get("wakeups", {}).items():
        if not kind.startswith("_"):
            print(f"{kind}: {figures['context_switches_per_delivery']} context switches per delivery")
    if "restart" in result:
        print(f"restart after kill -9: PR notice {result['restart']['pr_notice_after_restart_seconds']} s after the "
              f"restart command (process start {result['restart']['process_start_seconds']} s)")
    write_result("restart", result, started, before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
