"""APScheduler 3.x wiring: the scheduler only ticks; the database decides what is due and who does it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import JST
from bot.config import EscalationSettings, SummarySettings
from bot.ports import Notification
from bot.triage.audit import DailyAudit, PostAudit
from bot.triage.core import StorageUnavailable
from bot.triage.retention import RetentionPolicy
from bot.triage.summary_job import Publish, due_week, job_done, job_key, run_weekly_summary
from bot.triage.summary_model import IsoWeek
from bot.wiring import Runtime

log = logging.getLogger(__name__)
Deliver = Callable[[Notification], None]
TICK_JOB = "tick"
WEEKLY_JOB = "weekly_summary"
STARTUP_JOB = "summary_catch_up"
# Daily verification + retention (bot/triage/audit.py): checked every few minutes, run once a day after
# retention.daily_at (JST) by whichever instance claims it first; a day missed while down runs on the next check.
AUDIT_JOB = "daily_audit"
AUDIT_CHECK_MINUTES = 5


def summary_trigger(settings: SummarySettings) -> CronTrigger:
    """The weekly summary's cron trigger in Asia/Tokyo (default: Monday 09:00 JST)."""
    return CronTrigger(day_of_week=settings.day_of_week, hour=settings.time.hour, minute=settings.time.minute,
                       second=0, timezone=JST)


def tick_trigger(settings: EscalationSettings) -> IntervalTrigger:
    """The escalation tick's interval trigger."""
    return IntervalTrigger(seconds=settings.tick_seconds, timezone=JST)


@dataclass
class ScheduledWork:
    """What the scheduler's jobs run; each call reads the runtime's clock and claims work in the database."""

    runtime: Runtime
    deliver: Deliver
    publish: Publish
    worker_id: str

    @property
    def _settings(self) -> SummarySettings:
        return self.runtime.settings.file.summary

    def _now(self) -> datetime:
        return self.runtime.triage.deps.clock.now()

    def tick(self) -> None:
        """Fire due escalations, then post a missed weekly summary if one is still within its grace period.

        Neither failure stops the other or the scheduler: a database outage is logged (no traceback) and the
        next tick claims the same work again, since nothing was marked done.
        """
        jobs: tuple[tuple[str, Callable[[], object]], ...] = (
            ("escalation", lambda: self.runtime.triage.escalations.fire_due(self.deliver, self.worker_id)),
            ("summary catch-up", self.catch_up))
        for name, job in jobs:
            try:
                job()
            except (StorageUnavailable, SQLAlchemyError) as exc:
                log.warning("%s tick: database unavailable (%s); the next tick retries", name, type(exc).__name__)
            except Exception:
                log.exception("%s tick failed", name)

    def catch_up(self) -> bool:
        """Post the latest scheduled summary if it is not done yet and its time is at most grace_hours ago."""
        settings = self._settings
        now = self._now()
        week = due_week(now, settings.day_of_week, settings.time, timedelta(hours=settings.grace_hours))
        if week is None or job_done(self.runtime.triage.deps, job_key(week)):
            return False
        return self._run(week, now)

    def weekly(self) -> bool:
        """The cron job: post the summary of the week that just ended (claimed, so at most once)."""
        now = self._now()
        return self._run(IsoWeek.last_full(now), now)

    def _run(self, week: IsoWeek, now: datetime) -> bool:
        try:
            return run_weekly_summary(self.runtime.triage.deps, self.publish, self.worker_id, now, week=week)
        except Exception:
            log.exception("weekly summary %s not posted; a later tick retries within the grace period", week)
            return False


def build_scheduler(runtime: Runtime, deliver: Deliver, publish_summary: Publish, worker_id: str,
                    post_audit: PostAudit | None = None) -> BackgroundScheduler:
    """A BackgroundScheduler (not started) with the tick, the weekly cron and a start-up catch-up.

    Only the default in-memory job store is used: APScheduler 3.x job stores must never be shared between
    processes. Every instance schedules the same jobs; JobRun and Escalation claims make each effect happen
    once.
    """
    work = ScheduledWork(runtime, deliver, publish_summary, worker_id)
    settings = runtime.settings.file
    grace_seconds = max(settings.summary.grace_hours * 3600, 60)
    scheduler = BackgroundScheduler(timezone=JST, jobstores={"default": MemoryJobStore()},
                                    job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(work.tick, tick_trigger(settings.escalation), id=TICK_JOB, name="escalation tick",
                      misfire_grace_time=max(settings.escalation.tick_seconds, 5))
    scheduler.add_job(work.weekly, summary_trigger(settings.summary), id=WEEKLY_JOB, name="weekly summary",
                      misfire_grace_time=grace_seconds)
    # Runs as soon as the scheduler starts: a summary missed while the bot was down goes out now.
    scheduler.add_job(work.catch_up, "date", id=STARTUP_JOB, name="weekly summary catch-up",
                      misfire_grace_time=None)
    audit = DailyAudit(runtime.triage.deps, RetentionPolicy.from_settings(settings.retention),
                       settings.retention.daily_at, post_audit, worker_id)
    scheduler.add_job(audit.run_if_due, IntervalTrigger(minutes=AUDIT_CHECK_MINUTES, timezone=JST),
                      id=AUDIT_JOB, name="daily timeline verification and retention", misfire_grace_time=None)
    return scheduler
