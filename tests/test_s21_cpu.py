"""Session 21's CPU cuts on the hot paths (issue #12): each test fails on the code before its cut."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from bot.adapters.slack import shapes
from bot.triage.earlier import ABOUT_POST
from bot.triage.replays import REPORT_EVENTS
from storage.db import make_engine, make_session_factory, migrate

CHANNEL_POST = {
    "token": "x", "team_id": "T_CITY", "api_app_id": "A_BOT", "type": "event_callback", "event_id": "Ev0001",
    "event_time": 1763000000, "authorizations": [{"team_id": "T_CITY", "user_id": "U_BOT", "is_bot": True}],
    "event": {"type": "message", "channel": "C_REPORT", "user": "U_STAFF", "text": "今日の会議は10時からです",
              "ts": "1763000000.000100", "event_ts": "1763000000.000100", "channel_type": "channel",
              "blocks": [{"type": "rich_text", "block_id": "b", "elements": []}]},
}


def test_a_write_transaction_sends_begin_immediate_past_sqlalchemys_execution(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE goes to the DBAPI connection itself: SQLAlchemy's statement path (events, result setup,
    ~11 µs) ran for it on every write transaction (two per new report)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    sessions = make_session_factory(engine)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *a: seen.append(statement))
    with sessions.begin() as session:
        session.execute(text("SELECT 1"))
    assert seen == ["SELECT 1"]


def test_a_writer_of_another_process_still_makes_begin_fail_as_sqlalchemy_says_it(tmp_path: Path) -> None:
    """The core's retries catch SQLAlchemy's OperationalError: a lock held past the busy timeout is still one, and
    the in-process writer lock is given back (the next transaction is not kept waiting)."""
    path = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{path}", sqlite_busy_seconds=0.1)
    migrate(engine)
    sessions = make_session_factory(engine)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with pytest.raises(OperationalError, match="database is locked"), sessions.begin() as session:
            session.execute(text("SELECT 1"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with sessions.begin() as session:  # the writer lock was given back
        assert session.execute(text("SELECT 1")).scalar() == 1


def test_the_look_for_ended_incidents_about_a_post_has_no_list_rewritten_per_execution() -> None:
    """Every new report runs it: an IN list is an expanding parameter whose SQL is rewritten on every execution
    (~15 µs); equalities compile once."""
    assert "POSTCOMPILE" not in str(ABOUT_POST.compile())
    assert "POSTCOMPILE" not in str(REPORT_EVENTS.compile())  # a Slack redelivery's look at what it led to


def test_a_channel_posts_shape_check_reads_only_the_fields_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every delivery is shape-checked before anything else: a field the payload does not hold costs no call
    (36 calls of `_get` for a channel post before, of which 18 for absent optional fields)."""
    calls: list[str] = []
    real = shapes._get

    def counted(data: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(key)
        return real(data, key, *args, **kwargs)

    monkeypatch.setattr(shapes, "_get", counted)
    assert shapes.shape_problem(CHANNEL_POST) is None
    assert len(calls) <= 20, calls
    # Absent required fields and wrong types are refused as before.
    missing = {**CHANNEL_POST, "event": {k: v for k, v in CHANNEL_POST["event"].items() if k != "channel"}}
    assert shapes.shape_problem(missing) == "event.channel missing"
    wrong = {**CHANNEL_POST, "event": {**CHANNEL_POST["event"], "ts": 5}}
    assert shapes.shape_problem(wrong) == "event.ts has the wrong type"
    bad = {**CHANNEL_POST, "event": {**CHANNEL_POST["event"], "user": "u-lower"}}
    assert shapes.shape_problem(bad) == "event.user is not in Slack's form"
