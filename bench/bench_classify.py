"""Measure report-classifier throughput on one core, the model against the old term tables in the same run;
start-up and memory growth too. Human summary to stderr, JSON to stdout."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.triage.classifier_build import corpus_paths  # noqa: E402
from bot.triage.classifier_terms import TermClassifier  # noqa: E402
from bot.triage.classify import Classifier  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "classifier_corpus.jsonl"
STARTUP = ("import time; t = time.perf_counter(); from bot.triage.classify import Classifier; "
           "Classifier().classify('公式Xの投稿が炎上しています'); print(time.perf_counter() - t)")


def load_texts() -> list[str]:
    """Message texts of the training corpus (the legacy file and the training batches; held-out ones excluded)."""
    texts: list[str] = []
    for path in corpus_paths(ROOT) or [CORPUS]:
        with path.open(encoding="utf-8") as fh:
            texts.extend(json.loads(line)["text"] for line in fh if line.strip())
    return texts


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def startup_seconds() -> float:
    """Import, load the packaged model and classify one message in a fresh interpreter (best of 3)."""
    runs = [float(subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    return min(runs)


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


def measure(classifier: Classifier | TermClassifier, texts: list[str], seconds: float) -> dict[str, Any]:
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
    texts = load_texts()
    typical = typical_messages(texts, 2000)
    before = rss_mb()
    started = time.perf_counter()
    classifier = Classifier()
    build_ms = (time.perf_counter() - started) * 1000
    result: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "build_ms": round(build_ms, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "corpus": measure(classifier, texts, args.seconds),
        "typical_50_300": measure(classifier, typical, args.seconds),
    }
    result["memory_growth_mb"] = round(rss_mb() - before, 1)  # model loaded and thousands of messages classified
    result["startup_s"] = round(startup_seconds(), 3)
    started = time.perf_counter()
    old = TermClassifier()
    result["old_terms"] = {"build_ms": round((time.perf_counter() - started) * 1000, 1),
                           "corpus": measure(old, texts, args.seconds),
                           "typical_50_300": measure(old, typical, args.seconds)}
    for label, rows in (("model", result), ("old terms", result["old_terms"])):
        for name in ("corpus", "typical_50_300"):
            row = rows[name]
            print(f"{label:>9} {name:>15}: {row['per_second']:>9,.0f} classifications/s wall, "
                  f"{row['per_second_cpu']:>9,.0f} per CPU-second "
                  f"({row['microseconds_per_message']} µs, mean {row['mean_chars']} chars)", file=sys.stderr)
    print(f"model start-up {result['startup_s']} s (import, load, first message); memory growth "
          f"{result['memory_growth_mb']} MB", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
