"""The hash chain catches edited and deleted rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text, update

from storage.db import make_engine, make_session_factory, migrate
from storage.models import TimelineEvent
from storage.timeline import append_event, verify_chain

T0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


def _seed(url: str, n: int = 5):
    engine = make_engine(url)
    migrate(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        for i in range(n):
            append_event(session, incident_id=None, type_="note", actor=f"U{i}", at=T0 + timedelta(minutes=i),
                         data={"text": f"メモ {i}", "n": i}, old_value=None, new_value={"v": i})
    return engine, sessions


def test_intact_chain_verifies(database_url: str) -> None:
    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        report = verify_chain(session)
    assert report.ok, report.problems
    assert report.events == 5 and report.head_seq == 5
    engine.dispose()


def test_edited_payload_is_caught(database_url: str) -> None:
    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 3).values(data={"text": "改ざん", "n": 3}))
    with sessions.begin() as session:
        report = verify_chain(session)
    assert [(p.seq, p.problem) for p in report.problems] == [(3, "payload edited (digest mismatch)")]
    engine.dispose()


def test_edited_actor_and_time_are_caught(database_url: str) -> None:
    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 2).values(actor="U_EVIL"))
        session.execute(update(TimelineEvent).where(TimelineEvent.seq == 4).values(at=T0 + timedelta(days=1)))
    with sessions.begin() as session:
        problems = {p.seq for p in verify_chain(session).problems}
    assert problems == {2, 4}
    engine.dispose()


def test_deleted_row_is_caught(database_url: str) -> None:
    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == 2))
    with sessions.begin() as session:
        report = verify_chain(session)
    assert not report.ok
    assert (2, "missing (deleted)") in [(p.seq, p.problem) for p in report.problems]
    engine.dispose()


def test_deleted_last_row_is_caught_by_the_head(database_url: str) -> None:
    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        session.execute(delete(TimelineEvent).where(TimelineEvent.seq == 5))
    with sessions.begin() as session:
        report = verify_chain(session)
    assert [(p.seq, p.problem) for p in report.problems] == [(5, "missing (deleted)")]
    engine.dispose()


def test_recomputed_forgery_breaks_the_next_link(database_url: str) -> None:
    """Even a forger who recomputes one row's digest and hash breaks the link to the next row."""
    from storage.timeline import event_hash, payload_digest

    engine, sessions = _seed(database_url)
    with sessions.begin() as session:
        row = session.query(TimelineEvent).filter_by(seq=3).one()
        row.data = {"text": "偽造", "n": 3}
        row.payload_digest = payload_digest(row.old_value, row.new_value, row.data)
        row.hash = event_hash(row.prev_hash, row.seq, row.incident_id, row.type, row.actor, row.at,
                              row.payload_digest)
    with sessions.begin() as session:
        report = verify_chain(session)
    assert [p.seq for p in report.problems] == [4]
    engine.dispose()


def test_times_come_back_aware_utc(database_url: str) -> None:
    engine, sessions = _seed(database_url, n=1)
    with sessions.begin() as session:
        row = session.query(TimelineEvent).one()
        assert row.at == T0 and row.at.tzinfo is not None
        assert session.execute(text("select count(*) from chain_head")).scalar() == 1
    engine.dispose()


def test_events_appended_together_chain_exactly_as_one_after_another(database_url: str) -> None:
    """append_events (one INSERT, a new report's events) stores the rows append_event would, in the same order."""
    from storage.timeline import Event, append_events

    one_by_one, one_sessions = _seed(database_url, n=2)
    events = [Event(None, "note" if i % 2 else "memo", f"U{i}", T0 + timedelta(minutes=i), None, {"v": i},
                    {"text": f"メモ {i}", "n": i}) for i in range(2, 5)]
    with one_sessions.begin() as session:
        singly = [append_event(session, incident_id=e.incident_id, type_=e.type_, actor=e.actor, at=e.at,
                               old_value=e.old_value, new_value=e.new_value, data=e.data) for e in events]
        rows_singly = [(r.seq, r.prev_hash, r.hash, r.payload_digest) for r in session.query(TimelineEvent)
                       .order_by(TimelineEvent.seq)]
    one_by_one.dispose()
    with one_sessions.begin() as session:
        session.execute(delete(TimelineEvent))
        session.execute(text("DELETE FROM chain_head"))
    together, sessions = _seed(database_url, n=2)
    with sessions.begin() as session:
        assert append_events(session, events) == singly
        rows_together = [(r.seq, r.prev_hash, r.hash, r.payload_digest) for r in session.query(TimelineEvent)
                         .order_by(TimelineEvent.seq)]
    with sessions.begin() as session:
        assert verify_chain(session).ok
    assert rows_together == rows_singly and len(rows_together) == 5
    together.dispose()
