"""Memory of a long-running `incident-bot serve` over many deliveries: VmRSS sampled every N deliveries.

One bot process (SQLite) gets `--deliveries` signed deliveries in the ack benchmark's mix (reports, repeats of
the same post, chatter, DMs, Slack retries) from bench/loadgen.py with at most `--concurrency` in flight and
at most `--rate` per second, so the bot is kept busy without a queue building up in front of it (a queue
would be memory of the load, not of the bot). The generator reads the bot's VmRSS from /proc every
`--every` deliveries. Reported: RSS after warm-up and at the end, VmHWM (peak), and the slope of RSS over
deliveries (MB per 10k deliveries) in the second half and in the last third of the run (a leak shows as a
steady slope; caches filling up show early and flatten; a short backlog shows as one step, since CPython keeps
the memory it freed). Verdict: bounded when, over the last third, the slope is below 0.5 MB / 10k deliveries
and RSS rises by at most 5 MB; a shorter run (< 50k) that is not bounded by this rule is
"inconclusive", not "growing": SQLite's page cache per pooled connection and SQLAlchemy's statement cache
fill up over the first tens of thousands of deliveries.

The default cap, 200/s, is below what the bot can post on this machine (~300/s): the bot acknowledges a report
once it is stored and posts to Slack afterwards from a thread pool whose queue has no bound, so above that
rate the queue — and RSS — grows with the backlog (run with --rate 400 to see it); that is a backlog, not a
leak, and is reported as such in bench/README.md.

    python -m bench.bench_memory [--quick] [--deliveries 100000] [--every 10000] [--rate 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import servers
from bench.common import fmt, loadavg, log, markdown_table, write_result

SLOPE_LIMIT_MB_PER_10K = 0.5
TAIL_RISE_LIMIT_MB = 5.0
MIN_FOR_VERDICT = 50_000  # below this a slope over the limit says "still warming up" as much as "leaking"


def slope(points: Sequence[Sequence[float]]) -> float | None:
    """Least-squares slope of RSS (MB) over deliveries, per 10k deliveries."""
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 10_000, 3) if den else None


def run(quick: bool = False, deliveries: int | None = None, every: int | None = None, rate: float = 200.0,
        concurrency: int = 8) -> dict[str, Any]:
    deliveries = deliveries or (20_000 if quick else 100_000)
    every = every or max(1000, deliveries // 10)
    started, before = time.monotonic(), loadavg()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        database = servers.Database("sqlite", tmp)
        bot = servers.start_bot(tmp, fake, database)
        try:
            rss_start = bot.rss_mb()
            servers.run_load({"url": bot.url, "rate": 20, "seconds": 3, "run": "mw", "url_base": 9_000_000}, tmp)
            servers.wait_quiet(fake)
            rss_warm = bot.rss_mb()
            log(f"memory: {deliveries:,} deliveries, ≤{rate:.0f}/s, ≤{concurrency} in flight, VmRSS every {every:,}")
            load_before = loadavg()
            result = servers.run_load({"url": bot.url, "rate": rate, "count": deliveries, "run": "mem",
                                       "url_base": 1, "concurrency": concurrency, "rss_pid": bot.pid,
                                       "rss_every": every, "max_connections": concurrency, "timeout": 30}, tmp)
            servers.wait_quiet(fake, quiet=1.0, limit=60.0)
            rss_end, hwm = bot.rss_mb(), bot.hwm_mb()
            load_after = loadavg()
        finally:
            bot.stop()
            fake.stop()
            database.drop()
    rows = [row for row in result["rows"] if row]
    ok = sum(1 for row in rows if row[4] == 200)
    samples = [[0, rss_warm]] + [[n, round(mb, 1)] for n, mb, _ in result["rss"]]
    half = [p for p in samples if p[0] >= deliveries / 2]
    tail = [p for p in samples if p[0] >= deliveries * 2 / 3]  # the last third: a plateau or a trend
    mid = min(half, key=lambda p: p[0])[1] if half else None
    second_half_slope, tail_slope = slope(half), slope(tail)
    tail_rise = round(tail[-1][1] - tail[0][1], 1) if len(tail) >= 2 else None
    bounded: bool | None = (tail_slope is not None and tail_slope < SLOPE_LIMIT_MB_PER_10K
                            and tail_rise is not None and tail_rise <= TAIL_RISE_LIMIT_MB)
    if not bounded and deliveries < MIN_FOR_VERDICT:
        bounded = None  # caches (SQLite pages per pooled connection, SQLAlchemy statements) still filling up
    wall = result["end"] - result["start"]
    figures = {"deliveries": deliveries, "answered_200": ok, "errors": len(rows) - ok, "every": every,
               "rate_cap": rate, "concurrency": concurrency, "achieved_rate": round(len(rows) / wall, 1),
               "wall_seconds": round(wall, 1), "rss_at_start_mb": rss_start, "rss_after_warmup_mb": rss_warm,
               "rss_end_mb": rss_end, "vm_hwm_mb": hwm, "samples": samples,
               "slope_mb_per_10k_all": slope(samples), "slope_mb_per_10k_second_half": second_half_slope,
               "slope_mb_per_10k_last_third": tail_slope, "rise_mb_last_third": tail_rise,
               "rss_mid_mb": mid, "bounded": bounded, "load_average_before": load_before,
               "load_average_after": load_after, "generator": result["generator"],
               "limits": {"slope_mb_per_10k_last_third": SLOPE_LIMIT_MB_PER_10K,
                          "rise_mb_last_third": TAIL_RISE_LIMIT_MB}}
    path = write_result("memory", {"results": figures}, started, before)
    if deliveries >= 100_000:  # the issue's soak, kept apart so that shorter default runs do not replace it
        write_result("memory-100k", {"results": figures}, started, before)
    print(table(figures))
    log(f"wrote {path}")
    return figures


def table(f: dict[str, Any]) -> str:
    samples = " ".join(f"{n // 1000}k:{mb:.0f}" for n, mb in f["samples"])
    return markdown_table(
        ["deliveries", "achieved/s", "errors", "RSS warm → end MB", "peak MB", "slope MB/10k (2nd half / last 3rd)",
         "bounded", "samples (deliveries:MB)"],
        [[fmt(f["deliveries"]), fmt(f["achieved_rate"], digits=0), f["errors"],
          f"{fmt(f['rss_after_warmup_mb'], digits=1)} → {fmt(f['rss_end_mb'], digits=1)}",
          fmt(f["vm_hwm_mb"], digits=1),
          f"{fmt(f['slope_mb_per_10k_second_half'], digits=2)} / {fmt(f['slope_mb_per_10k_last_third'], digits=2)}",
          "inconclusive (< 50k)" if f["bounded"] is None else f["bounded"], samples]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--deliveries", type=int)
    parser.add_argument("--every", type=int)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    run(quick=args.quick, deliveries=args.deliveries, every=args.every, rate=args.rate,
        concurrency=args.concurrency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
