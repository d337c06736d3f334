"""Measure report-classifier throughput on one core; human summary to stderr, JSON to stdout."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.triage.classify import Classifier  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "classifier_corpus.jsonl"


def load_texts() -> list[str]:
    """Message texts of the labelled corpus."""
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def typical_messages(texts: list[str], count: int, seed: int = 7) -> list[str]:
    """Messages of 50-300 characters made by joining corpus lines, like a staff member's longer post."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        parts: list[str] = []
        target = rng.randint(50, 300)
        while sum(map(len, parts)) < target:
            parts.append(rng.choice(texts))
        out.append("\n".join(parts)[:300])
    return out


def measure(classifier: Classifier, texts: list[str], seconds: float) -> dict[str, Any]:
    """Classifications per second over texts repeated for at least `seconds` (best of 3 rounds).

    Wall-clock and CPU-time rates are both reported: on a busy machine the CPU figure is the
    one that reflects the code, the wall figure what a caller would have seen.
    """
    for text in texts[:200]:
        classifier.classify(text)  # warm-up
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(3):
        done = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        deadline = started + seconds / 3
        while True:
            for text in texts:
                classifier.classify(text)
            done += len(texts)
            now = time.perf_counter()
            if now >= deadline:
                break
        wall.append(done / (now - started))
        cpu.append(done / max(time.process_time() - cpu_started, 1e-9))
    return {
        "messages": len(texts),
        "mean_chars": round(statistics.mean(map(len, texts)), 1),
        "per_second": round(max(wall), 1),
        "per_second_cpu": round(max(cpu), 1),
        "per_second_rounds": [round(rate, 1) for rate in wall],
        "microseconds_per_message": round(1e6 / max(wall), 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per workload (split over 3 rounds)")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    started = time.perf_counter()
    classifier = Classifier()
    build_ms = (time.perf_counter() - started) * 1000
    texts = load_texts()
    result: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "build_ms": round(build_ms, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "corpus": measure(classifier, texts, args.seconds),
        "typical_50_300": measure(classifier, typical_messages(texts, 2000), args.seconds),
    }
    for name in ("corpus", "typical_50_300"):
        row = result[name]
        print(f"{name:>15}: {row['per_second']:>9,.0f} classifications/s wall, "
              f"{row['per_second_cpu']:>9,.0f} per CPU-second "
              f"({row['microseconds_per_message']} µs, mean {row['mean_chars']} chars)", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
