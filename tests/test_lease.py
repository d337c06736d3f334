"""One lease rule (bot/lease.py) for every claim a crashed holder may leave: platform refs, escalations, job runs
and memos all become free exactly when their lease runs out, never before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.clock import FixedClock
from bot.lease import IMMEDIATE, POST_LEASE, Lease, lapsed, lapsed_clause
from bot.ports import Actor, ReportInput
from bot.triage import escalation_desk
from bot.triage.memos import Memos
from bot.triage.summary_job import LEASE as JOB_LEASE
from bot.triage.summary_job import claim_job, release_job
from bot.wiring import Runtime
from storage.models import Escalation, JobRun
from tests.conftest import STAFF
from tests.helpers import POST_URL

T0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
FLAMING = f"市の公式Xの投稿が炎上しています {POST_URL}"


def test_a_claim_is_free_from_the_end_of_its_lease() -> None:
    lease = Lease(timedelta(minutes=2))
    assert lease.until(T0) == T0 + timedelta(minutes=2)
    assert not lease.expired(T0, T0 + timedelta(minutes=2) - timedelta(microseconds=1))
    assert lease.expired(T0, T0 + timedelta(minutes=2))
    assert IMMEDIATE.expired(T0, T0)  # the escalation sender's post claims: taken over at once
    assert lapsed(None, T0)  # never claimed, or given back
    assert not lapsed(T0 + timedelta(seconds=1), T0) and lapsed(T0, T0)


def test_the_sql_condition_selects_what_lapsed_says() -> None:
    engine = create_engine("sqlite://")
    JobRun.__table__.create(engine)  # type: ignore[attr-defined]
    ends = {"before": T0 - timedelta(seconds=1), "at": T0, "after": T0 + timedelta(seconds=1)}
    with Session(engine) as session, session.begin():
        for key, until in ends.items():
            session.add(JobRun(key=key, claimed_by="w", claimed_at=T0 - timedelta(hours=1), claim_expires_at=until))
    with Session(engine) as session:
        free = set(session.execute(select(JobRun.key).where(lapsed_clause(JobRun.claim_expires_at, T0))).scalars())
    assert free == {key for key, until in ends.items() if lapsed(until, T0)} == {"before", "at"}


def test_post_claims_are_busy_until_their_lease_ends_then_taken_over(runtime: Runtime, clock: FixedClock) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, Actor(STAFF, "山田 花子", "test")))
    assert outcome.incident is not None
    queries, incident_id = runtime.triage.queries, outcome.incident.id

    def claim() -> str:
        return queries.claim_ref(incident_id, "slack", "pr_message", "C1", lease=POST_LEASE).state

    assert claim() == "new"
    clock.advance(seconds=POST_LEASE.duration.total_seconds() - 1)
    assert claim() == "busy"
    clock.advance(seconds=1)
    assert claim() == "taken_over"  # its holder died: the new holder looks for the post before posting again
    assert claim() == "busy"  # the lease restarts with the new holder


def test_escalation_claims_come_back_when_their_lease_ends(runtime: Runtime, clock: FixedClock) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(FLAMING, Actor(STAFF, "山田 花子", "test")))
    assert outcome.incident is not None
    clock.advance(minutes=31)  # level 2 is due
    desk = runtime.triage.escalations
    [note] = desk.claim_due("crashed")
    with runtime.triage.deps.sessions.begin() as session:
        row = session.get(Escalation, note.escalation_id)
        assert row is not None and row.claim_expires_at == escalation_desk.LEASE.until(clock.now())
    clock.advance(seconds=escalation_desk.LEASE.duration.total_seconds() - 1)
    assert desk.claim_due("w2") == []  # the first worker may still be sending it
    clock.advance(seconds=1)
    [again] = desk.claim_due("w2")
    assert again.escalation_id == note.escalation_id


def test_job_claims_are_held_for_their_lease_and_free_at_once_when_given_back(runtime: Runtime,
                                                                             clock: FixedClock) -> None:
    deps = runtime.triage.deps
    first = claim_job(deps, "job:a", "w1", clock.now())
    assert first is not None
    assert claim_job(deps, "job:a", "w2", clock.now() + JOB_LEASE.duration - timedelta(seconds=1)) is None
    assert claim_job(deps, "job:a", "w2", clock.now() + JOB_LEASE.duration) is not None
    second = claim_job(deps, "job:b", "w1", clock.now())
    assert second is not None
    release_job(deps, second, clock.now(), "boom")
    assert claim_job(deps, "job:b", "w2", clock.now()) is not None  # given back: the next tick retries at once


def test_memos_last_exactly_their_time(runtime_factory: Callable[..., Runtime], sqlite_url: str,
                                       clock: FixedClock) -> None:
    ttl = timedelta(minutes=5)
    memos = Memos(runtime_factory(sqlite_url).triage.deps)
    memos.remember("k", {"v": 1}, ttl=ttl)
    clock.advance(seconds=ttl.total_seconds() - 1)
    assert memos.recall("k") == {"v": 1}
    clock.advance(seconds=1)
    assert memos.recall("k") is None
