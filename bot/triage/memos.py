"""Short-lived conversation state an adapter must not lose across restarts, kept in job_runs by key.

Platforms without message look-ups or forms (LINE WORKS) remember here what a later message answers: the
text a 「報告ですか？」 question is about, or the step field the next typed text fills in. Each memo expires
(`ttl`); expired memos are deleted whenever a new one is written, so report text does not linger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.lease import Lease, lapsed, lapsed_clause
from bot.triage.core import CoreDeps, transaction
from storage.models import JobRun

PREFIX = "memo:"
HOLDER = "memo"
DEFAULT_TTL = timedelta(days=1)


class Memos:
    """remember / recall / forget small JSON values by key (see the module docstring)."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def remember(self, key: str, value: dict[str, Any], ttl: timedelta = DEFAULT_TTL) -> None:
        """Store (or replace) the value under key until `ttl` from now."""
        full = PREFIX + key

        def work(session: Session) -> None:
            now = self.deps.clock.now()
            # Why here: nothing else sweeps memos, and a write is when one more row would accumulate.
            session.execute(delete(JobRun).where(JobRun.key.like(PREFIX + "%"),
                                                 lapsed_clause(JobRun.claim_expires_at, now)))
            until = Lease(ttl).until(now)
            row = session.get(JobRun, full, with_for_update=True)
            if row is None:
                session.add(JobRun(key=full, claimed_by=HOLDER, claimed_at=now, claim_expires_at=until,
                                   result=dict(value)))
                session.flush()
                return
            row.claimed_at, row.claim_expires_at, row.result = now, until, dict(value)

        transaction(self.deps, work)

    def recall(self, key: str) -> dict[str, Any] | None:
        """The value stored under key, or None when there is none or it expired."""
        with self.deps.sessions.begin() as session:
            row = session.get(JobRun, PREFIX + key)
            if row is None or lapsed(row.claim_expires_at, self.deps.clock.now()):
                return None
            return dict(row.result or {})

    def forget(self, key: str) -> None:
        """Delete the memo (no error when there is none)."""
        transaction(self.deps, lambda session: session.execute(delete(JobRun).where(JobRun.key == PREFIX + key)))


__all__ = ["Memos", "DEFAULT_TTL"]
