"""The 炎上 burst on Teams (`python -m bench.bench_burst --platform teams`): the same 200 reports of one post from 50
users, as channel posts in the report channel, to `incident-bot teams` (anonymous mode, 127.0.0.1) in its own
process; the Bot Connector is tests/teams/fake_connector.py in this process, answering 429 + Retry-After like Teams
when one conversation gets more than 7 messages in 1 s, 8 in 2 s or 60 in 30 s (per bot per thread).

Teams has no ephemeral messages: a merged reporter is told in their personal chat with the bot. Each post is
answered by the bot's HTTP response after its use case (the deliveries run after it, paced); Teams waits 15 s,
the figure kept here is the share answered within 3 s as on Slack.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from bench import servers
from bench.bench_burst import busiest, database_counts
from bench.common import ROOT, loadavg, log, summarise_ms, write_result

REPORT = "19:bench-report@thread.tacv2"
PR_CHANNEL = "19:bench-pr@thread.tacv2"
PR_AAD = "aad-bench-pr"
WINDOWS = ((1.0, 7), (2.0, 8), (30.0, 60))  # Teams: messages per conversation per window
URL = "https://x.bench.example/status/4242424"


def limited_connector() -> Any:
    """The test suite's fake Bot Connector with Teams' per-conversation limits on send and reply."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.teams.fake_connector import FakeConnector

    class Limited(FakeConnector):
        def __init__(self) -> None:
            super().__init__()
            self.sent: dict[str, deque[float]] = {}
            self.limited: list[tuple[float, str]] = []
            self._gate = threading.Lock()

        def _answer(self, method: str, conversation: str, activity_id: str | None,
                    body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
            if method in ("send", "reply"):
                now = time.monotonic()
                with self._gate:
                    times = self.sent.setdefault(conversation, deque())
                    while times and times[0] < now - 30.0:
                        times.popleft()
                    if any(sum(1 for t in times if t > now - width) >= cap for width, cap in WINDOWS):
                        self.limited.append((now, conversation))
                        return 429, {"error": {"code": "Throttled", "message": "too many"}}, {"Retry-After": "1"}
                    times.append(now)
            return super()._answer(method, conversation, activity_id, body)

    return Limited().start()


def _own_cpu() -> float:
    """CPU seconds of this process: the driver's threads and the fake Bot Connector (both live here)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def config(tmp: Path, fake_url: str) -> Path:
    data = {"profile": servers.PROFILE, "playbooks_dir": str(ROOT / "playbooks"),
            "access": {"pr_members": [f"teams:{PR_AAD}"]},
            "escalation": {"levels": [{"section": "pr_section", "after_minutes": 30}]},
            "teams": {"report_channels": [REPORT], "pr_channel": PR_CHANNEL, "service_url": fake_url}}
    path = tmp / "app.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run(quick: bool = False, reports: int = 200, users: int = 50, window: float | None = None,
        pg_url: str | None = None) -> dict[str, Any]:
    from tests.teams.teams_driver import TeamsDriver, User

    window = window or (15.0 if quick else 60.0)
    started, before = time.monotonic(), loadavg()
    backend = "postgresql" if pg_url else "sqlite"
    rng = random.Random(5)
    people = [User(f"29:bench-{n:04d}", f"aad-bench-{n:04d}", f"職員 {n:04d}") for n in range(users)]
    who = [people[i % users] for i in range(reports)]
    rng.shuffle(who)
    offsets = sorted(rng.random() * window for _ in range(reports))
    texts = [f"{rng.choice(servers.texts()['report'])} {URL}" for _ in range(reports)]
    with tempfile.TemporaryDirectory(prefix="bench-burst-teams-") as tmp_name:
        tmp = Path(tmp_name)
        fake = limited_connector()
        database = servers.Database(backend, tmp, pg_url)
        env = servers._child_env(DATABASE_URL=database.url)
        for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"):
            env.pop(name, None)
        bot = servers.Process([sys.executable, "-c", "from bot.main import main; main()", "--config",
                               str(config(tmp, fake.url)), "teams", "--host", "127.0.0.1", "--port", "0"],
                              env, tmp / f"bot-teams-{backend}.log", "incident-bot teams")
        driver = TeamsDriver(SimpleNamespace(url=bot.url.rsplit("/api/messages", 1)[0]), fake)  # type: ignore[arg-type]
        rows: list[tuple[float, float, int]] = []  # (scheduled, answered, status)
        try:
            log(f"burst (teams): {reports} reports of one post from {users} users within {window:.0f}s ({backend})")
            load_before = loadavg()
            cpu_before, own_before = bot.cpu_seconds() or 0.0, _own_cpu()
            begin = time.monotonic() + 0.5

            def one(i: int) -> None:
                delay = begin + offsets[i] - time.monotonic()
                if delay > 0:
                    threading.Event().wait(delay)  # open loop: each post at its own time
                _, answer = driver.channel_post(who[i], texts[i], REPORT)
                rows.append((begin + offsets[i], time.monotonic(), answer.status))

            with ThreadPoolExecutor(64) as pool:
                list(pool.map(one, range(reports)))
            sent_all = time.monotonic()
            quiet_since, count = time.monotonic(), -1
            while time.monotonic() - sent_all < (10.0 if quick else 20.0):  # until the bot stops calling
                if len(fake.calls) != count:
                    count, quiet_since = len(fake.calls), time.monotonic()
                elif time.monotonic() - quiet_since >= 3.0:
                    break
                threading.Event().wait(0.1)
            load_after, rss = loadavg(), bot.rss_mb()
            cpu = {"bot_cpu_seconds": round((bot.cpu_seconds() or 0.0) - cpu_before, 2),
                   "bench_process_cpu_seconds": round(_own_cpu() - own_before, 2),
                   "wall_seconds": round(time.monotonic() - begin, 1)}
        finally:
            bot.stop()
            fake.stop()
        counts = database_counts(database.url)
        database.drop()
    sends = [call for call in fake.calls if call.method in ("send", "reply") and call.status < 300]
    by_channel: dict[str, list[float]] = {}
    for call in sends + [type("C", (), {"at": t, "conversation": c})() for t, c in fake.limited]:
        by_channel.setdefault(call.conversation.split(";")[0], []).append(call.at)
    pr_roots = [c for c in sends if c.conversation == PR_CHANNEL and c.method == "send"]
    personal = [c for c in sends if c.conversation.startswith("a:created-")]
    answered = [r for r in rows if r[2] < 300]
    figures = {
        "platform": "teams", "backend": backend, "reports": reports, "users": users, "window_seconds": window,
        "incidents_created": counts["incidents"], "reporters_recorded": counts["reporters"],
        "merged_reports": counts["timeline"].get("merged_report", 0),
        "merged_reports_told_in_personal_chat": len(personal),
        "merged_reporters_told": len({c.conversation for c in personal}),
        "pr_channel_messages": len(pr_roots),
        "updates": Counter(c.conversation.split(";")[0] for c in fake.calls if c.method == "update"),
        "channels": {ch: {"calls": len(ts), "calls_per_s_busiest_10s": busiest(ts, 10.0),
                          "calls_per_s_busiest_1s": busiest(ts, 1.0)} for ch, ts in sorted(by_channel.items())
                     if not ch.startswith("a:")},
        "personal_chat_calls_per_s_busiest_10s": busiest([c.at for c in sends if c.conversation.startswith("a:")],
                                                         10.0),
        "answered_429": len(fake.limited),
        "given_up": sum(counts["delivery_failed_by_error"].values()),
        "delivery_failed_by_error": counts["delivery_failed_by_error"],
        "deliveries": {"sent": len(rows), "answered_within_3s": sum(1 for r in answered if r[1] - r[0] <= 3.0),
                       "errors": len(rows) - len(answered), "ack": summarise_ms([r[1] - r[0] for r in answered])},
        "server_rss_mb": rss, "cpu": cpu, "load_average_before": load_before, "load_average_after": load_after,
    }
    figures["targets"] = {
        "incidents_created_is_1": figures["incidents_created"] == 1,
        "pr_messages_is_1": figures["pr_channel_messages"] == 1,
        "every_report_recorded": figures["incidents_created"] + figures["merged_reports"] == reports,
        # a personal-chat message per merge (a report refused, e.g. storage busy, is told so there too)
        "every_merged_reporter_told": figures["merged_reports_told_in_personal_chat"] >= figures["merged_reports"],
        "none_given_up": figures["given_up"] == 0,
        "all_answered_within_3s": figures["deliveries"]["answered_within_3s"] == reports,
    }
    path = write_result("burst-teams" if backend == "sqlite" else "burst-teams-pg", {"results": figures}, started,
                        before)
    print(table(figures))
    log(f"wrote {path}")
    return figures


def table(f: dict[str, Any]) -> str:
    from bench.common import fmt, markdown_table

    t = f["targets"]
    rows = [["incidents created", f["incidents_created"], "1", "met" if t["incidents_created_is_1"] else "MISSED"],
            ["PR channel messages (+ updates)", f"{f['pr_channel_messages']} (+{f['updates'].get(PR_CHANNEL, 0)})",
             "1", "met" if t["pr_messages_is_1"] else "MISSED"]]
    for channel, c in f["channels"].items():
        rows.append([f"messages/s in {channel}: busiest 10 s / 1 s", f"{c['calls_per_s_busiest_10s']} / "
                     f"{c['calls_per_s_busiest_1s']} ({c['calls']} calls)", "≤ 2 (Teams: 60 per 30 s)", ""])
    rows += [["reports recorded (incident + merged)", f"{f['incidents_created'] + f['merged_reports']} of "
              f"{f['reports']}", "all", "met" if t["every_report_recorded"] else "MISSED"],
             ["count message updates in the report channel", f["updates"].get(REPORT, 0), "", ""],
             ["personal-chat messages to reporters (of merged reports; users)",
              f"{f['merged_reports_told_in_personal_chat']} of {f['merged_reports']}; "
              f"{f['merged_reporters_told']} users",
              "all", "met" if t["every_merged_reporter_told"] else "MISSED"],
             ["429s answered / given up (delivery_failed)", f"{f['answered_429']} / {f['given_up']}", "0 given up",
              "met" if t["none_given_up"] else "MISSED"],
             ["posts answered within 3 s / ack p50 / p99 ms", f"{f['deliveries']['answered_within_3s']} of "
              f"{f['deliveries']['sent']} / {fmt(f['deliveries']['ack']['p50_ms'], digits=0)} / "
              f"{fmt(f['deliveries']['ack']['p99_ms'], digits=0)}", "all", "met" if t["all_answered_within_3s"]
              else "MISSED"],
             ["CPU s: bot / bench process (driver + fake connector) / wall", f"{f['cpu']['bot_cpu_seconds']} / "
              f"{f['cpu']['bench_process_cpu_seconds']} / {f['cpu']['wall_seconds']}", "", ""]]
    return markdown_table([f"burst on Teams ({f['reports']} reports, {f['users']} users, {f['window_seconds']:.0f} s, "
                           f"{f['backend']})", "measured", "target", ""], rows)
