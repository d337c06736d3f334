"""One user floods the report channel: 120 reports of different posts in 13 s, while three colleagues each report
one post; Slack's limit of about one chat.postMessage per second per channel holds (the fake answers 429 beyond).

Reported: how long each colleague's PR notice took from their delivery (target ≤ 5 s: pacing takes turns per
reporter, so the flood waits, not them), the flooder's notices, 429s and given-up notices, and the bot's memory.

    python -m bench.bench_flood [--flood 120] [--seconds 13] [--pg URL] [--queue-limit N]

Memory: the bot's RSS is sampled every second while the flood runs and until the colleagues' notices are in (or
the wait is over); with a long flood and a small `--queue-limit` (slack.delivery_queue_limit) it shows whether
memory levels off once the delivery queue is full, at an offered rate the bot cannot post at.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import servers
from bench.bench_burst import BURST, RATE, database_counts
from bench.common import fmt, loadavg, log, markdown_table, summarise_ms, write_result

FLOODER = "U_FLOOD"
OTHERS = (("U_OTHER1", 2.0), ("U_OTHER2", 5.0), ("U_OTHER3", 8.0))
TARGET_S = 5.0


def plan(flood: int, seconds: float) -> list[list[Any]]:
    rows = [[seconds * i / flood, "report_new", FLOODER, 10_000 + i, -1] for i in range(flood)]
    rows += [[at, "report_new", user, 20_000 + n, -1] for n, (user, at) in enumerate(OTHERS)]
    return sorted(rows, key=lambda row: row[0])


class RssSampler:
    """The bot's RSS every `every` seconds in a thread, from start to stop: [seconds since start, MB]."""

    def __init__(self, process: servers.Process, every: float = 1.0) -> None:
        self.samples: list[list[float]] = []
        self._stop = threading.Event()
        self._process, self._every, self._start = process, every, time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._process.rss_mb()
            if rss is not None:
                self.samples.append([round(time.monotonic() - self._start, 1), rss])
            self._stop.wait(self._every)

    def stop(self) -> list[list[float]]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.samples


def run(flood: int = 120, seconds: float = 13.0, wait: float = 30.0, pg_url: str | None = None,
        queue_limit: int | None = None) -> dict[str, Any]:
    started, before = time.monotonic(), loadavg()
    backend = "postgresql" if pg_url else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        database = servers.Database(backend, tmp, pg_url)
        slack = {"delivery_queue_limit": queue_limit} if queue_limit else None
        try:
            bot = servers.start_bot(tmp, fake, database, slack=slack)
        except Exception:  # the bot did not start: the fake must not outlive the bench
            fake.stop()
            raise
        try:
            fake.rate_limit(RATE, BURST)
            log(f"flood: {flood} reports by one user in {seconds:.0f}s, {len(OTHERS)} colleagues reporting meanwhile"
                f" ({backend})")
            load_before = loadavg()
            sampler = RssSampler(bot)
            result = servers.run_load({"url": bot.url, "plan": plan(flood, seconds), "run": "flood",
                                       "slack_retry_delays": [0.0], "slack_timeout": 3.0, "max_connections": 64}, tmp)
            others = {20_000 + n for n in range(len(OTHERS))}
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:  # until every colleague's notice is posted (or the wait is over)
                seen = {p[4] for p in fake.posts() if p[1] == servers.PR_CHANNEL and p[2] is None}
                if others <= seen:
                    break
                time.sleep(0.2)
            snapshot = fake.snapshot()
            rss = bot.rss_mb()
            samples = sampler.stop()
            load_after = loadavg()
        finally:
            bot.stop()
            fake.stop()
        counts = database_counts(database.url)
        database.drop()
    rows = [row for row in result["rows"] if row]
    sent = {row[5]: row[2] for row in rows}
    pr_at: dict[int, float] = {}
    for t, channel, thread_ts, _, url_id, _ in snapshot["posts"]:
        if channel == servers.PR_CHANNEL and thread_ts is None and url_id is not None:
            pr_at.setdefault(url_id, t)
    others_s = {user: round(pr_at[20_000 + n] - sent[20_000 + n], 2) if 20_000 + n in pr_at else None
                for n, (user, _) in enumerate(OTHERS)}
    acked = {row[5]: round(row[3] - row[2], 2) for row in rows if row[4] == 200}
    others_ack = {user: acked.get(20_000 + n) for n, (user, _) in enumerate(OTHERS)}  # the use case's share
    flooder = [pr_at[u] - sent[u] for u in sent if u < 20_000 and u in pr_at]
    figures = {"flood_reports": flood, "seconds": seconds, "others_pr_notice_s": others_s, "others_ack_s": others_ack,
               "flooder_pr_notices_posted": len(flooder), "flooder_pr_notice": summarise_ms(flooder),
               "answered_429": len(snapshot["limited_at"]),
               "given_up": counts["delivery_failed_by_error"].get("ratelimited", 0),
               "incidents": counts["incidents"], "server_rss_mb": rss, "backend": backend,
               "queue_limit": queue_limit, "rss_samples": samples,
               "rss_peak_mb": max((mb for _, mb in samples), default=None),
               "not_answered_within_3s": sum(1 for row in rows if row[4] != 200),
               "ack": summarise_ms([row[3] - row[1] for row in rows if row[4] == 200]),
               "load_average_before": load_before, "load_average_after": load_after}
    figures["targets"] = {"others_within_5s": all(v is not None and v <= TARGET_S for v in others_s.values()),
                          "none_given_up": figures["given_up"] == 0}
    path = write_result("flood" if backend == "sqlite" else "flood-pg", {"results": figures}, started, before)
    print(table(figures))
    log(f"wrote {path}")
    return figures


def table(f: dict[str, Any]) -> str:
    others = ", ".join(f"{fmt(v, digits=1) if v is not None else 'never'}" for v in f["others_pr_notice_s"].values())
    acks = ", ".join(f"{fmt(v, digits=1) if v is not None else '-'}" for v in f.get("others_ack_s", {}).values())
    rows = [["colleagues' PR notice after their report, s", others, f"≤ {TARGET_S:.0f}",
             "met" if f["targets"]["others_within_5s"] else "MISSED"],
            ["… of which their delivery's HTTP answer (the report use case), s", acks, "", ""],
            ["flooder's notices posted meanwhile / p50 s", f"{f['flooder_pr_notices_posted']} / "
             f"{fmt((f['flooder_pr_notice']['p50_ms'] or 0) / 1000, digits=1)}", "", ""],
            ["429s answered / given up", f"{f['answered_429']} / {f['given_up']}", "0 given up",
             "met" if f["targets"]["none_given_up"] else "MISSED"],
            ["deliveries not answered within 3 s / ack p99 ms", f"{f['not_answered_within_3s']} / "
             f"{fmt(f['ack']['p99_ms'], digits=0)}", "0", ""],
            ["bot RSS MB: end (peak while sampled)", f"{f['server_rss_mb']} ({f['rss_peak_mb']})", "bounded", ""]]
    return markdown_table([f"flood ({f['flood_reports']} reports by one user in {f['seconds']:.0f} s, {f['backend']}"
                           f"{', queue limit ' + str(f['queue_limit']) if f['queue_limit'] else ''})", "measured",
                           "target", ""], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_flood", description=__doc__.split("\n")[0])
    parser.add_argument("--flood", type=int, default=120)
    parser.add_argument("--seconds", type=float, default=13.0)
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the colleagues' notices")
    parser.add_argument("--pg")
    parser.add_argument("--queue-limit", type=int, help="slack.delivery_queue_limit for the bot (default: its own)")
    args = parser.parse_args(argv)
    run(args.flood, args.seconds, args.wait, args.pg, args.queue_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
