"""Firing due escalations: claimed from the database, delivered by an adapter, confirmed once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.lease import Lease, lapsed_clause
from bot.ports import Notification
from bot.triage import earlier, lifecycle
from bot.triage.core import CoreDeps, notification, record, transaction
from storage.models import Escalation, Incident

log = logging.getLogger(__name__)
LEASE = Lease(timedelta(minutes=5))


class EscalationDesk:
    """Re-sends unacknowledged incidents up the chain, then again to its last level up to the bound; safe with any
    number of instances."""

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def claim_due(self, worker: str, limit: int = 50) -> list[Notification]:
        """Claim due escalations for this worker (a lease, so a crashed worker's claims come back)."""

        def work(session: Session) -> list[Notification]:
            now = self.deps.clock.now()
            rows = session.execute(
                select(Escalation).where(
                    Escalation.status == "pending", Escalation.due_at <= now,
                    lapsed_clause(Escalation.claim_expires_at, now),
                ).order_by(Escalation.due_at).limit(limit).with_for_update(skip_locked=True)
            ).scalars().all()
            claimed: list[Notification] = []
            for row in rows:
                incident = session.get(Incident, row.incident_id)
                # Ending an incident is not acknowledging it: a resolved one nobody acknowledged still escalates.
                ended = incident is None or not (lifecycle.is_open(incident.status)
                                                 or incident.status == lifecycle.RESOLVED)
                if incident is None or incident.acknowledged_at is not None or ended:
                    row.status = "cancelled"
                    continue
                note = notification(self.deps, incident, row.level, escalation_id=row.id)
                if note is None:
                    row.status = "cancelled"
                    continue
                note = earlier.atop(note, earlier.again(self.deps, session, incident.id))  # as the first said
                row.claimed_by = worker
                row.claim_expires_at = LEASE.until(now)
                claimed.append(note)
            return claimed

        return transaction(self.deps, work)

    def confirm_sent(self, escalation_id: int, worker: str) -> bool:
        """Record a delivered level and queue the next one; False if the claim was lost meanwhile."""

        def work(session: Session) -> bool:
            row = session.execute(select(Escalation).where(Escalation.id == escalation_id).with_for_update()
                                  ).scalar_one_or_none()
            if row is None or row.status != "pending" or row.claimed_by != worker:
                return False
            now = self.deps.clock.now()
            row.status, row.sent_at = "sent", now
            incident = session.get(Incident, row.incident_id)
            assert incident is not None
            sent = self.deps.escalation.level(row.level)
            # stage: the chain level reached (a re-notice repeats one, the weekly summary must not count it as a climb)
            record(session, self.deps, incident.id, "escalated", "bot", new=row.section, level=row.level,
                   stage=sent.step if sent else row.level, repeat=sent.repeat if sent else 0)
            due = self.deps.escalation.due_after(row.level, now, incident.severity)
            following = self.deps.escalation.level(row.level + 1)
            if due is not None and following is not None:
                exists = session.execute(select(Escalation.id).where(
                    Escalation.incident_id == incident.id, Escalation.level == row.level + 1)).first()
                if exists is None:
                    session.add(Escalation(incident_id=incident.id, level=row.level + 1, section=following.section,
                                           due_at=due, status="pending"))
            return True

        return transaction(self.deps, work)

    def release(self, escalation_id: int, worker: str, error: str) -> None:
        """Give a claim back after a failed delivery, recording the failure on the timeline."""

        def work(session: Session) -> None:
            row = session.get(Escalation, escalation_id)
            if row is None or row.claimed_by != worker or row.status != "pending":
                return
            row.claimed_by, row.claim_expires_at = None, None
            record(session, self.deps, row.incident_id, "notify_failed", "bot", level=row.level, error=error[:500])

        transaction(self.deps, work)

    def fire_due(self, deliver: Callable[[Notification], None], worker: str) -> int:
        """Claim, deliver and confirm every due escalation; returns how many were delivered."""
        delivered = 0
        for note in self.claim_due(worker):
            assert note.escalation_id is not None
            try:
                deliver(note)
            except Exception as exc:  # an adapter failure must not stop the other escalations
                log.warning("escalation delivery failed", extra={"incident_id": note.incident_id,
                                                                 "level": note.level})
                self.release(note.escalation_id, worker, f"{type(exc).__name__}: {exc}")
                continue
            if self.confirm_sent(note.escalation_id, worker):
                delivered += 1
        return delivered
