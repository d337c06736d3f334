"""The weekly summary at 1k / 10k / 100k incidents, for the benchmark table (bench/bench_summary.py underneath).

Seeding and measuring are bench_summary's (`seed`, `_measure_in_subprocess`: a fresh process per size, its
VmHWM as peak memory). What this adds is a cache, so the 100k seeding (~30-50 s) is paid once: seeded SQLite
files are kept in bench/results/seed-cache/, keyed by size, scenario, seed and the schema's migration head,
and migrated to head before measuring. PostgreSQL (--pg) is always seeded fresh into a private schema.

    python -m bench.bench_scaling [--quick] [--sizes 1000,10000,100000] [--scenarios uniform] [--pg URL]
                                  [--skip-seed | --reseed]

--skip-seed measures only sizes already cached (never seeds); --reseed ignores the cache. `python -m
bench.bench_summary` remains the full summary benchmark (both scenarios, both databases, no cache).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import bench_summary
from bench.common import RESULTS, fmt, loadavg, log, markdown_table, write_result
from storage.db import alembic_config, make_engine, make_session_factory, migrate
from storage.timeline import verify_chain

CACHE = RESULTS / "seed-cache"


def _head() -> str:
    from alembic.script import ScriptDirectory

    engine = make_engine("sqlite://")
    try:
        return str(ScriptDirectory.from_config(alembic_config(engine)).get_current_head())
    finally:
        engine.dispose()


def cached_sqlite(size: int, scenario: str, skip_seed: bool, reseed: bool) -> tuple[Path | None, dict[str, Any]]:
    """A seeded SQLite file for (size, scenario): from the cache, else seeded now (unless skip_seed)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"summary-{scenario}-{size}-seed42-{_head()}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and not reseed:
        import json

        return path, {**json.loads(meta.read_text()), "seed_cached": True}
    if skip_seed:
        return None, {}
    for stale in CACHE.glob(f"summary-{scenario}-{size}-seed42-*"):
        stale.unlink()
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{tmp}")
    try:
        migrate(engine)
        seeded = bench_summary.seed(engine, size, scenario)
        if size <= 1000:
            with make_session_factory(engine).begin() as session:
                seeded["chain_ok"] = verify_chain(session).ok
    finally:
        engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    shutil.move(str(tmp), path)
    import json

    meta.write_text(json.dumps(seeded))
    return path, {**seeded, "seed_cached": False}


def measure_sqlite(path: Path, repeats: int, tmp: Path) -> dict[str, Any]:
    """Measure on a copy (the cache stays pristine: measuring may write WAL files)."""
    copy = tmp / path.name
    shutil.copyfile(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    migrate(engine)  # no-op at the cached head
    engine.dispose()
    try:
        return bench_summary._measure_in_subprocess(f"sqlite:///{copy}", repeats)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


def run(quick: bool = False, sizes: list[int] | None = None, scenarios: list[str] | None = None,
        pg_url: str | None = None, skip_seed: bool = False, reseed: bool = False) -> dict[str, Any]:
    sizes = sizes or ([1000, 10000] if quick else [1000, 10000, 100000])
    scenarios = scenarios or ["uniform"]
    repeats = 2 if quick else 3
    started, before = time.monotonic(), loadavg()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp_name:
        tmp = Path(tmp_name)
        for scenario in scenarios:
            for size in sizes:
                load_before = loadavg()
                path, seeded = cached_sqlite(size, scenario, skip_seed, reseed)
                if path is None:
                    log(f"scaling: sqlite {scenario} {size:,}: not cached, skipped (--skip-seed)")
                    continue
                how = "cached" if seeded.get("seed_cached") else f"seeded in {seeded.get('seed_seconds')} s"
                log(f"scaling: sqlite {scenario} {size:,} incidents ({how})")
                result = measure_sqlite(path, repeats, tmp)
                results.append(_row("sqlite", size, scenario, seeded, result, load_before))
            if pg_url:
                for size in sizes:
                    load_before = loadavg()
                    log(f"scaling: postgresql {scenario} {size:,} incidents (seeding)")
                    row = bench_summary.run_case("postgresql", pg_url, size, scenario, repeats, tmp)
                    results.append({**row, "seed_cached": False, "load_average_before": load_before,
                                    "load_average_after": loadavg()})
    path = write_result("scaling", {"target": {"seconds": bench_summary.TARGET_SECONDS,
                                               "mb": bench_summary.TARGET_MB}, "results": results},
                        started, before)
    print(table(results))
    log(f"wrote {path}")
    return {"results": results}


def _row(backend: str, size: int, scenario: str, seeded: dict[str, Any], result: dict[str, Any],
         load_before: list[float]) -> dict[str, Any]:
    peak = result["vm_hwm_mb"] if result["vm_hwm_mb"] is not None else result["ru_maxrss_mb"]
    ok = result["median_seconds"] < bench_summary.TARGET_SECONDS and peak < bench_summary.TARGET_MB
    return {"backend": backend, "size": size, "scenario": scenario, **seeded, **result, "within_target": ok,
            "load_average_before": load_before, "load_average_after": loadavg()}


def table(results: list[dict[str, Any]]) -> str:
    return markdown_table(
        ["backend", "scenario", "incidents", "week's new", "summary median s", "first s", "peak RSS MB", "target"],
        [[r["backend"], r["scenario"], fmt(r["size"]), fmt(r["week_new_incidents"]), fmt(r["median_seconds"], digits=3),
          fmt(r["first_seconds"], digits=3), fmt(r["vm_hwm_mb"], digits=1), "met" if r["within_target"] else "MISSED"]
         for r in results])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scaling", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes")
    parser.add_argument("--scenarios", default="uniform")
    parser.add_argument("--pg")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args(argv)
    run(quick=args.quick, sizes=[int(s) for s in args.sizes.split(",")] if args.sizes else None,
        scenarios=args.scenarios.split(","), pg_url=args.pg, skip_seed=args.skip_seed, reseed=args.reseed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
