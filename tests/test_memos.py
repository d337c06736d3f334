"""Adapter memos (bot/triage/memos.py): kept across runtimes on the same database, replaced, expired, forgotten."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.clock import FixedClock
from bot.triage.memos import Memos
from bot.wiring import Runtime


def test_a_memo_survives_a_new_runtime_and_expires(runtime_factory: Callable[..., Runtime], database_url: str,
                                                   clock: FixedClock) -> None:
    first = Memos(runtime_factory(database_url).triage.deps)
    first.remember("lineworks:input:u1", {"incident": 1, "field": "url"}, ttl=timedelta(hours=1))
    second = Memos(runtime_factory(database_url).triage.deps)  # as after a restart
    assert second.recall("lineworks:input:u1") == {"incident": 1, "field": "url"}
    second.remember("lineworks:input:u1", {"incident": 2, "field": "platform"}, ttl=timedelta(hours=1))
    assert first.recall("lineworks:input:u1") == {"incident": 2, "field": "platform"}
    clock.advance(hours=2)
    assert first.recall("lineworks:input:u1") is None  # expired
    first.remember("other", {"x": "y"})  # writing sweeps expired memos (report text does not linger)
    with first.deps.sessions.begin() as session:
        from sqlalchemy import select

        from storage.models import JobRun
        keys = list(session.execute(select(JobRun.key)).scalars())
    assert keys == ["memo:other"]
    first.forget("other")
    first.forget("never-there")
    assert first.recall("other") is None
