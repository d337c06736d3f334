"""Restricting an ordinary incident: who keeps the reporter role, and PR told of those who lose it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Actor, Notification, Outcome
from bot.triage.command_hints import how, platform_of
from bot.triage.core import CoreDeps, record, reporter_rows, section_notice
from bot.triage.notices_sent import LEAK_SUSPECTED, ROLES_REVOKED, on_record
from bot.triage.privacy_cues import exposes_personal_data
from bot.triage.roles import ROLE_GRANTED_EVENT
from storage.models import Incident, TimelineEvent


def restrict(session: Session, deps: CoreDeps, incident: Incident, actor: Actor, ref: str,
             kind_label: str) -> tuple[Notification, ...]:
    """Restrict the incident; co-reporters who took their role by reporting lose it until PR or security grant it."""
    granted = set(session.execute(select(TimelineEvent.new_value).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.type == ROLE_GRANTED_EVENT)).scalars())
    # Roles are granted, never taken: on an ordinary incident a report of the same post gave the role, which must
    # not carry over to a leak. The first reporter, explicit grants and the one restricting it keep theirs.
    keep = {incident.reporter_id, actor.user_id} | {str(user) for user in granted if user}
    revoked = [row for row in reporter_rows(session, incident.id).values() if row.granted and row.user_id not in keep]
    for row in revoked:
        row.granted = False
    incident.restricted = True
    record(session, deps, incident.id, "restricted", actor.user_id, old=False, new=True,
           revoked=[row.user_id for row in revoked])
    return co_reporters_told(session, deps, incident, ref, kind_label,
                             [(row.user_id, row.name, platform_of(row.user_id)) for row in revoked], ROLES_REVOKED)


def co_reporters_told(session: Session, deps: CoreDeps, incident: Incident, ref: str, kind_label: str,
                      people: list[tuple[str, str | None, str]], reason: str) -> tuple[Notification, ...]:
    """PR told of each co-reporter (id, name, platform) without the reporter role, with how to grant it; each
    message on record (`reason`, bot/triage/notices_sent.py)."""
    cat = deps.catalog
    notes = (section_notice(deps, incident.id, "co_report", cat.t("coreport.title", ref=ref, kind=kind_label),
                            cat.t("coreport.body", reporter=name or user, user=user)
                            + how(cat, "grant", platform, ref=ref, id=incident.id, user=user))
             for user, name, platform in people)
    return tuple(on_record(session, deps, incident, [note for note in notes if note], reason))


def leak_suspected(session: Session, deps: CoreDeps, merged: Outcome, incident: Incident, kind: str, text: str,
                   reporter: Actor) -> Outcome:
    """A report merged into an open ordinary incident of the same post, though it reads as a leak (its kind's
    playbook is restricted, or it exposes personal data): PR asked to check the kind (the correction restricts it)
    and the reporter told so, with the advice to delete her public post. Nothing of her text is shown."""
    if incident.restricted or merged.incident is None or not (
            deps.library.playbook(kind).restricted or exposes_personal_data(text)):
        return merged
    cat, view = deps.catalog, merged.incident
    note = section_notice(deps, incident.id, "co_report", cat.t("coreport.leak_title", ref=view.ref,
                                                                kind=view.kind_label),
                          cat.t("coreport.leak_body", reporter=reporter.display_name, ref=view.ref))
    notices = tuple(on_record(session, deps, incident, [note] if note else [], LEAK_SUSPECTED))
    said = cat.t("report.merged_leak_suspected", ref=view.ref)
    return replace(merged, notifications=merged.notifications + notices, messages=(*merged.messages, said))
