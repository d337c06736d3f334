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
import yaml

from tests.reliability.conftest import create_pg_schema, drop_pg_schema
from tests.reliability.harness import (
    OTHER,
    PR,
    REPORT,
    STAFF,
    STAFF2,
    BotProcess,
    ClockFile,
    KillPlan,
    KillSwitchSlack,
    SlackSide,
    posts,
    read_engine,
    rows,
    write_config,
)
from tests.reliability.invariants import (
    escalation_problems,
    ledger_problems,
    leftover_problems,
    log_problems,
    slack_problems,
    verify_problems,
)

CRASH_RUNS = 50
FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到しています https://x.com/asahikawa_fake/status/{n}"
SAME_POST = "同じ投稿について市民から苦情の電話がありました https://x.com/asahikawa_fake/status/{n}"
IMPERSONATION = "市長になりすました偽アカウントが市の名前で偽の情報を発信しています"


@dataclass
class Killer:
    """Seeded kill points, armed one after the other (the next one once the bot is back up)."""

    fake: KillSwitchSlack
    bots: list[BotProcess]
    rng: random.Random
    remaining: int
    max_gap: int
    planned: list[str] = field(default_factory=list)
    _timer: threading.Timer | None = None

    def arm_next(self) -> None:
        if self.remaining <= 0:
            return
        self.remaining -= 1
        victim = self.rng.choice(self.bots)  # with several instances: any of them, whoever makes the call
        if self.rng.random() < 0.75:
            calls, after = self.rng.randint(1, self.max_gap), self.rng.random() < 0.5
            self.planned.append(f"{victim.name}@call+{calls} {'after' if after else 'before'}")
            self.fake.arm(KillPlan(calls, after, victim))
        else:
            delay = round(self.rng.uniform(0.02, 0.6), 3)
            self.planned.append(f"{victim.name}@time+{delay}s")
            self._timer = threading.Timer(delay, victim.kill)
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


# Steps of the flaming playbook with a required input (A is a flaming incident).
REQUIRED_STEPS = frozenset(
    step["id"] for step in yaml.safe_load((Path(__file__).resolve().parents[2] / "playbooks" / "flaming.yaml")
                                          .read_text(encoding="utf-8"))["steps"]
    if any(item.get("required") for item in step.get("inputs") or []))


def run_scenario(seed: int, workdir: Path, database_url: str, fake: KillSwitchSlack, clock: ClockFile,
                 kills: int, max_gap: int = 40, instances: int = 1) -> RunFigures:
    """One full scenario with `kills` kill points; raises AssertionError listing every broken invariant.

    instances > 1 (PostgreSQL): the deliveries alternate between the instances and every redelivery or click
    again goes to another one; a kill point takes down any of them.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    config = write_config(workdir)
    bots = [BotProcess(f"bot-{seed}-{n}", workdir, config, database_url, fake.api_url, clock)
            for n in range(instances)]
    for bot in bots:
        bot.start()
    slack = SlackSide(fake, bots, clock, random.Random(seed + 1))
    killer = Killer(fake, bots, rng, kills, max_gap)
    slack.on_restart = killer.arm_next
    killer.arm_next()
    url_id = 1000 + seed
    try:
        a = slack.report(STAFF, FLAMING.format(n=url_id))
        if rng.random() < 0.6:
            assert slack.report(OTHER, SAME_POST.format(n=url_id)) == a  # merged into A
        b = slack.report(STAFF2, IMPERSONATION) if rng.random() < 0.5 else None
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
        slack.quiesce()
        clock.advance(timedelta(minutes=10))
        engine = read_engine(database_url)
        slack.wait_for("due escalations fired", lambda: not escalation_problems(fake, engine, clock.now()))
        finished = posts(fake, a, "finished")
        status = rows(engine, "SELECT status FROM incidents WHERE id = :id", id=a)[0].status
        skipped = {r.step_id for r in rows(engine, "SELECT step_id FROM step_states WHERE incident_id = :id "
                                                   "AND status = 'skipped'", id=a)}
    finally:
        killer.disarm()
        codes = [bot.stop() for bot in bots]
    problems = [f"clean stop: exit {code}" for code in codes if code not in (0, -15)]
    # A skipped step with required inputs is not "done": finishing the rest then leaves A in progress.
    ended = "responding" if skipped & REQUIRED_STEPS else "resolved"
    problems += [] if finished and status == ended else [f"INC-{a:04d}: playbook not finished ({status})"]
    problems += ledger_problems(slack.ledger, engine)
    problems += slack_problems(fake, engine)
    problems += escalation_problems(fake, engine, clock.now())
    problems += leftover_problems(fake, engine)
    for bot in bots:
        problems += log_problems(bot)
    problems += verify_problems(bots[0])
    engine.dispose()
    assert not problems, f"seed {seed}, kills {killer.planned} → {fake.kill_log}:\n" + "\n".join(problems)
    return RunFigures(seed, sum(bot.kills for bot in bots), killer.planned, slack.ledger.attempts,
                      slack.ledger.redeliveries, time.monotonic() - started)


def _let_escalations_fire(slack: SlackSide, clock: ClockFile, incidents: list[int]) -> None:
    """Half an hour later, nobody has acknowledged: level 2 is posted once for each incident."""
    slack.quiesce()
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
    figures = []
    for seed in range(CRASH_RUNS):
        workdir = tmp_path_factory.mktemp(f"crash{seed}")
        postgres = not database_url.startswith("sqlite")
        url = create_pg_schema("crash") if postgres else f"sqlite:///{workdir / 'crash.db'}"
        fake = KillSwitchSlack().start()
        try:
            figures.append(run_scenario(seed, workdir, url, fake, ClockFile(workdir / "now.txt"),
                                        kills=1 + seed % 3, max_gap=20))
        finally:
            fake.stop()
            if postgres:
                drop_pg_schema(url)
    _report(figures, database_url.split(":")[0])
    assert len(figures) >= CRASH_RUNS and sum(f.kills for f in figures) >= CRASH_RUNS


@pytest.mark.slow
def test_crash_loop_two_instances(tmp_path_factory: pytest.TempPathFactory, pg_url: str) -> None:
    """§1 and §2 together: two instances on one PostgreSQL, retries and clicks again sent to the other one,
    either of them killed at seeded points (CRASH_RUNS // 2 runs, 2–3 kill points each)."""
    figures = []
    for seed in range(1000, 1000 + CRASH_RUNS // 2):
        workdir = tmp_path_factory.mktemp(f"pair{seed}")
        url = create_pg_schema("pair")
        fake = KillSwitchSlack().start()
        try:
            figures.append(run_scenario(seed, workdir, url, fake, ClockFile(workdir / "now.txt"),
                                        kills=2 + seed % 2, max_gap=20, instances=2))
        finally:
            fake.stop()
            drop_pg_schema(url)
    _report(figures, "postgresql, two instances")
    assert sum(f.kills for f in figures) >= len(figures)


__all__ = ["REPORT", "run_scenario"]
