"""Section messages after the first notice on record: the notice drawn again for a kind correction or a new post URL,
a severity change, PR told of co-reporters who lost their role or of one waiting for it on a restricted incident, of
a follow-up on the incident (【続報】), of a resolved incident's post reported again (【再燃】) and of its reopening
(【再開】); one hash-chained event each, in
the transaction of the change that sends it (a redelivery replays the change and records nothing). The event carries
the message's title (ref, kind, severity), never its body (the report's text), so a restricted incident's events
hold nothing of what leaked."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.ports import Notification
from bot.triage.core import CoreDeps, event, record_all
from storage.models import Incident

NOTICE_RESENT = "notice_resent"
KIND_CORRECTED = "kind_corrected"
URL_CHANGED = "url_changed"
SEVERITY_CHANGED = "severity_changed"
ROLES_REVOKED = "roles_revoked"
CO_REPORTED = "co_reported"
LEAK_SUSPECTED = "leak_suspected"
REPORTED_AGAIN = "reported_again"
REOPENED = "reopened"
FOLLOWED_UP = "followup"  # PR told of a follow-up (bot/triage/followups.py)
REASONS = (KIND_CORRECTED, URL_CHANGED, SEVERITY_CHANGED, ROLES_REVOKED, CO_REPORTED, LEAK_SUSPECTED, REPORTED_AGAIN,
           REOPENED, FOLLOWED_UP)


def on_record(session: Session, deps: CoreDeps, incident: Incident, notes: Sequence[Notification],
              reason: str) -> list[Notification]:
    """Record each message to a section (`reason`: why it was sent, one of REASONS) and give them back unchanged."""
    if not notes:
        return []
    record_all(session, [event(deps, incident.id, NOTICE_RESENT, "bot", new=note.audience, reason=reason,
                               level=note.level, sections=list(_sections(deps, note)), kind=incident.kind,
                               severity=incident.severity, title=note.title) for note in notes])
    return list(notes)


def _sections(deps: CoreDeps, note: Notification) -> tuple[str, ...]:
    """Every section a message reaches: an informational one goes where its level's notice goes, which names them
    all (浦臼町 5(3) 所属課局長及び総務課)."""
    level = deps.escalation.level(note.level)
    named = level.sections if level is not None and level.section == note.audience else ()
    return note.audiences or named or (note.audience,)
