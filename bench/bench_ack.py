"""Ack latency under load, report → PR notified, and the max sustainable rate; ours against a bare Bolt app.

Each server runs as its own process on 127.0.0.1 and gets the same open-loop load (bench/loadgen.py, its own
process): signed Events API deliveries at 50, 100 and 200 per second, then steps up until p99 > 1 s, errors,
or the rate is not achieved. The Web API is bench/fake_slack_server.py (its own process, no rate limits
here). Reported per level: p50/p99 from the scheduled send to the end of the HTTP 200 (open loop, so a
slow server cannot slow the load), errors (non-200, connection errors, no answer within 10 s), achieved
rate, CPU shares of the server, the fake and the generator, and for our bot the report → PR message and
report → step 1 latencies from the fake's receive times (same monotonic clock).

Sustainable rate: the highest step with no errors, p99 ≤ 1 s and ≥ 95 % of the offered rate answered; for
our bot also "keeps up": report → PR p95 ≤ 1 s (the bot stores a report, answers, then posts to Slack from a
thread pool, so acks alone can look fine while the posts pile up).

    python -m bench.bench_ack [--quick] [--seconds 60] [--bare-seconds 15] [--rates 50,100,200] [--pg URL]
                              [--no-sqlite] [--no-bare] [--no-max] [--mix chatter=1] [--what-if sqlite-normal]

--mix changes the delivery mix (e.g. chatter=1: the ack path alone); --what-if runs the bot through
bench/whatif.py with one setting changed. Both write to their own bench/results/ack-….json.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import servers
from bench.common import fmt, loadavg, log, markdown_table, ms, percentile, summarise_ms, write_result
from bench.loadgen import DEFAULT_MIX

ACK_TARGET_MS = 100.0
NOTIFY_TARGET_MS = 300.0
RATIO_TARGET = 0.7
SUSTAINED_P99_MS = 1000.0
KEEPS_UP_P95_MS = 1000.0
MAX_CONNECTIONS = 64  # below waitress' connection_limit (100): more would wait unaccepted in the backlog


class Runner:
    """One server under test: its process, the fake it calls, and the deliveries it has had so far."""

    def __init__(self, name: str, server: servers.Process, fake: servers.FakeSlack, tmp: Path,
                 processing: bool, mix: dict[str, float] | None = None) -> None:
        self.name, self.server, self.fake, self.tmp, self.processing = name, server, fake, tmp, processing
        self.mix = mix or DEFAULT_MIX
        self.delivered = 0
        self.url_base = 1
        self.runs = 0
        self.recent_urls: list[int] = []
        self.log_offset = 0

    def log_counts(self) -> dict[str, int]:
        """Trouble the server logged since the last call (storage errors, Web API errors, tracebacks)."""
        try:
            with self.server.log_path.open("rb") as fh:
                fh.seek(self.log_offset)
                text = fh.read().decode("utf-8", "replace")
                self.log_offset = fh.tell()
        except OSError:
            return {}
        counts = {"storage_error": text.count("slack.storage_error"), "api_error": text.count("slack.api_error"),
                  "traceback": text.count("Traceback"), "error_lines": text.count(" ERROR ")}
        return {key: value for key, value in counts.items() if value}

    def level(self, rate: float, seconds: float, mix: dict[str, float] | None = None,
              rss_every: int = 0) -> dict[str, Any]:
        """Offer `rate` deliveries/s for `seconds`; the measured figures of that step."""
        self.runs += 1
        before = loadavg()
        cpu0, fake0 = self.server.cpu_seconds() or 0.0, self.fake.stats()["cpu_seconds"]
        self.fake.posts()  # forget earlier posts
        spec = {"url": self.server.url, "rate": rate, "seconds": seconds, "mix": mix or self.mix,
                "run": f"{self.name[:3]}{self.runs}", "seed": self.runs, "url_base": self.url_base,
                "ts_base": 1763000000 + self.runs * 100000, "repeat_urls": self.recent_urls[-200:],
                "max_connections": MAX_CONNECTIONS, "rss_pid": self.server.pid if rss_every else None,
                "rss_every": rss_every or 10000}
        result = servers.run_load(spec, self.tmp)
        wall = result["end"] - result["start"]
        cpu1 = self.server.cpu_seconds() or 0.0
        rows = [row for row in result["rows"] if row]
        new_urls = [row[5] for row in rows if row[0] in ("report_new", "dm_report")]
        self.url_base += len(rows) + 1
        self.recent_urls = (self.recent_urls + new_urls)[-500:]
        self.delivered += len(rows)
        figures = ack_figures(rows, rate, result)
        figures.update({"rate": rate, "seconds": seconds, "load_average_before": before,
                        "server_cpu_share": round((cpu1 - cpu0) / max(wall, 1e-9), 3),
                        "server_rss_mb": self.server.rss_mb(), "generator": result["generator"],
                        "delivered_total": self.delivered, "rss_samples": result["rss"]})
        if self.processing:
            posts, waited, quiet = servers.wait_quiet(self.fake, quiet=1.0, limit=60.0)
            figures["notify"] = notify_figures(rows, posts, result["sent_all"])
            figures["notify"]["went_quiet"] = quiet
        figures["server_log"] = self.log_counts()
        figures["fake_cpu_share"] = round((self.fake.stats()["cpu_seconds"] - fake0) / max(wall, 1e-9), 3)
        figures["load_average_after"] = loadavg()
        return figures


def ack_figures(rows: Sequence[Sequence[Any]], rate: float, result: dict[str, Any]) -> dict[str, Any]:
    ok = [row for row in rows if row[4] == 200]
    errors: dict[str, int] = {}
    for row in rows:
        if row[4] != 200:
            key = {-1: "connection", -2: "timeout_10s"}.get(row[4], f"http_{row[4]}")
            errors[key] = errors.get(key, 0) + 1
    latency = [row[3] - row[1] for row in ok]
    late = sum(1 for value in latency if value > 3.0)  # Slack would have retried these
    if late:
        errors["over_3s"] = late
    first, last = min(row[1] for row in rows), max(row[3] for row in ok) if ok else 0.0
    span = max(last - first, len(rows) / rate)
    return {"sent": len(rows), "ok": len(ok), "errors": errors, "error_count": sum(errors.values()),
            "achieved_rate": round(len(ok) / span, 1) if ok else 0.0,
            "ack": summarise_ms(latency),
            "ack_from_send_p99_ms": ms(percentile([row[3] - row[2] for row in ok], 99)),
            "by_category_p99_ms": {cat: ms(percentile([r[3] - r[1] for r in ok if r[0] == cat], 99))
                                   for cat in sorted({r[0] for r in ok})}}


def notify_figures(rows: Sequence[Sequence[Any]], posts: Sequence[Sequence[Any]], sent_all: float
                   ) -> dict[str, Any]:
    """Report delivery (sent) → PR channel message and → step 1 in the thread, from the fake's receive times."""
    first_by_url: dict[int, Sequence[Any]] = {}
    for row in rows:
        if row[0] in ("report_new", "dm_report") and row[5] not in first_by_url:
            first_by_url[row[5]] = row
    pr_at: dict[int, float] = {}
    step_at: dict[str, float] = {}
    for t, channel, thread_ts, what, url_id, _ in posts:
        if channel == servers.PR_CHANNEL and url_id is not None and thread_ts is None:
            pr_at.setdefault(url_id, t)
        if thread_ts and what == "step":
            step_at.setdefault(thread_ts, t)
    pr = [pr_at[url] - row[2] for url, row in first_by_url.items() if url in pr_at]
    step = [step_at[row[6]] - row[2] for row in first_by_url.values() if row[6] in step_at]
    last_post = max((p[0] for p in posts), default=sent_all)
    return {"reports": len(first_by_url), "pr_message": summarise_ms(pr), "step1": summarise_ms(step),
            "missing_pr": len(first_by_url) - len(pr), "missing_step1": len(first_by_url) - len(step),
            "work_done_after_last_send_s": round(max(0.0, last_post - sent_all), 2)}


def sustained(figures: dict[str, Any], processing: bool) -> tuple[bool, bool]:
    """(acks sustainable, work keeps up) for one step."""
    p99 = figures["ack"]["p99_ms"] or math.inf
    acks = (figures["error_count"] == 0 and p99 <= SUSTAINED_P99_MS
            and figures["achieved_rate"] >= 0.95 * figures["rate"])
    if not processing:
        return acks, acks
    notify = figures.get("notify") or {}
    if not notify.get("reports"):
        return acks, acks  # no reports in this mix: nothing to keep up with
    p95 = (notify.get("pr_message") or {}).get("p95_ms") or math.inf
    keeps_up = acks and p95 <= KEEPS_UP_P95_MS and not notify.get("missing_pr")
    return acks, keeps_up


def max_search(runner: Runner, levels: Sequence[dict[str, Any]], seconds: float, factor: float = 1.5,
               limit: float = 6000.0) -> dict[str, Any]:
    """The fixed levels count as the first steps; above the highest one that held, step the rate up by `factor`
    until acks fail, then try the geometric middle below each first failure once."""
    steps: list[dict[str, Any]] = []
    best = {"acks": 0.0, "work": 0.0}
    failed: dict[str, float | None] = {"acks": None, "work": None}

    def account(rate: float, acks: bool, work: bool) -> None:
        for key, passed in (("acks", acks), ("work", work)):
            if passed:
                best[key] = max(best[key], rate)
            elif failed[key] is None or rate < failed[key]:  # type: ignore[operator]
                failed[key] = rate

    def step(rate: float) -> bool:
        log(f"{runner.name}: max search step {rate:.0f}/s for {seconds:.0f}s")
        figures = runner.level(rate, seconds)
        figures.pop("rss_samples", None)
        acks, work = sustained(figures, runner.processing)
        figures["sustained_acks"], figures["keeps_up"] = acks, work
        steps.append(figures)
        account(rate, acks, work)
        return acks

    for level in levels:
        account(level["rate"], level["sustained_acks"], level["keeps_up"])
    if failed["acks"] is None:
        rate = round(max(level["rate"] for level in levels) * factor)
        while rate <= limit and step(rate):
            rate = round(rate * factor)
    tried = {level["rate"] for level in levels}
    for key in ("work", "acks") if runner.processing else ("acks",):
        fail = failed[key]
        low = best[key] if best[key] > 0 else (fail / 4 if fail else 0)
        if fail is not None and low > 0:
            middle = round(math.sqrt(low * fail))
            if low < middle < fail and middle not in tried and not any(s["rate"] == middle for s in steps):
                step(middle)
    return {"max_sustained_acks": best["acks"], "max_keeps_up": best["work"] if runner.processing else best["acks"],
            "first_failure_acks": failed["acks"], "first_failure_keeps_up": failed["work"],
            "steps": [_brief(s) for s in steps]}


def _brief(figures: dict[str, Any]) -> dict[str, Any]:
    keep = ("rate", "seconds", "sent", "ok", "errors", "achieved_rate", "ack", "server_cpu_share", "server_log",
            "fake_cpu_share", "server_rss_mb", "sustained_acks", "keeps_up", "load_average_before",
            "load_average_after")
    brief = {key: figures[key] for key in keep if key in figures}
    brief["generator_lag_p99_ms"] = figures["generator"]["lag_p99_ms"]
    if "notify" in figures:
        brief["notify_pr_p95_ms"] = figures["notify"]["pr_message"]["p95_ms"]
        brief["notify_missing_pr"] = figures["notify"]["missing_pr"]
    return brief


def bench_server(name: str, kind: str, tmp: Path, rates: Sequence[float], seconds: float, step_seconds: float,
                 search: bool, pg_url: str | None = None, whatif: str = "",
                 mix: dict[str, float] | None = None) -> dict[str, Any]:
    """Start a fake and a server, warm up, run the fixed levels and the max search; stop both."""
    fake = servers.FakeSlack(tmp)
    database = servers.Database("postgresql" if kind == "bot_pg" else "sqlite", tmp, pg_url)
    server = servers.start_bare(tmp, fake) if kind == "bare" else servers.start_bot(tmp, fake, database, whatif)
    runner = Runner(name, server, fake, tmp, processing=kind != "bare", mix=mix)
    try:
        started_rss = server.rss_mb()
        runner.level(20, 3)  # warm-up: imports, caches, users.info, first incidents (not reported)
        out: dict[str, Any] = {"server": name, "whatif": whatif or None, "rss_at_start_mb": started_rss,
                               "levels": []}
        for rate in rates:
            log(f"{name}: {rate:.0f} deliveries/s for {seconds:.0f}s")
            figures = runner.level(rate, seconds)
            acks, work = sustained(figures, runner.processing)
            figures["sustained_acks"], figures["keeps_up"] = acks, work
            figures.pop("rss_samples", None)
            out["levels"].append(figures)
        if search:
            out["max"] = max_search(runner, out["levels"], seconds=step_seconds)
        out["rss_at_end_mb"] = server.rss_mb()
        out["peak_rss_mb"] = server.hwm_mb()
        return out
    finally:
        code = server.stop()
        fake.stop()
        database.drop()
        if code not in (0, None):
            log(f"{name} exited with {code}; see {server.log_path}")


def ratios(ours: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"p99_by_rate": {}}
    for mine, theirs in zip(ours["levels"], bare["levels"], strict=False):
        a, b = mine["ack"]["p99_ms"], theirs["ack"]["p99_ms"]
        out["p99_by_rate"][str(int(mine["rate"]))] = round(a / b, 2) if a and b else None
    if "max" in ours and "max" in bare and bare["max"]["max_sustained_acks"]:
        base = bare["max"]["max_sustained_acks"]
        out["sustainable_acks"] = round(ours["max"]["max_sustained_acks"] / base, 2)
        out["sustainable_keeps_up"] = round(ours["max"]["max_keeps_up"] / base, 2)
    return out


def run(quick: bool = False, seconds: float | None = None, rates: Sequence[float] = (50, 100, 200),
        pg_url: str | None = None, bare: bool = True, search: bool = True,
        step_seconds: float | None = None, bare_seconds: float | None = None, whatif: str = "",
        name: str = "ack", mix: dict[str, float] | None = None, sqlite: bool = True) -> dict[str, Any]:
    seconds = seconds or (10.0 if quick else 60.0)
    bare_seconds = bare_seconds or (10.0 if quick else 15.0)
    step_seconds = step_seconds or (4.0 if quick else 5.0)
    started, before = time.monotonic(), loadavg()
    result: dict[str, Any] = {"config": {"rates": list(rates), "seconds": seconds, "bare_seconds": bare_seconds,
                                         "step_seconds": step_seconds,
                                         "mix": mix or DEFAULT_MIX, "max_connections": MAX_CONNECTIONS,
                                         "targets": {"ack_p99_ms_at_100": ACK_TARGET_MS,
                                                     "notify_p95_ms": NOTIFY_TARGET_MS,
                                                     "ratio_to_bare": RATIO_TARGET}},
                              "servers": {}}
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp_name:
        tmp = Path(tmp_name)
        plan = ([("bot_sqlite", "bot_sqlite")] if sqlite else []) + ([("bot_pg", "bot_pg")] if pg_url else [])
        plan += [("bare_bolt", "bare")] if bare else []
        for server_name, kind in plan:
            level_seconds = bare_seconds if kind == "bare" else seconds
            result["servers"][server_name] = bench_server(server_name, kind, tmp, rates, level_seconds,
                                                          step_seconds, search, pg_url,
                                                          "" if kind == "bare" else whatif, mix)
    if bare:
        for ours in ("bot_sqlite", "bot_pg"):
            if ours in result["servers"]:
                result.setdefault("ratios", {})[ours] = ratios(result["servers"][ours],
                                                               result["servers"]["bare_bolt"])
    result["config"]["whatif"] = whatif or None
    path = write_result(name, result, started, before)
    print(table(result))
    log(f"wrote {path}")
    return result


def table(result: dict[str, Any]) -> str:
    rows = []
    for name, data in result["servers"].items():
        for level in data["levels"]:
            notify = level.get("notify") or {}
            rows.append([name, fmt(level["rate"]), fmt(level["achieved_rate"], digits=1),
                         fmt(level["ack"]["p50_ms"], digits=1), fmt(level["ack"]["p99_ms"], digits=1),
                         fmt(level["error_count"]), fmt((notify.get("pr_message") or {}).get("p95_ms"), digits=0),
                         fmt((notify.get("step1") or {}).get("p95_ms"), digits=0),
                         fmt(level["server_cpu_share"], digits=2), fmt(level["generator"]["lag_p99_ms"], digits=1),
                         "/".join(fmt(x, digits=2) for x in level["load_average_before"][:1]
                                  + level["load_average_after"][:1])])
    text = markdown_table(["server", "offered/s", "achieved/s", "ack p50 ms", "ack p99 ms", "errors",
                           "→PR p95 ms", "→step1 p95 ms", "server CPU", "gen lag p99 ms", "load before/after"],
                          rows)
    for name, data in result["servers"].items():
        if "max" in data:
            text += (f"\n{name}: max sustainable (acks) {fmt(data['max']['max_sustained_acks'])}/s, "
                     f"keeps up {fmt(data['max']['max_keeps_up'])}/s")
    for name, data in (result.get("ratios") or {}).items():
        text += f"\n{name} / bare Bolt: {data}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ack", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, help="per level for our bot (default 60, --quick 10)")
    parser.add_argument("--bare-seconds", type=float, help="per level for bare Bolt (default 15, --quick 10)")
    parser.add_argument("--step-seconds", type=float)
    parser.add_argument("--rates", default="50,100,200")
    parser.add_argument("--pg")
    parser.add_argument("--no-bare", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="with --pg: our bot on PostgreSQL only")
    parser.add_argument("--no-max", action="store_true")
    parser.add_argument("--mix", help="delivery mix as name=weight,… (default: "
                        + ",".join(f"{k}={v}" for k, v in DEFAULT_MIX.items()) + "); results go to ack-mix-….json")
    parser.add_argument("--what-if", default="", help="sqlite-normal and/or ack-first (bench/whatif.py); results "
                                                      "go to bench/results/ack-whatif-….json")
    args = parser.parse_args(argv)
    mix = {k: float(v) for k, v in (item.split("=") for item in args.mix.split(","))} if args.mix else None
    name = "ack"
    if args.what_if:
        name += "-whatif-" + args.what_if.replace(",", "+")
    if mix:
        name += "-mix-" + "+".join(mix)
    if args.no_sqlite:
        name += "-pg"
    run(quick=args.quick, seconds=args.seconds, rates=[float(r) for r in args.rates.split(",")], pg_url=args.pg,
        bare=not args.no_bare, search=not args.no_max, step_seconds=args.step_seconds,
        bare_seconds=args.bare_seconds, whatif=args.what_if, name=name, mix=mix, sqlite=not args.no_sqlite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
