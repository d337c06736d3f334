"""Scheduler: JST cron, ticks, catch-up within grace after a restart, and exactly-once posting across instances."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import SummarySettings
from bot.ports import Actor, Notification, ReportInput
from bot.scheduler import AUDIT_JOB, STARTUP_JOB, TICK_JOB, WEEKLY_JOB, ScheduledWork, build_scheduler, summary_trigger
from bot.triage.summary_job import claim_job, due_week, job_key, latest_scheduled, run_weekly_summary
from bot.triage.summary_model import IsoWeek, WeeklySummary
from bot.wiring import Runtime
from storage.models import JobRun
from tests.summary_fixtures import insert_incident, jst, make_runtime, write_playbooks

W47 = IsoWeek(2026, 47)
UTC = UTC


class Posts:
    """A publish_summary that records what it was given (and can fail on demand)."""

    def __init__(self, fail: int = 0) -> None:
        self.posted: list[tuple[str, bool]] = []
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self, summary: WeeklySummary, png: bytes | None) -> None:
        with self._lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("Slack is down")
            self.posted.append((summary.week, png is not None and png.startswith(b"\x89PNG")))


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_playbooks(tmp_path_factory.mktemp("playbooks"))


@pytest.fixture
def make(playbooks: Path, clock: FixedClock) -> Iterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def factory(database_url: str, **overrides: object) -> Runtime:
        made.append(make_runtime(database_url, playbooks, clock, **overrides))
        return made[-1]

    yield factory
    for runtime in made:
        runtime.close()


def work_of(scheduler: BackgroundScheduler) -> ScheduledWork:
    """The ScheduledWork behind a scheduler's jobs (they are its bound methods)."""
    work = scheduler.get_job(TICK_JOB).func.__self__
    assert isinstance(work, ScheduledWork)
    return work


def ignore(note: Notification) -> None:
    """A deliver that drops notifications."""


# -- triggers ------------------------------------------------------------------------------------------------
def test_weekly_cron_fires_monday_0900_jst() -> None:
    trigger = summary_trigger(SummarySettings())
    fire = trigger.get_next_fire_time(None, jst(22, 12))  # Sunday noon JST
    assert fire == jst(23, 9)
    assert fire.astimezone(UTC) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 00:00 UTC
    assert trigger.get_next_fire_time(fire, fire + timedelta(seconds=1)) == jst(30, 9)
    # Just before 09:00 JST on Monday (Sunday 23:59 UTC) it is still that Monday's run.
    assert trigger.get_next_fire_time(None, datetime(2026, 11, 22, 23, 59, tzinfo=UTC)) == jst(23, 9)


def test_cron_follows_the_configured_schedule() -> None:
    trigger = summary_trigger(SummarySettings(day_of_week="fri", time=time(17, 30)))
    assert trigger.get_next_fire_time(None, jst(23, 9)) == jst(27, 17, 30)
    assert latest_scheduled(jst(27, 17, 30), "fri", time(17, 30)) == (W47, jst(27, 17, 30))
    assert latest_scheduled(jst(27, 17, 29), "fri", time(17, 30)) == (IsoWeek(2026, 46), jst(20, 17, 30))


def test_build_scheduler_is_not_started_and_keeps_jobs_in_memory(make: Callable[..., Runtime],
                                                                  sqlite_url: str) -> None:
    runtime = make(sqlite_url, escalation={"tick_seconds": 30})
    scheduler = build_scheduler(runtime, ignore, Posts(), "w1")
    assert isinstance(scheduler, BackgroundScheduler) and not scheduler.running
    assert {job.id for job in scheduler.get_jobs()} == {TICK_JOB, WEEKLY_JOB, STARTUP_JOB, AUDIT_JOB}
    assert list(scheduler._jobstores) == ["default"] and isinstance(scheduler._jobstores["default"], MemoryJobStore)
    assert scheduler.get_job(TICK_JOB).trigger.interval == timedelta(seconds=30)
    weekly = scheduler.get_job(WEEKLY_JOB)
    assert isinstance(weekly.trigger, CronTrigger) and str(weekly.trigger.timezone) == "Asia/Tokyo"
    assert weekly.trigger.get_next_fire_time(None, jst(18, 10)) == jst(23, 9)


# -- what the jobs do ---------------------------------------------------------------------------------------
def test_tick_fires_due_escalations(make: Callable[..., Runtime], sqlite_url: str, clock: FixedClock) -> None:
    runtime = make(sqlite_url)
    clock.set(jst(18, 10))
    runtime.triage.incidents.report(ReportInput("市の公式Xが炎上しています https://x.com/a/status/9",
                                                Actor("U_STAFF", "山田", "test"), kind_hint="flaming"))
    delivered: list[Notification] = []
    work = work_of(build_scheduler(runtime, delivered.append, Posts(), "w1"))
    work.tick()
    assert delivered == []
    clock.advance(minutes=31)
    work.tick()
    work.tick()
    assert [(n.level, n.audience) for n in delivered] == [(2, "department_head")]


def test_weekly_job_at_the_cron_time_posts_once(make: Callable[..., Runtime], sqlite_url: str,
                                                clock: FixedClock) -> None:
    runtime = make(sqlite_url)
    insert_incident(runtime, kind="flaming", created_at=jst(17, 10))
    posts = Posts()
    work = work_of(build_scheduler(runtime, ignore, posts, "w1"))
    clock.set(jst(23, 9))
    assert work.weekly() is True
    assert work.weekly() is False and work.catch_up() is False
    work.tick()
    assert posts.posted == [("2026-W47", True)]
    with runtime.triage.deps.sessions.begin() as session:
        row = session.get(JobRun, "summary:2026-W47")
        assert row is not None and row.done_at == jst(23, 9) and (row.result or {})["new_total"] == 1


def test_missed_run_is_posted_after_a_restart_within_grace(make: Callable[..., Runtime], sqlite_url: str,
                                                           clock: FixedClock) -> None:
    clock.set(jst(23, 8, 59))  # the bot starts a minute before the cron, then goes down
    first = work_of(build_scheduler(make(sqlite_url), ignore, Posts(), "before"))
    assert first.catch_up() is False  # W46's summary is long past its grace; W47's is not due yet
    clock.set(jst(23, 20))  # back up 11 hours later (grace: 24 hours)
    posts = Posts()
    restarted = build_scheduler(make(sqlite_url), ignore, posts, "after")
    assert restarted.get_job(STARTUP_JOB).func() is True
    work_of(restarted).tick()
    again = Posts()
    assert work_of(build_scheduler(make(sqlite_url), ignore, again, "third")).catch_up() is False
    assert posts.posted == [("2026-W47", True)] and again.posted == []


@pytest.mark.parametrize(("when", "posted"), [(jst(24, 9), True), (jst(24, 9, 0, 1), False)])
def test_no_catch_up_after_grace(make: Callable[..., Runtime], sqlite_url: str, clock: FixedClock,
                                 when: datetime, posted: bool) -> None:
    clock.set(when)
    posts = Posts()
    work = work_of(build_scheduler(make(sqlite_url), ignore, posts, "w1"))
    assert work.catch_up() is posted
    assert posts.posted == ([("2026-W47", True)] if posted else [])
    assert due_week(when, "mon", time(9), timedelta(hours=24)) == (W47 if posted else None)


def test_failed_post_is_retried_by_the_next_tick(make: Callable[..., Runtime], sqlite_url: str,
                                                 clock: FixedClock) -> None:
    clock.set(jst(23, 9))
    posts = Posts(fail=1)
    work = work_of(build_scheduler(make(sqlite_url), ignore, posts, "w1"))
    assert work.weekly() is False and posts.posted == []
    clock.advance(minutes=1)
    work.tick()
    work.tick()
    assert posts.posted == [("2026-W47", True)]


def test_a_crashed_claim_is_taken_over_when_its_lease_expires(make: Callable[..., Runtime], sqlite_url: str,
                                                              clock: FixedClock) -> None:
    runtime = make(sqlite_url)
    clock.set(jst(23, 9))
    assert claim_job(runtime.triage.deps, job_key(W47), "crashed", clock.now()) is not None  # never finished
    posts = Posts()
    work = work_of(build_scheduler(make(sqlite_url), ignore, posts, "w2"))
    assert work.catch_up() is False
    clock.advance(minutes=9, seconds=59)
    assert work.catch_up() is False  # the lease runs until claim_expires_at (bot/lease.py, as for every claim)
    clock.advance(seconds=1)
    assert work.catch_up() is True and posts.posted == [("2026-W47", True)]


# -- several instances on one database (SQLite file; PostgreSQL when TEST_DATABASE_URL is set) ---------------
def test_two_instances_post_each_week_once(make: Callable[..., Runtime], database_url: str,
                                           clock: FixedClock) -> None:
    first, second = make(database_url), make(database_url)
    insert_incident(first, kind="flaming", created_at=jst(17, 10))
    posts = Posts()
    works = [work_of(build_scheduler(runtime, ignore, posts, f"instance-{n}"))
             for n, runtime in enumerate((first, second))]
    clock.set(jst(23, 9))
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def race(job: Callable[[], bool]) -> None:
        barrier.wait()
        results.append(job())

    threads = [threading.Thread(target=race, args=(job,)) for work in works for job in (work.weekly, work.catch_up)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    clock.advance(hours=1)
    for work in works:
        work.tick()
    assert posts.posted == [("2026-W47", True)]
    with second.triage.deps.sessions.begin() as session:
        assert session.execute(select(JobRun.key)).scalars().all() == ["summary:2026-W47"]


def test_two_instances_fire_each_escalation_once(make: Callable[..., Runtime], database_url: str,
                                                 clock: FixedClock) -> None:
    first, second = make(database_url), make(database_url)
    clock.set(jst(18, 10))
    first.triage.incidents.report(ReportInput("炎上 https://x.com/a/status/7", Actor("U_STAFF", "山田", "test"),
                                              kind_hint="flaming"))
    clock.advance(minutes=31)
    delivered: list[Notification] = []
    lock = threading.Lock()

    def deliver(note: Notification) -> None:
        with lock:
            delivered.append(note)

    works = [work_of(build_scheduler(rt, deliver, Posts(), f"i{n}")) for n, rt in enumerate((first, second))]
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=lambda w=w: (barrier.wait(), w.tick())) for w in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [n.level for n in delivered] == [2]


def test_run_weekly_summary_defaults_to_the_last_full_week(make: Callable[..., Runtime], sqlite_url: str,
                                                           clock: FixedClock) -> None:
    runtime = make(sqlite_url)
    clock.set(jst(25, 15))  # a Wednesday
    posts = Posts()
    assert run_weekly_summary(runtime.triage.deps, posts, "cli", chart=False) is True
    assert posts.posted == [("2026-W47", False)]
    assert run_weekly_summary(runtime.triage.deps, posts, "cli", chart=False) is False
