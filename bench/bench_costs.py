"""CPU per delivery, by kind of delivery: where the bot's time goes, against the bare Bolt app.

Each kind of the ack benchmark's mix is sent alone at a rate well below saturation for a few seconds, and the
server's CPU time (/proc/PID/stat, all threads) is divided by the deliveries. Explains the throughput ratio
of bench_ack: a process holds one GIL, so ~1 CPU-second per second is all it has.

    python -m bench.bench_costs [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import servers
from bench.bench_ack import Runner
from bench.common import fmt, loadavg, log, markdown_table, write_result
from bench.loadgen import DEFAULT_MIX

KINDS = (("chatter", 300), ("dm_chatter", 150), ("report_new", 20), ("dm_report", 20), ("report_repeat", 40),
         ("retry", 60))
# A Slack retry re-sends an earlier report of the same run, so retries are sent mixed with repeats; their cost is
# what is left after taking the repeats' own (measured just before) out.
RETRY_MIX = {"retry": 0.8, "report_repeat": 0.2}


def measure(kind: str, seconds: float, tmp: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    fake = servers.FakeSlack(tmp)
    database = servers.Database("sqlite", tmp)
    server = (servers.start_bare(tmp, fake) if kind == "bare"
              else servers.start_bot(tmp, fake, database, slack=servers.unpaced()))
    runner = Runner(kind, server, fake, tmp, processing=kind != "bare")
    try:
        runner.level(20, 3)  # warm-up (and reports for repeats and retries to refer to)
        if runner.processing:
            servers.wait_quiet(fake, quiet=0.5, limit=30)
        idle0, idle_t0 = server.cpu_seconds() or 0.0, time.monotonic()
        time.sleep(3.0)  # what the process burns doing nothing (scheduler, waitress' loop), taken out below
        idle = ((server.cpu_seconds() or 0.0) - idle0) / (time.monotonic() - idle_t0)
        out["_idle"] = {"cpu_share": round(idle, 4)}
        for name, rate in KINDS:
            log(f"costs: {kind} {name} at {rate}/s")
            before = loadavg()
            cpu0, calls0, t0 = server.cpu_seconds() or 0.0, sum(fake.stats()["counts"].values()), time.monotonic()
            figures = runner.level(rate, seconds, mix=RETRY_MIX if name == "retry" else {name: 1.0})
            if runner.processing:
                servers.wait_quiet(fake, quiet=0.5, limit=30)
            cpu1, calls1 = server.cpu_seconds() or 0.0, sum(fake.stats()["counts"].values())
            busy = (cpu1 - cpu0) - idle * (time.monotonic() - t0)
            cpu_ms = busy / max(figures["sent"], 1) * 1000
            calls = (calls1 - calls0) / max(figures["sent"], 1)
            if name == "retry":
                repeat = out["report_repeat"]
                cpu_ms = (cpu_ms - RETRY_MIX["report_repeat"] * repeat["cpu_ms_per_delivery"]) / RETRY_MIX["retry"]
                calls = (calls - RETRY_MIX["report_repeat"] * repeat["web_api_calls_per_delivery"]) / RETRY_MIX["retry"]
            out[name] = {"rate": rate, "deliveries": figures["sent"], "cpu_ms_per_delivery": round(cpu_ms, 3),
                         "web_api_calls_per_delivery": round(calls, 2),
                         "ack_p50_ms": figures["ack"]["p50_ms"], "ack_p99_ms": figures["ack"]["p99_ms"],
                         "load_average_before": before, "load_average_after": loadavg()}
    finally:
        server.stop()
        fake.stop()
        database.drop()
    return out


def run(seconds: float = 5.0) -> dict[str, Any]:
    started, before = time.monotonic(), loadavg()
    with tempfile.TemporaryDirectory(prefix="bench-costs-") as tmp_name:
        ours = measure("bot", seconds, Path(tmp_name))
        bare = measure("bare", seconds, Path(tmp_name))
    weighted = {who: round(sum(DEFAULT_MIX[k] * table[k]["cpu_ms_per_delivery"] for k in DEFAULT_MIX), 3)
                for who, table in (("bot", ours), ("bare", bare))}
    result = {"bot": ours, "bare_bolt": bare, "mix": DEFAULT_MIX, "mix_weighted_cpu_ms": weighted}
    path = write_result("costs", result, started, before)
    rows = [[kind, fmt(DEFAULT_MIX[kind], digits=2), fmt(ours[kind]["cpu_ms_per_delivery"], digits=2),
             fmt(ours[kind]["web_api_calls_per_delivery"], digits=1),
             fmt(DEFAULT_MIX[kind] * ours[kind]["cpu_ms_per_delivery"], digits=2),
             fmt(bare[kind]["cpu_ms_per_delivery"], digits=2)] for kind, _ in KINDS]
    rows.append(["mix", "1.00", fmt(weighted["bot"], digits=2), "", fmt(weighted["bot"], digits=2),
                 fmt(weighted["bare"], digits=2)])
    print(markdown_table(["delivery", "share of mix", "bot CPU ms", "Web API calls", "bot CPU ms × share",
                          "bare Bolt CPU ms"], rows))
    log(f"wrote {path}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_costs", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    run(args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
