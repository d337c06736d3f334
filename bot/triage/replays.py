"""Replays: what a first delivery showed, rebuilt from the database for adapters finishing interrupted work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import format_jst
from bot.ports import Actor, Outcome, ReportInput
from bot.triage.core import CoreDeps, build_view, load_incident, notification, reporter_ids
from bot.triage.steps import StepRunner
from storage.models import Escalation, Incident, IntakeKey


class ReplayMixin:
    """Read-only rebuilds of earlier outcomes (nothing is written)."""

    deps: CoreDeps
    steps: StepRunner

    def replay_report(self, report: ReportInput) -> Outcome | None:
        """The outcome the first delivery of this (already handled) report had, rebuilt from the database.

        For a redelivered report (Slack retries with the same event_id after a crash): the adapter re-runs its
        once-only posts with it, so whatever the crash interrupted is posted and nothing twice. duplicate=True;
        None when the key is unknown or led to no incident. Nothing is written.
        """
        if not report.idempotency_key:
            return None
        actor = report.reporter
        with self.deps.sessions.begin() as session:
            seen = session.get(IntakeKey, report.idempotency_key[:200])
            if seen is None or seen.incident_id is None:
                return None
            incident = load_incident(session, seen.incident_id)
            if self._created_by(incident, report):
                return self._replay_created(session, incident, actor.user_id)
            reporters = reporter_ids(session, incident.id)
            view = build_view(self.deps, incident, reporters, actor.user_id)
            cat = self.deps.catalog
            message = (cat.t("report.merged", ref=view.ref, count=len(reporters)) if view.details_visible
                       or not incident.restricted else cat.t("report.merged_pending", ref=view.ref))
            return Outcome(incident=view, merged=True, duplicate=True, messages=(message,))

    def replay_created(self, incident_id: int) -> Outcome:
        """The outcome of the report that created the incident (as its reporter saw it), rebuilt from the
        database: for an adapter finishing the posts of a report nobody will deliver again. Nothing is written."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            return self._replay_created(session, incident, incident.reporter_id)

    def _replay_created(self, session: Session, incident: Incident, viewer: str) -> Outcome:
        view = build_view(self.deps, incident, reporter_ids(session, incident.id), viewer)
        cat = self.deps.catalog
        messages = [cat.t("report.created", ref=view.ref, kind=view.kind_label,
                          confidence=f"{incident.classifier_confidence:.0%}")]
        if incident.restricted:
            messages.append(cat.t("report.restricted"))
        first = session.execute(select(Escalation).where(Escalation.incident_id == incident.id,
                                                         Escalation.level == 1)).scalar_one_or_none()
        note = notification(self.deps, incident, 1) if first is not None and first.status == "sent" else None
        return Outcome(incident=view, step=self.steps.current_view(session, incident, viewer),
                       notifications=(note,) if note else (), created=True, duplicate=True,
                       messages=tuple(messages))

    @staticmethod
    def _created_by(incident: Incident, report: ReportInput) -> bool:
        """Whether this report created the incident (else it was merged into it)."""
        where = report.conversation
        if where is not None and incident.conversation_channel is not None:
            return (where.platform, where.channel, where.thread) == (
                incident.conversation_platform, incident.conversation_channel, incident.conversation_thread)
        return incident.reporter_id == report.reporter.user_id

    def replay_acknowledgement(self, incident_id: int, actor: Actor) -> Outcome:
        """The outcome of the acknowledgement already recorded (who, when), for an adapter finishing its posts."""
        with self.deps.sessions.begin() as session:
            incident = load_incident(session, incident_id)
            reporters = reporter_ids(session, incident_id)
            view = build_view(self.deps, incident, reporters, actor.user_id)
            if incident.acknowledged_at is None:
                return Outcome(incident=view, duplicate=True)
            cat = self.deps.catalog
            return Outcome(incident=view, duplicate=True, messages=(cat.t(
                "ack.done", ref=view.ref, who=incident.acknowledged_by or "",
                when=format_jst(incident.acknowledged_at, cat.locale)),))

