"""Who else hears of a status change than the one who made it: a reopen's notices (PR's, kept on record, and the
conversation's) and, at 対象外, the incident's own conversation told who declined it, when and why."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.clock import format_jst
from bot.ports import Actor, IncidentView, Notification
from bot.triage import flareup, lifecycle
from bot.triage.core import CoreDeps
from bot.triage.notices_sent import REOPENED, on_record
from bot.triage.sanitize import storable
from storage.models import Incident

# The topic of what a declined incident's conversation reads (its thread, or for a leak its reporter's private
# chat, where every word of a leak stays): posted there by the delivery plan, never to a section.
DECLINED_HERE = "declined_here"


def told_of_change(session: Session, deps: CoreDeps, incident: Incident, view: IncidentView, actor: Actor, *, old: str,
         reason: str) -> tuple[Notification, ...]:
    """The notices of a change from `old` to the incident's status, made by `actor` for `reason` (PR's reopen
    notices recorded in the same transaction as the change)."""
    if old == lifecycle.RESOLVED and incident.status == lifecycle.RESPONDING:
        notes = flareup.reopened_notice(deps, view, actor)  # PR's on record, not the thread's
        on_record(session, deps, incident, [n for n in notes if n.topic == flareup.REOPENED], REOPENED)
        return notes
    if incident.status == lifecycle.DECLINED:
        return (declined_here(deps, view, actor, reason),)
    return ()


def declined_here(deps: CoreDeps, view: IncidentView, actor: Actor, reason: str) -> Notification:
    """The words its reporters read in the incident's conversation (LINE WORKS walk s21: 対象外 alone told them
    neither who decided nor why); they name no kind, so they say nothing a bystander may not learn."""
    cat = deps.catalog
    said = cat.t("status_change.declined_here", ref=view.ref, who=actor.display_name or actor.user_id,
                 when=format_jst(deps.clock.now(), cat.locale), reason=storable(reason).strip())
    return Notification(incident_id=view.id, audience=view.reporter_id, level=1, section_name="", mention=None,
                        title=said, body="", acknowledgeable=False, topic=DECLINED_HERE)


__all__ = ["DECLINED_HERE", "declined_here", "told_of_change"]
