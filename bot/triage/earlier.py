"""A new incident about a post an ended incident covered (closed, declined, or resolved and reported anew): linked
to it, so staff see the history instead of redoing the work.

Ending is final, so the report still opens a new incident; its `reported` event carries the link (hash-chained,
in the report's transaction) and its intro and first notice say which incident it was and how it ended. A
restricted earlier incident is named by its ref only: the new incident's thread and PR's channel are read by people
who may not see it. A declined one gives its reason (PR's note at 対象外) when it is an ordinary incident's and not
erased: the reason was written for the record of a post anyone may report, and it tells the reporter why it was
not handled; a restricted incident's reason may name what leaked and is never shown."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.clock import format_day
from bot.ports import Notification
from bot.triage import lifecycle
from bot.triage.core import CoreDeps, incident_ref, load_incident
from bot.triage.urls import source_key
from storage.models import Incident, TimelineEvent

ENDED = (lifecycle.CLOSED, lifecycle.DECLINED)


# Resolved and ended incidents whose URL holds a text: one statement built once (every new report runs it, and
# building costs more). The database keeps the URLs holding the key's last path segment (any spelling of the post
# holds it); a key costs ~10 µs to compute, so only those are compared in Python. The statuses are equalities, not
# IN: an IN list is an expanding parameter, rewritten into the SQL string on every execution (~15 µs).
ABOUT_POST = (select(Incident.id, Incident.source_url, Incident.status)
              .where(or_(*(Incident.status == bindparam(f"status_{n}", status)
                           for n, status in enumerate((*ENDED, lifecycle.RESOLVED)))),
                     Incident.source_url.is_not(None),
                     func.lower(Incident.source_url).like(bindparam("pattern"), escape="/"))
              .order_by(Incident.id.desc()).limit(200))


@dataclass(frozen=True)
class Before:
    """The latest incidents about one post that no longer take reports: resolved (may be reopened) and ended."""

    resolved: Incident | None = None
    ended: Incident | None = None  # closed or declined
    latest: Incident | None = None  # either, whichever is newer (a new incident chosen over reopening links it)


def about_post(session: Session, key: str | None) -> Before:
    """The latest resolved and ended incidents about the post `key`, read with one statement."""
    if not key:
        return Before()
    tail = urlsplit(key).path.rstrip("/").rsplit("/", 1)[-1].lower()
    escaped = tail.replace("/", "//").replace("%", "/%").replace("_", "/_")  # as `contains(autoescape=True)`
    found: dict[str, int] = {}
    for incident_id, url, status in session.connection().execute(ABOUT_POST, {"pattern": f"%{escaped}%"}):
        side = "resolved" if status == lifecycle.RESOLVED else "ended"
        if side not in found and source_key(url) == key:
            found[side] = incident_id
            if len(found) == 2:
                break
    loaded = {side: load_incident(session, incident_id) for side, incident_id in found.items()}
    latest = max(loaded.values(), key=lambda incident: incident.id, default=None)
    return Before(resolved=loaded.get("resolved"), ended=loaded.get("ended"), latest=latest)


def link(session: Session, earlier: Incident) -> dict[str, Any]:
    """The `reported` event's data naming the earlier incident: its ref only when restricted, else how and when it
    ended (never free text: a reason stays on its own incident's timeline, erased with it)."""
    if earlier.restricted:
        return {"earlier": earlier.id, "earlier_restricted": True}
    ended = session.execute(select(TimelineEvent.at).where(
        TimelineEvent.incident_id == earlier.id, TimelineEvent.type == "status_changed",
        cast(TimelineEvent.new_value, String) == f'"{earlier.status}"').order_by(TimelineEvent.seq.desc())).scalar()
    return {"earlier": earlier.id, "earlier_status": earlier.status,
            "earlier_at": (ended or earlier.updated_at).isoformat()}


def reason_of(session: Session, earlier: Incident) -> str | None:
    """Why an ordinary incident was declined, as PR wrote it at 対象外 (None: restricted, erased, or none given)."""
    if earlier.status != lifecycle.DECLINED or earlier.restricted or earlier.erased_at is not None:
        return None
    notes = session.execute(select(TimelineEvent.data).where(
        TimelineEvent.incident_id == earlier.id, TimelineEvent.type == "note").order_by(TimelineEvent.seq.desc()))
    found = next((note for note in notes.scalars() if isinstance(note, dict)
                  and note.get("reason_for") == lifecycle.DECLINED and note.get("text")), None)
    return None if found is None else str(found["text"])[:300]


def said(deps: CoreDeps, data: dict[str, Any], reason: str | None = None) -> str | None:
    """The line for the intro and the first notice, from the link's data (None: no earlier incident)."""
    earlier = data.get("earlier")
    if not isinstance(earlier, int):
        return None
    cat, ref = deps.catalog, incident_ref(earlier)
    if data.get("earlier_restricted") or "earlier_status" not in data:
        return cat.t("earlier.restricted", ref=ref)
    status = str(data["earlier_status"])
    when = format_day(datetime.fromisoformat(str(data["earlier_at"])), cat.locale)
    line = cat.t("earlier.declined" if status == lifecycle.DECLINED else "earlier.ended", ref=ref, when=when,
                 status=cat.label("status", status))
    return line + cat.t("earlier.reason", reason=reason) if reason else line


def recorded(session: Session, incident_id: int) -> dict[str, Any]:
    """The link as the incident's `reported` event holds it ({} when it has none)."""
    data = session.execute(select(TimelineEvent.data).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.type == "reported")).scalars().first()
    return dict(data) if isinstance(data, dict) and "earlier" in data else {}


def again(deps: CoreDeps, session: Session, incident_id: int) -> str | None:
    """The line as the incident's report said it, read back (a replayed report, its notice drawn again)."""
    data = recorded(session, incident_id)
    if not data:
        return None
    found = None if data.get("earlier_restricted") else session.get(Incident, data["earlier"])
    return said(deps, data, reason_of(session, found) if found is not None else None)


def noted(notes: tuple[Notification, ...], line: str | None) -> tuple[Notification, ...]:
    """The first notice with the line on top (PR sees at once that the post has a history)."""
    return tuple(atop(note, line) if note.level == 1 and note.topic is None else note for note in notes)


def atop(note: Notification, line: str | None) -> Notification:
    """A notice with the line on top (a re-notice or an escalation repeats the first notice, history included)."""
    return replace(note, body=f"{line}\n{note.body}") if line else note




def linked(deps: CoreDeps, session: Session, earlier: Incident | None) -> tuple[dict[str, Any], str | None]:
    """For a new incident about the post `earlier` covered: the link's event data and the line that says it ({}, None:
    none)."""
    if earlier is None:
        return {}, None
    data = link(session, earlier)
    return data, said(deps, data, reason_of(session, earlier))


__all__ = ["Before", "about_post", "again", "link", "linked", "reason_of", "said", "recorded", "noted", "atop"]
