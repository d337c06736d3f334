"""Several instances (issue 5 §2): two `incident-bot serve` processes on one PostgreSQL, each receiving a share
of one stream of Slack deliveries, Slack's retries sent to the *other* instance (often while the first is still
working), users double-clicking across instances, both schedulers ticking. Every report becomes exactly one
incident (or one merge) with one PR message, every escalation and the weekly summary go out once.

Skipped without TEST_DATABASE_URL (SQLite is for one instance only: docs/operations.md).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from slack_driver import action_ids, find_element  # type: ignore[import-not-found]
from slack_signing import event_request, interactive_request  # type: ignore[import-not-found]

from bot.clock import JST
from storage.db import alembic_config
from tests.reliability.harness import (
    OTHER,
    PR,
    REPORT,
    SECRET,
    STAFF,
    STAFF2,
    SUMMARY_CHANNEL,
    BotProcess,
    ClockFile,
    KillSwitchSlack,
    Response,
    SlackSide,
    has_buttons,
    incident_of_thread,
    merge_notices,
    meta_of,
    open_step,
    posts,
    read_engine,
    rows,
    write_config,
)
from tests.reliability.invariants import (
    escalation_problems,
    leftover_problems,
    log_problems,
    slack_problems,
    verify_problems,
)

URL = "https://x.com/asahikawa_fake/status/{n}"
TEXTS = ["市の公式Xの投稿が炎上しています。批判のリプライが殺到しています " + URL,
         "同じ投稿について市民から苦情の電話がありました " + URL,
         "市長になりすました偽アカウントが市の名前で偽の情報を発信しています（{n}）",
         "市の公式アカウントに不正ログインされたようです。パスワードが変更されています（{n}）"]
USERS = [STAFF, STAFF2, OTHER]
# The Monday after START (Wednesday 18 November 2026), 09:05 JST: last week's summary is due.
SUMMARY_DUE = datetime(2026, 11, 23, 9, 5, tzinfo=JST)


def start_all(bots: list[BotProcess]) -> None:
    """Start the instances at the same moment (deploys do): migrations must not trip over each other."""
    errors: list[BaseException] = []

    def start(bot: BotProcess) -> None:
        try:
            bot.start()
        except AssertionError as exc:  # reported below with the others
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(bot,)) for bot in bots]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert not errors, errors


class Stream:
    """One stream of deliveries shared by the instances; every event is also retried on the other instance."""

    def __init__(self, fake: KillSwitchSlack, bots: list[BotProcess], rng: random.Random) -> None:
        self.fake = fake
        self.bots = bots
        self.rng = rng
        self.pool = ThreadPoolExecutor(max_workers=8)
        self.reports: list[tuple[str, str, int]] = []  # (event_id, message ts, url number or -1)
        self.problems: list[str] = []
        self._ids = iter(range(1, 10**6))

    def both(self, body_for: Any) -> list[Response | None]:
        """The same delivery to both instances at once (a retry crossing the first attempt)."""
        first = self.rng.randrange(len(self.bots))
        order = [self.bots[first], self.bots[1 - first]]
        futures = [self.pool.submit(bot.send, *body_for(n)) for n, bot in enumerate(order)]
        return [f.result() for f in futures]

    def report(self, user: str, text: str, url: int) -> None:
        message = self.fake.add_message(REPORT, text, user)
        event = {"type": "message", "channel": REPORT, "user": user, "text": text, "ts": message["ts"],
                 "channel_type": "channel", "event_ts": message["ts"]}
        event_id = f"EvI{next(self._ids):06d}"
        answers = self.both(lambda n: event_request(SECRET, event, event_id, retry_num=n or None))
        self.problems += [f"report {event_id}: {a}" for a in answers if a is None or a.status != 200]
        self.reports.append((event_id, message["ts"], url))

    def click_both(self, user: str, message: dict[str, Any], action_id: str) -> None:
        """A double click whose two requests land on different instances."""
        block_id, element = find_element(message, action_id)

        def body(n: int) -> tuple[str, dict[str, str]]:
            payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T_TEST"},
                       "api_app_id": "A_TEST", "token": "legacy", "team": {"id": "T_TEST", "domain": "test"},
                       "trigger_id": f"trigger-{next(self._ids)}",
                       "container": {"type": "message", "message_ts": message["ts"],
                                     "channel_id": message["channel"], "thread_ts": message.get("thread_ts")},
                       "channel": {"id": message["channel"], "name": "c"}, "message": message,
                       "response_url": f"{self.fake.url}/hooks/x{n}",
                       "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                                    "value": element.get("value", ""), "action_ts": self.fake.new_ts()}]}
            return interactive_request(SECRET, payload)

        answers = self.both(body)
        self.problems += [f"{action_id}: {a}" for a in answers if a is None or a.status != 200]


def run_instances(workdir: Path, database_url: str, fake: KillSwitchSlack, clock: ClockFile, *, reports: int,
                  seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    config = write_config(workdir, summary_channel=SUMMARY_CHANNEL)
    bots = [BotProcess(name, workdir, config, database_url, fake.api_url, clock) for name in ("bot-a", "bot-b")]
    start_all(bots)
    stream = Stream(fake, bots, rng)
    started = time.monotonic()
    try:
        # Reports: half of them about a post already reported (same URL), sent at the same time as its twin.
        batch = []
        for n in range(reports):
            # Even: a new post. Odd: mostly another report of the post just before it (same URL, sent together).
            template = TEXTS[0] if n % 2 == 0 else rng.choice(TEXTS[:2] * 2 + TEXTS[2:])
            url = 2000 + seed * 100 + (n - n % 2 if template.startswith(("市の公式X", "同じ投稿")) else n)
            batch.append((rng.choice(USERS), template.format(n=url), url if "http" in template else -1))
        for index in range(0, len(batch), 2):  # two users reporting at once, each delivery retried on the other
            pair = batch[index:index + 2]
            threads = [threading.Thread(target=stream.report, args=item) for item in pair]
            [thread.start() for thread in threads]
            [thread.join() for thread in threads]
        engine = read_engine(database_url)
        incidents = sorted(row.id for row in rows(engine, "SELECT id FROM incidents"))
        # Double clicks across instances: step 1 of every incident, and the acknowledge button of half of them.
        # Delivery is paced (one post per second per channel): wait until every step is on screen.
        fake.wait_for(lambda f: all(open_step(f, incident) is not None for incident in incidents), timeout=180)
        for incident in incidents:
            message = open_step(fake, incident)
            assert message is not None, f"INC-{incident}: no step posted"
            control = "step_done" if "step_done" in action_ids(message) else "step_skip"
            stream.click_both(STAFF, message, control)
        acknowledged = incidents[::2]
        for incident in acknowledged:
            [pr_message] = posts(fake, incident, "pr_message")
            stream.click_both(PR, pr_message, "acknowledge")
        # Half an hour on: both schedulers tick; the others' level 2 goes out once.
        side = SlackSide(fake, bots, clock)
        side.quiesce()
        clock.advance(timedelta(minutes=31))
        waiting = [i for i in incidents if i not in acknowledged]
        side.wait_for("escalations", lambda: all(posts(fake, i, "escalation:2") for i in waiting))
        # Monday 09:05: the weekly summary, once, whichever scheduler claims it.
        side.quiesce()
        clock.set(SUMMARY_DUE)
        side.wait_for("weekly summary", lambda: bool(fake.calls_to("chat.postMessage", channel=SUMMARY_CHANNEL)))
        time.sleep(2.5)  # both schedulers tick at least twice more: a second summary would show now
    finally:
        codes = [bot.stop() for bot in bots]
        stream.pool.shutdown()
    problems = list(stream.problems) + [f"exit {code}" for code in codes if code not in (0, -15)]
    problems += report_problems(fake, engine, stream.reports)
    problems += slack_problems(fake, engine)
    problems += escalation_problems(fake, engine, clock.now())
    problems += leftover_problems(fake, engine)
    for incident in incidents:  # each double click completed step 1 once and posted step 2 once
        if len(posts(fake, incident, prefix="step:")) < 2 and not posts(fake, incident, "finished"):
            problems.append(f"INC-{incident:04d}: step 2 not posted after the double click")
    summaries = fake.calls_to("chat.postMessage", channel=SUMMARY_CHANNEL)
    if len(summaries) != 1:
        problems.append(f"weekly summary posted {len(summaries)} times")
    if len(fake.calls_to("files.completeUploadExternal")) != 1:
        problems.append(f"summary chart uploaded {len(fake.calls_to('files.completeUploadExternal'))} times")
    done = rows(engine, "SELECT key, done_at FROM job_runs WHERE key LIKE 'summary:%'")
    if len(done) != 1 or done[0].done_at is None:
        problems.append(f"summary job rows: {done}")
    for bot in bots:
        problems += log_problems(bot)
    problems += verify_problems(bots[0])
    engine.dispose()
    assert not problems, "\n".join(problems)
    return {"reports": len(stream.reports), "incidents": len(incidents), "seconds": time.monotonic() - started,
            "deliveries": 2 * len(stream.reports) + 2 * (len(incidents) + len(acknowledged))}


def report_problems(fake: KillSwitchSlack, engine: Any, reports: list[tuple[str, str, int]]) -> list[str]:
    """Each report delivered twice (two instances) is one incident or one merge; same URL, same incident."""
    problems = []
    keys = {row.key: row.incident_id for row in rows(engine, "SELECT key, incident_id FROM intake_keys")}
    by_url: dict[int, set[int]] = {}
    created = []
    for event_id, ts, url in reports:
        incident = keys.get(event_id)
        if incident is None:
            problems.append(f"report {event_id}: no incident")
            continue
        if url >= 0:
            by_url.setdefault(url, set()).add(incident)
        if incident_of_thread(fake, REPORT, ts) == incident:
            created.append(incident)
        elif incident not in merge_notices(fake, REPORT, ts):
            problems.append(f"report {event_id}: neither its own thread nor one merge notice")
    problems += [f"URL {url}: split over incidents {sorted(ids)}" for url, ids in by_url.items() if len(ids) > 1]
    stored = sorted(row.id for row in rows(engine, "SELECT id FROM incidents"))
    if sorted(created) != stored:
        problems.append(f"incidents stored {stored}, threads opened for {sorted(created)}")
    for incident in stored:
        if len(posts(fake, incident, "pr_message")) != 1:
            problems.append(f"INC-{incident:04d}: {len(posts(fake, incident, 'pr_message'))} PR messages")
    notified = rows(engine, "SELECT incident_id, COUNT(*) AS n FROM timeline_events WHERE type = 'notified' "
                            "GROUP BY incident_id")
    problems += [f"INC-{row.incident_id:04d}: notified {row.n} times" for row in notified if row.n != 1]
    return problems


def test_instances_started_together_migrate_once(tmp_path: Path, pg_url: str, fake: KillSwitchSlack,
                                                  clock_file: ClockFile) -> None:
    """Three instances deployed at once on an empty database: all start (migrations take turns), one schema."""
    config = write_config(tmp_path)
    bots = [BotProcess(f"m{n}", tmp_path, config, pg_url, fake.api_url, clock_file) for n in range(3)]
    results: list[Any] = [None] * len(bots)

    def migrate(n: int) -> None:
        results[n] = bots[n].run_cli("migrate")

    threads = [threading.Thread(target=migrate, args=(n,)) for n in range(len(bots))]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert [r.returncode for r in results] == [0] * len(bots), [r.stderr[-800:] for r in results]
    engine = read_engine(pg_url)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert [row.version_num for row in rows(engine, "SELECT version_num FROM alembic_version")] == [head]
    engine.dispose()


def test_two_instances_share_one_stream(tmp_path: Path, pg_url: str, fake: KillSwitchSlack,
                                        clock_file: ClockFile) -> None:
    figures = run_instances(tmp_path, pg_url, fake, clock_file, reports=8, seed=1)
    print(f"\n[instances] {figures}")


@pytest.mark.slow
def test_two_instances_longer_stream(tmp_path: Path, pg_url: str, fake: KillSwitchSlack,
                                     clock_file: ClockFile) -> None:
    figures = run_instances(tmp_path, pg_url, fake, clock_file, reports=120, seed=2)
    print(f"\n[instances slow] {figures}")


__all__ = ["has_buttons", "meta_of"]
