"""Benchmark: the weekly summary over 1k, 10k and 100k incidents (~10 events each), SQLite and PostgreSQL.

Target: 100k incidents summarised in under 1 s and under 300 MB, time following the week's incidents rather
than the whole history. Two scenarios per size:

- ``uniform``: incidents spread evenly over ~2 years (the week holds ~1/104 of them);
- ``fixed_week``: the same history sizes, but the summarised week and the week before hold 100 incidents each,
  so any growth with the history size would show.

Seeding uses bulk ``insert().values`` batches. The hash chain is computed properly (verify_chain passes);
the one shortcut is that sequence numbers follow incident creation order rather than strict event time
order. Each measurement runs in a fresh subprocess; its peak RSS is read from VmHWM (Linux keeps the
parent's high-water mark in ru_maxrss across fork/exec, so ru_maxrss is reported too, as an upper bound).

    python -m bench.bench_summary [--sizes 1000,10000,100000] [--pg URL] [--out bench/results/summary.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import sessionmaker

from bot.clock import JST
from bot.triage.summary import build_summary
from bot.triage.summary_model import IsoWeek
from storage.db import make_engine, make_session_factory, migrate
from storage.models import ChainHead, Escalation, Incident, IncidentReporter, TimelineEvent
from storage.timeline import GENESIS_HASH, canonical_json, event_hash, payload_digest, verify_chain

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=JST)  # Monday 09:00 JST: the W47 summary is due
WEEK = IsoWeek(2026, 47)
HISTORY = timedelta(days=730)
KINDS = ("flaming", "impersonation", "misinformation", "leak", "account_takeover")
PLATFORMS = ("x", "facebook", "instagram", "line", "youtube", None)
DEPARTMENTS = ("広報広聴課", "観光課", "子育て支援課", "税務課", "市民課", "環境課", "教育委員会", None)
BATCH = 2000
TARGET_SECONDS, TARGET_MB = 1.0, 300


def _created_times(n: int, scenario: str, rng: random.Random) -> list[datetime]:
    """Creation times in ascending order, ending a few hours before NOW."""
    end = NOW - timedelta(hours=9)
    if scenario == "uniform" or n <= 400:
        return sorted(end - timedelta(seconds=rng.random() * HISTORY.total_seconds()) for _ in range(n))
    recent_start = WEEK.previous().start
    in_weeks = [recent_start + timedelta(seconds=rng.random() * 14 * 86400) for _ in range(200)]
    older = [recent_start - timedelta(seconds=rng.random() * (HISTORY.total_seconds() - 14 * 86400))
             for _ in range(n - 200)]
    return sorted(older + in_weeks)


Event = tuple[datetime, str, str, Any, Any, dict[str, Any]]  # at, type, actor, old, new, data


def _history(created: datetime, kind: str, rng: random.Random) -> list[Event]:
    """About ten events in the shape the core records them, cut at NOW."""
    ack = created + timedelta(minutes=rng.lognormvariate(3.2, 1.0))
    step = ack + timedelta(minutes=rng.uniform(5, 120))
    resolved = step + timedelta(hours=rng.lognormvariate(2.5, 1.0))
    events: list[Event] = [
        (created, "reported", "U_STAFF", None, "reported", {"platform": "slack"}),
        (created, "classified", "bot", None, kind, {"confidence": 0.9}),
        (created, "notified", "bot", None, "pr_section", {"level": 1}),
    ]
    if ack - created > timedelta(minutes=30):
        events.append((created + timedelta(minutes=30), "escalated", "bot", None, "department_head",
                       {"level": 2}))
    events += [
        (ack, "acknowledged", "U_PR", None, "U_PR", {}),
        (ack, "status_changed", "U_PR", "reported", "acknowledged", {}),
        (step, "step_completed", "U_STAFF", None, "done", {"step": "intake", "answers": {"spread": "small"}}),
        (step, "status_changed", "U_STAFF", "acknowledged", "responding", {}),
    ]
    if rng.random() < 0.15:
        events.append((step + timedelta(minutes=10), "merged_report", "U_OTHER", None, None,
                       {"reporter": "U_OTHER"}))
    events += [
        (resolved, "status_changed", "U_PR", "responding", "resolved", {}),
        (resolved + timedelta(days=1), "status_changed", "U_PR", "resolved", "closed", {}),
    ]
    return [event for event in events if event[0] <= NOW]


def _incident(n: int, created: datetime, rng: random.Random
              ) -> tuple[dict[str, Any], list[Event], list[dict[str, Any]]]:
    """One incident row (its columns agreeing with its history), its events and its escalation rows."""
    kind = rng.choice(KINDS)
    events = _history(created, kind, rng)
    when = {(type_, new): at for at, type_, _, _, new, _ in events}
    status = [new for _, type_, _, _, new, _ in events if type_ == "status_changed"][-1:] or ["reported"]
    escalations = [{"incident_id": n, "level": at_level["level"], "section": section, "due_at": at,
                    "status": "sent", "sent_at": at}
                   for at, type_, _, _, section, at_level in events if type_ in ("notified", "escalated")]
    acknowledged = when.get(("acknowledged", "U_PR"))
    incident = {
        "id": n, "kind": kind, "status": status[0], "severity": "medium", "profile": "bench",
        "restricted": kind == "leak", "text": f"bench incident {n}", "source_url": None,
        "open_source_key": None,
        "platform": rng.choice(PLATFORMS), "department": rng.choice(DEPARTMENTS), "reporter_id": "U_STAFF",
        "reporter_name": "bench", "classifier_confidence": 0.9, "created_at": created,
        "updated_at": max(event[0] for event in events),
        "acknowledged_at": acknowledged, "acknowledged_by": "U_PR" if acknowledged else None,
        "resolved_at": when.get(("status_changed", "resolved")) if status[0] in ("resolved", "closed")
        else None,
        "closed_at": when.get(("status_changed", "closed")), "merged_into_id": None,
        "conversation_platform": None, "conversation_channel": None, "conversation_thread": None,
        "erased_at": None,
    }
    return incident, events, escalations


def seed(engine: Engine, n: int, scenario: str, seed_value: int = 42) -> dict[str, Any]:
    """Insert n incidents with their events, reporters and escalations; returns counts and timings."""
    rng = random.Random(seed_value)
    started = time.perf_counter()
    seq, prev = 0, GENESIS_HASH
    counts = {"incidents": 0, "events": 0}
    incidents: list[dict[str, Any]] = []
    reporters: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def flush(conn: Any) -> None:
        for table, rows in ((Incident, incidents), (IncidentReporter, reporters), (Escalation, escalations),
                            (TimelineEvent, events)):
            if rows:
                conn.execute(insert(table), rows)  # executemany (insertmanyvalues batches on PostgreSQL)
                rows.clear()

    with engine.begin() as conn:
        for n_id, created in enumerate(_created_times(n, scenario, rng), start=1):
            incident, incident_events, incident_escalations = _incident(n_id, created, rng)
            incidents.append(incident)
            reporters.append({"incident_id": n_id, "user_id": "U_STAFF", "name": "bench",
                              "reported_at": created})
            escalations.extend(incident_escalations)
            for at, type_, actor, old, new, data in incident_events:
                seq += 1
                old, new, data = json.loads(canonical_json([old, new, data]))
                digest = payload_digest(old, new, data)
                digest_hash = event_hash(prev, seq, n_id, type_, actor, at, digest)
                events.append({"seq": seq, "incident_id": n_id, "type": type_, "actor": actor, "at": at,
                               "old_value": old, "new_value": new, "data": data, "payload_digest": digest,
                               "erased": False, "prev_hash": prev, "hash": digest_hash})
                prev = digest_hash
            counts["incidents"] += 1
            if len(events) >= BATCH * 10 // 2:
                flush(conn)
        flush(conn)
        conn.execute(insert(ChainHead).values(id=1, seq=seq, hash=prev))
    counts["events"] = seq
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {**counts, "seed_seconds": round(time.perf_counter() - started, 2)}


def measure(url: str, repeats: int) -> dict[str, Any]:
    """Time build_summary for WEEK (first call, then the median of repeats) and its peak memory."""
    engine = make_engine(url)
    sessions: sessionmaker[Any] = make_session_factory(engine)
    started = time.perf_counter()
    summary = build_summary(sessions, WEEK, NOW)
    first = time.perf_counter() - started
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        build_summary(sessions, WEEK, NOW)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    build_summary(sessions, WEEK, NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    return {"first_seconds": round(first, 4), "median_seconds": round(statistics.median(timings), 4),
            "max_seconds": round(max(timings), 4), "tracemalloc_peak_mb": round(peak / 2**20, 2),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "vm_hwm_mb": _vm_hwm_mb(),
            "week_new_incidents": summary.current.new_total,
            "previous_week_new_incidents": summary.previous.new_total,
            "attention_total": summary.attention_total + summary.attention_restricted}


def _vm_hwm_mb() -> float | None:
    """This process's own peak RSS (Linux VmHWM, reset by exec, unlike ru_maxrss which Linux carries over)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _measure_in_subprocess(url: str, repeats: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_summary", "--measure", url, "--repeats", str(repeats)]
    out = subprocess.run(command, check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@contextmanager
def _database(backend: str, pg_url: str | None, tmp: Path) -> Iterator[tuple[str, Engine]]:
    """A fresh empty database: a SQLite file, or a private PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        path = tmp / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield f"sqlite:///{path}", engine
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert pg_url is not None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_case(backend: str, pg_url: str | None, size: int, scenario: str, repeats: int,
             tmp: Path) -> dict[str, Any]:
    """Seed one fresh database and measure the summary on it in a subprocess."""
    with _database(backend, pg_url, tmp) as (url, engine):
        migrate(engine)
        seeded = seed(engine, size, scenario)
        if size <= 1000:
            with make_session_factory(engine).begin() as session:
                seeded["chain_ok"] = verify_chain(session).ok
        engine.dispose()
        result = _measure_in_subprocess(url, repeats)
    peak = result["vm_hwm_mb"] if result["vm_hwm_mb"] is not None else result["ru_maxrss_mb"]
    ok = result["median_seconds"] < TARGET_SECONDS and peak < TARGET_MB
    return {"backend": backend, "size": size, "scenario": scenario, **seeded, **result, "within_target": ok}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_summary", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scenarios", default="uniform,fixed_week")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"),
                        help="PostgreSQL URL (default: $TEST_DATABASE_URL; SQLite only without one)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="bench/results/summary.json")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeats)))
        return 0
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        for backend in backends:
            for scenario in args.scenarios.split(","):
                for size in (int(s) for s in args.sizes.split(",")):
                    result = run_case(backend, args.pg, size, scenario, args.repeats, Path(tmp))
                    results.append(result)
                    print(f"{backend:10} {scenario:10} {size:>7} incidents {result['events']:>8} events "
                          f"week {result['week_new_incidents']:>5}  seed {result['seed_seconds']:>6.1f}s  "
                          f"summary first {result['first_seconds']:.3f}s "
                          f"median {result['median_seconds']:.3f}s  "
                          f"tracemalloc {result['tracemalloc_peak_mb']:.1f} MB  "
                          f"peak RSS {result['vm_hwm_mb']} MB (ru_maxrss {result['ru_maxrss_mb']:.0f} MB)"
                          f"  {'OK' if result['within_target'] else 'OVER TARGET'}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"generated_at": datetime.now(UTC).isoformat(), "week": str(WEEK),
                               "target": {"seconds": TARGET_SECONDS, "mb": TARGET_MB}, "results": results},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
