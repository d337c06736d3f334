"""Run the benchmarks: `python -m bench [SUITE …] [--quick] [--pg URL] [--seconds S] [--skip-seed | --reseed]`.

Suites (all of DEFAULT when none are named): classify, timeline, scaling, memory, burst, ack; `summary` (the
full weekly-summary benchmark, both scenarios and databases) runs only when named. Each suite prints its
table and writes bench/results/<suite>.json with the machine it ran on and the load average before and
after; the run ends with the combined table (bench/results/latest.md, latest.json) that goes into the README.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import report
from bench.common import ROOT, loadavg, log, write_result


def _classify(opts: argparse.Namespace) -> int:
    """bench_classify in its own process: it pins itself to one core, which must not leak into later suites."""
    started, before = time.monotonic(), loadavg()
    seconds = "1.5" if opts.quick else "3"
    out = subprocess.run([sys.executable, "-m", "bench.bench_classify", "--seconds", seconds], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    sys.stderr.write(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    write_result("classify", {"target_per_second": 5000, "results": result}, started, before)
    print(f"classifier: {result['typical_50_300']['per_second']:,.0f}/s typical 50-300 chars, "
          f"{result['corpus']['per_second']:,.0f}/s corpus lines (one core)")
    return 0


def _summary(opts: argparse.Namespace) -> int:
    from bench import bench_summary

    argv = ["--sizes", "1000,10000" if opts.quick else "1000,10000,100000"]
    return bench_summary.main(argv + (["--pg", opts.pg] if opts.pg else []))


def _timeline(opts: argparse.Namespace) -> int:
    from bench import bench_timeline

    bench_timeline.run(quick=opts.quick, pg_url=opts.pg)
    return 0


def _scaling(opts: argparse.Namespace) -> int:
    from bench import bench_scaling

    bench_scaling.run(quick=opts.quick, pg_url=opts.pg, skip_seed=opts.skip_seed, reseed=opts.reseed)
    return 0


def _memory(opts: argparse.Namespace) -> int:
    from bench import bench_memory

    bench_memory.run(quick=opts.quick, deliveries=opts.deliveries or 20_000)
    return 0


def _burst(opts: argparse.Namespace) -> int:
    from bench import bench_burst

    bench_burst.run(quick=opts.quick, pg_url=opts.pg)
    return 0


def _ack(opts: argparse.Namespace) -> int:
    from bench import bench_ack

    bench_ack.run(quick=opts.quick, seconds=opts.seconds, pg_url=opts.pg, bare_seconds=opts.bare_seconds)
    return 0


SUITES: dict[str, Callable[[argparse.Namespace], int]] = {
    "classify": _classify, "timeline": _timeline, "scaling": _scaling, "memory": _memory, "burst": _burst,
    "ack": _ack, "summary": _summary,
}
DEFAULT = ["classify", "timeline", "scaling", "memory", "burst", "ack"]


def main(argv: list[str]) -> int:
    """Run the named suites (DEFAULT when none are named), then print and save the combined table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: {' '.join(DEFAULT)})")
    parser.add_argument("--quick", action="store_true", help="short runs (~3 min in all) for development")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"),
                        help="also measure PostgreSQL at this URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--seconds", type=float, help="seconds per ack load level for our bot (default 60)")
    parser.add_argument("--bare-seconds", type=float, help="seconds per ack load level for bare Bolt (default 15)")
    parser.add_argument("--deliveries", type=int, help="memory soak length (default 20,000; the issue's 100,000 "
                                                       "takes ~8 min on its own: `python -m bench memory "
                                                       "--deliveries 100000`)")
    parser.add_argument("--skip-seed", action="store_true", help="scaling: only sizes already seeded in the cache")
    parser.add_argument("--reseed", action="store_true", help="scaling: seed again, ignoring the cache")
    opts = parser.parse_args(argv)
    names = opts.suites or DEFAULT
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)} (known: {', '.join(SUITES)})")
        return 2
    started = time.monotonic()
    codes: dict[str, Any] = {}
    for name in names:
        log(f"suite {name} (load average {loadavg()})")
        codes[name] = SUITES[name](opts)
    elapsed = time.monotonic() - started
    log(f"all done in {elapsed / 60:.1f} min")
    print()
    print(report.combined(names, elapsed, quick=opts.quick))
    return max(codes.values())


sys.exit(main(sys.argv[1:]))
