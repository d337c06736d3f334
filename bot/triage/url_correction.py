"""The post URL answered in a step: the incident's URL (and, while it is open, its dedup key) follows it, recorded
in the step's transaction; a URL another open incident already holds is not taken (two incidents are never merged
silently): the reporter is told which one holds it. The section notices already sent are redrawn with the new URL
(`revised`): PR acts on its first notice; a restricted incident's notices show no URL and are left as they are.
A kind correction redraws them the same way (`kind_redrawn`). Each message the sections are sent is on record
(bot/triage/notices_sent.py); a replay (`revision_replayed`) rebuilds them and records nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import Notification
from bot.triage import earlier, lifecycle
from bot.triage.core import CoreDeps, incident_ref, notification, record
from bot.triage.notices_sent import KIND_CORRECTED, SEVERITY_CHANGED, URL_CHANGED, on_record
from bot.triage.urls import source_key
from storage.models import Escalation, Incident, TimelineEvent

REVISED = "notice_revised"  # Notification.topic of a sent notice redrawn in place (the post URL changed)


def follow_url(session: Session, deps: CoreDeps, incident: Incident, url: str,
               actor: str) -> tuple[list[str], list[Notification]]:
    """Set the incident's URL from a step's answer: the words for the one who answered (none when nothing to say),
    and the sent section notices as they now read."""
    key, old = source_key(url), incident.source_url
    if old and source_key(old) == key:  # the same post however written (x.com / twitter.com, ?s=20)
        return [], []
    is_open = lifecycle.is_open(incident.status)
    holder = session.execute(select(Incident.id).where(Incident.open_source_key == key,
                                                       Incident.id != incident.id)).scalar() if key else None
    cat, ref = deps.catalog, incident_ref(incident.id)
    if holder is not None and old:
        return [cat.t("step.url_held", ref=ref, url=url, other=incident_ref(holder), old=old)], []
    incident.source_url = url
    if is_open and holder is None and key:
        incident.open_source_key = key
    record(session, deps, incident.id, "details_changed", actor, old=old, new=url, field="source_url")
    return [cat.t("step.url_followed", ref=ref, url=url)] if old else [], revised(session, deps, incident, old)


def revision_replayed(session: Session, deps: CoreDeps, incident: Incident, step_id: str) -> list[Notification]:
    """A step's completion replayed (a crash may have cut its delivery short): the notices as that completion's URL
    correction redrew them, while the post it set is still the incident's (a later correction redraws its own)."""
    rows = session.execute(select(TimelineEvent.type, TimelineEvent.old_value, TimelineEvent.new_value,
                                  TimelineEvent.data).where(
        TimelineEvent.incident_id == incident.id,
        TimelineEvent.type.in_(("step_completed", "step_skipped", "details_changed"))).order_by(TimelineEvent.seq))
    found: tuple[bool, Any] | None = None  # (the URL it set is still the post, what it was before)
    within = False  # the events the step's own transaction appended after it
    for type_, old, new, data in rows:
        if type_ != "details_changed":
            within = type_ == "step_completed" and (data or {}).get("step") == step_id
            found = None if within else found
        elif within and (data or {}).get("field") == "source_url":
            found = (new == incident.source_url, old)
    return revised(session, deps, incident, found[1]) if found and found[0] else []


def revised(session: Session, deps: CoreDeps, incident: Incident, old: str | None) -> list[Notification]:
    """Every chain level's notice sent so far, drawn again as it now reads, saying the post changed (its
    acknowledge control only while nobody has acknowledged); none for a restricted incident (no URL shown)."""
    changed = deps.catalog.t("notify.url_changed", old=old) if old else deps.catalog.t("notify.url_entered")
    return redrawn(session, deps, incident, changed)


def kind_redrawn(session: Session, deps: CoreDeps, incident: Incident, old_kind: str) -> list[Notification]:
    """The notices sent so far drawn again after a kind correction, saying what the kind was; each on record."""
    notes = redrawn(session, deps, incident, deps.catalog.t("notify.kind_changed",
                                                            old=deps.catalog.label("kind", old_kind)))
    return on_record(session, deps, incident, notes, KIND_CORRECTED)


def told_after_answers(session: Session, deps: CoreDeps, incident: Incident, old_url: str | None, url_changed: bool,
                       severity: list[Notification]) -> list[Notification]:
    """What a step's answers send the sections, each on record: the notices redrawn when the post URL changed (with
    the severity the same answers set), then the severity change notice."""
    notes = revised(session, deps, incident, old_url) if url_changed else []
    return on_record(session, deps, incident, notes, URL_CHANGED) + on_record(session, deps, incident, severity,
                                                                             SEVERITY_CHANGED)


def redrawn(session: Session, deps: CoreDeps, incident: Incident, changed: str) -> list[Notification]:
    """Every chain level's notice sent so far, drawn again as it now reads with `changed` (what changed) on top;
    none for a restricted incident (its notices were redacted when it became so)."""
    if incident.restricted:
        return []
    levels = session.execute(select(Escalation.level).where(Escalation.incident_id == incident.id,
                                                            Escalation.status == "sent").distinct()).scalars()
    notes = (notification(deps, incident, level) for level in sorted(levels))
    history = earlier.again(deps, session, incident.id)  # the post's ended incident, as the first notice said
    changed = f"{changed}\n{history}" if history else changed
    return [replace(note, body=f"{changed}\n{note.body}", acknowledgeable=incident.acknowledged_at is None,
                    topic=REVISED) for note in notes if note is not None]
