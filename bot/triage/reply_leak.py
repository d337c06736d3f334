"""A reply in an open ordinary incident's public thread that exposes personal data: the incident restricted."""

# The edit rule's twin (restriction.edit_noted, session 19) for a colleague's reply under the report (session 21
# Teams walk #6). The reply is the thread's talk, not the incident's record: its text is read for the cue and never
# stored; the timeline says only THAT a reply restricted the incident (who, where), on its hash-chained event.

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.ports import Actor, Notification, Outcome
from bot.triage import lifecycle
from bot.triage.core import CoreDeps, build_view, load_incident, reporter_ids, transaction
from bot.triage.privacy_cues import exposes_personal_data
from bot.triage.restriction import merge_restricted, restricted_by_key, restricted_by_report
from bot.triage.steps import StepRunner
from storage.models import IntakeKey


def reply_exposes(deps: CoreDeps, steps: StepRunner, incident_id: int, actor: Actor, text: str, key: str,
                  message: str) -> Outcome | None:
    """Restrict the open incident when this reply (`text`, read, not kept) exposes personal data, once per reply
    (`key`: from its id; a redelivery says again that it restricted it, so its plan finishes); `message`: where the
    reply is (report_messages.message_of). None when the reply restricts nothing (no cue, restricted already, ended)."""
    if not exposes_personal_data(text):
        return None

    def work(session: Session) -> Outcome | None:
        incident = load_incident(session, incident_id, lock=True)
        duplicate = session.get(IntakeKey, key[:200]) is not None
        told: tuple[Notification, ...] | None = ()
        if duplicate:  # delivered again, or by a second instance: nothing new to tell PR
            if not restricted_by_key(session, incident_id, key):
                return None
        else:
            if incident.restricted or not lifecycle.is_open(incident.status):
                return None
            session.execute(insert(IntakeKey), {"key": key[:200], "incident_id": incident_id,
                                                "created_at": deps.clock.now()})
            # No permission asked: restricting only narrows who reads, and a bystander's reply must be covered too.
            # The replier holds no role by it (keeps=False), the first reporter and granted roles keep theirs.
            told = restricted_by_report(session, deps, incident, incident.kind, text, actor, key, via="reply",
                                        message=message)
        view = build_view(deps, incident, reporter_ids(session, incident_id), incident.reporter_id)  # the plan's
        return merge_restricted(deps, steps, session, incident, Outcome(incident=view, duplicate=duplicate), told,
                                via="reply")

    return transaction(deps, work)


__all__ = ["reply_exposes"]
