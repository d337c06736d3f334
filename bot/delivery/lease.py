"""One lease rule for every claim that a crashed holder may leave behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Lease:
    """A claim older than `duration` whose holder never finished is presumed abandoned and may be taken over."""

    duration: timedelta

    def expired(self, taken_at: datetime, now: datetime) -> bool:
        """Whether a claim taken at `taken_at` is free to take over at `now`."""
        return now - taken_at >= self.duration

    def until(self, taken_at: datetime) -> datetime:
        """When a claim taken at `taken_at` may be taken over."""
        return taken_at + self.duration


# A post takes seconds, even waiting for its channel's turn and a 429's Retry-After; two minutes is generous.
POST_LEASE = Lease(timedelta(minutes=2))
# Escalations: the scheduler's database lease already makes one worker the sender, so its claim is free at once.
IMMEDIATE = Lease(timedelta(0))
