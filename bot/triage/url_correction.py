"""The post URL answered in a step: the incident's URL (and, while it is open, its dedup key) follows it, recorded
in the step's transaction; a URL another open incident already holds is not taken (two incidents are never merged
silently): the reporter is told which one holds it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.triage import lifecycle
from bot.triage.core import CoreDeps, incident_ref, record
from bot.triage.urls import source_key
from storage.models import Incident


def follow_url(session: Session, deps: CoreDeps, incident: Incident, url: str, actor: str) -> list[str]:
    """Set the incident's URL from a step's answer; the words for the one who answered (none when nothing to say)."""
    key, old = source_key(url), incident.source_url
    if old and source_key(old) == key:  # the same post however written (x.com / twitter.com, ?s=20)
        return []
    is_open = lifecycle.is_open(incident.status)
    holder = session.execute(select(Incident.id).where(Incident.open_source_key == key,
                                                       Incident.id != incident.id)).scalar() if key else None
    cat, ref = deps.catalog, incident_ref(incident.id)
    if holder is not None and old:
        return [cat.t("step.url_held", ref=ref, url=url, other=incident_ref(holder), old=old)]
    incident.source_url = url
    if is_open and holder is None and key:
        incident.open_source_key = key
    record(session, deps, incident.id, "details_changed", actor, old=old, new=url, field="source_url")
    return [cat.t("step.url_followed", ref=ref, url=url)] if old else []
