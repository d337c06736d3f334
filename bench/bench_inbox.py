"""The inbox's store path (bot/delivery/inbox.py) as `serve` meets it: request threads storing deliveries while the
inbox's workers run earlier ones, each run one write transaction, all in one process on one database.

`--callers` threads (waitress' 8) each accept `--deliveries` deliveries back to back, as the gate does before its
200; the inbox runs each stored delivery on its workers (default 4) with a run that writes one hash-chained timeline
event per delivery (a core transaction's smallest form; `--run-cpu-ms` adds Python work before it, as the core's
classification and rendering) and then deletes the row, as in production. Reported: deliveries
stored per second, the store's latency (p50, p99, max: what a request waits before its 200), how many were refused
(the caller would run them inline before the 200), database transactions and commits per delivery (insert, run,
delete) and process CPU per delivery. The module it measures is whatever `bot` is first on sys.path, so one script
measures two trees (PYTHONPATH=tree).

    python -m bench.bench_inbox [--callers 8] [--deliveries 200] [--workers 4] [--run-cpu-ms 0] [--switch-ms 5]
                                [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench.bench_timeline import NOW, _incident
from bench.common import loadavg, percentile
from bot.delivery.inbox import Inbox
from storage.db import make_engine, make_session_factory, migrate
from storage.timeline import append_event


def burn(seconds: float) -> None:
    """Python work holding the GIL for `seconds` of this thread's CPU time."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        sum(range(200))


def measure(engine: Engine, callers: int, deliveries: int, workers: int, run_cpu: float = 0.0) -> dict[str, Any]:
    """Run the callers against a started inbox until every delivery is stored, run and deleted."""
    migrate(engine)
    _incident(engine)
    sessions = make_session_factory(engine)
    commits = [0]
    event.listen(engine, "commit", lambda connection: commits.__setitem__(0, commits[0] + 1))

    def run(body: str) -> bool:
        burn(run_cpu)
        with sessions.begin() as session:
            append_event(session, incident_id=1, type_="merged_report", actor="U_BENCH", at=NOW, data={"b": body})
        return True

    inbox = Inbox(engine, "bench", run, workers=workers)
    inbox.start()
    start = threading.Barrier(callers)
    latencies: list[float] = []
    refused = [0]
    lock = threading.Lock()

    def caller(n: int) -> None:
        mine, failed = [], 0
        start.wait()
        for i in range(deliveries):
            asked = time.perf_counter()
            if not inbox.accept(f"Ev{n:02d}x{i:05d}", f'{{"event_id": "Ev{n:02d}x{i:05d}", "n": {i}}}'):
                failed += 1
            mine.append(time.perf_counter() - asked)
        with lock:
            latencies.extend(mine)
            refused[0] += failed

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
    began, cpu0 = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored_in = time.perf_counter() - began
    while inbox.pending():  # every stored delivery run and deleted
        time.sleep(0.01)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
    inbox.stop()
    total = callers * deliveries
    ms = sorted(x * 1000 for x in latencies)
    return {"callers": callers, "deliveries": total, "workers": workers, "refused": refused[0],
            "stored_per_second": round(total / stored_in, 1), "all_run_per_second": round(total / wall, 1),
            "store_ms": {"p50": round(percentile(ms, 50) or 0, 2), "p99": round(percentile(ms, 99) or 0, 2),
                         "max": round(ms[-1], 2)},
            "commits_per_delivery": round(commits[0] / total, 2),
            "cpu_ms_per_delivery": round(cpu / total * 1000, 3), "run_cpu_ms": run_cpu * 1000,
            "switch_interval_ms": sys.getswitchinterval() * 1000, "load": loadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--deliveries", type=int, default=200, help="per caller")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--run-cpu-ms", type=float, default=0.0, help="Python work per run, before its transaction")
    parser.add_argument("--switch-ms", type=float, help="sys.setswitchinterval (CPython's default: 5 ms)")
    parser.add_argument("--pg", help="PostgreSQL URL (an empty database: tables are created in it)")
    args = parser.parse_args(argv)
    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000)
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        engine = make_engine(args.pg or f"sqlite:///{Path(tmp) / 'inbox.db'}")
        try:
            print(json.dumps(measure(engine, args.callers, args.deliveries, args.workers, args.run_cpu_ms / 1000)))
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
