"""Tamper evidence that means it: someone with write access to the database edits tables, blanks rows as if
erased, or rewrites the whole chain; verification, the daily audit and (on PostgreSQL) the timeline guard
must notice or refuse. Real database (SQLite, and PostgreSQL with TEST_DATABASE_URL), real retention and audit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.clock import JST, FixedClock
from bot.ports import Actor, ReportInput
from bot.triage import lifecycle
from bot.triage.audit import audit_lines, run_daily_audit, verify_database
from bot.triage.retention import RetentionPolicy, run_retention
from bot.wiring import Runtime
from storage.models import ChainHead, Incident, IncidentReporter, StepState, TimelineEvent
from storage.timeline import ERASURE_EVENT, GENESIS_HASH, append_event, event_hash, payload_digest
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "test")
CO_REPORTER = Actor(OTHER, "佐藤 一郎", "test")
PR_OFFICER = Actor(PR, "広報 太郎", "test")
SECURITY_OFFICER = Actor(SECURITY, "情報 守", "test")
LEAK_URL = "https://www.facebook.com/city.example/posts/9"
LEAK = f"市のFacebookに住民の氏名と住所が写った写真を誤って投稿しました {LEAK_URL}"
FLAMING = "市の公式Xの投稿が炎上しています https://x.com/city/status/5"
GUARD_SQL = Path(__file__).resolve().parents[2] / "storage" / "sql" / "timeline_guard.sql"


def _policy(runtime: Runtime) -> RetentionPolicy:
    return RetentionPolicy.from_settings(runtime.settings.file.retention)


def _problems(runtime: Runtime) -> list[str]:
    return verify_database(runtime.triage.deps, _policy(runtime)).problem_lines()


@pytest.fixture
def world(runtime_factory: Callable[..., Runtime], database_url: str, clock: FixedClock) -> tuple[Runtime, int, int]:
    """A leak (co-reported, granted, acknowledged, one step done) and an open flaming incident."""
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(database_url, retention={"by_kind": {"leak": 30, "flaming": 30}})
    triage = runtime.triage
    leak = triage.incidents.report(ReportInput(LEAK, REPORTER, kind_hint="leak")).incident
    assert leak is not None
    triage.incidents.report(ReportInput(f"同じ投稿 {LEAK_URL}", CO_REPORTER, kind_hint="leak"))
    triage.roles.grant_reporter(leak.id, OTHER, PR_OFFICER)
    triage.incidents.acknowledge(leak.id, PR_OFFICER)
    step = triage.steps.current(leak.id, STAFF)
    assert step is not None
    triage.steps.complete(leak.id, step.step_id, REPORTER, answers=answers_for(step, LEAK_URL))
    flaming = triage.incidents.report(ReportInput(FLAMING, REPORTER)).incident
    assert flaming is not None
    assert _problems(runtime) == []
    return runtime, leak.id, flaming.id


def _edit(runtime: Runtime, change: Callable[[Session, int], object], incident_id: int) -> None:
    with runtime.triage.deps.sessions.begin() as session:
        change(session, incident_id)


TABLE_EDITS: dict[str, Callable[[Session, int], object]] = {
    "restricted": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(restricted=False)),
    "status": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(status="closed")),
    "acknowledged_by": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(
        acknowledged_by="偽の確認者")),
    "acknowledged_removed": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(
        acknowledged_at=None, acknowledged_by=None)),
    "kind": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(kind="flaming")),
    "severity": lambda s, i: s.execute(update(Incident).where(Incident.id == i).values(severity="low")),
    "reporter_deleted": lambda s, i: s.execute(delete(IncidentReporter).where(
        IncidentReporter.incident_id == i, IncidentReporter.user_id == OTHER)),
    "reporter_added": lambda s, i: s.add(IncidentReporter(incident_id=i, user_id="U_EVIL", name="",
                                                          reported_at=datetime.now(JST), granted=True)),
    "role_taken": lambda s, i: s.execute(update(IncidentReporter).where(
        IncidentReporter.incident_id == i, IncidentReporter.user_id == OTHER).values(granted=False)),
    "step_state": lambda s, i: s.execute(update(StepState).where(StepState.incident_id == i).values(
        status="skipped")),
    "step_deleted": lambda s, i: s.execute(delete(StepState).where(StepState.incident_id == i)),
}


@pytest.mark.parametrize("edit", list(TABLE_EDITS))
def test_table_edits_without_events_are_caught(world: tuple[Runtime, int, int], edit: str) -> None:
    runtime, leak, _ = world
    _edit(runtime, TABLE_EDITS[edit], leak)
    problems = _problems(runtime)
    assert problems and all("INC-" in p for p in problems), problems
    assert any(f"INC-{leak:04d}" in p for p in problems)


def _blank_as_if_erased(runtime: Runtime, incident_id: int, at: datetime) -> list[int]:
    """What an attacker does: blank an incident's rows and append a correctly hashed erasure naming them."""
    with runtime.triage.deps.sessions.begin() as session:
        seqs = list(session.execute(select(TimelineEvent.seq).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.type.in_(
                ("reported", "step_completed", "details_changed")))).scalars())
        session.execute(update(TimelineEvent).where(TimelineEvent.seq.in_(seqs)).values(
            erased=True, old_value=None, new_value=None, data={}))
        session.execute(update(Incident).where(Incident.id == incident_id).values(text=None, erased_at=at))
        append_event(session, incident_id=incident_id, type_=ERASURE_EVENT, actor="retention", at=at,
                     data={"seqs": seqs, "fields": 1, "reporters": 0, "step_states": 0,
                           "timeline_events": len(seqs)})
    return seqs


def test_fake_erasure_of_an_open_incident_is_caught(world: tuple[Runtime, int, int], clock: FixedClock) -> None:
    runtime, leak, _ = world
    _blank_as_if_erased(runtime, leak, clock.now())
    problems = _problems(runtime)
    assert any(f"INC-{leak:04d}: erased (seq" in p and "had not ended" in p for p in problems), problems


def test_fake_erasure_before_retention_is_over_is_caught(world: tuple[Runtime, int, int],
                                                        clock: FixedClock) -> None:
    runtime, leak, _ = world
    runtime.triage.incidents.change_status(leak, lifecycle.RESOLVED, PR_OFFICER)
    runtime.triage.incidents.change_status(leak, lifecycle.CLOSED, PR_OFFICER)
    clock.advance(days=3)  # retention is 30 days
    _blank_as_if_erased(runtime, leak, clock.now())
    problems = _problems(runtime)
    assert any("before its retention period was over" in p for p in problems), problems
    # The real erasure, once the period is over, verifies.
    clock.advance(days=30)
    runtime2_problems_before = _problems(runtime)
    assert runtime2_problems_before  # the fake one is still on record


def test_real_erasure_verifies_and_keeps_state_checkable(world: tuple[Runtime, int, int],
                                                         clock: FixedClock) -> None:
    runtime, leak, _ = world
    runtime.triage.incidents.change_status(leak, lifecycle.RESOLVED, PR_OFFICER)
    runtime.triage.incidents.change_status(leak, lifecycle.CLOSED, PR_OFFICER)
    clock.advance(days=31)
    assert [e.incident_id for e in run_retention(runtime.triage.deps, _policy(runtime)).erased] == [leak]
    assert _problems(runtime) == []
    for edit in ("restricted", "reporter_deleted", "step_state"):
        _edit(runtime, TABLE_EDITS[edit], leak)
        assert any(f"INC-{leak:04d}" in p for p in _problems(runtime)), edit


def test_erased_rows_must_be_named_by_their_erasure(world: tuple[Runtime, int, int], clock: FixedClock) -> None:
    runtime, leak, flaming = world
    with runtime.triage.deps.sessions.begin() as session:
        victim = session.execute(select(TimelineEvent.seq).where(
            TimelineEvent.incident_id == flaming, TimelineEvent.type == "reported")).scalar_one()
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == victim).values(
            erased=True, old_value=None, new_value=None, data={}))
        # An erasure event of another incident, counting one row, does not cover it.
        append_event(session, incident_id=leak, type_=ERASURE_EVENT, actor="retention", at=clock.now(),
                     data={"seqs": [victim], "timeline_events": 1})
    problems = _problems(runtime)
    assert f"seq {victim}: marked erased, but no erasure event of incident {flaming} names it" in problems
    assert any(f"erasure names seq {victim}, which is not an erased event of incident {leak}" in p
               for p in problems)


# -- the daily job compares with the head it posted the day before ------------------------------------------------
def _rewrite_chain(session: Session, seq: int, data: dict[str, object]) -> None:
    """Edit one event and recompute every digest and hash after it: the chain is consistent again."""
    session.execute(update(TimelineEvent).where(TimelineEvent.seq == seq).values(data=data))
    prev = GENESIS_HASH
    for event in session.execute(select(TimelineEvent).order_by(TimelineEvent.seq)).scalars():
        if event.seq >= seq:
            event.prev_hash = prev
            if not event.erased:
                event.payload_digest = payload_digest(event.old_value, event.new_value, event.data)
            event.hash = event_hash(event.prev_hash, event.seq, event.incident_id, event.type, event.actor,
                                    event.at, event.payload_digest)
        prev = event.hash
    head = session.get(ChainHead, 1)
    assert head is not None
    head.hash = prev


def test_daily_audit_alarms_when_the_posted_head_no_longer_matches(
        world: tuple[Runtime, int, int], clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    runtime, leak, _ = world
    deps, policy = runtime.triage.deps, _policy(runtime)
    posted = []
    clock.set(datetime(2026, 10, 2, 3, 31, tzinfo=JST))
    first = run_daily_audit(deps, policy, posted.append, "w1")
    assert first is not None and first.previous is None and first.head_mismatch is None
    clock.set(datetime(2026, 10, 3, 3, 31, tzinfo=JST))
    second = run_daily_audit(deps, policy, posted.append, "w1")
    assert second is not None and second.previous == (first.attestation.seq, first.attestation.hash)
    assert second.head_mismatch is None and not audit_lines(second, runtime.triage.catalog)[0].startswith("【警告】")
    with deps.sessions.begin() as session:  # rewrite history and re-anchor it
        seq = session.execute(select(TimelineEvent.seq).where(
            TimelineEvent.incident_id == leak, TimelineEvent.type == "reported")).scalar_one()
        _rewrite_chain(session, seq, {"platform": "test", "restricted": False, "source_url": None})
        session.execute(update(Incident).where(Incident.id == leak).values(restricted=False))
    assert verify_database(deps).chain.ok  # the chain alone cannot tell
    clock.set(datetime(2026, 10, 4, 3, 31, tzinfo=JST))
    with caplog.at_level(logging.ERROR, logger="bot.triage.audit"):
        third = run_daily_audit(deps, policy, posted.append, "w1")
    assert third is not None and third.head_mismatch not in (None, second.attestation.hash)
    lines = audit_lines(third, runtime.triage.catalog)
    assert lines[0].startswith("【警告】前回掲示したタイムラインの先頭") and str(second.attestation.seq) in lines[0]
    assert posted[-1] is third and any("no longer matches" in r.getMessage() for r in caplog.records)
    assert third.attestation.report.chain.events > 0


def test_erasure_waits_while_verification_finds_problems(world: tuple[Runtime, int, int],
                                                         clock: FixedClock) -> None:
    runtime, leak, flaming = world
    runtime.triage.incidents.change_status(leak, lifecycle.RESOLVED, PR_OFFICER)
    runtime.triage.incidents.change_status(leak, lifecycle.CLOSED, PR_OFFICER)
    _edit(runtime, TABLE_EDITS["severity"], flaming)
    clock.advance(days=31)
    result = run_daily_audit(runtime.triage.deps, _policy(runtime), None, "w1")
    assert result is not None and result.erasure_held and result.retention.erased == ()
    assert any("消去を見合わせました" in line for line in audit_lines(result, runtime.triage.catalog))
    with runtime.triage.deps.sessions.begin() as session:
        incident = session.get(Incident, leak)
        assert incident is not None and incident.erased_at is None and incident.text == LEAK


# -- PostgreSQL: the timeline guard ---------------------------------------------------------------------------------
def test_postgres_timeline_guard_refuses_edits_and_deletes(runtime_factory: Callable[..., Runtime],
                                                           clock: FixedClock, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=JST))
    runtime = runtime_factory(database_url, retention={"by_kind": {"leak": 30}})
    with runtime.engine.begin() as conn:  # as psql -f would: no parameters, so '%' is plain text
        conn.connection.driver_connection.execute(GUARD_SQL.read_text(encoding="utf-8"))
    triage = runtime.triage
    leak = triage.incidents.report(ReportInput(LEAK, REPORTER, kind_hint="leak")).incident
    assert leak is not None
    triage.incidents.change_status(leak.id, lifecycle.RESOLVED, PR_OFFICER)
    triage.incidents.change_status(leak.id, lifecycle.CLOSED, PR_OFFICER)
    refused = {
        "update hash": "UPDATE timeline_events SET hash = repeat('0', 64) WHERE seq = 1",
        "update actor": "UPDATE timeline_events SET actor = 'U_EVIL' WHERE seq = 1",
        "fake erasure with a new digest": "UPDATE timeline_events SET erased = true, data = '{}', "
                                          "payload_digest = repeat('0', 64) WHERE seq = 1",
        "delete": "DELETE FROM timeline_events WHERE seq = 2",
        "truncate": "TRUNCATE timeline_events",
    }
    for name, sql in refused.items():
        with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as conn:
            conn.execute(text(sql))
        assert name
    # Retention's blanking is the one update allowed; the chain verifies afterwards.
    clock.advance(days=31)
    assert [e.incident_id for e in run_retention(triage.deps, _policy(runtime)).erased] == [leak.id]
    assert _problems(runtime) == []
    # A role set up as docs/operations.md says cannot switch the guard off.
    role = f"bot_{uuid.uuid4().hex[:8]}"
    with runtime.engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {role}"))
    try:
        with pytest.raises(DBAPIError, match="must be owner|permission denied"), runtime.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            conn.execute(text("ALTER TABLE timeline_events DISABLE TRIGGER timeline_events_append_only"))
        with pytest.raises(DBAPIError, match="permission denied"), runtime.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            conn.execute(text("DELETE FROM incident_reporters"))
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}"))
            conn.execute(text(f"REVOKE USAGE ON SCHEMA {schema} FROM {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
