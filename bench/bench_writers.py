"""Concurrent writers of one process on one SQLite file: how long a write transaction waits for its turn.

The bot writes from several threads at once (request threads running the core, delivery workers recording posts).
Each thread here runs write transactions as production does (storage.db engine and sessions, one hash-chained
timeline event each, BEGIN IMMEDIATE … COMMIT with its fsync) back to back, all threads starting together. Reported:
transactions per second over all threads, the latency of one transaction from asking to commit (p50, p99, max),
and how many were refused as "database is locked" (the busy timeout, 1 s, ran out). SQLite's own busy handler
sleeps 1, 2, 5 … 100 ms between tries; writers that queue in-process start when the previous one commits.

    python -m bench.bench_writers [--threads 8] [--transactions 150]
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

from sqlalchemy.exc import OperationalError

from bench.bench_timeline import NOW, _incident
from bench.common import loadavg, percentile
from storage.db import make_engine, make_session_factory, migrate
from storage.timeline import append_event, verify_chain


def measure(threads: int, transactions: int, tmp: Path) -> dict[str, Any]:
    """Run the writers and summarise (see the module docstring)."""
    engine = make_engine(f"sqlite:///{tmp / 'writers.db'}")
    migrate(engine)
    _incident(engine)
    sessions = make_session_factory(engine)
    start = threading.Barrier(threads)
    latencies: list[float] = []
    refused: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        mine: list[float] = []
        failed = 0
        start.wait()
        for i in range(transactions):
            asked = time.perf_counter()
            try:
                with sessions.begin() as session:
                    append_event(session, incident_id=1, type_="merged_report", actor=f"U_{n:04d}", at=NOW,
                                 data={"reporter": f"U_{n:04d}", "n": i})
            except OperationalError:
                failed += 1
                continue
            mine.append(time.perf_counter() - asked)
        with lock:
            latencies.extend(mine)
            refused.append(failed)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    began, cpu0 = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
    with sessions() as session:
        chain_ok = verify_chain(session).ok
    engine.dispose()
    ms = sorted(x * 1000 for x in latencies)
    return {"threads": threads, "transactions": threads * transactions, "committed": len(ms),
            "refused_locked": sum(refused), "per_second": round(len(ms) / wall, 1),
            "cpu_ms_per_transaction": round(cpu / max(len(ms), 1) * 1000, 3),
            "latency_ms": {name: None if value is None else round(value, 2) for name, value in
                           (("p50", percentile(ms, 50)), ("p99", percentile(ms, 99)), ("max", ms[-1] if ms else None))},
            "chain_ok": chain_ok, "load": loadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=150, help="per thread")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-writers-") as tmp:
        print(json.dumps(measure(args.threads, args.transactions, Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
