"""Where the bot's CPU goes, per kind of delivery: py-spy samples the real `serve` process (all threads) while
the load generator sends one kind of delivery, and the hottest functions are listed (own and cumulative share).

    python -m bench.profile_costs [--kinds chatter,report_new] [--seconds 6] [--rate 20] [--top 25]

Needs py-spy (`pip install py-spy`; ptrace rights). Collapsed stacks are kept in bench/results/profile-<kind>.txt.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import servers
from bench.bench_ack import Runner
from bench.bench_costs import KINDS, RETRY_MIX
from bench.common import RESULTS, log


def summarise(collapsed: Path, top: int) -> str:
    """The `top` functions by own samples and by cumulative samples (each counted once per stack)."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")
                  and not frame.startswith("thread ")]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    lines = [f"{samples} samples"]
    for title, table in (("own", own), ("cumulative", total)):
        lines.append(f"-- {title}")
        lines += [f"{100 * n / max(samples, 1):5.1f}%  {name}" for name, n in table.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(name for name, _ in KINDS))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rate", type=float, default=0.0, help="deliveries/s (default: bench_costs' rate)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--rate-hz", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--wall", action="store_true",
                        help="sample every active thread (waits included), not only the one holding the GIL")
    args = parser.parse_args(argv)
    rates = dict(KINDS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        database = servers.Database("sqlite", tmp)
        server = servers.start_bot(tmp, fake, database, slack=servers.unpaced())
        runner = Runner("bot", server, fake, tmp, processing=True)
        try:
            runner.level(20, 3)  # warm-up, and reports for repeats and retries to refer to
            servers.wait_quiet(fake, quiet=0.5, limit=30)
            for kind in args.kinds.split(","):
                out = RESULTS / f"profile-{kind}.txt"
                sampled = [] if args.wall else ["--gil"]
                spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--format", "raw",
                                        "--rate", str(args.rate_hz), "--output", str(out), "--nonblocking", *sampled],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                log(f"profile: {kind}")
                runner.level(args.rate or rates[kind], args.seconds,
                             mix=RETRY_MIX if kind == "retry" else {kind: 1.0})
                servers.wait_quiet(fake, quiet=0.5, limit=30)
                spy.send_signal(2)
                spy.wait(timeout=30)
                print(f"== {kind}\n{summarise(out, args.top)}\n", flush=True)
        finally:
            server.stop()
            fake.stop()
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
