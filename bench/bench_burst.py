"""A 炎上 burst: 200 reports of the same post from 50 users within 60 s, against Slack-like rate limits.

`incident-bot serve` (SQLite, or PostgreSQL with --pg) gets 200 signed message events in the report channel,
each a different staff message carrying the same post URL, 50 users reporting 4 times each, at random times
within the window. The fake Web API answers chat.postMessage with HTTP 429 + Retry-After when a channel goes
over 1 message/s (token bucket, bursts of 3), like Slack. The load generator behaves like Slack too: a
delivery not answered within 3 s is abandoned and redelivered at once with X-Slack-Retry-Num: 1 (Slack's
later retries, after 1 and 5 minutes, are not simulated).

Reported: incidents created (target 1), PR channel messages (target 1, plus chat.update in place),
chat.postMessage calls per channel per second (target ≤ 1 sustained, taken as the busiest 10 s window of
calls, 429s included, and the whole-window average), 429s answered and what became of them (retried into a
post, or given up with `delivery_failed` on the timeline), and the ack latencies Slack would have seen.

    python -m bench.bench_burst [--quick] [--reports 200] [--users 50] [--window 60] [--pg URL] [--platform teams]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import servers
from bench.common import fmt, loadavg, log, markdown_table, summarise_ms, write_result

URL_ID = 4_242_424
MERGED_COUNT = re.compile(r"(\d+) 件の報告をまとめました")  # bot/locales/ja.yaml delivery.merged_count
RATE, BURST = 1.0, 3.0


def plan(reports: int, users: int, window: float, seed: int = 5) -> list[list[Any]]:
    rng = random.Random(seed)
    people = [f"U_F{n:04d}" for n in range(users)]
    who = [people[i % users] for i in range(reports)]
    rng.shuffle(who)
    offsets = sorted(rng.random() * window for _ in range(reports))
    return [[offset, "report_new" if i == 0 else "report_repeat", who[i], URL_ID, -1]
            for i, offset in enumerate(offsets)]


def busiest(times: Sequence[float], width: float) -> float:
    """Most events in any window of `width` seconds, per second."""
    ordered, best, j = sorted(times), 0, 0
    for i, t in enumerate(ordered):
        while ordered[j] < t - width + 1e-9:
            j += 1
        best = max(best, i - j + 1)
    return round(best / width, 2)


def channel_rates(posts: Sequence[Sequence[Any]], limited: Sequence[Sequence[Any]], start: float,
                  end: float) -> dict[str, Any]:
    calls: dict[str, list[float]] = {}
    accepted: Counter[str] = Counter()
    for post in posts:
        calls.setdefault(post[1], []).append(post[0])
        accepted[post[1]] += 1
    refused: Counter[str] = Counter()
    for t, channel in limited:
        calls.setdefault(channel, []).append(t)
        refused[channel] += 1
    span = max(end - start, 1e-9)
    return {channel: {"calls": len(times), "accepted": accepted[channel], "answered_429": refused[channel],
                      "calls_per_s_avg": round(len(times) / span, 2),
                      "calls_per_s_busiest_10s": busiest(times, 10.0),
                      "calls_per_s_busiest_1s": busiest(times, 1.0),
                      "accepted_per_s_busiest_10s": busiest([p[0] for p in posts if p[1] == channel], 10.0)}
            for channel, times in sorted(calls.items())}


def update_rates(updated: Sequence[Sequence[Any]], ephemerals: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """chat.update calls per channel and per message (the merged-reports count is one message updated in place:
    Slack's chat.update is a Tier 3 method, about 50 a minute) and chat.postEphemeral calls (Tier 4, 100+ a minute),
    each with its busiest 10 s."""
    by_channel: dict[str, list[float]] = {}
    by_message: dict[tuple[str, str], list[float]] = {}
    shown: list[int] = []  # the count each update of the merged-reports message showed, in call order
    for t, channel, ts, *text in updated:
        by_channel.setdefault(channel, []).append(t)
        by_message.setdefault((channel, ts), []).append(t)
        found = MERGED_COUNT.search(text[0] if text else "")
        if found:
            shown.append(int(found.group(1)))
    busiest_message = max(by_message.items(), key=lambda item: len(item[1]), default=(("", ""), []))
    return {"chat_update": {channel: {"calls": len(times), "per_s_busiest_10s": busiest(times, 10.0)}
                            for channel, times in sorted(by_channel.items())},
            "chat_update_one_message_most": {"calls": len(busiest_message[1]),
                                             "per_s_busiest_10s": busiest(busiest_message[1], 10.0)},
            "merged_count_last_shown": shown[-1] if shown else None,
            "chat_post_ephemeral": {"calls": len(ephemerals),
                                    "per_s_busiest_10s": busiest([e[0] for e in ephemerals], 10.0)}}


def database_counts(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from storage.db import make_engine
    from storage.models import Incident, IncidentReporter, TimelineEvent

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            incidents = conn.execute(select(func.count()).select_from(Incident)).scalar_one()
            reporters = conn.execute(select(func.count()).select_from(IncidentReporter)).scalar_one()
            types = dict(conn.execute(select(TimelineEvent.type, func.count()).group_by(TimelineEvent.type)).all())
            failures = Counter(str((row or {}).get("error")) for row in conn.execute(
                select(TimelineEvent.data).where(TimelineEvent.type == "delivery_failed")).scalars())
    finally:
        engine.dispose()
    return {"incidents": incidents, "reporters": reporters, "timeline": types,
            "delivery_failed_by_error": dict(failures)}


def log_counts(path: Path) -> dict[str, int]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {"api_error_ratelimited": len(re.findall(r"slack\.api_error .*error=ratelimited", text)),
            "report_duplicate": text.count("slack.report_duplicate"),
            "storage_error": text.count("slack.storage_error"),
            "tracebacks": text.count("Traceback")}


def run(quick: bool = False, reports: int = 200, users: int = 50, window: float | None = None,
        pg_url: str | None = None) -> dict[str, Any]:
    window = window or (15.0 if quick else 60.0)
    started, before = time.monotonic(), loadavg()
    backend = "postgresql" if pg_url else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        database = servers.Database(backend, tmp, pg_url)
        try:
            bot = servers.start_bot(tmp, fake, database)
        except Exception:  # the bot did not start: the fake must not outlive the bench
            fake.stop()
            raise
        try:
            fake.rate_limit(RATE, BURST)
            log(f"burst: {reports} reports of one post from {users} users within {window:.0f}s ({backend})")
            load_before = loadavg()
            result = servers.run_load({"url": bot.url, "plan": plan(reports, users, window), "run": "burst",
                                       "slack_retry_delays": [0.0], "slack_timeout": 3.0,
                                       "max_connections": 64}, tmp)
            # The bot may still be working through held requests: wait a bounded time, then stop it.
            _, waited, quiet = servers.wait_quiet(fake, quiet=3.0, limit=10.0 if quick else 20.0)
            snapshot = fake.snapshot()
            load_after = loadavg()
            rss = bot.rss_mb()
        finally:
            bot.stop()
            fake.stop()
        counts = database_counts(database.url)
        logs = log_counts(bot.log_path)
        database.drop()
    rows = [row for row in result["rows"] if row]
    retries = result["retries"]
    posts = snapshot["posts"]
    start, end = result["start"], max([result["end"]] + [p[0] for p in posts])
    pr_posts = [p for p in posts if p[1] == servers.PR_CHANNEL and p[2] is None]
    # Every merged report told privately: one ephemeral to its reporter under their own report message (whichever
    # report was handled first created the incident; the other reports are the merged ones).
    report_ts = {row[6]: row[7] for row in rows if row[0] in ("report_new", "report_repeat")}
    told = {(e[2], e[3]) for e in snapshot.get("ephemerals", []) if e[3] in report_ts}
    answered = [row for row in rows if row[4] == 200]
    figures = {
        "backend": backend, "reports": reports, "users": users, "window_seconds": window,
        "rate_limit": {"per_channel_per_s": RATE, "burst": BURST},
        "incidents_created": counts["incidents"], "reporters_recorded": counts["reporters"],
        "merged_reports": len(report_ts) - counts["incidents"], "merged_reporters_told": len(told),
        "pr_channel_messages": len(pr_posts), "pr_channel_updates": snapshot["updates"].get(servers.PR_CHANNEL, 0),
        "channels": channel_rates(posts, snapshot["limited_at"], start, end),
        "answered_429": len(snapshot["limited_at"]),
        "ratelimited_given_up": counts["delivery_failed_by_error"].get("ratelimited", 0),
        "timeline": counts["timeline"], "delivery_failed_by_error": counts["delivery_failed_by_error"],
        "log": logs,
        "deliveries": {"sent": len(rows), "answered_within_3s": len(answered),
                       "not_answered_within_3s": len(rows) - len(answered),
                       "slack_retries_sent": len(retries),
                       "slack_retries_answered": sum(1 for r in retries if r[4] == 200),
                       "ack": summarise_ms([row[3] - row[1] for row in answered])},
        "seconds_until_quiet_after_last_report": round(max(0.0, end - result["sent_all"]), 1),
        "went_quiet": quiet, "stopped_while_busy": not quiet, "server_rss_mb": rss, "generator": result["generator"],
        "load_average_before": load_before, "load_average_after": load_after,
    }
    report_channel = figures["channels"].get(servers.REPORT_CHANNEL, {})
    figures["targets"] = {
        "incidents_created_is_1": figures["incidents_created"] == 1,
        "pr_messages_is_1": figures["pr_channel_messages"] == 1,
        "post_calls_per_channel_le_1_per_s": all(c["calls_per_s_busiest_10s"] <= 1.0
                                                 for c in figures["channels"].values()),
        "all_deliveries_answered_within_3s": figures["deliveries"]["not_answered_within_3s"] == 0,
        "every_merged_reporter_told": figures["merged_reporters_told"] == figures["merged_reports"],
        "none_given_up": figures["ratelimited_given_up"] == 0,
    }
    figures["updates"] = update_rates(snapshot.get("updated_at", []), snapshot.get("ephemerals", []))
    figures["targets"]["count_shows_every_merge"] = (figures["merged_reports"] <= 1 or  # one merge: posted, no update
                                                    figures["updates"]["merged_count_last_shown"]
                                                    == figures["merged_reports"])
    figures["report_channel_calls_busiest_10s"] = report_channel.get("calls_per_s_busiest_10s")
    path = write_result("burst" if backend == "sqlite" else "burst-pg", {"results": figures}, started, before)
    print(table(figures))
    log(f"wrote {path}")
    return figures


def table(f: dict[str, Any]) -> str:
    rows = [["incidents created", f["incidents_created"], "1", "met" if f["targets"]["incidents_created_is_1"]
             else "MISSED"],
            ["PR channel messages (+ updates)", f"{f['pr_channel_messages']} (+{f['pr_channel_updates']})", "1",
             "met" if f["targets"]["pr_messages_is_1"] else "MISSED"]]
    for channel, c in f["channels"].items():
        rows.append([f"postMessage calls/s in {channel}: busiest 10 s / avg",
                     f"{c['calls_per_s_busiest_10s']} / {c['calls_per_s_avg']} ({c['calls']} calls, "
                     f"{c['answered_429']}×429)", "≤ 1", "met" if c["calls_per_s_busiest_10s"] <= 1.0 else "MISSED"])
    d = f["deliveries"]
    rows.append(["merged reports told privately (ephemeral)", f"{f.get('merged_reporters_told', 0)} of "
                 f"{f.get('merged_reports', 0)}", "all", "met" if f["targets"].get("every_merged_reporter_told")
                 else "MISSED"])
    rows.append(["429s answered / given up (delivery_failed)", f"{f['answered_429']} / {f['ratelimited_given_up']}",
                 "0 given up", "met" if not f["ratelimited_given_up"] else "MISSED"])
    rows.append(["deliveries not answered within 3 s (Slack retries)",
                 f"{d['not_answered_within_3s']} of {d['sent']} ({d['slack_retries_sent']} retries, "
                 f"{d['slack_retries_answered']} answered)", "0", "met" if not d["not_answered_within_3s"]
                 else "MISSED"])
    u = f.get("updates") or {}
    for channel, c in (u.get("chat_update") or {}).items():
        rows.append([f"chat.update calls in {channel}: total / busiest 10 s per s", f"{c['calls']} / "
                     f"{c['per_s_busiest_10s']}", "", ""])
    if u:
        rows.append(["merged-reports count message: last count shown", u.get("merged_count_last_shown"),
                     f"{f.get('merged_reports')}", "met" if f["targets"].get("count_shows_every_merge") else "MISSED"])
        e = u["chat_post_ephemeral"]
        rows.append(["chat.postEphemeral calls: total / busiest 10 s per s", f"{e['calls']} / "
                     f"{e['per_s_busiest_10s']}", "", ""])
    rows.append(["ack p50 / p99 ms", f"{fmt(d['ack']['p50_ms'], digits=0)} / {fmt(d['ack']['p99_ms'], digits=0)}",
                 "", ""])
    return markdown_table([f"burst ({f['reports']} reports, {f['users']} users, {f['window_seconds']:.0f} s, "
                           f"{f['backend']})", "measured", "target", ""], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_burst", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--window", type=float)
    parser.add_argument("--pg")
    parser.add_argument("--platform", choices=("slack", "teams"), default="slack",
                        help="teams: `incident-bot teams` against the fake Bot Connector (bench/burst_teams.py)")
    args = parser.parse_args(argv)
    if args.platform == "teams":
        from bench import burst_teams

        burst_teams.run(quick=args.quick, reports=args.reports, users=args.users, window=args.window,
                        pg_url=args.pg)
        return 0
    run(quick=args.quick, reports=args.reports, users=args.users, window=args.window, pg_url=args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
