"""Timeline events appended per second with the hash chain (storage/timeline.append_event), SQLite and PostgreSQL.

Two shapes, each from one thread on a fresh migrated database holding one incident:

- ``per_event``: one transaction per event (BEGIN IMMEDIATE … COMMIT on SQLite, chain head locked FOR UPDATE
  on PostgreSQL). This is what production does: every core use case is one transaction appending 1–4 events
  (a report appends 3, a merge 1), so the per-transaction cost is what a delivery pays.
- ``batch``: all events in one transaction (the upper bound: chain arithmetic and ORM work only).

Engines come from storage.db.make_engine as shipped (SQLite: WAL, synchronous at its default FULL, so each
commit waits for an fsync). For SQLite, ``per_event`` is also measured with PRAGMA synchronous=NORMAL
(WAL: no fsync per commit; a power loss may lose the last commits, a process crash loses nothing) to show
how much of the cost is the disk. The chain is verified afterwards. Target: ≥ 1,000 events/s.

    python -m bench.bench_timeline [--quick] [--seconds 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert

from bench.common import fmt, loadavg, log, markdown_table, write_result
from storage.db import make_engine, make_session_factory, migrate
from storage.models import Incident
from storage.timeline import append_event, verify_chain

TARGET_PER_SECOND = 1000.0
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _incident(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Incident).values(
            id=1, kind="flaming", status="reported", severity="medium", profile="bench", restricted=False,
            text="bench", reporter_id="U_BENCH", reporter_name="bench", classifier_confidence=0.9,
            created_at=NOW, updated_at=NOW))


def _append(session: Any, n: int) -> None:
    append_event(session, incident_id=1, type_="merged_report", actor=f"U_{n % 50:04d}", at=NOW,
                 new_value=None, data={"reporter": f"U_{n % 50:04d}", "platform": "slack", "n": n})


def measure(url: str, shape: str, seconds: float, setup: Callable[[Any], None] | None = None) -> dict[str, Any]:
    engine = make_engine(url)
    if setup is not None:
        setup(engine)
    migrate(engine)
    _incident(engine)
    sessions = make_session_factory(engine)
    for n in range(50):  # warm-up: statement caches, connection pool
        with sessions.begin() as session:
            _append(session, n)
    done, before = 0, loadavg()
    started = time.perf_counter()
    cpu = time.process_time()
    deadline = started + seconds
    if shape == "per_event":
        while time.perf_counter() < deadline:
            for _ in range(50):
                with sessions.begin() as session:
                    _append(session, done)
                done += 1
    else:
        with sessions.begin() as session:
            while time.perf_counter() < deadline:
                for _ in range(200):
                    _append(session, done)
                    done += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    with sessions.begin() as session:
        chain = verify_chain(session)
    engine.dispose()
    return {"shape": shape, "events": done, "seconds": round(elapsed, 2), "per_second": round(done / elapsed, 1),
            "per_cpu_second": round(done / max(cpu, 1e-9), 1), "chain_ok": chain.ok, "chain_events": chain.events,
            "load_average_before": before, "load_average_after": loadavg()}


def _synchronous_normal(engine: Any) -> None:
    @sa_event.listens_for(engine, "connect")
    def _normal(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def run(quick: bool = False, seconds: float | None = None, pg_url: str | None = None) -> dict[str, Any]:
    from bench.servers import Database

    seconds = seconds or (1.5 if quick else 3.0)
    started, before = time.monotonic(), loadavg()
    results: list[dict[str, Any]] = []
    cases: list[tuple[str, str, str, Callable[[Any], None] | None]] = [
        ("sqlite", "per_event", "as shipped (synchronous=FULL)", None),
        ("sqlite", "per_event", "synchronous=NORMAL (what-if)", _synchronous_normal),
        ("sqlite", "batch", "as shipped", None)]
    if pg_url:
        cases += [("postgresql", "per_event", "as shipped", None), ("postgresql", "batch", "as shipped", None)]
    with tempfile.TemporaryDirectory(prefix="bench-timeline-") as tmp_name:
        for backend, shape, variant, setup in cases:
            database = Database(backend, Path(tmp_name), pg_url)
            try:
                log(f"timeline: {backend} {shape} {variant}")
                result = measure(database.url, shape, seconds, setup)
            finally:
                database.drop()
            results.append({"backend": backend, "variant": variant, **result,
                            "within_target": result["per_second"] >= TARGET_PER_SECOND})
    path = write_result("timeline", {"target_per_second": TARGET_PER_SECOND, "results": results}, started, before)
    print(table(results))
    log(f"wrote {path}")
    return {"results": results}


def table(results: list[dict[str, Any]]) -> str:
    return markdown_table(
        ["backend", "transactions", "variant", "events/s", "per CPU-s", "chain ok", "load before"],
        [[r["backend"], "one per event" if r["shape"] == "per_event" else "one for all", r["variant"],
          fmt(r["per_second"]), fmt(r["per_cpu_second"]), r["chain_ok"], fmt(r["load_average_before"][0], digits=2)]
         for r in results])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_timeline", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--pg")
    args = parser.parse_args(argv)
    run(quick=args.quick, seconds=args.seconds, pg_url=args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
