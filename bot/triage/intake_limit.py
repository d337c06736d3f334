"""Per-reporter rate limit on new incidents: a flood from one account is refused, PR is told once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent

RATE_LIMITED_EVENT = "rate_limited"


@dataclass(frozen=True)
class RateLimit:
    """At most `max_new` new incidents per reporter within `window_minutes`; 0 turns the limit off."""

    max_new: int
    window_minutes: int

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    def exceeded(self, session: Session, reporter: str, now: datetime) -> bool:
        """Whether this reporter already opened max_new incidents inside the window."""
        if self.max_new <= 0:
            return False
        count = session.execute(select(func.count(Incident.id)).where(
            Incident.reporter_id == reporter, Incident.created_at > now - self.window)).scalar_one()
        return int(count) >= self.max_new

    def already_told(self, session: Session, reporter: str, now: datetime) -> bool:
        """Whether PR was already told about this reporter inside the current window."""
        found = session.execute(select(TimelineEvent.id).where(
            TimelineEvent.type == RATE_LIMITED_EVENT, TimelineEvent.actor == reporter,
            TimelineEvent.at > now - self.window).limit(1)).first()
        return found is not None
