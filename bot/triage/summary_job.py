"""Posting each week's summary exactly once: a JobRun row claimed by key with a lease, then marked done."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.clock import JST
from bot.lease import Lease, lapsed
from bot.triage.core import CoreDeps, transaction
from bot.triage.summary import DEFAULT_STALE_HOURS, build_summary, climb_name
from bot.triage.summary_model import IsoWeek, WeeklySummary
from storage.db import read_snapshot
from storage.models import JobRun

log = logging.getLogger(__name__)
LEASE = Lease(timedelta(minutes=10))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Publish = Callable[[WeeklySummary, bytes | None], None]


@dataclass(frozen=True)
class Claim:
    """A held lease on a job key; `token` tells this holder apart from any other (even in one process)."""

    key: str
    token: str


def job_key(week: IsoWeek) -> str:
    """The unique key of a week's summary job."""
    return f"summary:{week}"


def claim_job(deps: CoreDeps, key: str, worker: str, now: datetime, lease: Lease = LEASE) -> Claim | None:
    """Claim a job key unless it is done or someone holds an unexpired lease on it (then None)."""
    token = f"{worker[:80]}#{uuid.uuid4().hex[:12]}"

    def work(session: Session) -> Claim | None:
        row = session.get(JobRun, key, with_for_update=True)
        if row is None:
            # Two instances racing here both insert; the primary key lets one win and transaction() reruns the
            # loser, which then finds the row claimed.
            session.add(JobRun(key=key, claimed_by=token, claimed_at=now, claim_expires_at=lease.until(now)))
            session.flush()
            return Claim(key, token)
        if row.done_at is not None or not lapsed(row.claim_expires_at, now):
            return None
        row.claimed_by, row.claimed_at, row.claim_expires_at = token, now, lease.until(now)
        return Claim(key, token)

    return transaction(deps, work)


def finish_job(deps: CoreDeps, claim: Claim, now: datetime, result: dict[str, object]) -> bool:
    """Mark a claimed job done; False if the lease was lost to someone else meanwhile."""

    def work(session: Session) -> bool:
        row = session.get(JobRun, claim.key, with_for_update=True)
        if row is None or row.claimed_by != claim.token or row.done_at is not None:
            return False
        row.done_at, row.result = now, result
        return True

    return transaction(deps, work)


def release_job(deps: CoreDeps, claim: Claim, now: datetime, error: str) -> None:
    """Give a claim back after a failure so the next tick may retry at once."""

    def work(session: Session) -> None:
        row = session.get(JobRun, claim.key, with_for_update=True)
        if row is not None and row.claimed_by == claim.token and row.done_at is None:
            row.claim_expires_at = now  # lapsed at once: the next tick may take it
            row.result = {"error": error[:500], "failed_at": now.isoformat()}

    transaction(deps, work)


def job_done(deps: CoreDeps, key: str) -> bool:
    """Whether a job key has been completed (read from a snapshot: two instances' checks never wait on each other)."""
    with deps.sessions() as session:
        read_snapshot(session)
        try:
            row = session.get(JobRun, key)
            return row is not None and row.done_at is not None
        finally:
            session.rollback()


def scheduled_at(week: IsoWeek, day_of_week: str, at: time) -> datetime:
    """When the summary of `week` is due: the given weekday and time (JST) of the week after."""
    following = week.next()
    day = following.days()[DAYS.index(day_of_week)]
    return datetime.combine(day, at, tzinfo=JST)


def latest_scheduled(now: datetime, day_of_week: str, at: time) -> tuple[IsoWeek, datetime]:
    """The most recent scheduled summary at or before `now`: the week it covers and its time."""
    covered = IsoWeek.containing(now).previous()
    when = scheduled_at(covered, day_of_week, at)
    if when > now:
        covered = covered.previous()
        when = scheduled_at(covered, day_of_week, at)
    return covered, when


def due_week(now: datetime, day_of_week: str, at: time, grace: timedelta) -> IsoWeek | None:
    """The week whose summary should be posted now (its time has passed, within grace), or None."""
    week, when = latest_scheduled(now, day_of_week, at)
    return week if now - when <= grace else None


def run_weekly_summary(deps: CoreDeps, publish: Publish, worker: str, now: datetime | None = None, *,
                       week: IsoWeek | None = None, chart: bool = True,
                       stale_hours: int = DEFAULT_STALE_HOURS, lease: Lease = LEASE) -> bool:
    """Claim the week's summary (default: the last full week), publish it, mark it done; True if posted here.

    A failed publication releases the claim so a later tick retries; a crash after publishing and before
    marking done is the one window where the lease's expiry (10 minutes) can lead to a second post.
    """
    now = now or deps.clock.now()
    week = week or IsoWeek.last_full(now)
    claim = claim_job(deps, job_key(week), worker, now, lease)
    if claim is None:
        return False
    try:
        summary = build_summary(deps.sessions, week, now, stale_hours=stale_hours, calendar=deps.escalation.calendar,
                                date_style=deps.profile.date_style, climb_to=climb_name(deps.escalation))
        png = _chart(summary, deps) if chart else None
        publish(summary, png)
    except Exception as exc:
        log.exception("weekly summary %s failed", week)
        release_job(deps, claim, deps.clock.now(), f"{type(exc).__name__}: {exc}")
        raise
    result: dict[str, object] = {"week": str(week), "new_total": summary.current.new_total,
                                 "posted_by": claim.token, "chart": png is not None}
    done = finish_job(deps, claim, deps.clock.now(), result)
    if not done:
        log.warning("weekly summary %s: lease lost before it was marked done", week)
    return True


def _chart(summary: WeeklySummary, deps: CoreDeps) -> bytes | None:
    from bot.triage.summary_chart import render_chart

    try:
        return render_chart(summary, deps.catalog)
    except Exception:  # the text matters more than the picture
        log.exception("weekly summary chart failed; posting the text alone")
        return None
