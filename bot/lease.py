"""One lease rule for every claim a crashed holder may leave behind: platform refs, escalations, job runs, memos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_


@dataclass(frozen=True)
class Lease:
    """A claim held for `duration`: once that has passed without its holder finishing, it may be taken over."""

    duration: timedelta

    def until(self, taken_at: datetime) -> datetime:
        """When a claim taken at `taken_at` may be taken over."""
        return taken_at + self.duration

    def expired(self, taken_at: datetime, now: datetime) -> bool:
        """Whether a claim taken at `taken_at` is free to take over at `now`."""
        return lapsed(self.until(taken_at), now)


def lapsed(held_until: datetime | None, now: datetime) -> bool:
    """Whether a claim held until `held_until` is free at `now` (None: never claimed, or given back)."""
    return held_until is None or held_until <= now


def lapsed_clause(held_until: Any, now: datetime) -> ColumnElement[bool]:
    """`lapsed` as a SQL condition on a column holding the claim's expiry (to select free rows)."""
    return or_(held_until.is_(None), held_until <= now)


# A post takes seconds, even waiting for its channel's turn and a 429's Retry-After; two minutes is generous.
POST_LEASE = Lease(timedelta(minutes=2))
# Escalation posts: the scheduler's escalation lease already makes one worker the sender, so the claim is free at once.
IMMEDIATE = Lease(timedelta(0))
