"""Crash safety (issue 5 §1): `incident-bot serve` is SIGKILLed at seeded random points of full scenarios and
started again; Slack redelivers what got no HTTP 200, users click again; afterwards nothing confirmed is lost,
nothing is shown twice, due escalations fired once and the timeline verifies.

Kill points are of two kinds, chosen by a seeded RNG:
- at the n-th Web API call the bot makes, before Slack answers it (the post never happened) or just after
  (it happened, the bot never learnt its ts) — deterministic, and it hits every claim/post/record window;
- after a random wall-clock delay — lands anywhere, including inside database transactions.

Default run: one scenario on each database with 5 kill points. `-m slow`: CRASH_RUNS (50) scenarios per
database, 1–3 kill points each.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from tests.reliability.harness import (OTHER, PR, REPORT, STAFF, STAFF2, BotProcess, ClockFile, KillPlan,
                                       KillSwitchSlack, SlackSide, posts, read_engine, rows, write_config)
from tests.reliability.invariants import (escalation_problems, ledger_problems, leftover_problems, log_problems,
                                          slack_problems, verify_problems)

CRASH_RUNS = 50
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/{n}"
SAME_POST = "同じ投稿について市民から苦情の電話がありました https://x.com/asahikawa_fake/status/{n}"
IMPERSONATION = "市長になりすました偽アカウントが市の名前で偽の情報を発信しています"


@dataclass
class Killer:
    """Seeded kill points, armed one after the other (the next one once the bot is back up)."""

    fake: KillSwitchSlack
    bot: BotProcess
    rng: random.Random
    remaining: int
    max_gap: int
    planned: list[str] = field(default_factory=list)
    _timer: threading.Timer | None = None

    def arm_next(self) -> None:
        if self.remaining <= 0:
            return
        self.remaining -= 1
        if self.rng.random() < 0.75:
            calls, after = self.rng.randint(1, self.max_gap), self.rng.random() < 0.5
            self.planned.append(f"call+{calls} {'after' if after else 'before'}")
            self.fake.arm(KillPlan(calls, after, self.bot))
        else:
            delay = round(self.rng.uniform(0.02, 0.6), 3)
            self.planned.append(f"time+{delay}s")
            self._timer = threading.Timer(delay, self.bot.kill)
            self._timer.daemon = True
            self._timer.start()

    def disarm(self) -> None:
        self.remaining = 0
        self.fake.arm(None)
        if self._timer is not None:
            self._timer.cancel()


@dataclass
class RunFigures:
    seed: int
    kills: int
    planned: list[str]
    attempts: int
    redeliveries: int
    seconds: float


def run_scenario(seed: int, workdir: Path, database_url: str, fake: KillSwitchSlack, clock: ClockFile,
                 kills: int, max_gap: int = 40) -> RunFigures:
    """One full scenario with `kills` kill points; raises AssertionError listing every broken invariant."""
    started = time.monotonic()
    rng = random.Random(seed)
    bot = BotProcess(f"bot-{seed}", workdir, write_config(workdir), database_url, fake.api_url, clock)
    bot.start()
    slack = SlackSide(fake, [bot], clock, random.Random(seed + 1))
    killer = Killer(fake, bot, rng, kills, max_gap)
    slack.on_restart = killer.arm_next
    killer.arm_next()
    url_id = 1000 + seed
    try:
        _event, _ = slack.report(STAFF, FLAMING.format(n=url_id))
        [first] = [record for record in slack.ledger.reports.values()]
        a = first[2]
        if rng.random() < 0.6:
            slack.report(OTHER, SAME_POST.format(n=url_id))  # merged into A
        b = None
        if rng.random() < 0.5:
            slack.report(STAFF2, IMPERSONATION)
            b = max(record[2] for record in slack.ledger.reports.values())
        escalate_first = rng.random() < 0.5
        if escalate_first:
            _let_escalations_fire(slack, clock, [i for i in (a, b) if i is not None])
        if rng.random() < 0.5:
            slack.step_once(STAFF, a, skip=rng.random() < 0.2)
        slack.acknowledge(PR, a)
        slack.walk(STAFF, a)
        if rng.random() < 0.6:
            slack.capture(STAFF, a)
        if b is not None:
            slack.step_once(STAFF2, b)
            if not escalate_first:
                _let_escalations_fire(slack, clock, [b])
        # Settle: no more kills; every lease runs out; the scheduler fires whatever is still due.
        killer.disarm()
        slack.recover()
        clock.advance(timedelta(minutes=10))
        engine = read_engine(database_url)
        slack.wait_for("due escalations fired", lambda: not escalation_problems(fake, engine, clock.now()))
        finished = posts(fake, a, "finished")
        status = rows(engine, "SELECT status FROM incidents WHERE id = :id", id=a)[0].status
    finally:
        killer.disarm()
        code = bot.stop()
    problems = [f"clean stop: exit {code}"] if code not in (0, -15) else []
    problems += [] if finished and status == "resolved" else [f"INC-{a:04d}: playbook not finished ({status})"]
    problems += ledger_problems(slack.ledger, engine)
    problems += slack_problems(fake, engine)
    problems += escalation_problems(fake, engine, clock.now())
    problems += leftover_problems(fake, engine)
    problems += log_problems(bot)
    problems += verify_problems(bot)
    engine.dispose()
    assert not problems, f"seed {seed}, kills {killer.planned} → {fake.kill_log}:\n" + "\n".join(problems)
    return RunFigures(seed, bot.kills, killer.planned, slack.ledger.attempts, slack.ledger.redeliveries,
                      time.monotonic() - started)


def _let_escalations_fire(slack: SlackSide, clock: ClockFile, incidents: list[int]) -> None:
    """Half an hour later, nobody has acknowledged: level 2 is posted once for each incident."""
    clock.advance(timedelta(minutes=31))
    slack.wait_for("level-2 escalations posted",
                   lambda: all(posts(slack.fake, incident, "escalation:2") for incident in incidents))


def _report(figures: list[RunFigures], label: str) -> None:
    kills = sum(f.kills for f in figures)
    seconds = sum(f.seconds for f in figures)
    print(f"\n[crash {label}] runs={len(figures)} kills={kills} attempts={sum(f.attempts for f in figures)} "
          f"redeliveries={sum(f.redeliveries for f in figures)} time={seconds:.1f}s")


def test_crash_points_lose_and_repeat_nothing(tmp_path: Path, database_url: str, fake: KillSwitchSlack,
                                              clock_file: ClockFile) -> None:
    """The fast version: one scenario, 5 kill points close together (so all of them land)."""
    figures = run_scenario(7, tmp_path, database_url, fake, clock_file, kills=5, max_gap=12)
    _report([figures], database_url.split(":")[0])
    assert figures.kills == 5, figures


@pytest.mark.slow
def test_crash_loop(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> None:
    """CRASH_RUNS seeded scenarios, 1–3 kill points each, a fresh database and fake Slack per run."""
    from tests.conftest import make_settings  # noqa: F401  (same database fixtures as the rest of the suite)

    figures = []
    for seed in range(CRASH_RUNS):
        workdir = tmp_path_factory.mktemp(f"crash{seed}")
        url = _fresh_database(database_url, workdir, seed)
        fake = KillSwitchSlack().start()
        try:
            clock = ClockFile(workdir / "now.txt")
            figures.append(run_scenario(seed, workdir, url, fake, clock, kills=1 + seed % 3))
        finally:
            fake.stop()
            _drop_database(database_url, url)
    _report(figures, database_url.split(":")[0])
    assert len(figures) >= CRASH_RUNS and sum(f.kills for f in figures) >= CRASH_RUNS


def _fresh_database(base: str, workdir: Path, seed: int) -> str:
    """A new empty database for one run: a SQLite file in the run's directory, or a new PostgreSQL schema."""
    if base.startswith("sqlite"):
        return f"sqlite:///{workdir / 'crash.db'}"
    import os

    from sqlalchemy import text

    from storage.db import make_engine

    schema = f"crash_{os.getpid()}_{seed}"
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    root = os.environ["TEST_DATABASE_URL"]
    return f"{root}{'&' if '?' in root else '?'}options=-csearch_path%3D{schema}"


def _drop_database(base: str, url: str) -> None:
    if base.startswith("sqlite"):
        return
    import os

    from sqlalchemy import text

    from storage.db import make_engine

    schema = url.rsplit("%3D", 1)[1]
    admin = make_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


__all__ = ["REPORT", "run_scenario"]
