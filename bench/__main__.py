"""Run every benchmark: `python -m bench [classify|summary]` (both by default); results go to bench/results/."""

import sys

from bench import bench_classify, bench_summary

SUITES = {"classify": lambda: bench_classify.main([]), "summary": lambda: bench_summary.main([])}


def main(argv: list[str]) -> int:
    """Run the named suites (all when none are named)."""
    names = argv or list(SUITES)
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(f"unknown suite(s): {', '.join(unknown)} (known: {', '.join(SUITES)})")
        return 2
    return max(SUITES[name]() for name in names)


sys.exit(main(sys.argv[1:]))
