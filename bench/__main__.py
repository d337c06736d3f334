"""Run the benchmarks: `python -m bench [args of bench.bench_summary]`."""

import sys

from bench.bench_summary import main

sys.exit(main())
